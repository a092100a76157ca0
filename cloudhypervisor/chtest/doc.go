// Package chtest runs an in-process fake cloud-hypervisor VMM on a unix
// socket, for testing code that uses package cloudhypervisor. No
// cloud-hypervisor binary is needed (none is available in this project's
// CI, so the client's tests run against this fake).
//
// The fake behaves like a real server release, not like the spec:
// Options.Release picks ReleaseV53 (v53.0, tag commit 9ed824d6, the
// default), ReleaseMain (main at ae44c297, v53.0-246, the newest server
// source available) or ReleaseV52 (v47.0 to v52.0). Everything below was
// read from cloud-hypervisor's source at those commits
// (vmm/src/api/http/mod.rs and http_endpoint.rs, vmm/src/api/mod.rs,
// vmm/src/vm.rs, vmm/src/lib.rs) and from micro_http, its HTTP library
// (micro-http 5c2254d6 for v53.0, 7975fe0e for main).
//
// Where the real servers differ from the newest spec (cloud-hypervisor.yaml,
// commit 00f68228):
//
//   - Statuses. The spec declares 404, 405, 409 per operation; the servers
//     decide by the error's cause. v53.0: 404 for "VM is not created" and
//     "VM config is missing" (vm.info or vm.boot without a VM, vm.reboot
//     without a booted VM, add-* without a VM), 500 for every other VMM
//     failure, including "VM is already created" and wrong states.
//     main: additionally 404 for an unknown device id, 409 for a
//     duplicate device id or path, 400 for other invalid configurations.
//     v52.0 and older: 500 for every VMM failure. 405 is never sent: a
//     wrong method is 400 ["Bad Request"] (a bare 400 for methods other
//     than GET and PUT on most paths). vm.resize answers 429 only while a
//     vCPU removal is pending.
//   - Bodies. Errors are the JSON array of the error chain (v47 and later;
//     plain text labelled application/json before, ErrorBodyText). For
//     VMM failures it starts with "Error from API", then the operation's
//     message ("The VM could not boot"), then the causes ("VM config is
//     missing"). Bad requests are ["Bad Request"] or ["Failed to
//     deserialize JSON", <serde message>]; unknown paths ["Not Found"].
//     Answers carry "Server: Cloud Hypervisor API" and are labelled
//     application/json. vmm.shutdown answers 200, not 204; add-* answer
//     200 with PciDeviceInfo for a booted VM and 204 for a VM not booted.
//     vmm.ping reports the crate version ("53.0.0") as version and git
//     describe ("v53.0") as build_version.
//   - Routes. vm.balloon-stats is in the newest spec only: v53.0 and main
//     answer 404 ["Not Found"]. vm.coredump exists only in VMMs built with
//     the guest_debug feature (Options.GuestDebug); otherwise 404.
//   - Fields the spec lacks or dropped: vm.restore takes net_fds
//     (checked against the descriptors received; a mismatch is
//     ["Bad Request"]); vm.receive-migration takes memory_mode (Precopy or
//     Postcopy; the newest spec dropped it and added MemFDs, which the
//     servers reject with 400). Answers carry a field the spec lacks, so
//     clients must ignore unknown fields.
//   - Descriptors (SCM_RIGHTS): vm.add-net uses all it receives,
//     vm.add-device at most one (more is ["Bad Request"]), vm.restore
//     those net_fds names. vm.create ignores them in every version
//     checked; the fake closes them and counts them in Stats.IgnoredFDs.
//   - Connection limit: at most MaxConns (10) connections. The next one is
//     answered with micro_http's fixed 503 (no reason phrase, "Server:
//     Firecracker API", body {"error": "Too many open connections"} as a
//     JSON object, not a chain) and closed at once without reading, so a
//     request already written is left unread (the client sees ECONNRESET
//     after the answer) and a later write fails with EPIPE.
//   - Request bodies need Content-Length (chunked bodies are refused);
//     body-less actions refuse a body; one "API thread" handles requests
//     one at a time.
//
// What the fake does not model: v53.0 limits request bodies to 50 KiB
// (micro_http's default; main raises it to 4 MiB); the real VMM validates
// a configuration when it boots, not at vm.create; main's vfio_fds and
// iommufd descriptors on vm.restore and vm.receive-migration. Where the
// fake checks something the real VMM checks deeper down (URL formats,
// vCPU limits), the last element of the chain is the fake's own wording,
// and a request that fails the spec (kin-openapi validation, counted in
// Stats.ValidationFailures) gets ["Failed to deserialize JSON", <the
// validator's message>].
//
// Fault injection (Inject) makes a path answer a given status and error
// chain, wait, or drop the connection. The state machine is a model, not
// an emulator: nothing runs.
package chtest

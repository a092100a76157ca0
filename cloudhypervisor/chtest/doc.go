// Package chtest runs an in-process fake cloud-hypervisor VMM on a unix
// socket, for testing code that uses package cloudhypervisor. No
// cloud-hypervisor binary is needed (none is available in this project's
// CI, so the client's tests run against this fake).
//
// The fake is built from the oapi-codegen strict server generated from
// the same spec as the client. Every request is checked against the spec
// with kin-openapi before it reaches the handlers, and failures are
// counted (Stats.ValidationFailures). On top of the spec it reproduces
// what the real server does differently, as read from its source:
//
//   - error bodies are the JSON array of the error chain (ErrorBodyJSON,
//     v47+) or plain text labelled application/json (ErrorBodyText);
//   - statuses: with StatusLegacy (up to v52) failures of the VMM are 500,
//     with StatusV53 some are 404/409; bad requests are 400 and a wrong
//     method is 400, never the spec's 405;
//   - PUT /vmm.shutdown answers 200; add-* answer 200 with PciDeviceInfo
//     for a booted VM and 204 when cold-plugged;
//   - at most MaxConns (10) connections; the next one gets
//     503 {"error":"Too many open connections"} and is closed;
//   - request bodies need Content-Length (chunked bodies are refused);
//     body-less actions refuse a body;
//   - one "API thread": requests are handled one at a time;
//   - file descriptors passed with SCM_RIGHTS are received and recorded
//     (ReceivedFDs); vm.restore checks them against net_fds;
//   - responses carry a field the spec lacks, so clients must ignore
//     unknown fields.
//
// Fault injection (Inject) makes a path answer a given status and error
// chain, wait, or drop the connection.
//
// The state machine is a model, not an emulator: nothing runs. Where the
// real VMM's behaviour is unknown (for example how vm.create assigns
// passed fds), the fake only records what it received.
package chtest

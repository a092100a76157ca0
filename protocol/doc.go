// Package protocol holds the wire forms of libvirt's remote, QEMU and LXC
// procedures that the root package's API never names: the argument struct
// of every call (DomainGetXMLDescArgs) and the reply struct of every call
// whose results the client returns one by one (DomainGetXMLDescRet). Each
// type mirrors one struct of libvirt's protocol files, field for field in
// wire order, with libvirt's own types (libvirt.Domain, libvirt.TypedParams,
// the flag and enum types) from package github.com/virtwire/libvirt:
//
//	https://gitlab.com/libvirt/libvirt/-/blob/master/src/remote/remote_protocol.x
//	https://gitlab.com/libvirt/libvirt/-/blob/master/src/remote/qemu_protocol.x
//	https://gitlab.com/libvirt/libvirt/-/blob/master/src/remote/lxc_protocol.x
//
// Programs that only call libvirt do not need this package. It is for:
//
//   - writing libvirttest handlers: libvirttest.RemoteHandler and
//     libvirttest.QEMUHandler take these argument types and return these
//     reply types (replies that the client returns whole, such as
//     libvirt.DomainGetInfoRet, and the event messages stay in package
//     libvirt);
//   - decoding captured traffic: Unmarshal reads a message body (the
//     bytes after the 28-byte header that names the program and
//     procedure) into the type of its procedure, and Marshal produces one.
//
// The generated types are copies of the root package's unexported ones and
// are regenerated with them by internal/lvgen, so both always agree on the
// encoding.
package protocol

// Package xdr holds the reflection-free XDR (RFC 4506) primitives that
// virtwire's generated code calls to encode and decode libvirt messages.
//
// Both directions use a sticky error: once an operation fails, later
// operations do nothing and return zero values, and the caller checks Err
// once at the end. This keeps generated code short and branch-free on the
// hot path while still stopping at the first problem.
//
// The Encoder appends into a caller-supplied buffer and never allocates when
// that buffer has room. The Decoder works in place on a byte slice and only
// allocates for the strings and slices it returns; before it allocates a
// slice it checks that the remaining input could actually hold that many
// elements, so a hostile length prefix cannot force a large allocation.
//
// # Tolerance
//
// The Decoder accepts what libtirpc, the XDR library of both libvirtd and
// libvirt's own client, accepts, and it is the one decoder used on both
// sides (the client reading daemons, libvirttest reading clients): any
// non-zero bool or optional-data flag is true (go-libvirt sends true as
// 0x01000000), and the padding after strings and opaque data is skipped
// without looking at it. Every bound is kept: lengths against the
// protocol's maxima and the remaining input, array counts before any
// allocation. A decoded value therefore may have several encodings; the
// Encoder always writes the canonical one (1 for true, zero padding).
// Finish still rejects bytes left over after a message, which libvirt's
// message layer ignores; the fake's dispatch (libvirttest) ignores them
// like libvirtd, while the client keeps the check.
package xdr

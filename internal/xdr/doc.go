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
package xdr

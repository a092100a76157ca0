package protocol

import "github.com/virtwire/libvirt/internal/xdr"

// Body is a value with an XDR encoding: every type of this package, and
// the types of package libvirt that travel in message bodies (libvirt.Domain,
// libvirt.DomainGetInfoRet, the event messages such as
// libvirt.DomainEventLifecycleMsg). Only generated code implements it.
type Body interface {
	EncodeXDR(e *xdr.Encoder)
	DecodeXDR(d *xdr.Decoder)
}

// Marshal returns the XDR encoding of v: the body of a message carrying v,
// without the message's 28-byte header. It fails on a value the protocol
// cannot carry (a string or list over its libvirt bound, a union holding
// no arm).
func Marshal(v Body) ([]byte, error) {
	e := xdr.NewEncoder(nil)
	v.EncodeXDR(e)
	if err := e.Err(); err != nil {
		return nil, err
	}
	return e.Bytes(), nil
}

// Unmarshal decodes data, a message body without its header, into v. It
// fails on a short or malformed body, on a length over its libvirt bound
// and on bytes left over after v, which suggest the wrong type for the
// procedure.
func Unmarshal(data []byte, v Body) error {
	d := xdr.NewDecoder(data)
	v.DecodeXDR(d)
	return d.Finish()
}

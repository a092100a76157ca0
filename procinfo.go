package libvirt

import "github.com/virtwire/libvirt/internal/xdr"

// xdrBody is a generated message body the wire trace can decode.
type xdrBody interface {
	DecodeXDR(d *xdr.Decoder)
}

// procInfo is what procinfo.gen.go records about one procedure.
type procInfo struct {
	method   string // Go method name ("DomainDefineXML")
	cfunc    string // libvirt's C function ("virDomainDefineXML"); empty for events
	constant string // the protocol constant ("REMOTE_PROC_DOMAIN_DEFINE_XML")
	args     func() xdrBody
	ret      func() xdrBody
	msg      func() xdrBody
}

// lookupProc finds procedure proc of program prog, or nil.
func lookupProc(prog uint32, proc int32) (*procInfo, string) {
	t, name := procTable(prog)
	if proc < 0 || int(proc) >= len(t) || t[proc].method == "" {
		return nil, name
	}
	return &t[proc], name
}

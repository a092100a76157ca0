package libvirttest

import (
	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
)

// prefixDenied is libvirt's text in front of VIR_ERR_OPERATION_DENIED's
// detail.
const prefixDenied = "operation forbidden: "

// roVerdict is what a read-only connection's call gets.
type roVerdict int

const (
	roAllow  roVerdict = iota // served as on any connection
	roDeny                    // "read only access prevents <api>"
	roSecure                  // "<api> with secure flag"
)

// roRule is how libvirt's public API guards one procedure on read-only
// connections: api is the C function libvirtd calls, dom the error domain
// of its source file, and check decodes the call's arguments and decides.
type roRule struct {
	api   string
	dom   libvirt.ErrorDomain
	check roCheck
}

// roCheck decides a call from its arguments. run returns the verdict for
// a read-only connection, or the error of an argument check that libvirt
// makes before the read-only one (on every connection: early is set for
// the checks that have such argument checks, which therefore run on
// read-write connections too).
type roCheck struct {
	run   func(d *xdr.Decoder) (roVerdict, error)
	early bool
}

// argsPtr is a generated argument struct's pointer type.
type argsPtr[A any] interface {
	*A
	DecodeXDR(d *xdr.Decoder)
}

// decodeArgs decodes a call's arguments as the dispatcher will, so that a
// body that does not decode is left to the dispatcher's error: libvirtd
// decodes the arguments before it calls the API.
func decodeArgs[A any, P argsPtr[A]](d *xdr.Decoder) (*A, bool) {
	a := new(A)
	P(a).DecodeXDR(d)
	return a, d.Err() == nil
}

// always refuses every call whose arguments decode.
func always[A any, P argsPtr[A]]() roCheck {
	return roCheck{run: func(d *xdr.Decoder) (roVerdict, error) {
		if _, ok := decodeArgs[A, P](d); ok {
			return roDeny, nil
		}
		return roAllow, nil
	}}
}

// when refuses the calls whose arguments satisfy refuse: the API checks
// for read-only connections only on that path.
func when[A any, P argsPtr[A]](refuse func(*A) bool) roCheck {
	return roCheck{run: func(d *xdr.Decoder) (roVerdict, error) {
		if a, ok := decodeArgs[A, P](d); ok && refuse(a) {
			return roDeny, nil
		}
		return roAllow, nil
	}}
}

// after refuses every call whose arguments pass first, the argument
// checks libvirt makes before the read-only check; first's error is
// reported instead, on any connection.
func after[A any, P argsPtr[A]](first func(*A) error) roCheck {
	return roCheck{early: true, run: func(d *xdr.Decoder) (roVerdict, error) {
		a, ok := decodeArgs[A, P](d)
		if !ok {
			return roAllow, nil
		}
		if err := first(a); err != nil {
			return roAllow, err
		}
		return roDeny, nil
	}}
}

// secure refuses, with the secure-flag message, calls whose flags ask for
// secrets.
func secure[A any, P argsPtr[A]](asks func(*A) bool) roCheck {
	return roCheck{run: func(d *xdr.Decoder) (roVerdict, error) {
		if a, ok := decodeArgs[A, P](d); ok && asks(a) {
			return roSecure, nil
		}
		return roAllow, nil
	}}
}

// argError is the error of an argument check in libvirt's public API:
// VIR_ERR_INVALID_ARG under the API's error domain, the message without
// a prefix, and, as libvirt fills them, the function and the argument's
// name in Str1 and Str2 and zero integers.
func argError(dom libvirt.ErrorDomain, fn, arg, msg string) *libvirt.Error {
	return &libvirt.Error{Code: libvirt.ErrInvalidArg, Domain: dom, Level: libvirt.ErrError,
		Message: msg, Str1: fn, Str2: arg}
}

// exclusive is libvirt's error for two flags of fn that may not be
// combined, when flags has both. libvirt names the argument "ctl".
func exclusive(fn string, flags, a, b uint32, aName, bName string) error {
	if flags&a != 0 && flags&b != 0 {
		return argError(libvirt.FromDomain, fn, "ctl", "Flags '"+aName+"' and '"+bName+"' are mutually exclusive")
	}
	return nil
}

// peekSize is libvirtd's refusal of a peek larger than the protocol's
// buffer, made by its dispatcher before the API runs.
func peekSize(size, max uint32) error {
	if size > max {
		return lvError(libvirt.ErrInternalError, libvirt.FromRPC, prefixInternal, "size > maximum buffer size")
	}
	return nil
}

// readOnlyRule returns the rule for procedure proc of program prog.
func readOnlyRule(prog uint32, proc int32) (roRule, bool) {
	var r roRule
	var ok bool
	switch prog {
	case libvirt.Program:
		r, ok = readOnlyRemote[libvirt.Procedure(proc)]
	case libvirt.QEMUProgram:
		r, ok = readOnlyQEMU[libvirt.QEMUProcedure(proc)]
	}
	return r, ok
}

// refuseReadOnly returns libvirtd's error for a call that a read-only
// connection may not make, or for the argument checks libvirt makes
// before its read-only check; else nil. It runs after authentication and
// before the driver's flag check, where libvirt's public API makes its
// checks: so a read-only client gets this error even for a missing
// object, bad flags or malformed XML.
func (c *conn) refuseReadOnly(h wire.MessageHeader, body []byte) error {
	rule, ok := readOnlyRule(h.Prog, h.Proc)
	if !ok {
		return nil
	}
	c.mu.Lock()
	ro := c.readOnly
	c.mu.Unlock()
	if !ro && !rule.check.early {
		return nil
	}
	verdict, err := rule.check.run(xdr.NewDecoder(body))
	switch {
	case err != nil:
		return err
	case !ro:
		return nil
	case verdict == roDeny:
		return lvError(libvirt.ErrOperationDenied, rule.dom, prefixDenied, "read only access prevents "+rule.api)
	case verdict == roSecure:
		return lvError(libvirt.ErrOperationDenied, rule.dom, prefixDenied, rule.api+" with secure flag")
	}
	return nil
}

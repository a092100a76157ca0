package libvirttest

import (
	"fmt"

	"github.com/virtwire/libvirt"
)

// Texts libvirt puts in front of an error's detail, by code. The daemon
// sends the full message, the format in Str1 and the detail in Str2.
const (
	prefixNoSupport = "this function is not supported by the connection driver: "
	prefixInternal  = "internal error: "
	prefixInvalid   = "Requested operation is not valid: "
	prefixFailed    = "operation failed: "
	prefixXML       = "XML error: "
	prefixInvArg    = "invalid argument: "
)

// lvError builds an error shaped like the ones libvirtd sends: the
// message is prefix+detail, Str1 the format and Str2 the detail, and the
// integers are -1 as libvirt leaves them for most errors.
func lvError(code libvirt.ErrorNumber, dom libvirt.ErrorDomain, prefix, detail string) *libvirt.Error {
	return &libvirt.Error{
		Code:    code,
		Domain:  dom,
		Level:   libvirt.ErrError,
		Message: prefix + detail,
		Str1:    prefix + "%s",
		Str2:    detail,
		Int1:    -1,
		Int2:    -1,
	}
}

// lvErrorf is lvError with a formatted detail.
func lvErrorf(code libvirt.ErrorNumber, dom libvirt.ErrorDomain, prefix, format string, a ...any) *libvirt.Error {
	return lvError(code, dom, prefix, fmt.Sprintf(format, a...))
}

// unsupported is the error libvirt's daemon gives for a procedure its
// driver does not implement: raised by the public API function proc,
// under the error domain of its API file (dom).
func unsupported(proc string, dom libvirt.ErrorDomain) error {
	return lvError(libvirt.ErrNoSupport, dom, prefixNoSupport, proc)
}

// argsError is the error for a call whose arguments do not decode.
func argsError(err error) error {
	return lvErrorf(libvirt.ErrRPC, libvirt.FromRPC, "", "Unable to decode message payload: %v", err)
}

// checkFlags refuses flags that the test driver's entry point for proc
// does not accept, with the driver's error: VIR_ERR_INVALID_ARG from the
// test driver, naming the unknown bits and the C function. Procedures the
// driver does not serve have no rule and pass.
func checkFlags(proc libvirt.Procedure, flags uint32) error {
	rule, ok := driverFlags[proc]
	if !ok || flags&^rule.mask == 0 {
		return nil
	}
	return argError(libvirt.FromTest, rule.fn, "flags",
		fmt.Sprintf("unsupported flags (0x%x) in function %s", flags&^rule.mask, rule.fn))
}

// apiError is the error of an argument check libvirt's public API makes
// before it calls the driver (VIR_FROM_DOMAIN, no prefix).
func apiError(detail string) error {
	return lvError(libvirt.ErrInvalidArg, libvirt.FromDomain, "", detail)
}

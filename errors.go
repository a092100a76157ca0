package libvirt

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/virtwire/libvirt/internal/rpc"
)

// Errors of the connection itself (not reported by libvirt).
var (
	// ErrClosed is returned by calls on a Client after Close, and by calls
	// that were waiting when Close was called.
	ErrClosed = rpc.ErrClosed
	// ErrKeepaliveTimeout is the cause when the daemon stopped answering
	// keepalive pings and the connection was closed.
	ErrKeepaliveTimeout = rpc.ErrKeepaliveTimeout
	// ErrProtocol is wrapped by every violation of the wire protocol by the
	// daemon.
	ErrProtocol = rpc.ErrProtocol
	// ErrWriteTimeout is the cause when writing a message made no progress
	// for the write timeout (see WithWriteTimeout): the daemon stopped
	// reading and the connection was closed.
	ErrWriteTimeout = rpc.ErrWriteTimeout
)

// ErrUnknownProcedure matches, with errors.Is, the error a daemon returns
// for a procedure number it does not know: one added to libvirt after the
// daemon's release, such as DomainSetThrottleGroup (procedure 451, libvirt
// 11.2) called on a libvirt 9.0 daemon. The daemon answers at once and the
// connection stays usable, so a caller can fall back to an older API:
//
//	err := c.DomainSetAutostartOnce(ctx, dom, 1)
//	if errors.Is(err, libvirt.ErrUnknownProcedure) {
//		// libvirt older than 11.2: no autostart-once
//	}
//
// libvirtd reports it as VIR_ERR_RPC from VIR_FROM_RPC, "unknown procedure:
// N"; the error itself is still an *Error with those fields. A procedure the
// daemon knows but whose driver does not implement it (the test driver and
// most of the new 11.x calls) is ErrNoSupport instead.
var ErrUnknownProcedure = errors.New("libvirt: procedure unknown to the daemon")

// DisconnectedError is returned by calls that were waiting when the
// connection was lost; Err is the cause (ErrKeepaliveTimeout, an I/O
// error, ...).
type DisconnectedError = rpc.DisconnectedError

// Error is an error reported by libvirt: the daemon's virError, field for
// field. Use errors.Is with an ErrorNumber constant to test the code:
//
//	if errors.Is(err, libvirt.ErrNoDomain) { ... }
//
// See https://libvirt.org/html/libvirt-virterror.html#virError
type Error struct {
	Code    ErrorNumber
	Domain  ErrorDomain // which part of libvirt raised the error
	Message string
	Level   ErrorLevel
	Str1    string // extra information, used by some codes
	Str2    string
	Str3    string
	Int1    int32
	Int2    int32
}

// Error returns libvirt's message, which already names the kind of error
// ("Domain not found: no domain with matching name 'x'").
func (e *Error) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return fmt.Sprintf("libvirt: %s (%#v, domain %v)", e.Code.String(), e.Code, e.Domain)
}

// Is reports whether target is the ErrorNumber of e, so that
// errors.Is(err, ErrNoDomain) works, or ErrUnknownProcedure and e is the
// daemon's answer to a procedure it does not know.
func (e *Error) Is(target error) bool {
	if target == ErrUnknownProcedure {
		return e.isUnknownProcedure()
	}
	n, ok := target.(ErrorNumber)
	return ok && n == e.Code
}

// unknownProcNumber matches the end of libvirtd's "unknown procedure: %d"
// in any translation: the daemon translates the text but the number stays
// last, after a colon.
var unknownProcNumber = regexp.MustCompile(`:\s*-?[0-9]+$`)

// isUnknownProcedure reports whether e is virNetServerProgramDispatch's
// error for a procedure number the program has no handler for. Its code
// and domain (VIR_ERR_RPC, VIR_FROM_RPC) are shared by other protocol
// errors, none of which ends in ": number".
func (e *Error) isUnknownProcedure() bool {
	if e.Code != ErrRPC || e.Domain != FromRPC {
		return false
	}
	return strings.Contains(e.Message, "unknown procedure") || unknownProcNumber.MatchString(e.Message)
}

// Error makes every ErrorNumber constant usable as a sentinel error for
// errors.Is; the text describes the code ("libvirt: no such domain"), and
// %#v prints the constant's Go name.
func (n ErrorNumber) Error() string { return "libvirt: " + n.String() }

func init() { rpc.ConvertRemoteError = convertError }

// convertError turns the engine's error reply into *Error.
func convertError(re *rpc.RemoteError) error {
	m := &re.Msg
	e := &Error{
		Code:   ErrorNumber(m.Code),
		Domain: ErrorDomain(m.Domain),
		Level:  ErrorLevel(m.Level),
		Int1:   m.Int1,
		Int2:   m.Int2,
	}
	for _, f := range []struct {
		dst *string
		src *string
	}{{&e.Message, m.Message}, {&e.Str1, m.Str1}, {&e.Str2, m.Str2}, {&e.Str3, m.Str3}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	return e
}

package libvirt

import (
	"fmt"

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
)

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
	return fmt.Sprintf("libvirt error %v (domain %v)", e.Code, e.Domain)
}

// Is reports whether target is the ErrorNumber of e, so that
// errors.Is(err, ErrNoDomain) works.
func (e *Error) Is(target error) bool {
	n, ok := target.(ErrorNumber)
	return ok && n == e.Code
}

// Error makes every ErrorNumber constant usable as a sentinel error for
// errors.Is; the text is the constant's name.
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

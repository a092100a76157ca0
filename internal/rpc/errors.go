package rpc

import (
	"errors"
	"fmt"

	"github.com/virtwire/libvirt/internal/wire"
)

var (
	// ErrClosed is returned by calls made on, or pending when, the
	// connection is closed by Close.
	ErrClosed = errors.New("libvirt: connection closed")
	// ErrKeepaliveTimeout means the peer stopped answering keepalive pings
	// and the connection was closed.
	ErrKeepaliveTimeout = errors.New("libvirt: keepalive timeout: the peer stopped responding")
	// ErrProtocol is wrapped by every violation of the wire protocol by the
	// peer (bad length, unexpected message).
	ErrProtocol = errors.New("libvirt: protocol error")
)

// DisconnectedError says why a connection ended under a caller; it wraps
// the cause (ErrClosed, ErrKeepaliveTimeout, an I/O error, ...).
type DisconnectedError struct {
	Err error
}

// Error says that the connection was lost and why.
func (e *DisconnectedError) Error() string { return "libvirt: connection lost: " + e.Err.Error() }

// Unwrap returns the cause.
func (e *DisconnectedError) Unwrap() error { return e.Err }

// RemoteError is an error reply from the server: the decoded
// virNetMessageError. Client packages turn it into their public error type.
type RemoteError struct {
	Msg wire.MessageError
}

// Error returns libvirt's message, or the code when there is none.
func (e *RemoteError) Error() string {
	if e.Msg.Message != nil {
		return *e.Msg.Message
	}
	return fmt.Sprintf("libvirt error code %d", e.Msg.Code)
}

// ConvertRemoteError turns an error reply into the public error type. The
// libvirt package installs its converter at initialisation, so that every
// client built on this engine (libvirt, admin) reports *libvirt.Error.
var ConvertRemoteError = func(e *RemoteError) error { return e }

func protocolErrorf(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrProtocol}, a...)...)
}

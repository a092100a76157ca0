package libvirt

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// DefaultHandshakeTimeout bounds Dial when its context has no deadline
// (libvirt's client has no such bound: a peer that accepts the connection
// and then stays silent blocks it forever). It leaves time for a person
// to answer a password prompt.
const DefaultHandshakeTimeout = 30 * time.Second

// ErrHandshakeTimeout is matched by Dial's error when the handshake
// timeout (DefaultHandshakeTimeout or WithHandshakeTimeout) ran out; the
// error matches context.DeadlineExceeded too.
var ErrHandshakeTimeout = errors.New("libvirt: handshake timed out")

// WithHandshakeTimeout sets how long Dial may take when its context has
// no deadline (default DefaultHandshakeTimeout). Zero or less means no
// bound, as in libvirt. A context deadline always takes precedence.
func WithHandshakeTimeout(d time.Duration) Option {
	return func(c *config) { c.handshakeTimeout = d }
}

// handshakeContext returns ctx bounded by d when ctx has no deadline,
// and the error that then means the bound ran out (nil without a bound).
func handshakeContext(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc, error) {
	if _, ok := ctx.Deadline(); ok || d <= 0 {
		ctx, cancel := context.WithCancel(ctx)
		return ctx, cancel, nil
	}
	timeout := &handshakeTimeoutError{d}
	ctx, cancel := context.WithTimeoutCause(ctx, d, timeout)
	return ctx, cancel, timeout
}

// handshakeTimeoutError is the cause of a handshake context that ran out.
type handshakeTimeoutError struct{ d time.Duration }

func (e *handshakeTimeoutError) Error() string {
	return fmt.Sprintf("%v after %v (the peer did not answer; see WithHandshakeTimeout)", ErrHandshakeTimeout, e.d)
}

func (e *handshakeTimeoutError) Is(target error) bool {
	return target == ErrHandshakeTimeout || target == context.DeadlineExceeded
}

// dialError makes err, from a Dial whose handshake context hctx was
// derived from the caller's ctx with the bound timeout (or none), match
// the context error when a context ended, whichever layer noticed first:
// net's own deadline timer can fire an instant before the context's and
// give a bare "i/o timeout".
func dialError(ctx, hctx context.Context, timeout, err error) error {
	var cause error
	switch {
	case ctx.Err() != nil:
		cause = ctx.Err()
	case deadlinePassed(ctx, err):
		cause = context.DeadlineExceeded
	case timeout != nil && (hctx.Err() != nil || deadlinePassed(hctx, err)):
		cause = timeout
	default:
		return err
	}
	if errors.Is(err, cause) {
		return err
	}
	return fmt.Errorf("%w: %w", cause, err)
}

// deadlinePassed reports whether err is a timeout and ctx's deadline has
// been reached.
func deadlinePassed(ctx context.Context, err error) bool {
	d, ok := ctx.Deadline()
	if !ok || time.Now().Before(d) {
		return false
	}
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

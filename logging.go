package libvirt

import (
	"context"
	"errors"
	"log/slog"
	"math/bits"
)

// WithLogger makes the Client (and a Supervisor given this option) log
// its notable events to l: the connection's end (Debug when closed by the
// owner, Warn when lost, Error for a keepalive timeout), events dropped
// because a subscriber fell behind (Warn, at the 1st, 2nd, 4th, 8th, ...
// drop of each subscription, with the count), and a Supervisor's
// disconnects, failed redials (Debug) and reconnections (Info). Without a
// logger nothing is logged. Calls are not logged: use WithTracer.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// logClosed logs why the connection ended; it runs once, from the
// engine's OnClose.
func (c *Client) logClosed() {
	err := c.conn.Err()
	ctx := context.Background()
	switch {
	case errors.Is(err, ErrKeepaliveTimeout):
		c.log.LogAttrs(ctx, slog.LevelError, "libvirt: connection lost: keepalive timeout",
			slog.String("uri", c.uri), slog.Any("error", err))
	case isDisconnect(err):
		c.log.LogAttrs(ctx, slog.LevelWarn, "libvirt: connection lost",
			slog.String("uri", c.uri), slog.Any("error", err))
	default:
		c.log.LogAttrs(ctx, slog.LevelDebug, "libvirt: connection closed", slog.String("uri", c.uri))
	}
}

// isDisconnect reports whether err says the connection was lost rather
// than closed by its owner.
func isDisconnect(err error) bool {
	var de *DisconnectedError
	return errors.As(err, &de)
}

// logDropped logs that subscription s has now dropped total events, when
// total is a power of two, so a subscriber stuck for good costs a
// logarithmic number of lines.
func (r *router) logDropped(s *Subscription, before, total uint64) {
	if r.log == nil || bits.Len64(before) == bits.Len64(total) {
		return
	}
	r.log.LogAttrs(context.Background(), slog.LevelWarn, "libvirt: subscriber falling behind, events dropped",
		slog.String("uri", r.client.uri), slog.Int("callback_id", int(s.callbackID)),
		slog.Int("event_id", int(s.id)), slog.Uint64("dropped", total))
}

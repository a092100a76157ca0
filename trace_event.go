package libvirt

import (
	"context"
	"errors"
	"time"

	"github.com/virtwire/libvirt/internal/wire"
)

// errUnroutedEvent is the error an EventTracer sees for an event message
// of an unknown kind or one that does not decode.
var errUnroutedEvent = errors.New("libvirt: event message of unknown kind or undecodable")

// handleTraced is handle with an EventTracer.
func (r *router) handleTraced(h *wire.MessageHeader, body []byte) {
	c := r.client
	info := c.procedureInfo(h.Prog, h.Proc)
	start := time.Now()
	ctx := r.tracer.TraceEventStart(context.Background(), c,
		TraceEventStartData{ProcedureInfo: info, BytesReceived: frameHeaderLen + len(body)})
	if ctx == nil {
		ctx = context.Background()
	}
	ev, cb, delivered, dropped, ok := r.route(h, body)
	end := TraceEventEndData{ProcedureInfo: info, Event: ev, CallbackID: cb, Delivered: delivered,
		Dropped: dropped, Duration: time.Since(start)}
	if !ok {
		end.Err = errUnroutedEvent
	}
	r.tracer.TraceEventEnd(ctx, c, end)
}

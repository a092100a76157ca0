package libvirt

//go:generate go run ./internal/lvgen/cmd/lvgen -out .

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/virtwire/libvirt/internal/rpc"
	"github.com/virtwire/libvirt/internal/xdr"
)

// closeTimeout bounds how long Close waits for the daemon to acknowledge.
const closeTimeout = time.Second

// Client is a connection to a libvirt daemon. It is safe for concurrent
// use by many goroutines: calls are multiplexed on one connection.
type Client struct {
	conn   *rpc.Conn
	events *router
	regMu  sync.Mutex // guards regs and serialises event (de)registration
	regs   map[regKey]*registration
	// stringParams caches whether the daemon sends string typed
	// parameters: 0 unknown, 1 yes, 2 no (see typedParamStringOkay).
	stringParams atomic.Int32
	// dialURI is the URI given to Dial ("" for other constructors): what
	// libvirt's virConnectGetURI answers on the client side, and what
	// DomainMigrate3 hands a peer-to-peer source as the destination.
	dialURI string

	// Observability (tracer.go, logging.go); all nil when off.
	uri          string // redacted, for tracers and logs
	tracer       Tracer
	streamTracer StreamTracer
	log          *slog.Logger
}

// newClientOn starts the engine on nc with the event router installed.
// Every Client is made here, so that no constructor forgets a part.
func newClientOn(nc net.Conn, cfg *config) *Client {
	r := newRouter()
	c := &Client{events: r, regs: map[regKey]*registration{}, uri: cfg.uri, tracer: cfg.tracer, log: cfg.logger}
	if c.tracer != nil {
		c.streamTracer, _ = c.tracer.(StreamTracer)
		r.tracer, _ = c.tracer.(EventTracer)
	}
	r.client, r.log = c, c.log
	if cfg.wireTrace != nil {
		nc = newWireTraceConn(nc, cfg.wireTrace)
	}
	// The engine may fail (and call OnClose) before New has returned;
	// the logger waits until c.conn is set.
	ready := make(chan struct{})
	c.conn = rpc.New(nc, rpc.Options{OnMessage: r.handle, WriteTimeout: cfg.writeTimeout, OnClose: func() {
		r.closeAll()
		if c.log != nil {
			<-ready
			c.logClosed()
		}
	}})
	close(ready)
	return c
}

// newCall starts a request; generated methods call it.
func (c *Client) newCall(prog, vers, proc uint32) *rpc.Call {
	return c.conn.NewCall(prog, vers, int32(proc))
}

// do sends a request and waits for its reply. Without a tracer it costs
// one nil check (trace_call.go).
func (c *Client) do(ctx context.Context, call *rpc.Call) (*xdr.Decoder, error) {
	if c.tracer != nil {
		return c.doTraced(ctx, call)
	}
	return c.conn.Do(ctx, call)
}

// finish completes a call after its reply has been decoded.
func (c *Client) finish(call *rpc.Call) error {
	if s, ok := call.Trace.(*callSpan); ok {
		return c.finishTraced(call, s)
	}
	return call.Finish()
}

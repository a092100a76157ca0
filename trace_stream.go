package libvirt

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/virtwire/libvirt/internal/rpc"
	"github.com/virtwire/libvirt/internal/xdr"
)

// streamSpan is a traced stream's state. Its methods do nothing on a nil
// span, so untraced streams pay one nil check per operation.
type streamSpan struct {
	c     *Client
	ctx   context.Context
	info  ProcedureInfo
	sn    uint32
	start time.Time
	sentN atomic.Int64 // Read and Write may run concurrently
	recvN atomic.Int64
	holes atomic.Int64
	once  sync.Once
}

// openStreamTraced is openStream with a tracer: the opening call is traced
// like any other, and a StreamTracer is told that the stream started.
func (c *Client) openStreamTraced(ctx context.Context, call *rpc.Call, mode rpc.StreamMode, sparse bool) (*Stream, *xdr.Decoder, error) {
	parent := ctx
	ctx, s := c.startCall(ctx, call)
	rs, d, err := c.conn.OpenStream(ctx, call, mode, sparse)
	if err != nil {
		c.endCallKeep(s, err)
		return nil, nil, err
	}
	s.recv = frameHeaderLen + d.Remaining()
	st := &Stream{s: rs}
	if c.streamTracer != nil {
		sn := s.serial.Load()
		sp := &streamSpan{c: c, info: s.info, sn: sn, start: time.Now()}
		sp.ctx = c.streamTracer.TraceStreamStart(parent, c, TraceStreamStartData{
			ProcedureInfo: s.info, Serial: sn,
			Sends: mode&rpc.StreamSend != 0, Recvs: mode&rpc.StreamRecv != 0, Sparse: sparse,
		})
		if sp.ctx == nil {
			sp.ctx = parent
		}
		st.tr = sp
	}
	return st, d, nil
}

func (sp *streamSpan) sent(n int) {
	if sp != nil && n > 0 {
		sp.sentN.Add(int64(n))
	}
}

func (sp *streamSpan) recvd(n int) {
	if sp != nil && n > 0 {
		sp.recvN.Add(int64(n))
	}
}

func (sp *streamSpan) hole(n int64) {
	if sp != nil && n > 0 {
		sp.holes.Add(n)
	}
}

// chunk counts a chunk WriteTo received.
func (sp *streamSpan) chunk(ch rpc.Chunk) {
	if sp != nil {
		sp.recvd(len(ch.Data))
		sp.hole(ch.Hole)
	}
}

// end tells the tracer, once, that the stream ended.
func (sp *streamSpan) end(err error, aborted bool) {
	if sp == nil {
		return
	}
	sp.once.Do(func() {
		sp.c.streamTracer.TraceStreamEnd(sp.ctx, sp.c, TraceStreamEndData{
			ProcedureInfo: sp.info, Serial: sp.sn,
			BytesSent: sp.sentN.Load(), BytesReceived: sp.recvN.Load(), Holes: sp.holes.Load(),
			Duration: time.Since(sp.start), Aborted: aborted, Err: err,
		})
	})
}

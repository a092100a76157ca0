package libvirt

import (
	"context"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"github.com/virtwire/libvirt/internal/rpc"
	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
)

// frameHeaderLen is the length word plus the message header: what a reply
// costs on the wire before its body.
const frameHeaderLen = wire.MessageLenMax + wire.MessageHeaderMax

// callSpan is a traced call's state between do and finish. It rides in
// the call's trace slot, which the engine fills with the serial. Spans are
// pooled so that tracing allocates nothing per call.
type callSpan struct {
	ctx    context.Context
	info   ProcedureInfo
	start  time.Time
	serial atomic.Uint32 // set by the engine, possibly from another goroutine (stream opening)
	sent   int
	recv   int
}

// SetSerial records the serial the engine gave the call.
func (s *callSpan) SetSerial(serial uint32) { s.serial.Store(serial) }

var spanPool = sync.Pool{New: func() any { return new(callSpan) }}

// procedureInfo names procedure proc of program prog.
func (c *Client) procedureInfo(prog uint32, proc int32) ProcedureInfo {
	pi := ProcedureInfo{Program: prog, Procedure: proc, URI: c.uri}
	var p *procInfo
	p, pi.ProgramName = lookupProc(prog, proc)
	if p != nil {
		pi.Method, pi.CFunc = p.method, p.cfunc
	}
	return pi
}

// startCall tells the tracer a call is about to be sent and attaches its
// span to the call. It returns the context for the rest of the call.
func (c *Client) startCall(ctx context.Context, call *rpc.Call) (context.Context, *callSpan) {
	frame := call.Encoder().Bytes()
	s := spanPool.Get().(*callSpan)
	s.serial.Store(0)
	s.recv, s.sent = 0, len(frame)
	if len(frame) >= frameHeaderLen {
		s.info = c.procedureInfo(binary.BigEndian.Uint32(frame[4:]), int32(binary.BigEndian.Uint32(frame[12:])))
	} else {
		s.info = ProcedureInfo{URI: c.uri}
	}
	s.start = time.Now()
	s.ctx = c.tracer.TraceCallStart(ctx, c, TraceCallStartData{ProcedureInfo: s.info, BytesSent: s.sent})
	if s.ctx == nil {
		s.ctx = ctx
	}
	call.Trace = s
	return s.ctx, s
}

// endCall tells the tracer the call is over and recycles its span.
func (c *Client) endCall(s *callSpan, err error) {
	c.endCallKeep(s, err)
	s.ctx, s.info = nil, ProcedureInfo{}
	spanPool.Put(s)
}

// endCallKeep tells the tracer the call is over but leaves the span to
// the garbage collector: for a call the engine may still touch (a stream
// opening abandoned on cancellation finishes in the background).
func (c *Client) endCallKeep(s *callSpan, err error) {
	c.tracer.TraceCallEnd(s.ctx, c, TraceCallEndData{
		ProcedureInfo: s.info, Serial: s.serial.Load(), BytesSent: s.sent, BytesReceived: s.recv,
		Duration: time.Since(s.start), Err: err,
	})
}

// doTraced is do with a tracer.
func (c *Client) doTraced(ctx context.Context, call *rpc.Call) (*xdr.Decoder, error) {
	ctx, s := c.startCall(ctx, call)
	d, err := c.conn.Do(ctx, call)
	if err != nil {
		c.endCall(s, err)
		return nil, err
	}
	s.recv = frameHeaderLen + d.Remaining()
	return d, nil
}

// finishTraced is finish for a traced call.
func (c *Client) finishTraced(call *rpc.Call, s *callSpan) error {
	err := call.Finish()
	c.endCall(s, err)
	return err
}

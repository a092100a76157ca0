package libvirt

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
)

// WireTraceEnv names the environment variable that turns the wire trace on
// for every Client made without WithWireTrace: "stderr" writes it to
// standard error, any other non-empty value is a file the trace is
// appended to (opened once per process).
const WireTraceEnv = "VIRTWIRE_WIRE_TRACE"

// WithWireTrace writes a line to w for every message the Client sends or
// receives, like libpq's PQtrace: time, direction ("->" to the daemon,
// "<-" from it), message type, program and procedure, serial, status,
// length and the decoded body, as in
//
//	2026-12-06T09:40:01.123456Z -> call remote.DomainLookupByName proc=23 serial=5 status=ok len=48 {Name: "demo"}
//
// Strings are cut at 64 bytes and lists at 8 elements; stream data is
// shown as its length only; SASL exchanges, secret values, passwords and
// secret typed parameters print as <redacted N bytes>. Writes to w are
// serialised; a slow w slows the connection. Meant for debugging: it costs
// a decode of every message. See also WireTraceEnv.
func WithWireTrace(w io.Writer) Option { return func(c *config) { c.wireTrace = w } }

// wireTraceFromEnv returns the writer WireTraceEnv asks for, or nil.
func wireTraceFromEnv() io.Writer {
	v := os.Getenv(WireTraceEnv)
	switch v {
	case "":
		return nil
	case "stderr":
		return os.Stderr
	}
	envTraceOnce.Do(func() {
		f, err := os.OpenFile(v, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			fmt.Fprintf(os.Stderr, "libvirt: %s: %v\n", WireTraceEnv, err)
			return
		}
		envTraceFile = f
	})
	if envTraceFile == nil {
		return nil
	}
	return envTraceFile
}

var (
	envTraceOnce sync.Once
	envTraceFile *os.File // kept open for the process's life, like a log
)

// maxTraceBody is the largest body the trace decodes; bigger ones (large
// XML, big stats replies) are shown by length only, so tracing does not
// hold a second copy of huge messages.
const maxTraceBody = 1 << 20

// wireTraceConn passes bytes through to the engine unchanged and feeds a
// copy of each direction to a frame parser.
type wireTraceConn struct {
	net.Conn
	in, out *frameTracer
}

func newWireTraceConn(nc net.Conn, w io.Writer) net.Conn {
	tw := &traceWriter{w: w}
	return &wireTraceConn{Conn: nc, in: &frameTracer{dir: "<-", tw: tw}, out: &frameTracer{dir: "->", tw: tw}}
}

func (c *wireTraceConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.in.feed(p[:n])
	return n, err
}

// Write traces p before sending it: a reply can arrive (and be traced)
// before Write returns, and the trace must show the call first. A write
// that fails part-way fails the connection (the engine never resumes one),
// so the trace cannot fall out of step with the bytes sent.
func (c *wireTraceConn) Write(p []byte) (int, error) {
	c.out.feed(p)
	return c.Conn.Write(p)
}

// traceWriter serialises trace lines from both directions.
type traceWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (t *traceWriter) line(s string) {
	t.mu.Lock()
	_, _ = io.WriteString(t.w, s)
	t.mu.Unlock()
}

// frameTracer reassembles libvirt frames (a length word, the 24-byte
// header, the body) from one direction of the byte stream and writes a
// line for each.
type frameTracer struct {
	mu   sync.Mutex
	dir  string
	tw   *traceWriter
	head [frameHeaderLen]byte
	nh   int // bytes of head filled
	hdr  wire.MessageHeader
	flen int    // the frame's length, length word included
	left int    // body bytes still to come
	keep bool   // the body is collected for decoding
	body []byte // collected body
	lost bool   // the stream stopped making sense; tracing stopped
}

// feed consumes bytes that passed through the connection.
func (f *frameTracer) feed(b []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(b) > 0 && !f.lost {
		if f.nh < frameHeaderLen {
			k := copy(f.head[f.nh:], b)
			f.nh += k
			b = b[k:]
			if f.nh == frameHeaderLen {
				f.startFrame()
			}
			continue
		}
		k := min(f.left, len(b))
		if f.keep {
			f.body = append(f.body, b[:k]...)
		}
		f.left -= k
		b = b[k:]
		if f.left == 0 {
			f.endFrame()
		}
	}
}

// startFrame parses a complete length word and header.
func (f *frameTracer) startFrame() {
	n := binary.BigEndian.Uint32(f.head[:4])
	if n < frameHeaderLen || n > wire.MessageLenMax+wire.MessageMax {
		f.lost = true
		f.tw.line(fmt.Sprintf("%s %s ? frame length %d out of range: not a libvirt stream, trace stopped\n", traceTime(), f.dir, n))
		return
	}
	var d xdr.Decoder
	d.Reset(f.head[4:])
	f.hdr.DecodeXDR(&d)
	f.flen = int(n)
	f.left = f.flen - frameHeaderLen
	f.keep = f.left <= maxTraceBody && !isStreamData(&f.hdr)
	f.body = f.body[:0]
	if f.left == 0 {
		f.endFrame()
	}
}

// endFrame writes the line of a complete frame and resets for the next.
func (f *frameTracer) endFrame() {
	f.tw.line(formatFrame(f.dir, &f.hdr, f.flen, f.body, f.keep))
	f.nh = 0
	if cap(f.body) > 64<<10 {
		f.body = nil
	}
}

func isStreamData(h *wire.MessageHeader) bool {
	return h.Type == wire.MessageTypeStream && h.Status == wire.MessageStatusContinue
}

func traceTime() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000000Z07:00") }

var typeNames = map[wire.MessageType]string{
	wire.MessageTypeCall: "call", wire.MessageTypeReply: "reply", wire.MessageTypeMessage: "event",
	wire.MessageTypeStream: "stream", wire.MessageTypeCallWithFDs: "call+fds",
	wire.MessageTypeReplyWithFDs: "reply+fds", wire.MessageTypeStreamHole: "hole",
}

var statusNames = map[wire.MessageStatus]string{
	wire.MessageStatusOK: "ok", wire.MessageStatusError: "error", wire.MessageStatusContinue: "continue",
}

// formatFrame renders one message as a trace line.
func formatFrame(dir string, h *wire.MessageHeader, length int, body []byte, decoded bool) string {
	var b strings.Builder
	typ, ok := typeNames[h.Type]
	if !ok {
		typ = fmt.Sprintf("type(%d)", h.Type)
	}
	status, ok := statusNames[h.Status]
	if !ok {
		status = fmt.Sprintf("status(%d)", h.Status)
	}
	fmt.Fprintf(&b, "%s %s %s %s proc=%d serial=%d status=%s len=%d ",
		traceTime(), dir, typ, procLabel(h.Prog, h.Proc), h.Proc, h.Serial, status, length)
	switch {
	case isStreamData(h) && length == frameHeaderLen:
		b.WriteString("end of data")
	case isStreamData(h):
		fmt.Fprintf(&b, "data %d bytes", length-frameHeaderLen)
	case !decoded:
		fmt.Fprintf(&b, "body %d bytes (not decoded)", length-frameHeaderLen)
	default:
		formatBody(&b, h, body)
	}
	b.WriteByte('\n')
	return b.String()
}

// procLabel names a procedure "program.Method".
func procLabel(prog uint32, proc int32) string {
	if prog == wire.KeepaliveProgram {
		switch wire.KeepaliveProcedure(proc) {
		case wire.ProcKeepalivePing:
			return "keepalive.Ping"
		case wire.ProcKeepalivePong:
			return "keepalive.Pong"
		}
		return "keepalive.?"
	}
	p, name := lookupProc(prog, proc)
	if name == "" {
		name = fmt.Sprintf("program(%#x)", prog)
	}
	if p == nil {
		return name + ".?"
	}
	return name + "." + p.method
}

// formatBody decodes and renders a message body.
func formatBody(b *strings.Builder, h *wire.MessageHeader, body []byte) {
	var v xdrBody
	switch {
	case h.Status == wire.MessageStatusError && (h.Type == wire.MessageTypeReply || h.Type == wire.MessageTypeReplyWithFDs || h.Type == wire.MessageTypeStream):
		v = new(wire.MessageError)
	case h.Type == wire.MessageTypeStreamHole:
		v = new(wire.StreamHole)
	case h.Type == wire.MessageTypeStream:
		// The end of a stream (status ok) carries nothing.
	default:
		if p, _ := lookupProc(h.Prog, h.Proc); p != nil {
			var mk func() xdrBody
			switch h.Type {
			case wire.MessageTypeCall, wire.MessageTypeCallWithFDs:
				mk = p.args
			case wire.MessageTypeReply, wire.MessageTypeReplyWithFDs:
				mk = p.ret
			case wire.MessageTypeMessage:
				mk = p.msg
			}
			if mk != nil {
				v = mk()
			}
		}
	}
	if v == nil {
		if len(body) > 0 {
			fmt.Fprintf(b, "body %d bytes", len(body))
		} else {
			b.WriteString("{}")
		}
		return
	}
	var d xdr.Decoder
	d.Reset(body)
	v.DecodeXDR(&d)
	if err := d.Finish(); err != nil {
		fmt.Fprintf(b, "body %d bytes (undecodable: %v)", len(body), err)
		return
	}
	formatValue(b, v)
}

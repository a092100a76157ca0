package libvirttest

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
)

const (
	// headerLen is the length word plus the fixed-size message header.
	headerLen = wire.MessageLenMax + wire.MessageHeaderMax
	// maxFrame is the largest frame, length word included.
	maxFrame = wire.MessageLenMax + wire.MessageMax
	// maxQueuedEvents bounds the events waiting to be written to one
	// client; a client that falls this far behind is hung up on.
	maxQueuedEvents = 1 << 14
)

// conn is one client connection: a reader goroutine, a goroutine per call
// in flight and a writer for events.
type conn struct {
	srv  *Server
	nc   net.Conn
	ctx  context.Context // cancelled when the connection ends
	stop context.CancelFunc

	wmu      sync.Mutex // serialises frames written to nc
	lastRecv atomic.Int64
	calls    sync.WaitGroup

	mu        sync.Mutex // guards the fields below
	authed    bool
	opened    bool
	uri       string
	readOnly  bool
	counted   int // calls since ConnectOpen
	closeCB   bool
	events    []*queuedEvent
	streams   map[uint32]*srvStream // open streams by serial
	evNotify  chan struct{}
	ending    bool
	closeOnce sync.Once
}

// queuedEvent is an event message waiting for its writer. ready is closed
// once the reply of the call that caused the event has been sent, so that
// clients see the reply first, as with libvirtd.
type queuedEvent struct {
	frame []byte
	ready <-chan struct{}
}

func newConn(s *Server, nc net.Conn) *conn {
	ctx, stop := context.WithCancel(context.Background())
	c := &conn{srv: s, nc: nc, ctx: ctx, stop: stop, evNotify: make(chan struct{}, 1)}
	c.lastRecv.Store(time.Now().UnixNano())
	needAuth := true
	for _, m := range s.cfg.auth {
		if m == libvirt.AuthNone {
			needAuth = false
		}
	}
	c.authed = !needAuth
	return c
}

// shutdown ends the connection from the server's side.
func (c *conn) shutdown() {
	c.mu.Lock()
	closeCB := c.closeCB && !c.ending
	c.mu.Unlock()
	if closeCB {
		msg := libvirt.ConnectEventConnectionClosedMsg{Reason: libvirt.ConnectCloseReasonEOF}
		// A client that stopped reading must not hold up Close.
		_ = c.nc.SetWriteDeadline(time.Now().Add(time.Second))
		c.writeFrame(eventFrame(libvirt.Program, libvirt.ProtocolVersion, int32(libvirt.ProcConnectEventConnectionClosed), &msg))
	}
	c.hangup()
}

// hangup closes the socket, which ends the reader and everything else.
func (c *conn) hangup() {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.ending = true
		c.mu.Unlock()
		c.stop()
		c.nc.Close()
	})
}

// serve runs the connection until it ends and waits for its goroutines.
func (c *conn) serve() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); c.writeEvents() }()
	if c.srv.cfg.kaInterval > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); c.keepalive() }()
	}
	c.readLoop()
	c.hangup()
	c.calls.Wait()
	wg.Wait()
}

// readLoop reads frames and starts their handling until the connection
// fails. Frames are bounds-checked like the client does: a length outside
// 28..4+MessageMax ends the connection, as libvirtd does.
func (c *conn) readLoop() {
	br := bufio.NewReaderSize(c.nc, 64<<10)
	var head [headerLen]byte
	for {
		if _, err := io.ReadFull(br, head[:]); err != nil {
			return
		}
		c.lastRecv.Store(time.Now().UnixNano())
		length := binary.BigEndian.Uint32(head[:4])
		if length < headerLen || length > maxFrame {
			return
		}
		var h wire.MessageHeader
		d := xdr.NewDecoder(head[wire.MessageLenMax:])
		h.DecodeXDR(d)
		if d.Err() != nil {
			return
		}
		body := make([]byte, int(length)-headerLen)
		if _, err := io.ReadFull(br, body); err != nil {
			return
		}
		switch {
		case h.Prog == wire.KeepaliveProgram:
			if h.Type == wire.MessageTypeMessage && h.Proc == int32(wire.ProcKeepalivePing) {
				c.writeFrame(wire.KeepaliveFrame(wire.ProcKeepalivePong))
			}
		case h.Type == wire.MessageTypeCall:
			counted := 0
			c.mu.Lock()
			if c.opened {
				c.counted++
				counted = c.counted
			}
			c.mu.Unlock()
			c.calls.Add(1)
			go func() {
				defer c.calls.Done()
				c.handleCall(h, body, counted)
			}()
		case h.Type == wire.MessageTypeStream || h.Type == wire.MessageTypeStreamHole:
			c.streamFrame(h, body)
		default:
			// Other messages from the client are not used by any
			// procedure this server implements; they are dropped.
		}
	}
}

// writeFrame sends one complete frame; a failed write ends the
// connection.
func (c *conn) writeFrame(frame []byte) {
	c.wmu.Lock()
	_, err := c.nc.Write(frame)
	c.wmu.Unlock()
	if err != nil {
		c.hangup()
	}
}

// queueEvent hands an event frame to the connection's writer.
func (c *conn) queueEvent(frame []byte, ready <-chan struct{}) {
	c.mu.Lock()
	if c.ending {
		c.mu.Unlock()
		return
	}
	if len(c.events) >= maxQueuedEvents {
		c.mu.Unlock()
		c.hangup()
		return
	}
	c.events = append(c.events, &queuedEvent{frame: frame, ready: ready})
	c.mu.Unlock()
	select {
	case c.evNotify <- struct{}{}:
	default:
	}
}

// writeEvents writes queued events in order until the connection ends.
func (c *conn) writeEvents() {
	for {
		c.mu.Lock()
		var ev *queuedEvent
		if len(c.events) > 0 {
			ev = c.events[0]
			c.events[0] = nil
			c.events = c.events[1:]
		}
		c.mu.Unlock()
		if ev == nil {
			select {
			case <-c.evNotify:
				continue
			case <-c.ctx.Done():
				return
			}
		}
		if ev.ready != nil {
			select {
			case <-ev.ready:
			case <-c.ctx.Done():
				return
			}
		}
		c.writeFrame(ev.frame)
	}
}

// eventFrame encodes a server-initiated message.
func eventFrame(prog, vers uint32, proc int32, body interface{ EncodeXDR(*xdr.Encoder) }) []byte {
	var e xdr.Encoder
	e.Reset(make([]byte, wire.MessageLenMax, 128))
	h := wire.MessageHeader{Prog: prog, Vers: vers, Proc: proc, Type: wire.MessageTypeMessage, Status: wire.MessageStatusOK}
	h.EncodeXDR(&e)
	body.EncodeXDR(&e)
	b := e.Bytes()
	binary.BigEndian.PutUint32(b, uint32(len(b)))
	return b
}

// keepalive pings a silent client and hangs up once it has been silent
// for interval*(count+1).
func (c *conn) keepalive() {
	interval, count := c.srv.cfg.kaInterval, c.srv.cfg.kaCount
	t := time.NewTicker(interval)
	defer t.Stop()
	ping := wire.KeepaliveFrame(wire.ProcKeepalivePing)
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
		}
		idle := time.Since(time.Unix(0, c.lastRecv.Load()))
		if idle >= interval*time.Duration(count+1) {
			c.hangup()
			return
		}
		if idle >= interval {
			c.writeFrame(ping)
		}
	}
}

package rpc

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/virtwire/libvirt/internal/wire"
)

const (
	// headerLen is the length word plus the fixed-size message header.
	headerLen = wire.MessageLenMax + wire.MessageHeaderMax
	// maxFrame is the largest frame, length word included.
	maxFrame = wire.MessageLenMax + wire.MessageMax
	// keepBuf is the largest buffer kept for reuse; bigger ones, grown for
	// an unusually large message, are left to the garbage collector.
	keepBuf = 1 << 20
	// keepScratch is the largest event or stream-control buffer a
	// connection keeps between messages (inbound.go): enough for the
	// usual small event, so that an idle connection holds little.
	keepScratch = 512
	// serialOffset is where the serial sits in a frame.
	serialOffset = wire.MessageLenMax + 16
)

// MessageHandler receives a message the server sent on its own (an event).
// It runs on the goroutine reading the connection (readers.go) and must not
// block; body is only valid until it returns.
type MessageHandler func(h *wire.MessageHeader, body []byte)

// Options configures a Conn.
type Options struct {
	// OnMessage receives server-initiated messages other than keepalive.
	// Nil drops them.
	OnMessage MessageHandler
	// OnClose is called once when the connection has ended, after pending
	// calls were failed. It must not block.
	OnClose func()
	// WriteTimeout bounds how long one frame may take to write (write.go);
	// zero means DefaultWriteTimeout.
	WriteTimeout time.Duration
}

// Conn is one libvirt RPC connection over a byte stream.
type Conn struct {
	nc   net.Conn
	rb   readBuf // rbuf.go
	opts Options

	// The write side (write.go).
	wsem         chan struct{} // the write token
	ws           writeState
	writeTimeout time.Duration
	wdeadlines   bool           // nc supports write deadlines
	resumable    bool           // an interrupted write that sent nothing leaves nc usable
	kaWriters    sync.WaitGroup // keepalive frames being written (keepalive.go)
	ka           keepalive      // keepalive.go

	mu      sync.Mutex // guards serial, pending, streams, err
	serial  uint32
	pending map[uint32]*Call
	streams map[uint32]*Stream // open streams by serial (stream.go); nil until the first
	err     error
	// abandoned holds calls whose callers gave up, until their replies
	// arrive (match.go); lostTrack is set once it overflowed.
	abandoned map[uint32]callID
	lostTrack bool

	done       chan struct{} // closed when the connection has ended
	readerDone chan struct{}
	lastRecv   atomic.Int64 // unix nanoseconds of the last byte received
	closing    sync.Once

	// The read side (readers.go, inbound.go).
	in        inbound      // the frame being read; owned by the token holder
	reading   atomic.Bool  // the read token
	idleArmed atomic.Bool  // the background reader's idle timer is running
	lastLead  atomic.Int64 // unix nanoseconds when a leader last stopped reading
	readNow   chan struct{}
	readIdle  chan struct{}
	deadlines bool // nc supports read deadlines, so a leader can be interrupted
	// closeAsked is set by BeginClose: the owner is shutting the
	// connection down, so its end is reported as ErrClosed even when the
	// peer hangs up first.
	closeAsked atomic.Bool
}

// New starts the engine on nc: the background reader goroutine runs until
// Close or until the connection fails. Keepalive runs on timers
// (keepalive.go) and needs no goroutine of its own.
func New(nc net.Conn, opts Options) *Conn {
	c := &Conn{
		nc:         nc,
		rb:         readBuf{nc: nc},
		opts:       opts,
		pending:    map[uint32]*Call{},
		done:       make(chan struct{}),
		readerDone: make(chan struct{}),
		readNow:    make(chan struct{}, 1),
		readIdle:   make(chan struct{}, 1),
		wsem:       make(chan struct{}, 1),
	}
	c.writeTimeout = opts.WriteTimeout
	if c.writeTimeout <= 0 {
		c.writeTimeout = DefaultWriteTimeout
	}
	c.ws.timer = time.AfterFunc(time.Hour, c.writeTimedOut)
	c.ws.timer.Stop()
	c.deadlines = nc.SetReadDeadline(time.Time{}) == nil
	c.wdeadlines = nc.SetWriteDeadline(time.Time{}) == nil
	c.resumable = c.wdeadlines && resumableTransport(nc)
	c.lastRecv.Store(time.Now().UnixNano())
	// Nobody reads until the first call, or until the background reader's
	// idle delay has passed.
	c.idleArmed.Store(true)
	signal(c.readIdle)
	go c.readLoop()
	return c
}

// Done is closed when the connection has ended, by Close or by failure.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended, or nil while it is up.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close ends the connection: pending calls fail with ErrClosed, and Close
// returns after the engine's goroutines have exited. It does not wait for
// the peer: closing the transport ends any read or write in progress.
func (c *Conn) Close() error {
	c.fail(ErrClosed)
	<-c.readerDone
	c.kaWriters.Wait() // after fail stopped keepalive: no new writer starts

	return nil
}

// BeginClose tells the engine that its owner is about to close the
// connection, typically after a goodbye message the peer answers by hanging
// up. From then on the connection's end, whoever causes it, is reported as
// ErrClosed rather than as a lost connection.
func (c *Conn) BeginClose() { c.closeAsked.Store(true) }

// fail ends the connection with cause, once, and fails every pending call.
func (c *Conn) fail(cause error) {
	c.closing.Do(func() {
		err := cause
		switch {
		case errors.Is(cause, ErrClosed):
		case c.closeAsked.Load():
			err = ErrClosed
		default:
			err = &DisconnectedError{Err: cause}
		}
		c.mu.Lock()
		c.err = err
		pending := c.pending
		c.pending = nil
		streams := c.streams
		c.streams = nil
		c.mu.Unlock()
		close(c.done)
		c.ws.timer.Stop()
		c.stopKeepalive()
		_ = c.nc.Close()
		for _, cl := range pending {
			cl.err = err
			cl.done <- struct{}{} // one-slot channel, never blocks
		}
		failStreams(streams, err) // stream.go
		// A reply left half read by a reader that stopped is not in the
		// pending table any more. If nobody holds the read token, its
		// call is woken here; a holder's next read fails and does it.
		if c.reading.CompareAndSwap(false, true) {
			c.abandonInbound()
		}
		if c.opts.OnClose != nil {
			c.opts.OnClose()
		}
	})
}

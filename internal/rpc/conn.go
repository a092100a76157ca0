package rpc

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
)

const (
	// headerLen is the length word plus the fixed-size message header.
	headerLen = wire.MessageLenMax + wire.MessageHeaderMax
	// maxFrame is the largest frame, length word included.
	maxFrame = wire.MessageLenMax + wire.MessageMax
	// keepBuf is the largest buffer kept for reuse; bigger ones, grown for
	// an unusually large message, are left to the garbage collector.
	keepBuf = 1 << 20
	// serialOffset is where the serial sits in a frame.
	serialOffset = wire.MessageLenMax + 16
)

// MessageHandler receives a message the server sent on its own (an event).
// It runs on the reader goroutine and must not block; body is only valid
// until it returns.
type MessageHandler func(h *wire.MessageHeader, body []byte)

// Options configures a Conn.
type Options struct {
	// OnMessage receives server-initiated messages other than keepalive.
	// Nil drops them.
	OnMessage MessageHandler
	// OnClose is called once when the connection has ended, after pending
	// calls were failed. It must not block.
	OnClose func()
}

// Conn is one libvirt RPC connection over a byte stream.
type Conn struct {
	nc   net.Conn
	br   *bufio.Reader
	opts Options

	wmu sync.Mutex // serialises writes to nc

	mu      sync.Mutex // guards serial, pending, streams, err
	serial  uint32
	pending map[uint32]*Call
	streams map[uint32]*Stream // open streams by serial (stream.go); nil until the first
	err     error

	done       chan struct{} // closed when the connection has ended
	readerDone chan struct{}
	kaDone     chan struct{}
	pongReq    chan struct{}
	kaStart    chan keepaliveConfig
	lastRecv   atomic.Int64 // unix nanoseconds of the last byte received
	closing    sync.Once
	// closeAsked is set by BeginClose: the owner is shutting the
	// connection down, so its end is reported as ErrClosed even when the
	// peer hangs up first.
	closeAsked atomic.Bool
}

// New starts the engine on nc: the reader and keepalive goroutines run
// until Close or until the connection fails.
func New(nc net.Conn, opts Options) *Conn {
	c := &Conn{
		nc:         nc,
		br:         bufio.NewReaderSize(nc, 64<<10),
		opts:       opts,
		pending:    map[uint32]*Call{},
		done:       make(chan struct{}),
		readerDone: make(chan struct{}),
		kaDone:     make(chan struct{}),
		pongReq:    make(chan struct{}, 1),
		kaStart:    make(chan keepaliveConfig),
	}
	c.lastRecv.Store(time.Now().UnixNano())
	go c.readLoop()
	go c.keepaliveLoop()
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
// returns after the engine's goroutines have exited.
func (c *Conn) Close() error {
	c.fail(ErrClosed)
	<-c.readerDone
	<-c.kaDone
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
		_ = c.nc.Close()
		for _, cl := range pending {
			cl.err = err
			cl.done <- struct{}{} // one-slot channel, never blocks
		}
		failStreams(streams, err) // stream.go
		if c.opts.OnClose != nil {
			c.opts.OnClose()
		}
	})
}

// readLoop reads frames until the connection fails.
func (c *Conn) readLoop() {
	defer close(c.readerDone)
	var head [headerLen]byte
	var scratch []byte
	var dec xdr.Decoder
	var h wire.MessageHeader // outside the loop: handlers take its address
	for {
		if _, err := io.ReadFull(c.br, head[:]); err != nil {
			c.fail(err)
			return
		}
		c.lastRecv.Store(time.Now().UnixNano())
		length := binary.BigEndian.Uint32(head[:4])
		if length < headerLen || length > maxFrame {
			c.fail(protocolErrorf("message length %d outside %d..%d", length, headerLen, maxFrame))
			return
		}
		dec.Reset(head[wire.MessageLenMax:])
		h.DecodeXDR(&dec)
		if err := dec.Err(); err != nil {
			c.fail(protocolErrorf("bad message header: %v", err))
			return
		}
		n := int(length) - headerLen
		var err error
		switch {
		case h.Type == wire.MessageTypeReply || h.Type == wire.MessageTypeReplyWithFDs:
			err = c.deliver(&h, n)
		case h.Type == wire.MessageTypeStream || h.Type == wire.MessageTypeStreamHole:
			// Stream data, holes and stream ends (stream_recv.go).
			err = c.streamMessage(&h, n)
		case h.Prog == wire.KeepaliveProgram:
			err = c.keepaliveMessage(&h, n)
		case h.Type == wire.MessageTypeMessage && c.opts.OnMessage != nil:
			scratch, err = readInto(c.br, scratch, n)
			if err == nil {
				c.opts.OnMessage(&h, scratch)
			}
			if cap(scratch) > keepBuf {
				scratch = nil
			}
		default:
			// Events nobody asked for are skipped whole.
			_, err = c.br.Discard(n)
		}
		if err != nil {
			c.fail(err)
			return
		}
	}
}

// deliver reads a reply body straight into its call's buffer and wakes
// the caller. Replies for calls that were cancelled are skipped.
func (c *Conn) deliver(h *wire.MessageHeader, n int) error {
	c.mu.Lock()
	cl := c.pending[h.Serial]
	delete(c.pending, h.Serial)
	c.mu.Unlock()
	if cl == nil {
		_, err := c.br.Discard(n)
		return err
	}
	var err error
	cl.rbuf, err = readInto(c.br, cl.rbuf, n)
	if err != nil {
		// The caller is woken by fail with the connection's error.
		c.mu.Lock()
		if c.pending != nil {
			c.pending[h.Serial] = cl
		}
		c.mu.Unlock()
		return err
	}
	cl.hdr = *h
	cl.done <- struct{}{}
	return nil
}

// readInto reads n bytes into buf, growing it if needed.
func readInto(r io.Reader, buf []byte, n int) ([]byte, error) {
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	_, err := io.ReadFull(r, buf)
	return buf, err
}

// write sends one complete frame.
func (c *Conn) write(frame []byte) error {
	c.wmu.Lock()
	_, err := c.nc.Write(frame)
	c.wmu.Unlock()
	return err
}

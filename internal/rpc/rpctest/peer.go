// Package rpctest is a scriptable, possibly hostile libvirt peer for
// testing the RPC engine and clients built on it: the test holds the
// daemon's end of a real socket and decides, frame by frame, what the
// daemon does: answer, answer wrongly, stop reading, dribble bytes, flood
// events or pings, or say nothing at all.
//
// It speaks only the framing and the message header (package wire); what
// the bodies mean is up to the test.
package rpctest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
)

// MaxFrame is the largest frame the peer reads, length word included.
const MaxFrame = wire.MessageLenMax + wire.MessageMax

// Frame is one message: its header and its body.
type Frame struct {
	Header wire.MessageHeader
	Body   []byte
}

// Peer is the daemon's end of a connection.
type Peer struct {
	nc net.Conn
	wm sync.Mutex // one frame at a time
}

// Pipe returns the two ends of a new unix socket in dir: the client's end
// and the Peer on the other. Unlike net.Pipe, the socket has kernel
// buffers, so a peer that stops reading blocks the client only once they
// are full, as a real daemon would.
func Pipe(dir string) (net.Conn, *Peer, error) {
	l, err := net.Listen("unix", dir+"/rpctest.sock")
	if err != nil {
		return nil, nil, err
	}
	defer l.Close()
	type accepted struct {
		nc  net.Conn
		err error
	}
	ch := make(chan accepted, 1)
	go func() {
		nc, err := l.Accept()
		ch <- accepted{nc, err}
	}()
	client, err := net.Dial("unix", dir+"/rpctest.sock")
	if err != nil {
		return nil, nil, err
	}
	a := <-ch
	if a.err != nil {
		client.Close()
		return nil, nil, a.err
	}
	return client, &Peer{nc: a.nc}, nil
}

// Conn is the peer's socket.
func (p *Peer) Conn() net.Conn { return p.nc }

// Close closes the peer's end.
func (p *Peer) Close() error { return p.nc.Close() }

// Read returns the next frame the client sent. A frame of impossible
// length is an error, not an allocation.
func (p *Peer) Read() (Frame, error) {
	var f Frame
	var lb [4]byte
	if _, err := io.ReadFull(p.nc, lb[:]); err != nil {
		return f, err
	}
	n := binary.BigEndian.Uint32(lb[:])
	if n < wire.MessageLenMax+wire.MessageHeaderMax || n > MaxFrame {
		return f, fmt.Errorf("rpctest: client sent a frame of length %d", n)
	}
	buf := make([]byte, n-4)
	if _, err := io.ReadFull(p.nc, buf); err != nil {
		return f, err
	}
	d := xdr.NewDecoder(buf[:wire.MessageHeaderMax])
	f.Header.DecodeXDR(d)
	if err := d.Err(); err != nil {
		return f, fmt.Errorf("rpctest: bad header: %w", err)
	}
	f.Body = buf[wire.MessageHeaderMax:]
	return f, nil
}

// ReadCall returns the next frame of type CALL, skipping (and answering)
// keepalive pings and skipping pongs.
func (p *Peer) ReadCall() (Frame, error) {
	for {
		f, err := p.Read()
		if err != nil {
			return f, err
		}
		if f.Header.Prog == wire.KeepaliveProgram {
			if f.Header.Proc == int32(wire.ProcKeepalivePing) {
				if err := p.Write(wire.KeepaliveFrame(wire.ProcKeepalivePong)); err != nil {
					return f, err
				}
			}
			continue
		}
		if f.Header.Type == wire.MessageTypeCall {
			return f, nil
		}
	}
}

// Bytes is the whole frame with header h and body.
func Bytes(h wire.MessageHeader, body []byte) []byte {
	e := xdr.NewEncoder(make([]byte, 4, 4+wire.MessageHeaderMax+len(body)))
	h.EncodeXDR(e)
	b := append(e.Bytes(), body...)
	binary.BigEndian.PutUint32(b, uint32(len(b)))
	return b
}

// ReplyHeader is the header of a successful reply to call.
func ReplyHeader(call Frame) wire.MessageHeader {
	h := call.Header
	h.Type, h.Status = wire.MessageTypeReply, wire.MessageStatusOK
	return h
}

// Send writes a frame with header h and body.
func (p *Peer) Send(h wire.MessageHeader, body []byte) error { return p.Write(Bytes(h, body)) }

// Reply answers call with body.
func (p *Peer) Reply(call Frame, body []byte) error { return p.Send(ReplyHeader(call), body) }

// Write writes raw bytes: whole frames, or not.
func (p *Peer) Write(b []byte) error {
	p.wm.Lock()
	defer p.wm.Unlock()
	_, err := p.nc.Write(b)
	return err
}

// Dribble writes b one byte every interval (a slowloris peer) until it is
// all written, stop is closed, or the connection fails.
func (p *Peer) Dribble(b []byte, interval time.Duration, stop <-chan struct{}) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for i := range b {
		if err := p.Write(b[i : i+1]); err != nil {
			return err
		}
		select {
		case <-t.C:
		case <-stop:
			return nil
		}
	}
	return nil
}

// Flood writes frame over and over until stop is closed or the connection
// fails; it returns how many it wrote.
func (p *Peer) Flood(frame []byte, stop <-chan struct{}) int {
	n := 0
	for {
		select {
		case <-stop:
			return n
		default:
		}
		if p.Write(frame) != nil {
			return n
		}
		n++
	}
}

// Serve answers every call with reply(call) until the connection fails;
// pings are answered. A nil body from reply leaves the call unanswered.
func (p *Peer) Serve(reply func(Frame) []byte) error {
	for {
		f, err := p.ReadCall()
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		if b := reply(f); b != nil {
			if err := p.Write(b); err != nil {
				return err
			}
		}
	}
}

// Ping is a keepalive ping frame.
func Ping() []byte { return wire.KeepaliveFrame(wire.ProcKeepalivePing) }

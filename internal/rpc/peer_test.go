package rpc

import (
	"encoding/binary"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
)

// peer is the daemon's end of a connection in engine tests: it reads and
// writes whole frames and lets each test script the daemon's behaviour.
type peer struct {
	t  testing.TB
	nc net.Conn
	wm sync.Mutex
}

// newPair returns an engine on one end of a socket pair and the peer on
// the other. The engine is closed at the end of the test.
func newPair(t testing.TB, opts Options) (*Conn, *peer) {
	t.Helper()
	return newPairWrapped(t, opts, nil)
}

// newPairWrapped is newPair with the engine's end of the socket wrapped
// by wrap (nil: unwrapped).
func newPairWrapped(t testing.TB, opts Options, wrap func(net.Conn) net.Conn) (*Conn, *peer) {
	t.Helper()
	dir := t.TempDir()
	l, err := net.Listen("unix", dir+"/s")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		nc, _ := l.Accept()
		accepted <- nc
	}()
	nc, err := net.Dial("unix", dir+"/s")
	if err != nil {
		t.Fatal(err)
	}
	pc := await(t, accepted, "accepting the test connection")
	if pc == nil {
		t.Fatal("accepting the test connection failed")
	}
	p := &peer{t: t, nc: pc}
	if wrap != nil {
		nc = wrap(nc)
	}
	c := New(nc, opts)
	t.Cleanup(func() {
		// Bounded, so that an engine stuck for good (a goroutine that
		// never lets go of its lock) fails the test instead of hanging it.
		closed := make(chan struct{})
		go func() { c.Close(); close(closed) }()
		select {
		case <-closed:
		case <-time.After(stuckAfter):
			t.Errorf("stuck: Close at the end of the test (not done after %v)", stuckAfter)
		}
		p.nc.Close()
	})
	return c, p
}

type frame struct {
	h    wire.MessageHeader
	body []byte
}

// read returns the next frame, or ok=false when the connection ended.
func (p *peer) read() (f frame, ok bool) {
	var lb [4]byte
	if _, err := io.ReadFull(p.nc, lb[:]); err != nil {
		return f, false
	}
	n := binary.BigEndian.Uint32(lb[:])
	buf := make([]byte, n-4)
	if _, err := io.ReadFull(p.nc, buf); err != nil {
		return f, false
	}
	d := xdr.NewDecoder(buf[:wire.MessageHeaderMax])
	f.h.DecodeXDR(d)
	if d.Err() != nil {
		p.t.Errorf("peer: bad header: %v", d.Err())
	}
	f.body = buf[wire.MessageHeaderMax:]
	return f, true
}

// next reads the next frame on the test's goroutine, failing the test
// with what when the connection ends or nothing comes within stuckAfter.
func (p *peer) next(t testing.TB, what string) frame {
	t.Helper()
	_ = p.nc.SetReadDeadline(time.Now().Add(stuckAfter))
	f, ok := p.read()
	_ = p.nc.SetReadDeadline(time.Time{})
	if !ok {
		t.Fatalf("stuck: %s: no frame from the client (connection ended, or nothing for %v)", what, stuckAfter)
	}
	return f
}

// frameBytes is a whole frame (length word, header h, body).
func frameBytes(h wire.MessageHeader, body []byte) []byte {
	e := xdr.NewEncoder(make([]byte, 4, 64+len(body)))
	h.EncodeXDR(e)
	b := append(e.Bytes(), body...)
	binary.BigEndian.PutUint32(b, uint32(len(b)))
	return b
}

// replyBytes is the whole frame answering call f with body.
func replyBytes(f frame, body []byte) []byte {
	h := f.h
	h.Type, h.Status = wire.MessageTypeReply, wire.MessageStatusOK
	return frameBytes(h, body)
}

// send writes a frame with header h and the given body.
func (p *peer) send(h wire.MessageHeader, body []byte) error {
	return p.write(frameBytes(h, body))
}

// reply answers call f with body.
func (p *peer) reply(f frame, body []byte) error {
	return p.write(replyBytes(f, body))
}

// write sends raw bytes, whole frames or not.
func (p *peer) write(b []byte) error {
	p.wm.Lock()
	defer p.wm.Unlock()
	_, err := p.nc.Write(b)
	return err
}

// echo answers every call with its own arguments until the connection
// ends.
func (p *peer) echo() {
	for {
		f, ok := p.read()
		if !ok {
			return
		}
		if f.h.Type == wire.MessageTypeCall {
			if p.reply(f, f.body) != nil {
				return
			}
		}
	}
}

//go:build integration

package integration_test

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// stallProxy forwards TCP connections from a loopback port to a target
// until Stall is called; from then on it reads and drops everything in both
// directions but keeps the sockets open, like a link that went dead
// without anyone closing it.
type stallProxy struct {
	ln      net.Listener
	target  string
	stalled atomic.Bool

	mu     sync.Mutex
	conns  []net.Conn
	closed bool
	wg     sync.WaitGroup
}

// startStallProxy listens on 127.0.0.1 (a random port) and forwards to
// target; the proxy is closed when the test ends.
func startStallProxy(t *testing.T, target string) *stallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &stallProxy{ln: ln, target: target}
	p.wg.Add(1)
	go p.acceptLoop()
	t.Cleanup(p.Close)
	return p
}

// Addr is where clients connect.
func (p *stallProxy) Addr() string { return p.ln.Addr().String() }

// Stall stops forwarding: data is dropped from now on.
func (p *stallProxy) Stall() { p.stalled.Store(true) }

// Close closes the listener and every connection and waits for the
// proxy's goroutines.
func (p *stallProxy) Close() {
	_ = p.ln.Close()
	p.mu.Lock()
	p.closed = true
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// track records c for Close; it reports false (and closes c) if the proxy
// is already closed.
func (p *stallProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		_ = c.Close()
		return false
	}
	p.conns = append(p.conns, c)
	return true
}

func (p *stallProxy) acceptLoop() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(client) {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = client.Close()
			continue
		}
		if !p.track(server) {
			return
		}
		p.wg.Add(2)
		go p.pump(server, client)
		go p.pump(client, server)
	}
}

// pump copies src to dst while the proxy forwards, and drains src
// afterwards. When src ends, dst is closed too.
func (p *stallProxy) pump(dst, src net.Conn) {
	defer p.wg.Done()
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.stalled.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return // EOF, or the socket was closed by Close
		}
	}
}

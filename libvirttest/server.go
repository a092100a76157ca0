package libvirttest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/virtwire/libvirt"
)

// ErrServerClosed is returned by a Server's methods after Close.
var ErrServerClosed = errors.New("libvirttest: server closed")

// Server is a fake libvirtd: it speaks libvirt's RPC protocol on its
// listeners and in-memory pipes and serves an in-memory driver that
// behaves like libvirt's test:///default. All its connections share that
// driver's state. It is safe for concurrent use.
type Server struct {
	cfg    config
	faults faults
	drv    *driver
	remote RemoteHandler
	qemu   QEMUHandler

	mu        sync.Mutex
	conns     map[*conn]struct{}
	listeners []net.Listener
	closed    bool
	tmpDir    string
	unixPath  string
	tcpAddr   string

	wg sync.WaitGroup // accept loops and connections
}

// NewServer starts a fake daemon. With no listener option it serves only
// in-memory connections (Pipe, Client); WithUnixSocket and WithTCP add
// real sockets. Call Close to stop it.
func NewServer(opts ...Option) (*Server, error) {
	s := &Server{conns: map[*conn]struct{}{}}
	for _, o := range opts {
		o(&s.cfg)
	}
	if len(s.cfg.auth) == 0 {
		s.cfg.auth = []libvirt.AuthType{libvirt.AuthNone}
	}
	for _, m := range s.cfg.auth {
		if m != libvirt.AuthNone && m != libvirt.AuthPolkit {
			return nil, fmt.Errorf("libvirttest: authentication method %v is not supported", m)
		}
	}
	for _, f := range s.cfg.faults {
		f(&s.faults)
	}
	hostname := s.cfg.hostname
	if hostname == "" {
		hostname, _ = os.Hostname()
	}
	s.drv = newDriver(s, hostname)
	s.remote = s.drv
	if s.cfg.wrapRemote != nil {
		s.remote = s.cfg.wrapRemote(s.drv)
	}
	s.qemu = s.cfg.qemu
	if s.qemu == nil {
		s.qemu = testQEMU{} // qemumon.go
	}
	if s.cfg.unixSet {
		if err := s.listenUnix(s.cfg.unixPath); err != nil {
			s.Close()
			return nil, err
		}
	}
	if s.cfg.tcp {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("libvirttest: %w", err)
		}
		s.tcpAddr = l.Addr().String()
		s.serve(l)
	}
	return s, nil
}

// New is NewServer for tests: it fails t if the server cannot start and
// closes the server when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := NewServer(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func (s *Server) listenUnix(path string) error {
	if path == "" {
		dir, err := os.MkdirTemp("", "libvirttest")
		if err != nil {
			return fmt.Errorf("libvirttest: %w", err)
		}
		s.tmpDir = dir
		path = filepath.Join(dir, "libvirt-sock")
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("libvirttest: %w", err)
	}
	s.unixPath = path
	s.serve(l)
	return nil
}

// serve accepts connections on l until Close.
func (s *Server) serve(l net.Listener) {
	s.mu.Lock()
	s.listeners = append(s.listeners, l)
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			if !s.startConn(nc) {
				nc.Close()
			}
		}
	}()
}

// startConn serves nc on its own goroutines; false if the server is
// closed.
func (s *Server) startConn(nc net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	c := newConn(s, nc)
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		c.serve()
		s.drv.connGone(c)
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	return true
}

// Pipe returns the client end of a new in-memory connection to the
// server, for libvirt.NewClient.
func (s *Server) Pipe() (net.Conn, error) {
	cl, sv := net.Pipe()
	if !s.startConn(sv) {
		cl.Close()
		sv.Close()
		return nil, ErrServerClosed
	}
	return cl, nil
}

// Client opens a libvirt connection to the server over an in-memory pipe,
// as libvirt.NewClient(ctx, pipe, "test:///default", opts...) would.
func (s *Server) Client(ctx context.Context, opts ...libvirt.Option) (*libvirt.Client, error) {
	nc, err := s.Pipe()
	if err != nil {
		return nil, err
	}
	return libvirt.NewClient(ctx, nc, "test:///default", opts...)
}

// UnixSocket is the path of the unix socket listener, or "" without one.
func (s *Server) UnixSocket() string { return s.unixPath }

// TCPAddr is the host:port of the TCP listener, or "" without one.
func (s *Server) TCPAddr() string { return s.tcpAddr }

// URI is a libvirt URI that reaches the server with virsh or
// libvirt.Dial: test+unix:///default?socket=PATH with a unix listener,
// else test+tcp://ADDR/default with a TCP one, else "".
func (s *Server) URI() string {
	switch {
	case s.unixPath != "":
		return "test+unix:///default?socket=" + s.unixPath
	case s.tcpAddr != "":
		return "test+tcp://" + s.tcpAddr + "/default"
	}
	return ""
}

// NumConnections returns how many client connections are open.
func (s *Server) NumConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Close stops the server: listeners close, clients that registered a
// close callback are told (ConnectionClosed with reason EOF), every
// connection is hung up, and Close returns once all of the server's
// goroutines have exited.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return nil
	}
	s.closed = true
	ls := s.listeners
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, l := range ls {
		l.Close()
	}
	for _, c := range conns {
		c.shutdown()
	}
	s.wg.Wait()
	if s.tmpDir != "" {
		os.RemoveAll(s.tmpDir)
	}
	return nil
}

package chtest

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/virtwire/libvirt/cloudhypervisor/internal/chapi"
)

// Options configures a fake VMM. The zero value behaves like
// cloud-hypervisor v53.0 built with default features: JSON error chains,
// its status codes and its 10-connection limit.
type Options struct {
	// Socket is the unix socket path; empty means a new temporary
	// directory (removed by Close).
	Socket string
	// MaxConns is the connection limit (default 10, like the VMM).
	MaxConns int
	// Release selects the server whose statuses and routes the fake
	// copies (default ReleaseV53).
	Release Release
	// ErrorBody selects the error body format (default JSON array; use
	// ErrorBodyText with ReleaseV52 for servers before v47).
	ErrorBody ErrorBody
	// GuestDebug serves /vm.coredump, like a VMM built with the
	// guest_debug feature; without it the path is 404 ["Not Found"].
	GuestDebug bool
	// Version is reported by vmm.ping as build_version (default: the
	// release's git describe, for example "v53.0"); "version" is the
	// release's crate version, for example "53.0.0".
	Version string
	// Latency is how long each request occupies the single API thread.
	Latency time.Duration
}

// Server is a running fake VMM.
type Server struct {
	opts   Options
	socket string
	tmpDir string
	routes *specRoutes
	http   *http.Server
	ln     *limitListener
	wg     sync.WaitGroup
	done   chan struct{}
	closed sync.Once

	// api serialises request handling, like the VMM's single API thread.
	api sync.Mutex
	vm  vmModel

	mu        sync.Mutex // guards the fields below
	stats     Stats
	faults    map[string]*Fault
	received  []FDRecord
	openConns int
}

// Stats counts what the fake saw.
type Stats struct {
	// Requests counts requests by "METHOD /path" (path without /api/v1).
	Requests map[string]int
	// ValidationFailures lists requests that did not validate against
	// the spec, as "METHOD /path: error".
	ValidationFailures []string
	// WithoutContentLength counts PUT requests that lacked a
	// Content-Length header.
	WithoutContentLength int
	// RefusedConns counts connections refused at the limit.
	RefusedConns int
	// IgnoredFDs counts descriptors received with requests whose real
	// handler does not use them (for example vm.create), by path; the
	// fake closes them.
	IgnoredFDs map[string]int
	// MaxOpenConns is the highest number of connections open at once.
	MaxOpenConns int
	// OpenConns is the number of connections open now.
	OpenConns int
}

// FDRecord is one request that carried file descriptors.
type FDRecord struct {
	// Path is the API path, for example "/vm.add-net".
	Path string
	// Files are the received descriptors, owned by the fake and closed by
	// Close.
	Files []*os.File
}

// Start starts a fake VMM with the given options.
func Start(opts Options) (*Server, error) {
	if opts.MaxConns == 0 {
		opts.MaxConns = 10
	}
	if opts.MaxConns < 0 {
		return nil, fmt.Errorf("chtest: negative MaxConns %d", opts.MaxConns)
	}
	switch opts.Release {
	case ReleaseV53, ReleaseMain, ReleaseV52:
	default:
		return nil, fmt.Errorf("chtest: unknown release %d", opts.Release)
	}
	if opts.Version == "" {
		opts.Version = opts.Release.String()
	}
	routes, err := loadRoutes()
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, routes: routes, done: make(chan struct{}), faults: map[string]*Fault{}}
	s.stats.Requests = map[string]int{}
	s.stats.IgnoredFDs = map[string]int{}
	s.vm.reset()
	s.socket = opts.Socket
	if s.socket == "" {
		dir, err := os.MkdirTemp("", "chtest")
		if err != nil {
			return nil, err
		}
		s.tmpDir = dir
		s.socket = filepath.Join(dir, "api.sock")
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: s.socket, Net: "unix"})
	if err != nil {
		s.removeTmp()
		return nil, fmt.Errorf("chtest: listen: %w", err)
	}
	ln.SetUnlinkOnClose(true)
	s.ln = &limitListener{UnixListener: ln, s: s}

	strict := chapi.NewStrictHandlerWithOptions(&handlers{s: s}, nil, chapi.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: func(w http.ResponseWriter, _ *http.Request, err error) {
			s.writeChain(w, http.StatusBadRequest, badJSON(err.Error()).chain)
		},
		ResponseErrorHandlerFunc: func(w http.ResponseWriter, _ *http.Request, err error) { s.writeError(w, err) },
	})
	api := chapi.HandlerWithOptions(strict, chapi.StdHTTPServerOptions{BaseURL: apiPrefix})
	s.http = &http.Server{Handler: s.front(api), ConnContext: connContext, ReadHeaderTimeout: 10 * time.Second}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = s.http.Serve(s.ln)
	}()
	return s, nil
}

// New starts a fake VMM for a test and stops it when the test ends.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("chtest: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// SocketPath returns the path of the API socket.
func (s *Server) SocketPath() string { return s.socket }

// Operations lists the operations of the spec the fake serves, as
// "METHOD /path" (keys of Stats.Requests), sorted. The newest spec has 32.
func (s *Server) Operations() []string { return s.routes.operations() }

// Done is closed once the fake stopped, after PUT /vmm.shutdown or Close.
func (s *Server) Done() <-chan struct{} { return s.done }

// Close stops the server, closes open connections and every received
// file descriptor, and removes the temporary socket directory.
func (s *Server) Close() error {
	err := s.stop()
	s.wg.Wait()
	s.mu.Lock()
	for _, r := range s.received {
		for _, f := range r.Files {
			_ = f.Close()
		}
	}
	s.received = nil
	s.mu.Unlock()
	s.removeTmp()
	return err
}

// stop closes the listener and connections once.
func (s *Server) stop() error {
	var err error
	s.closed.Do(func() {
		err = s.http.Close()
		if errors.Is(err, net.ErrClosed) {
			err = nil
		}
		close(s.done)
	})
	return err
}

func (s *Server) removeTmp() {
	if s.tmpDir != "" {
		_ = os.RemoveAll(s.tmpDir)
	}
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.OpenConns = s.openConns
	st.Requests = make(map[string]int, len(s.stats.Requests))
	for k, v := range s.stats.Requests {
		st.Requests[k] = v
	}
	st.ValidationFailures = append([]string(nil), s.stats.ValidationFailures...)
	st.IgnoredFDs = make(map[string]int, len(s.stats.IgnoredFDs))
	for k, v := range s.stats.IgnoredFDs {
		st.IgnoredFDs[k] = v
	}
	return st
}

// ReceivedFDs returns the requests that carried descriptors, oldest
// first. The files stay owned by the fake.
func (s *Server) ReceivedFDs() []FDRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]FDRecord(nil), s.received...)
}

// admitConn reserves a connection slot, or reports that the limit is
// reached (and counts the refusal).
func (s *Server) admitConn() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.openConns >= s.opts.MaxConns {
		s.stats.RefusedConns++
		return false
	}
	s.openConns++
	s.stats.MaxOpenConns = max(s.stats.MaxOpenConns, s.openConns)
	return true
}

func (s *Server) releaseConn() {
	s.mu.Lock()
	s.openConns--
	s.mu.Unlock()
}

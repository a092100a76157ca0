package chtest

import (
	"net/http"
	"time"
)

// Fault changes how the fake answers one API path.
type Fault struct {
	// Times is how many requests the fault applies to; 0 means until
	// ClearFaults.
	Times int
	// Delay is waited (holding the API thread) before anything else.
	Delay time.Duration
	// Drop closes the connection without an answer.
	Drop bool
	// Status, when non-zero, is answered with Chain as the error body
	// instead of running the handler.
	Status int
	// Chain is the error chain sent with Status.
	Chain []string
}

// Inject installs f for path (for example "/vm.boot"), replacing any
// fault already set for it.
func (s *Server) Inject(path string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[path] = &f
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[string]*Fault{}
}

// takeFault returns the fault for path, consuming one use.
func (s *Server) takeFault(path string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.faults[path]
	if !ok {
		return nil
	}
	if f.Times > 0 {
		f.Times--
		if f.Times == 0 {
			delete(s.faults, path)
		}
	}
	c := *f
	return &c
}

// apply acts out the fault; it reports whether the request is answered.
func (f *Fault) apply(s *Server, w http.ResponseWriter) bool {
	if f.Delay > 0 {
		time.Sleep(f.Delay)
	}
	if f.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				_ = c.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	}
	if f.Status != 0 {
		s.writeChain(w, f.Status, f.Chain)
		return true
	}
	return false
}

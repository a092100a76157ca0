package chtest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// bodylessActions are the PUT paths whose real handlers refuse a body.
var bodylessActions = map[string]bool{
	"/vm.boot": true, "/vm.delete": true, "/vm.shutdown": true, "/vm.reboot": true,
	"/vm.pause": true, "/vm.resume": true, "/vm.power-button": true, "/vm.nmi": true,
}

type fdsKey struct{}

type bodyKey struct{}

// bodyFrom returns the raw request body, for fields the spec lacks.
func bodyFrom(ctx context.Context) []byte {
	b, _ := ctx.Value(bodyKey{}).([]byte)
	return b
}

// fdsFrom returns the descriptors received with the current request.
func fdsFrom(ctx context.Context) []*os.File {
	fds, _ := ctx.Value(fdsKey{}).([]*os.File)
	return fds
}

// front wraps the generated handler with what the real server does
// before dispatching: the single API thread, HTTP-level checks, fault
// injection, fd collection and spec validation.
func (s *Server) front(api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.api.Lock()
		defer s.api.Unlock()
		if s.opts.Latency > 0 {
			time.Sleep(s.opts.Latency)
		}
		path := strings.TrimPrefix(r.URL.Path, apiPrefix)
		s.count(r.Method + " " + path)

		route, found := s.routes.route(r)
		switch {
		case !found:
			s.writeChain(w, http.StatusNotFound, []string{"Not Found", "unknown path " + r.URL.Path})
			return
		case route == nil:
			// The real server answers a wrong method with 400, not 405.
			s.writeChain(w, http.StatusBadRequest, []string{"Bad Request", r.Method + " is not supported on " + path})
			return
		}
		if r.Method == http.MethodPut && r.Header.Get("Content-Length") == "" {
			s.mu.Lock()
			s.stats.WithoutContentLength++
			s.mu.Unlock()
			if len(r.TransferEncoding) > 0 {
				s.writeChain(w, http.StatusBadRequest, []string{"Bad Request", "request body without Content-Length is not supported"})
				return
			}
		}
		if f := s.takeFault(path); f != nil {
			if f.apply(s, w) {
				return
			}
		}

		var files []*os.File
		if c := connFrom(r.Context()); c != nil {
			for _, fd := range c.takeFDs() {
				files = append(files, os.NewFile(uintptr(fd), "scm-rights"))
			}
		}
		if len(files) > 0 {
			s.mu.Lock()
			s.received = append(s.received, FDRecord{Path: path, Files: files})
			s.mu.Unlock()
			r = r.WithContext(context.WithValue(r.Context(), fdsKey{}, files))
		}

		body, err := io.ReadAll(r.Body)
		if err != nil {
			s.writeChain(w, http.StatusBadRequest, []string{"Bad Request", err.Error()})
			return
		}
		if bodylessActions[path] && len(body) > 0 {
			s.writeChain(w, http.StatusBadRequest, []string{"Bad Request", "unexpected request body"})
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := s.routes.validate(r, route); err != nil {
			s.mu.Lock()
			s.stats.ValidationFailures = append(s.stats.ValidationFailures, r.Method+" "+path+": "+err.Error())
			s.mu.Unlock()
			s.writeChain(w, http.StatusBadRequest, []string{"Bad Request", "request does not match the API spec", err.Error()})
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), bodyKey{}, body))
		r.Body = io.NopCloser(bytes.NewReader(body))
		api.ServeHTTP(w, r)
	})
}

func (s *Server) count(key string) {
	s.mu.Lock()
	s.stats.Requests[key]++
	s.mu.Unlock()
}

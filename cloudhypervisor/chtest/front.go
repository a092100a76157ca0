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

// ownHandlers are the paths with a dedicated real handler (VmCreate,
// VmInfo, VmmPing, VmmShutdown), which answer any wrong method with
// ["Bad Request"]. The others go through VmActionHandler, which answers a
// method other than GET and PUT with a bare 400.
var ownHandlers = map[string]bool{
	"/vm.create": true, "/vm.info": true, "/vmm.ping": true, "/vmm.shutdown": true,
}

// fdPaths are the paths whose real handlers use descriptors passed with
// the request (v53.0 and main). Any other handler drops them unused.
var fdPaths = map[string]bool{"/vm.add-net": true, "/vm.add-device": true, "/vm.restore": true}

// served reports whether the release has a route for path: no release
// serves /vm.balloon-stats (only the newest spec has it), and
// /vm.coredump exists only in VMMs built with guest_debug.
func (s *Server) served(path string) bool {
	switch path {
	case "/vm.balloon-stats":
		return false
	case "/vm.coredump":
		return s.opts.GuestDebug
	}
	return true
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
		w.Header().Set("Server", serverHeader)

		route, found := s.routes.route(r)
		switch {
		case !found || !s.served(path):
			s.writeChain(w, http.StatusNotFound, []string{"Not Found"})
			return
		case route == nil && r.Method != http.MethodGet && r.Method != http.MethodPut && !ownHandlers[path]:
			writeBare(w, http.StatusBadRequest)
			return
		case route == nil:
			// The real server answers a wrong method with 400, not 405.
			s.writeChain(w, http.StatusBadRequest, badRequest().chain)
			return
		}
		if r.Method == http.MethodPut && r.Header.Get("Content-Length") == "" {
			s.mu.Lock()
			s.stats.WithoutContentLength++
			s.mu.Unlock()
			if len(r.TransferEncoding) > 0 {
				s.writeChain(w, http.StatusBadRequest, badRequest().chain)
				return
			}
		}

		// Descriptors arrive with the request bytes; only the handlers
		// that use them get them, the others close them (as the real
		// server does when the request is dropped).
		var files []*os.File
		if c := connFrom(r.Context()); c != nil {
			for _, fd := range c.takeFDs() {
				files = append(files, os.NewFile(uintptr(fd), "scm-rights"))
			}
		}
		if len(files) > 0 && !fdPaths[path] {
			for _, f := range files {
				_ = f.Close()
			}
			s.mu.Lock()
			s.stats.IgnoredFDs[path] += len(files)
			s.mu.Unlock()
			files = nil
		}
		if len(files) > 0 {
			s.mu.Lock()
			s.received = append(s.received, FDRecord{Path: path, Files: files})
			s.mu.Unlock()
			r = r.WithContext(context.WithValue(r.Context(), fdsKey{}, files))
		}

		if f := s.takeFault(path); f != nil {
			if f.apply(s, w) {
				return
			}
		}

		body, err := io.ReadAll(r.Body)
		if err != nil {
			s.writeChain(w, http.StatusBadRequest, badRequest().chain)
			return
		}
		switch {
		case bodylessActions[path] && len(body) > 0:
			s.writeChain(w, http.StatusBadRequest, badRequest().chain)
			return
		case r.Method == http.MethodPut && !bodylessActions[path] && path != "/vmm.shutdown" && len(body) == 0:
			// Body-taking handlers refuse a missing body; vm.create with
			// a bare 400.
			if path == "/vm.create" {
				writeBare(w, http.StatusBadRequest)
			} else {
				s.writeChain(w, http.StatusBadRequest, badRequest().chain)
			}
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := s.routes.validate(r, route); err != nil {
			s.mu.Lock()
			s.stats.ValidationFailures = append(s.stats.ValidationFailures, r.Method+" "+path+": "+err.Error())
			s.mu.Unlock()
			// The real server only runs serde; its chain would name the
			// serde error. The second element here is kin-openapi's.
			s.writeChain(w, http.StatusBadRequest, badJSON("request does not match the API spec: "+err.Error()).chain)
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

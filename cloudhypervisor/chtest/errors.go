package chtest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// ErrorBody selects how the fake writes error bodies.
type ErrorBody int

const (
	// ErrorBodyJSON writes the error chain as a JSON array of strings
	// (cloud-hypervisor v47 and later).
	ErrorBodyJSON ErrorBody = iota
	// ErrorBodyText writes the chain as plain text joined with ": ",
	// still labelled application/json (before v47).
	ErrorBodyText
)

// StatusStyle selects which status codes failures get.
type StatusStyle int

const (
	// StatusLegacy answers 500 for every failure of the VMM itself, as
	// cloud-hypervisor up to v52 does.
	StatusLegacy StatusStyle = iota
	// StatusV53 answers 404 when no VM exists and 409 for conflicts
	// (already exists, wrong state), like v53 does for some calls.
	StatusV53
)

// errKind classifies a failure; the status it maps to depends on the
// StatusStyle.
type errKind int

const (
	kindInternal   errKind = iota // always 500
	kindBadRequest                // always 400
	kindNotCreated                // 500 legacy, 404 v53
	kindConflict                  // 500 legacy, 409 v53
	kindTooMany                   // always 429 (vm.resize with pending vCPU removal)
)

// apiErr is returned by the strict handlers and rendered by writeError.
type apiErr struct {
	kind  errKind
	chain []string
}

func (e *apiErr) Error() string { return strings.Join(e.chain, ": ") }

func failure(kind errKind, chain ...string) *apiErr { return &apiErr{kind: kind, chain: chain} }

func (s *Server) status(kind errKind) int {
	switch kind {
	case kindBadRequest:
		return http.StatusBadRequest
	case kindTooMany:
		return http.StatusTooManyRequests
	case kindNotCreated:
		if s.opts.Statuses == StatusV53 {
			return http.StatusNotFound
		}
	case kindConflict:
		if s.opts.Statuses == StatusV53 {
			return http.StatusConflict
		}
	}
	return http.StatusInternalServerError
}

// writeChain writes an error answer in the configured body format.
func (s *Server) writeChain(w http.ResponseWriter, status int, chain []string) {
	var body []byte
	if s.opts.ErrorBody == ErrorBodyText {
		body = []byte(strings.Join(chain, ": "))
	} else {
		if chain == nil {
			chain = []string{}
		}
		body, _ = json.Marshal(chain)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError renders an error from a strict handler or the strict
// server's own request decoding.
func (s *Server) writeError(w http.ResponseWriter, err error) {
	if e, ok := err.(*apiErr); ok {
		s.writeChain(w, s.status(e.kind), e.chain)
		return
	}
	s.writeChain(w, http.StatusBadRequest, []string{"Bad Request", err.Error()})
}

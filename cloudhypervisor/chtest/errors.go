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

// Release selects which cloud-hypervisor server the fake behaves like.
// The zero value is ReleaseV53.
type Release int

const (
	// ReleaseV53 is release v53.0 (tag commit 9ed824d6, 2026-07-12), the
	// latest release: failures of the VMM are 500, except "VM is not
	// created" and "VM config is missing", which are 404.
	ReleaseV53 Release = iota
	// ReleaseMain is untagged main at ae44c297 (v53.0-246, 2026-08-22),
	// the newest server source available. On top of v53.0 it answers 404
	// for an unknown device id, 409 for a duplicate device id or path and
	// 400 for other invalid configurations. The newest spec describes
	// this server (plus vm.balloon-stats, which it does not serve).
	ReleaseMain
	// ReleaseV52 is v47.0 to v52.0: every failure of the VMM is 500.
	// Combine it with ErrorBodyText for servers before v47.
	ReleaseV52
)

// String names the release like its git describe output.
func (r Release) String() string {
	switch r {
	case ReleaseMain:
		return "v53.0-246-gae44c2971"
	case ReleaseV52:
		return "v52.0"
	default:
		return "v53.0"
	}
}

// cargoVersion is the crate version vmm.ping reports as "version" (the
// git describe output is "build_version").
func (r Release) cargoVersion() string {
	switch r {
	case ReleaseMain:
		return "54.0.0"
	case ReleaseV52:
		return "52.0.0"
	default:
		return "53.0.0"
	}
}

// errKind classifies a failure like the real server's status mapping
// (api_error_status_code in vmm/src/api/http/mod.rs) does; the status it
// maps to depends on the release.
type errKind int

const (
	kindInternal      errKind = iota // 500
	kindBadRequest                   // 400: HttpError::BadRequest and JSON errors
	kindNotCreated                   // VmError::VmNotCreated or VmMissingConfig
	kindNoDevice                     // VmError::NoDeviceToRemove, DeviceManagerError::UnknownDeviceId
	kindDuplicate                    // ValidationError::IdentifierNotUnique or DuplicateDevicePath
	kindInvalidConfig                // other ValidationError
	kindTooMany                      // 429: vm.resize with a vCPU removal pending
	kindNotFound                     // 404: HttpError::NotFound, a path the release does not serve
)

// apiErr is returned by the strict handlers and rendered by writeError.
type apiErr struct {
	kind  errKind
	chain []string
}

func (e *apiErr) Error() string { return strings.Join(e.chain, ": ") }

// apiFailure is a failure of the VMM itself: the real server wraps it in
// HttpError::ApiError, so its chain starts with "Error from API", then
// the operation's ApiError message, then the causes.
func apiFailure(kind errKind, op string, causes ...string) *apiErr {
	return &apiErr{kind: kind, chain: append([]string{"Error from API", op}, causes...)}
}

// badRequest is HttpError::BadRequest: ["Bad Request"].
func badRequest() *apiErr { return &apiErr{kind: kindBadRequest, chain: []string{"Bad Request"}} }

// badJSON is HttpError::SerdeJsonDeserialize with the decoder's message.
func badJSON(msg string) *apiErr {
	return &apiErr{kind: kindBadRequest, chain: []string{"Failed to deserialize JSON", msg}}
}

func (s *Server) status(kind errKind) int {
	r := s.opts.Release
	switch kind {
	case kindBadRequest:
		return http.StatusBadRequest
	case kindTooMany:
		return http.StatusTooManyRequests
	case kindNotFound:
		return http.StatusNotFound
	case kindNotCreated:
		if r != ReleaseV52 {
			return http.StatusNotFound
		}
	case kindNoDevice:
		if r == ReleaseMain {
			return http.StatusNotFound
		}
	case kindDuplicate:
		if r == ReleaseMain {
			return http.StatusConflict
		}
	case kindInvalidConfig:
		if r == ReleaseMain {
			return http.StatusBadRequest
		}
	}
	return http.StatusInternalServerError
}

// serverHeader is the Server header of every answer of the API handlers
// (the connection-limit refusal names micro_http's "Firecracker API").
const serverHeader = "Cloud Hypervisor API"

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

// writeBare writes an answer without a body, as the real server does
// for a method it does not parse and for vm.create without a body.
func writeBare(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
}

// writeError renders an error from a strict handler or the strict
// server's own request decoding.
func (s *Server) writeError(w http.ResponseWriter, err error) {
	if e, ok := err.(*apiErr); ok {
		s.writeChain(w, s.status(e.kind), e.chain)
		return
	}
	s.writeChain(w, http.StatusBadRequest, badJSON(err.Error()).chain)
}

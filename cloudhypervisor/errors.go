package cloudhypervisor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// ErrResponseTooLarge is wrapped by the error of a call whose answer body
// was larger than the client's limit (WithMaxResponseSize).
var ErrResponseTooLarge = errors.New("response body over the size limit")

// ErrRefused is wrapped by the error of a call the server refused
// before reading it, on every attempt the retry policy allowed (its
// connection limit): the request was not acted on and may be sent again.
var ErrRefused = errors.New("refused by the server before it read the request")

// ErrUnexpectedAnswer is wrapped by the error of a call whose 2xx answer
// lacks what the operation promises: an empty or null body where a JSON
// object is due, or an object without its required fields.
var ErrUnexpectedAnswer = errors.New("unexpected answer from the VMM")

// Error is a non-2xx answer from the VMM.
//
// cloud-hypervisor reports failures as the chain of causes of the error,
// outermost first. Since v47 the body is a JSON array of strings whose
// first element is "Error from API" for failures of the VMM (a bad
// request gives for example ["Bad Request"] or ["Failed to deserialize
// JSON", ...]); older versions send the chain as plain text (labelled
// application/json). The connection-limit refusal is a JSON object
// {"error": "..."}. All three are decoded into Chain; Body keeps the raw
// bytes.
type Error struct {
	// Op names the request, for example "PUT /vm.boot".
	Op string
	// StatusCode is the HTTP status the VMM answered with.
	StatusCode int
	// Chain is the decoded error chain, outermost cause first. It is
	// empty when the body was empty or Truncated.
	Chain []string
	// Body is the raw response body; when Truncated, its first
	// maxKeptErrorBody bytes.
	Body []byte
	// Truncated is set when the body was over the client's size limit;
	// the error then also matches ErrResponseTooLarge.
	Truncated bool
	// Limit is the size limit in force when Truncated.
	Limit int64
	// Refused is set when this is the connection-limit refusal, sent
	// before the server read the request, and retries ran out; the error
	// then also matches ErrRefused.
	Refused bool
}

// Bounds of Error(): a hostile or broken server can send a chain of any
// length, and error strings end up in logs.
const (
	maxErrorText     = 4096 // bytes of Error() output, at most
	maxChainElement  = 512  // bytes shown of one chain element
	maxKeptErrorBody = 4096 // bytes of Body kept when Truncated
)

// Error formats the request, the status and the error chain, in at most
// maxErrorText bytes (long elements and chains are shortened, and the
// number of bytes left out is stated).
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("cloudhypervisor: ")
	b.WriteString(clip(e.Op, maxChainElement))
	fmt.Fprintf(&b, ": %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Truncated {
		fmt.Fprintf(&b, ": body larger than the %d-byte limit, not decoded", e.Limit)
	}
	if e.Refused {
		b.WriteString(" (refused before the request was read; retries exhausted)")
	}
	for i, c := range e.Chain {
		part := ": " + clip(c, maxChainElement)
		// Leave room for the note about what was left out.
		if b.Len()+len(part) > maxErrorText-64 {
			fmt.Fprintf(&b, ": ... (%d more chain elements)", len(e.Chain)-i)
			break
		}
		b.WriteString(part)
	}
	return b.String()
}

// Unwrap lets errors.Is match ErrResponseTooLarge for a truncated answer
// and ErrRefused for a refusal.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Truncated {
		errs = append(errs, ErrResponseTooLarge)
	}
	if e.Refused {
		errs = append(errs, ErrRefused)
	}
	return errs
}

// clip shortens s to at most n bytes (on a rune boundary), saying how
// many bytes were left out.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - 40
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d bytes more)", s[:cut], len(s)-cut)
}

// IsStatus reports whether err is (or wraps) an *Error with the given
// HTTP status code.
func IsStatus(err error, code int) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == code
}

// tooManyConnections is the message of the VMM's connection-limit refusal.
const tooManyConnections = "Too many open connections"

// newError builds an *Error from a response status and body.
func newError(op string, status int, body []byte, truncated bool, limit int64) *Error {
	if truncated {
		kept := body[:min(len(body), maxKeptErrorBody)]
		return &Error{Op: op, StatusCode: status, Body: append([]byte(nil), kept...), Truncated: true, Limit: limit}
	}
	return &Error{Op: op, StatusCode: status, Chain: decodeChain(body), Body: body}
}

// decodeChain decodes an error body: a JSON array of strings, a JSON
// object with an "error" string, or otherwise the trimmed text itself.
func decodeChain(body []byte) []string {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil
	}
	var chain []string
	if err := json.Unmarshal(trimmed, &chain); err == nil {
		return chain
	}
	var obj struct {
		Error *string `json:"error"`
	}
	if err := json.Unmarshal(trimmed, &obj); err == nil && obj.Error != nil {
		return []string{*obj.Error}
	}
	return []string{string(trimmed)}
}

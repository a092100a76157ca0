package cloudhypervisor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Error is a non-2xx answer from the VMM.
//
// cloud-hypervisor reports failures as the chain of causes of the error,
// outermost first. Since v47 the body is a JSON array of strings; older
// versions send the chain as plain text (labelled application/json). The
// connection-limit answer is a JSON object {"error": "..."}. All three
// are decoded into Chain; Body keeps the raw bytes.
type Error struct {
	// Op names the request, for example "PUT /vm.boot".
	Op string
	// StatusCode is the HTTP status the VMM answered with.
	StatusCode int
	// Chain is the decoded error chain, outermost cause first. It is
	// empty when the body was empty.
	Chain []string
	// Body is the raw response body.
	Body []byte
}

// Error formats the request, the status and the error chain.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("cloudhypervisor: ")
	b.WriteString(e.Op)
	fmt.Fprintf(&b, ": %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if len(e.Chain) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(e.Chain, ": "))
	}
	return b.String()
}

// IsStatus reports whether err is (or wraps) an *Error with the given
// HTTP status code.
func IsStatus(err error, code int) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == code
}

// tooManyConnections is the message the VMM's HTTP layer sends with 503
// when it already serves its maximum number of connections.
const tooManyConnections = "Too many open connections"

// isConnLimit reports whether the answer is the connection-limit refusal,
// which the VMM sends before reading the request, so a retry is safe.
func (e *Error) isConnLimit() bool {
	if e.StatusCode != http.StatusServiceUnavailable {
		return false
	}
	for _, c := range e.Chain {
		if strings.Contains(c, tooManyConnections) {
			return true
		}
	}
	return false
}

// newError builds an *Error from a response status and body.
func newError(op string, status int, body []byte) *Error {
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

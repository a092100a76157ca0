package cloudhypervisor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"time"
)

// BaseURL is the URL of the API root, with the trailing slash the
// generated request builders need: they resolve "./vm.info" against it,
// so "http://localhost/api/v1/" gives /api/v1/vm.info (without the slash
// the last segment is replaced and the server answers 404 for
// /api/vm.info). The host part is ignored; requests go over the socket.
const BaseURL = "http://localhost/api/v1/"

// apiPath is the path prefix of every operation on the server.
const apiPath = "/api/v1"

// ServerMaxConnections is the number of connections cloud-hypervisor's
// HTTP layer serves at once; further connections get a 503.
const ServerMaxConnections = 10

// DefaultMaxResponseSize is the default bound on a response body (16 MiB).
// cloud-hypervisor's largest answer is vm.info, which is a few KiB even
// for large VMs; the bound only protects the client from a broken or
// hostile peer. Change it with WithMaxResponseSize.
const DefaultMaxResponseSize = 16 << 20

// VMM is a client for one cloud-hypervisor API socket. It is safe for
// concurrent use. Create it with New and release it with Close.
type VMM struct {
	socket    string
	transport *http.Transport
	gen       *Client
	slots     chan struct{}
	attempts  int
	backoff   time.Duration
	maxBody   int64
}

// Option configures a VMM.
type Option func(*VMM) error

// WithMaxConns sets how many connections the client opens at most
// (default 4). It must be between 1 and ServerMaxConnections, since the
// server refuses connections beyond its limit.
func WithMaxConns(n int) Option {
	return func(v *VMM) error {
		if n < 1 || n > ServerMaxConnections {
			return fmt.Errorf("cloudhypervisor: max connections %d outside 1..%d", n, ServerMaxConnections)
		}
		v.slots = make(chan struct{}, n)
		return nil
	}
}

// WithRetry sets how often a request refused at the server's connection
// limit is sent (attempts, default 20) and the first pause between
// attempts (default 2ms, doubling up to 250ms). attempts must be >= 1.
// Only a refusal the server sent before reading the request is retried
// (see refusal.go); every other failure is returned at once, because most
// operations are not idempotent.
func WithRetry(attempts int, backoff time.Duration) Option {
	return func(v *VMM) error {
		if attempts < 1 || backoff < 0 {
			return fmt.Errorf("cloudhypervisor: invalid retry policy (%d attempts, backoff %v)", attempts, backoff)
		}
		v.attempts, v.backoff = attempts, backoff
		return nil
	}
}

// WithMaxResponseSize sets the largest response body the client reads
// (default DefaultMaxResponseSize). A larger answer fails with an error
// that wraps ErrResponseTooLarge, without reading the rest; for a non-2xx
// answer it is an *Error with Truncated set and the status kept.
func WithMaxResponseSize(n int64) Option {
	return func(v *VMM) error {
		if n < 1 {
			return fmt.Errorf("cloudhypervisor: max response size %d must be positive", n)
		}
		v.maxBody = n
		return nil
	}
}

// New returns a client for the API socket at socketPath. It does not
// connect; use Ping to check that the VMM answers.
func New(socketPath string, opts ...Option) (*VMM, error) {
	if socketPath == "" {
		return nil, errors.New("cloudhypervisor: empty socket path")
	}
	v := &VMM{socket: socketPath, attempts: 20, backoff: 2 * time.Millisecond, maxBody: DefaultMaxResponseSize}
	if err := WithMaxConns(4)(v); err != nil {
		return nil, err
	}
	for _, opt := range opts {
		if err := opt(v); err != nil {
			return nil, err
		}
	}
	n := cap(v.slots)
	v.transport = &http.Transport{
		DialContext:         func(ctx context.Context, _, _ string) (net.Conn, error) { return v.dial(ctx) },
		MaxConnsPerHost:     n,
		MaxIdleConns:        n,
		MaxIdleConnsPerHost: n,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
	gen, err := NewClient(BaseURL, WithHTTPClient(&http.Client{Transport: v.transport}))
	if err != nil {
		return nil, err
	}
	v.gen = gen
	return v, nil
}

// Close releases idle connections. In-flight calls are not interrupted.
func (v *VMM) Close() error {
	v.transport.CloseIdleConnections()
	return nil
}

// Generated returns the generated low-level client sharing this VMM's
// connections, for callers that need raw *http.Response values.
func (v *VMM) Generated() *Client { return v.gen }

// answer says what a successful (2xx) answer must carry.
type answer struct {
	// out receives the decoded JSON body; nil ignores the body.
	out any
	// needBody reports whether an answer with this status must carry a
	// body (the operation promises one); nil means never.
	needBody func(status int) bool
	// check validates the decoded value; nil accepts any.
	check func() error
}

// always is needBody for operations whose only success answer is 200
// with a JSON body.
func always(int) bool { return true }

// attempt is the outcome of sending a request once.
type attempt struct {
	status    int
	body      []byte
	truncated bool // the body was over the size limit and not read fully
	err       error
	refused   bool // the server refused the connection before reading
}

// call runs one API request through the generated client, retrying a
// refusal at the connection limit, and checks and decodes a 2xx answer.
// It returns the status code of the successful answer.
func (v *VMM) call(ctx context.Context, op string, send func(context.Context) (*http.Response, error), ans answer) (int, error) {
	return v.retry(ctx, op, func() attempt {
		// Note the connection used: the refusal is recognised on it.
		var used atomic.Pointer[slotConn]
		tctx := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
			if sc, ok := info.Conn.(*slotConn); ok {
				used.Store(sc)
			}
		}})
		resp, err := send(tctx)
		sc := used.Load()
		if err != nil {
			a := attempt{err: err}
			if sc != nil && sc.refusedBeforeRead() {
				// The transport saw the connection break while writing;
				// report the refusal the server sent first.
				if status, body, ok := sc.refusalAnswer(); ok {
					a = attempt{status: status, body: body}
				}
				a.refused = true
			}
			return a
		}
		defer resp.Body.Close()
		a := v.readAnswer(resp)
		a.refused = sc != nil && a.err == nil && sc.refusedBeforeRead()
		return a
	}, ans)
}

// readAnswer reads a response body up to the size limit.
func (v *VMM) readAnswer(resp *http.Response) attempt {
	a := attempt{status: resp.StatusCode}
	if resp.ContentLength > v.maxBody {
		a.truncated = true
		return a
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, v.maxBody+1))
	if int64(len(body)) > v.maxBody {
		a.body, a.truncated = body[:v.maxBody], true
		return a
	}
	if err != nil {
		a.err = fmt.Errorf("reading the %d answer after %d bytes: %w", resp.StatusCode, len(body), err)
		return a
	}
	a.body = body
	return a
}

// retry sends with the client's retry policy: an attempt is repeated
// only when the server refused the connection before reading the request.
func (v *VMM) retry(ctx context.Context, op string, send func() attempt, ans answer) (int, error) {
	pause := v.backoff
	for n := 1; ; n++ {
		a := send()
		var err error
		switch {
		case a.err != nil:
			if ctx.Err() != nil {
				return 0, fmt.Errorf("cloudhypervisor: %s: %w", op, ctx.Err())
			}
			err = fmt.Errorf("cloudhypervisor: %s: %w", op, a.err)
		case a.status < 200 || a.status > 299:
			err = newError(op, a.status, a.body, a.truncated, v.maxBody)
		default:
			return a.status, v.decode(op, a, ans)
		}
		if !a.refused {
			return 0, err
		}
		if n >= v.attempts {
			return 0, refusedError(op, err, n)
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return 0, fmt.Errorf("cloudhypervisor: %s: %w (last error: %v)", op, ctx.Err(), err)
		case <-t.C:
		}
		pause = min(2*pause+time.Millisecond, 250*time.Millisecond)
	}
}

// refusedError marks the last error of a request the server refused
// before reading it on every attempt, so that errors.Is(err, ErrRefused)
// holds whether the refusal answer was read (*Error, 503) or only the
// closed connection was seen.
func refusedError(op string, err error, attempts int) error {
	var e *Error
	if errors.As(err, &e) {
		e.Refused = true
		return e
	}
	return fmt.Errorf("cloudhypervisor: %s: %w (%d attempts; last: %w)", op, ErrRefused, attempts, errors.Unwrap(err))
}

// decode checks a 2xx answer against what the operation promises and
// decodes its body.
func (v *VMM) decode(op string, a attempt, ans answer) error {
	if a.truncated {
		return fmt.Errorf("cloudhypervisor: %s: %d answer is larger than the %d-byte limit (WithMaxResponseSize): %w",
			op, a.status, v.maxBody, ErrResponseTooLarge)
	}
	if ans.out == nil {
		return nil
	}
	trimmed := bytes.TrimSpace(a.body)
	need := ans.needBody != nil && ans.needBody(a.status)
	switch {
	case len(trimmed) == 0 && need:
		return fmt.Errorf("cloudhypervisor: %s: %d answer has an empty body, expected JSON: %w", op, a.status, ErrUnexpectedAnswer)
	case len(trimmed) == 0:
		return nil
	case bytes.Equal(trimmed, []byte("null")):
		return fmt.Errorf("cloudhypervisor: %s: %d answer body is null, expected a JSON object: %w", op, a.status, ErrUnexpectedAnswer)
	}
	if err := json.Unmarshal(trimmed, ans.out); err != nil {
		return fmt.Errorf("cloudhypervisor: %s: decoding the %d answer (%d bytes): %w", op, a.status, len(trimmed), err)
	}
	if ans.check != nil {
		if err := ans.check(); err != nil {
			return fmt.Errorf("cloudhypervisor: %s: %d answer: %w: %w", op, a.status, err, ErrUnexpectedAnswer)
		}
	}
	return nil
}

// dial opens a connection to the socket, holding one of the client's
// connection slots until the connection is closed.
func (v *VMM) dial(ctx context.Context) (net.Conn, error) {
	select {
	case v.slots <- struct{}{}:
	default:
		// Idle keep-alive connections may hold every slot.
		v.transport.CloseIdleConnections()
		select {
		case v.slots <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", v.socket)
	if err != nil {
		<-v.slots
		return nil, err
	}
	return &slotConn{Conn: c, release: func() { <-v.slots }, writeDone: make(chan struct{})}, nil
}

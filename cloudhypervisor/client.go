package cloudhypervisor

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// BaseURL is the URL prefix of every API path. The host part is ignored
// by the VMM; requests go over the unix socket.
const BaseURL = "http://localhost/api/v1"

// ServerMaxConnections is the number of connections cloud-hypervisor's
// HTTP layer serves at once; further connections get a 503.
const ServerMaxConnections = 10

// maxBodySize bounds how much of a response body is read.
const maxBodySize = 16 << 20

// VMM is a client for one cloud-hypervisor API socket. It is safe for
// concurrent use. Create it with New and release it with Close.
type VMM struct {
	socket    string
	transport *http.Transport
	gen       *Client
	slots     chan struct{}
	attempts  int
	backoff   time.Duration
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
func WithRetry(attempts int, backoff time.Duration) Option {
	return func(v *VMM) error {
		if attempts < 1 || backoff < 0 {
			return fmt.Errorf("cloudhypervisor: invalid retry policy (%d attempts, backoff %v)", attempts, backoff)
		}
		v.attempts, v.backoff = attempts, backoff
		return nil
	}
}

// New returns a client for the API socket at socketPath. It does not
// connect; use Ping to check that the VMM answers.
func New(socketPath string, opts ...Option) (*VMM, error) {
	if socketPath == "" {
		return nil, errors.New("cloudhypervisor: empty socket path")
	}
	v := &VMM{socket: socketPath, attempts: 20, backoff: 2 * time.Millisecond}
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
	return &slotConn{Conn: c, release: func() { <-v.slots }}, nil
}

// call runs one API request through the generated client, retrying the
// connection-limit refusal, and decodes a 2xx body into out (if non-nil).
// It returns the status code of the successful answer.
func (v *VMM) call(ctx context.Context, op string, send func(context.Context) (*http.Response, error), out any) (int, error) {
	return v.retry(ctx, op, func() (int, []byte, error) {
		// Note the connection used: when the server refused it at accept
		// time, the transport may report only a closed connection.
		var used atomic.Pointer[slotConn]
		tctx := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
			if sc, ok := info.Conn.(*slotConn); ok {
				used.Store(sc)
			}
		}})
		resp, err := send(tctx)
		if err != nil {
			if sc := used.Load(); sc != nil && sc.refused.Load() {
				// The server answered before the transport wrote the
				// request; report its answer, not the lost connection.
				if status, body, ok := sc.refusal(); ok {
					return status, body, nil
				}
				err = &refusedConnError{err: err}
			}
			return 0, nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodySize))
		return resp.StatusCode, body, err
	}, out)
}

// retry sends with the client's retry policy. A request is repeated only
// when the server refused the connection before reading it: the 503
// connection-limit answer, or the connection dropped while the request
// was written (the server closes right after sending that 503).
func (v *VMM) retry(ctx context.Context, op string, send func() (int, []byte, error), out any) (int, error) {
	pause := v.backoff
	for attempt := 1; ; attempt++ {
		status, body, err := send()
		var retryable bool
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return 0, fmt.Errorf("cloudhypervisor: %s: %w", op, ctx.Err())
			}
			var refused *refusedConnError
			retryable = isDroppedConn(err) || errors.As(err, &refused)
			err = fmt.Errorf("cloudhypervisor: %s: %w", op, err)
		case status < 200 || status > 299:
			e := newError(op, status, body)
			retryable = e.isConnLimit()
			err = e
		default:
			if out != nil && len(body) > 0 {
				if jerr := json.Unmarshal(body, out); jerr != nil {
					return status, fmt.Errorf("cloudhypervisor: %s: decoding %d answer: %w", op, status, jerr)
				}
			}
			return status, nil
		}
		if !retryable || attempt >= v.attempts {
			return 0, err
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

// isDroppedConn reports write-side errors seen when the server closed a
// connection before reading the request, as it does right after sending
// the connection-limit 503. A connection closed after the request was
// read (EOF while waiting for the answer) is not retried, since the
// request may have been acted on.
func isDroppedConn(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

// refusedConnError marks a transport error on a connection the server
// refused at accept time (it sent the connection-limit 503 before any
// request was read), so the request was not acted on.
type refusedConnError struct{ err error }

func (e *refusedConnError) Error() string {
	return "connection refused by the server at its connection limit: " + e.err.Error()
}

func (e *refusedConnError) Unwrap() error { return e.err }

// slotConn releases its connection slot once, when closed, and notices
// when the first bytes the server sends are the connection-limit 503.
type slotConn struct {
	net.Conn
	release func()
	once    sync.Once
	read    atomic.Bool // some bytes were read
	refused atomic.Bool // the first bytes were the connection-limit 503
	first   []byte      // those bytes, set before refused
}

// refusal parses the connection-limit answer the server sent on c.
func (c *slotConn) refusal() (status int, body []byte, ok bool) {
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(c.first)), nil)
	if err != nil {
		return 0, nil, false
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, false
	}
	return resp.StatusCode, body, true
}

func (c *slotConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 && !c.read.Swap(true) {
		if bytes.HasPrefix(b[:n], []byte("HTTP/1.1 503")) && bytes.Contains(b[:n], []byte(tooManyConnections)) {
			c.first = append([]byte(nil), b[:n]...)
			c.refused.Store(true)
		}
	}
	return n, err
}

func (c *slotConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

package cloudhypervisor

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// How the VMM refuses a connection at its limit (micro_http, the HTTP
// library of cloud-hypervisor v47 to main; read at micro-http 5c2254d6,
// used by v53.0, and 7975fe0e, used by main ae44c297): when 10 connections
// are open it accepts the next one, writes one fixed 503 answer whose body
// is the JSON object {"error": "Too many open connections"}, and closes
// it without reading anything. Handler errors are JSON arrays (or plain
// text before v47), never that object, and are never 503.
//
// A request may be repeated only when the server cannot have acted on it.
// The client therefore retries only when, on a fresh connection, the
// server closed the connection before reading any of the request:
//
//   - the first bytes it sent were that refusal, and it then closed with
//     our request bytes still unread (the kernel reports ECONNRESET
//     instead of EOF for a unix socket closed with unread data), or
//   - no byte of the request reached it: the first write failed with
//     EPIPE or ECONNRESET (it had already closed), or the refusal was
//     followed by its close before any write succeeded.
//
// A 503 that merely mentions the message, or a refusal sent after the
// server read the request, is returned as an error and not repeated.

// probeWait bounds how long the client waits, after reading a refusal,
// for the server to close the connection.
const probeWait = 250 * time.Millisecond

// slotConn is a client connection: it releases its connection slot once
// when closed, and records what is needed to prove a refusal happened
// before the server read the request.
type slotConn struct {
	net.Conn
	release func()
	once    sync.Once

	wrote     atomic.Int64  // request bytes written successfully
	writing   atomic.Int32  // writes in progress
	wroteOnce sync.Once     // closes writeDone
	writeDone chan struct{} // closed when the first write returned
	writeErr  atomic.Value  // error of the first failed write (errBox)

	mu       sync.Mutex
	started  bool      // the first read happened
	refusal  []byte    // the refusal answer, when it was the first thing read
	closeErr error     // how the read side ended after the refusal (EOF, ECONNRESET)
	pending  []byte    // bytes read ahead while probing, for later Reads
	deadline time.Time // the read deadline the owner set, restored after probing
}

func (c *slotConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	if len(c.pending) > 0 {
		n := copy(b, c.pending)
		c.pending = c.pending[n:]
		c.mu.Unlock()
		return n, nil
	}
	if c.closeErr != nil {
		err := c.closeErr
		c.mu.Unlock()
		return 0, err
	}
	first := !c.started
	c.started = true
	c.mu.Unlock()

	n, err := c.Conn.Read(b)
	if first && n > 0 && isRefusal(b[:n]) {
		c.mu.Lock()
		c.refusal = append([]byte(nil), b[:n]...)
		c.mu.Unlock()
		// Hold the answer until the request was written (or failed to
		// be): net/http drops an answer that arrives before its request
		// ("unsolicited response"), and the outcome of the write is part
		// of the proof. Then see how the server ends the connection.
		t := time.NewTimer(probeWait)
		select {
		case <-c.writeDone:
		case <-t.C:
		}
		t.Stop()
		if err == nil {
			c.probe()
		} else {
			c.setCloseErr(err)
		}
	}
	return n, err
}

// probe reads past the refusal to learn how the server ended the
// connection: the real server closes at once.
func (c *slotConn) probe() {
	c.mu.Lock()
	restore := c.deadline
	c.mu.Unlock()
	_ = c.Conn.SetReadDeadline(time.Now().Add(probeWait))
	buf := make([]byte, 512)
	n, err := c.Conn.Read(buf)
	_ = c.Conn.SetReadDeadline(restore)
	c.mu.Lock()
	defer c.mu.Unlock()
	if n > 0 {
		// The server kept talking: not the refusal's close.
		c.pending = append(c.pending, buf[:n]...)
		return
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return
	}
	c.closeErr = err
}

func (c *slotConn) setCloseErr(err error) {
	c.mu.Lock()
	c.closeErr = err
	c.mu.Unlock()
}

func (c *slotConn) Write(b []byte) (int, error) {
	c.writing.Add(1)
	n, err := c.Conn.Write(b)
	c.noteWrite(n, err)
	return n, err
}

// errBox lets an error of any type sit in an atomic.Value.
type errBox struct{ err error }

// noteWrite records the outcome of a write counted in c.writing, before
// signalling writeDone, so that whoever waits for it sees the totals.
func (c *slotConn) noteWrite(n int, err error) {
	c.wrote.Add(int64(n))
	if err != nil {
		c.writeErr.CompareAndSwap(nil, errBox{err})
	}
	c.writing.Add(-1)
	c.wroteOnce.Do(func() { close(c.writeDone) })
}

// firstWriteErr returns the error of the first failed write, if any.
func (c *slotConn) firstWriteErr() error {
	if b, ok := c.writeErr.Load().(errBox); ok {
		return b.err
	}
	return nil
}

// SetDeadline and SetReadDeadline remember the read deadline so that
// probe can restore it.
func (c *slotConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	return c.Conn.SetDeadline(t)
}

func (c *slotConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	return c.Conn.SetReadDeadline(t)
}

func (c *slotConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// refusedBeforeRead reports whether the server refused this connection
// without reading any of the request (see the comment at the top).
func (c *slotConn) refusedBeforeRead() bool {
	nothingSent := c.wrote.Load() == 0 && c.writing.Load() == 0
	if werr := c.firstWriteErr(); nothingSent && (errors.Is(werr, syscall.EPIPE) || errors.Is(werr, syscall.ECONNRESET)) {
		// The server had closed before the first byte went out.
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.refusal == nil {
		return false
	}
	switch {
	case errors.Is(c.closeErr, syscall.ECONNRESET):
		// Closed with our bytes unread.
		return true
	case errors.Is(c.closeErr, io.EOF):
		// Closed having read everything that reached it: safe only if
		// nothing reached it.
		return nothingSent
	}
	return false
}

// refusalAnswer parses the refusal read on c, for reporting it when the
// transport only saw the connection break.
func (c *slotConn) refusalAnswer() (status int, body []byte, ok bool) {
	c.mu.Lock()
	raw := c.refusal
	c.mu.Unlock()
	if raw == nil {
		return 0, nil, false
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), nil)
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

// isRefusal reports whether b is a complete connection-limit answer: a
// 503 whose body is a JSON object with an "error" string naming the limit.
func isRefusal(b []byte) bool {
	if !bytes.HasPrefix(b, []byte("HTTP/1.1 503")) {
		return false
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(b)), nil)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return false
	}
	var obj struct {
		Error *string `json:"error"`
	}
	if json.Unmarshal(body, &obj) != nil || obj.Error == nil {
		return false
	}
	return strings.Contains(*obj.Error, tooManyConnections)
}

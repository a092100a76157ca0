package socket

import (
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

// pipeAddr is the address of a connection carried over a command's
// standard input and output.
type pipeAddr string

func (a pipeAddr) Network() string { return "pipe" }
func (a pipeAddr) String() string  { return string(a) }

// pipeConn is a net.Conn over a reader and a writer, such as a local
// command's stdio or an SSH session's. Deadlines are not supported (the
// libvirt client does not use them). When the reader ends, Read reports
// io.EOF together with the tail of the command's standard error, which
// usually says why (e.g. "cannot connect to socket").
type pipeConn struct {
	r      io.Reader
	w      io.Writer
	local  pipeAddr
	remote pipeAddr
	stderr *tailBuffer
	// exitInfo, when set, waits briefly for the command's exit and
	// describes it; called once the reader hit EOF.
	exitInfo  func() string
	closeFunc func() error
	closeOnce sync.Once
	closeErr  error
}

func (c *pipeConn) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF {
		return n, c.explain(io.EOF)
	}
	return n, err
}

// explain wraps err (the end of the stream, or a write to a command that
// is gone) with what the command printed and how it ended.
func (c *pipeConn) explain(err error) error {
	var parts []string
	if c.exitInfo != nil {
		if s := c.exitInfo(); s != "" {
			parts = append(parts, s)
		}
	}
	if c.stderr != nil {
		if s := strings.TrimSpace(c.stderr.String()); s != "" {
			parts = append(parts, "stderr: "+s)
		}
	}
	if len(parts) == 0 {
		return err
	}
	return fmt.Errorf("%w (%s: %s)", err, c.remote, strings.Join(parts, "; "))
}

func (c *pipeConn) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if err != nil {
		return n, c.explain(err)
	}
	return n, nil
}

func (c *pipeConn) Close() error {
	c.closeOnce.Do(func() { c.closeErr = c.closeFunc() })
	return c.closeErr
}

func (c *pipeConn) LocalAddr() net.Addr  { return c.local }
func (c *pipeConn) RemoteAddr() net.Addr { return c.remote }

var errNoDeadline = fmt.Errorf("libvirt: deadlines are not supported on a command's stdio: %w", os.ErrNoDeadline)

func (c *pipeConn) SetDeadline(time.Time) error      { return errNoDeadline }
func (c *pipeConn) SetReadDeadline(time.Time) error  { return errNoDeadline }
func (c *pipeConn) SetWriteDeadline(time.Time) error { return errNoDeadline }

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

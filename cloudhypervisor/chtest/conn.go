package chtest

import (
	"context"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// connLimitBody is the body of the refusal at the connection limit.
const connLimitBody = `{ "error": "Too many open connections" }`

// connLimitAnswer is the complete refusal as micro_http writes it (same
// bytes at micro-http 5c2254d6, used by cloud-hypervisor v53.0, and at
// 7975fe0e, used by main ae44c297): a status line without a reason
// phrase, its own Server header, and the body above.
var connLimitAnswer = "HTTP/1.1 503\r\nServer: Firecracker API\r\nConnection: close\r\nContent-Length: " +
	strconv.Itoa(len(connLimitBody)) + "\r\n\r\n" + connLimitBody

// limitListener admits at most s.opts.MaxConns open connections and
// refuses the rest, like the VMM's HTTP layer.
type limitListener struct {
	*net.UnixListener
	s *Server
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.AcceptUnix()
		if err != nil {
			return nil, err
		}
		if !l.s.admitConn() {
			refuse(c)
			continue
		}
		return &fdConn{UnixConn: c, release: l.s.releaseConn}, nil
	}
}

// refuse does what micro_http does at its limit: one write of the 503
// answer, then close, without reading anything. A request the client
// already wrote stays unread, so the client's kernel reports ECONNRESET
// after the answer; a request written later fails with EPIPE.
func refuse(c *net.UnixConn) {
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = c.Write([]byte(connLimitAnswer))
	_ = c.Close()
}

// fdConn reads with recvmsg(2) so that descriptors passed with
// SCM_RIGHTS are received; they queue until a handler takes them.
type fdConn struct {
	*net.UnixConn
	release func()
	once    sync.Once

	mu  sync.Mutex
	fds []int
}

func (c *fdConn) Read(b []byte) (int, error) {
	oob := make([]byte, syscall.CmsgSpace(253*4))
	n, oobn, _, _, err := c.ReadMsgUnix(b, oob)
	if n < 0 {
		n = 0
	}
	if oobn > 0 {
		if msgs, perr := syscall.ParseSocketControlMessage(oob[:oobn]); perr == nil {
			for i := range msgs {
				if fds, rerr := syscall.ParseUnixRights(&msgs[i]); rerr == nil {
					c.mu.Lock()
					c.fds = append(c.fds, fds...)
					c.mu.Unlock()
				}
			}
		}
	}
	return n, err
}

// takeFDs returns and forgets the descriptors received so far.
func (c *fdConn) takeFDs() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	fds := c.fds
	c.fds = nil
	return fds
}

func (c *fdConn) Close() error {
	err := c.UnixConn.Close()
	c.once.Do(func() {
		for _, fd := range c.takeFDs() {
			_ = syscall.Close(fd)
		}
		c.release()
	})
	return err
}

type connKey struct{}

// connContext makes the connection reachable from request handlers.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if fc, ok := c.(*fdConn); ok {
		return context.WithValue(ctx, connKey{}, fc)
	}
	return ctx
}

func connFrom(ctx context.Context) *fdConn {
	fc, _ := ctx.Value(connKey{}).(*fdConn)
	return fc
}

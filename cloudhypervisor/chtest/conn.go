package chtest

import (
	"context"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// connLimitBody is what the real server sends when it refuses a
// connection over its limit.
const connLimitBody = `{"error":"Too many open connections"}`

// limitListener admits at most s.opts.MaxConns open connections and
// answers the rest with 503, like the VMM's HTTP layer.
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
			l.s.wg.Add(1)
			go func() {
				defer l.s.wg.Done()
				refuse(c)
			}()
			continue
		}
		return &fdConn{UnixConn: c, release: l.s.releaseConn}, nil
	}
}

// refuse sends the connection-limit answer and closes. It keeps reading
// for a moment so the client can finish writing its request and read
// the answer instead of failing with a broken pipe.
func refuse(c *net.UnixConn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	resp := "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: application/json\r\n" +
		"Content-Length: " + strconv.Itoa(len(connLimitBody)) + "\r\n\r\n" + connLimitBody
	if _, err := c.Write([]byte(resp)); err != nil {
		return
	}
	_ = c.CloseWrite()
	_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
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

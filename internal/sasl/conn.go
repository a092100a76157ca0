package sasl

import (
	"encoding/binary"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
)

// maxFrame bounds a received security-layer frame. The client announces
// maxbuf 65536 to the server; a little slack costs nothing.
const maxFrame = 1 << 20

// Conn is a net.Conn whose traffic can be switched to a security layer
// mid-stream, which is how libvirt applies SASL after the AUTH_SASL
// exchange: the daemon sends its last authentication reply in clear and
// everything after it in frames. Before Enable, Read and Write pass
// through without copying.
type Conn struct {
	net.Conn
	layer atomic.Pointer[layerState]

	wmu  sync.Mutex
	wbuf []byte

	// Read side, touched only by the reading goroutine.
	in      []byte // raw bytes not yet forming a whole frame
	plain   []byte // decoded bytes not yet returned
	scratch []byte
}

type layerState struct{ l Layer }

// NewConn wraps nc.
func NewConn(nc net.Conn) *Conn { return &Conn{Conn: nc} }

// Enable switches both directions to l. The caller must make sure no
// bytes sent in clear by the peer are still unread by then other than
// those already returned by Read, which holds in libvirt's protocol: the
// daemon sends nothing between its final authentication reply and the
// client's next request.
func (c *Conn) Enable(l Layer) { c.layer.Store(&layerState{l}) }

// Read returns plaintext.
func (c *Conn) Read(p []byte) (int, error) {
	if len(c.plain) > 0 {
		n := copy(p, c.plain)
		c.plain = c.plain[n:]
		return n, nil
	}
	st := c.layer.Load()
	if st == nil {
		n, err := c.Conn.Read(p)
		// The layer may have been enabled while this read was
		// blocked: the bytes are then frames, not plaintext.
		if st = c.layer.Load(); st == nil || n == 0 {
			return n, err
		}
		c.in = append(c.in, p[:n]...)
		if err != nil {
			return 0, err
		}
	}
	for len(c.plain) == 0 {
		if err := c.decodeFrames(st.l); err != nil {
			return 0, err
		}
		if len(c.plain) > 0 {
			break
		}
		if cap(c.scratch) == 0 {
			c.scratch = make([]byte, 64<<10)
		}
		n, err := c.Conn.Read(c.scratch[:cap(c.scratch)])
		c.in = append(c.in, c.scratch[:n]...)
		if err != nil && n == 0 {
			return 0, err
		}
	}
	n := copy(p, c.plain)
	c.plain = c.plain[n:]
	return n, nil
}

// decodeFrames turns every complete frame in c.in into plaintext.
func (c *Conn) decodeFrames(l Layer) error {
	for len(c.in) >= 4 {
		size := int(binary.BigEndian.Uint32(c.in))
		if size > maxFrame {
			return fmt.Errorf("sasl: security layer frame of %d bytes exceeds the limit of %d", size, maxFrame)
		}
		if len(c.in) < 4+size {
			return nil
		}
		var err error
		if c.plain, err = l.Unseal(c.plain[:0:0], c.in[4:4+size]); err != nil {
			return err
		}
		c.in = c.in[4+size:]
		if len(c.plain) > 0 {
			return nil
		}
	}
	return nil
}

// Write sends p, sealed in frames once a layer is enabled.
func (c *Conn) Write(p []byte) (int, error) {
	st := c.layer.Load()
	if st == nil {
		return c.Conn.Write(p)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	max := st.l.MaxPlain()
	buf := c.wbuf[:0]
	for off := 0; off < len(p); off += max {
		end := min(off+max, len(p))
		buf = st.l.Seal(buf, p[off:end])
	}
	c.wbuf = buf
	if _, err := c.Conn.Write(buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

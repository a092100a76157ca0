package rpc

import (
	"io"
	"net"
	"sync"
)

// The read buffer. Reading a frame in one system call needs a buffer, but
// an idle connection must not keep one: thousands of idle connections
// would each hold it for nothing. So the buffer comes from a pool when a
// reader needs one and goes back as soon as it is empty and the reader
// stops (readers.go), and a reader that waits on an idle connection reads
// the 28-byte length and header straight into the frame state (inbound),
// with no buffer at all: the header says how big the body is, and the body
// is then read into its destination.

// readBufSize is the pooled buffer's size: a typical reply, header
// included, arrives in one read. Longer bodies are read straight into
// their destination, as bufio does.
const readBufSize = 16 << 10

var readBufPool = sync.Pool{New: func() any { b := make([]byte, readBufSize); return &b }}

// readBuf is a buffered reader over the connection whose buffer is only
// held while it has unread data or a reader is active. It is used only
// by the read token's holder.
type readBuf struct {
	nc   net.Conn
	buf  *[]byte // nil when released
	r, w int
}

// buffered reports how many bytes are waiting in the buffer.
func (b *readBuf) buffered() int { return b.w - b.r }

// release gives an empty buffer back to the pool.
func (b *readBuf) release() {
	if b.buf != nil && b.r == b.w {
		readBufPool.Put(b.buf)
		b.buf, b.r, b.w = nil, 0, 0
	}
}

// Read reads into p: from the buffer if it holds data, straight from the
// connection if p is at least as large as a buffer, and otherwise through
// a (pooled) buffer filled with one read.
func (b *readBuf) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if b.r == b.w {
		if len(p) >= readBufSize {
			return b.readConn(p)
		}
		if b.buf == nil {
			b.buf = readBufPool.Get().(*[]byte)
		}
		b.r, b.w = 0, 0
		n, err := b.readConn(*b.buf)
		b.w = n
		if n == 0 {
			return 0, err
		}
	}
	n := copy(p, (*b.buf)[b.r:b.w])
	b.r += n
	return n, nil
}

// readDirect reads into p without a buffer; the buffer must be empty.
func (b *readBuf) readDirect(p []byte) (int, error) {
	b.release()
	return b.readConn(p)
}

// readConn reads once from the connection. A transport that returns no
// bytes and no error (which io.Reader discourages but allows) would make
// every caller spin: that is io.ErrNoProgress, and a negative count from a
// broken transport counts as none.
func (b *readBuf) readConn(p []byte) (int, error) {
	n, err := b.nc.Read(p)
	if n < 0 {
		n = 0
	}
	if n == 0 && err == nil && len(p) > 0 {
		err = io.ErrNoProgress
	}
	return n, err
}

// discard skips n bytes, reading them through the buffer.
func (b *readBuf) discard(n int) (int, error) {
	done := 0
	for done < n {
		if b.r == b.w {
			if b.buf == nil {
				b.buf = readBufPool.Get().(*[]byte)
			}
			b.r, b.w = 0, 0
			k, err := b.readConn(*b.buf)
			b.w = k
			if k == 0 {
				return done, err
			}
		}
		k := min(n-done, b.w-b.r)
		b.r += k
		done += k
	}
	return done, nil
}

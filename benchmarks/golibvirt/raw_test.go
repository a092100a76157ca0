package golibvirt

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"

	vw "github.com/virtwire/libvirt"
)

const (
	// headerLen is the remote protocol's frame header: length, program,
	// version, procedure, type, serial, status (7 big-endian words).
	headerLen = 28
	// maxFrame bounds a reply so a corrupt length word fails fast instead
	// of allocating; libvirtd itself caps messages well below this.
	maxFrame = 64 << 20

	msgCall  = 0
	msgReply = 1
)

// This file has no build tag: the canned-server benchmarks, which need no
// daemon, use the raw floor too.

// rawConn is the floor the clients are measured against: it writes
// pre-encoded call frames on a bare unix socket and reads each reply whole,
// decoding nothing past the header and, where asked, one array length.
// It is not safe for concurrent use.
type rawConn struct {
	nc     *net.UnixConn
	serial uint32
	buf    []byte
}

// dialRaw connects to path and does the handshake every client does
// (REMOTE_PROC_AUTH_LIST, then REMOTE_PROC_CONNECT_OPEN of testURI). The
// socket is closed when the (sub-)benchmark function returns.
func dialRaw(b *testing.B, path string) *rawConn {
	nc, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { nc.Close() })
	r := &rawConn{nc: nc}
	// remote_connect_open_args: optional string name, flags.
	open := appendString(xdrUint32s(1), testURI)
	open = binary.BigEndian.AppendUint32(open, 0)
	for _, f := range [][]byte{newFrame(vw.ProcAuthList, nil), newFrame(vw.ProcConnectOpen, open)} {
		if _, err := r.call(f); err != nil {
			b.Fatal(err)
		}
	}
	return r
}

// newFrame encodes a call of proc in the remote program with the given
// XDR body. call fills in the serial, so one frame is reused for every
// iteration and the loop does no encoding.
func newFrame(proc vw.Procedure, body []byte) []byte {
	return encodeFrame(vw.Program, vw.ProtocolVersion, uint32(proc), msgCall, body)
}

// encodeFrame builds a whole frame: length word, header (status OK, serial
// 0 until the sender patches it at offset 20) and body.
func encodeFrame(prog, vers, proc, typ uint32, body []byte) []byte {
	f := make([]byte, 0, headerLen+len(body))
	f = binary.BigEndian.AppendUint32(f, uint32(headerLen+len(body)))
	f = append(f, xdrUint32s(prog, vers, proc, typ, 0, 0)...)
	return append(f, body...)
}

// readFrame reads one whole frame from r into buf, growing buf when the
// frame does not fit, and returns the frame (valid until the next read)
// and the buffer to reuse.
func readFrame(r io.Reader, buf []byte) (frame, next []byte, err error) {
	if len(buf) < headerLen {
		buf = make([]byte, 4096)
	}
	if _, err := io.ReadFull(r, buf[:4]); err != nil {
		return nil, buf, err
	}
	n := binary.BigEndian.Uint32(buf)
	if n < headerLen || n > maxFrame {
		return nil, buf, fmt.Errorf("frame of %d bytes", n)
	}
	if int(n) > len(buf) {
		// Only the first large frame grows the buffer; benchmarks make
		// one untimed call first so the timed loop never allocates.
		nb := make([]byte, n)
		copy(nb, buf[:4])
		buf = nb
	}
	if _, err := io.ReadFull(r, buf[4:n]); err != nil {
		return nil, buf, err
	}
	return buf[:n], buf, nil
}

// call sends frame f with the next serial and returns the reply's body,
// which stays valid until the next call.
func (r *rawConn) call(f []byte) ([]byte, error) {
	r.serial++
	binary.BigEndian.PutUint32(f[20:], r.serial)
	if _, err := r.nc.Write(f); err != nil {
		return nil, err
	}
	reply, buf, err := readFrame(r.nc, r.buf)
	r.buf = buf
	if err != nil {
		return nil, err
	}
	h := reply[:headerLen]
	switch {
	case binary.BigEndian.Uint32(h[16:]) != msgReply:
		return nil, fmt.Errorf("message type %d, want reply", binary.BigEndian.Uint32(h[16:]))
	case binary.BigEndian.Uint32(h[20:]) != r.serial:
		return nil, fmt.Errorf("reply serial %d, want %d", binary.BigEndian.Uint32(h[20:]), r.serial)
	case binary.BigEndian.Uint32(h[24:]) != 0:
		return nil, fmt.Errorf("procedure %d failed (status %d)", binary.BigEndian.Uint32(h[12:]), binary.BigEndian.Uint32(h[24:]))
	}
	return reply[headerLen:], nil
}

// xdrUint32s encodes vs as consecutive XDR unsigned ints.
func xdrUint32s(vs ...uint32) []byte {
	out := make([]byte, 0, 4*len(vs))
	for _, v := range vs {
		out = binary.BigEndian.AppendUint32(out, v)
	}
	return out
}

// arrayLen reads the XDR array length that opens body (both
// remote_connect_list_all_domains_ret and
// remote_connect_get_all_domain_stats_ret start with their array), or -1.
func arrayLen(body []byte) int {
	if len(body) < 4 {
		return -1
	}
	return int(binary.BigEndian.Uint32(body))
}

package sasl

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// negotiated runs a DIGEST-MD5 exchange with auth-conf (cipher rc4,
// server maxbuf) against the RFC server and returns the client's layer
// and the server.
func negotiated(t *testing.T, maxbuf string) (Layer, *rfc2831Server) {
	t.Helper()
	srv := &rfc2831Server{user: "u", pass: "p", realm: "r", nonce: "n", service: "libvirt", host: "h"}
	cl, err := New(DigestMD5, Credentials{Username: "u", Password: "p"}, Params{Service: "libvirt", Host: "h", MinSSF: 56})
	if err != nil {
		t.Fatal(err)
	}
	resp, _, err := cl.Step(srv.challenge(`qop="auth-conf"`, `cipher="rc4"`, "maxbuf="+maxbuf))
	if err != nil {
		t.Fatal(err)
	}
	final, err := srv.verify(resp)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := cl.Step([]byte(final)); err != nil {
		t.Fatal(err)
	}
	return cl.Layer(), srv
}

// What the layer refuses from the server: frames too short to hold the
// trailer, of an unknown message type, out of sequence, or altered. A
// refused frame leaves the sequence where it was.
func TestLayerRefusesBadFrames(t *testing.T) {
	l, srv := negotiated(t, "65536")
	good := srv.seal([]byte("in order"))
	body := good[4:]
	cases := []struct {
		name string
		body []byte
		want string
	}{
		{"empty", nil, "too short"},
		{"one byte short of a trailer", body[len(body)-15:], "too short"},
		{"message type 0x0002", append(append([]byte(nil), body[:len(body)-6]...), 0, 2, 0, 0, 0, 0), "message type"},
		{"message type 0x0101", append(append([]byte(nil), body[:len(body)-6]...), 1, 1, 0, 0, 0, 0), "message type"},
		{"sequence number 1 first", append(append([]byte(nil), body[:len(body)-4]...), 0, 0, 0, 1), "sequence number 1, expected 0"},
	}
	for _, tc := range cases {
		if got, err := l.Unseal(nil, tc.body); !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), tc.want) || len(got) != 0 {
			t.Errorf("%s: Unseal = %q, %v; want ErrIntegrity about %q", tc.name, got, err, tc.want)
		}
	}
	got, err := l.Unseal([]byte("kept:"), body)
	if err != nil || string(got) != "kept:in order" {
		t.Fatalf("the good frame after refusals: %q, %v", got, err)
	}
	// An altered frame fails its MAC; the prefix given is kept.
	bad := srv.seal([]byte("altered"))
	bad[5] ^= 0x40
	if got, err := l.Unseal([]byte("kept:"), bad[4:]); !errors.Is(err, ErrIntegrity) || string(got) != "kept:" {
		t.Fatalf("altered frame: %q, %v", got, err)
	}
}

// An empty message still makes a whole frame (the trailer and MAC), and
// sequence numbers count every frame, empty or not.
func TestLayerSequenceCountsEveryFrame(t *testing.T) {
	l, srv := negotiated(t, "65536")
	for i, msg := range []string{"", "a", "", "bc"} {
		f := l.Seal(nil, []byte(msg))
		if n := binary.BigEndian.Uint32(f); int(n) != len(msg)+16 || len(f) != 4+len(msg)+16 {
			t.Fatalf("frame %d: length word %d, frame %d bytes, for %d bytes of message", i, n, len(f), len(msg))
		}
		if seq := binary.BigEndian.Uint32(f[len(f)-4:]); seq != uint32(i) {
			t.Fatalf("frame %d carries sequence number %d", i, seq)
		}
		got, _, err := srv.unseal(f)
		if err != nil || string(got) != msg {
			t.Fatalf("frame %d: server opened %q, %v", i, got, err)
		}
	}
	// Seal appends to what dst holds.
	f := l.Seal([]byte("prefix"), []byte("x"))
	if !bytes.HasPrefix(f, []byte("prefix")) {
		t.Fatalf("Seal dropped the prefix: % x", f[:8])
	}
	if got, _, err := srv.unseal(f[6:]); err != nil || string(got) != "x" {
		t.Fatalf("frame after a prefix: %q, %v", got, err)
	}
}

// readWithin is c.Read on a goroutine of its own, failing the test if it
// has not returned within a few seconds: a Read that loops for ever
// must fail the test, not hang it.
func readWithin(t *testing.T, c *Conn, p []byte) (int, error) {
	t.Helper()
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := c.Read(p)
		done <- result{n, err}
	}()
	select {
	case r := <-done:
		return r.n, r.err
	case <-time.After(5 * time.Second):
		t.Fatal("stuck: Conn.Read has not returned after 5s")
		return 0, nil
	}
}

// scriptConn is a transport that returns scripted reads, and calls
// onRead (if set) inside a Read before returning, as if the layer were
// switched on while that Read was blocked.
type scriptConn struct {
	net.Conn // nil: only Read and Write are used
	reads    []scriptRead
	onRead   func(i int)
	n        int
	written  bytes.Buffer
}

type scriptRead struct {
	data []byte
	err  error
}

func (c *scriptConn) Read(p []byte) (int, error) {
	if c.onRead != nil {
		c.onRead(c.n)
	}
	if c.n >= len(c.reads) {
		return 0, io.EOF
	}
	r := c.reads[c.n]
	c.n++
	if len(r.data) > len(p) {
		panic("scripted read larger than the buffer")
	}
	return copy(p, r.data), r.err
}

func (c *scriptConn) Write(p []byte) (int, error) { return c.written.Write(p) }

// bytesOf splits b into reads of at most n bytes.
func bytesOf(b []byte, n int) []scriptRead {
	var out []scriptRead
	for len(b) > 0 {
		k := min(n, len(b))
		out = append(out, scriptRead{data: b[:k]})
		b = b[k:]
	}
	return out
}

// Frames reach the reader as plaintext however the transport cuts them:
// one byte at a time, several frames in one read, empty frames between.
func TestConnReadsFramesHoweverTheyArrive(t *testing.T) {
	for _, cut := range []int{1, 3, 17, 1 << 16} {
		l, srv := negotiated(t, "65536")
		var w []byte
		w = append(w, srv.seal([]byte("one,"))...)
		w = append(w, srv.seal(nil)...) // an empty frame carries nothing
		w = append(w, srv.seal([]byte("two,"))...)
		w = append(w, srv.seal([]byte("three"))...)
		sc := &scriptConn{reads: bytesOf(w, cut)}
		c := NewConn(sc)
		c.Enable(l)
		var got []byte
		buf := make([]byte, 3) // smaller than a message: the rest waits in the Conn
		for {
			n, err := readWithin(t, c, buf)
			got = append(got, buf[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("cut %d: Read: %v", cut, err)
			}
			if n == 0 {
				t.Fatalf("cut %d: Read returned nothing and no error", cut)
			}
		}
		if string(got) != "one,two,three" {
			t.Fatalf("cut %d: read %q", cut, got)
		}
	}
}

// A length word beyond the limit is refused before anything is
// allocated or waited for.
func TestConnRefusesHugeFrames(t *testing.T) {
	l, _ := negotiated(t, "65536")
	for _, size := range []uint32{maxFrame + 1, 1<<32 - 1} {
		sc := &scriptConn{reads: []scriptRead{{data: binary.BigEndian.AppendUint32(nil, size)}}}
		c := NewConn(sc)
		c.Enable(l)
		if n, err := readWithin(t, c, make([]byte, 16)); err == nil || n != 0 || !strings.Contains(err.Error(), "exceeds the limit") {
			t.Fatalf("length %d: Read = %d, %v", size, n, err)
		}
	}
	// A frame of exactly the limit is waited for, not refused.
	sc := &scriptConn{reads: []scriptRead{{data: binary.BigEndian.AppendUint32(nil, maxFrame)}, {err: io.ErrUnexpectedEOF}}}
	c := NewConn(sc)
	c.Enable(l)
	if _, err := readWithin(t, c, make([]byte, 16)); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("a frame of the limit: %v, want the transport's error", err)
	}
}

// A frame the layer refuses fails the Read with the layer's error.
func TestConnReadFailsOnABadFrame(t *testing.T) {
	l, srv := negotiated(t, "65536")
	f := srv.seal([]byte("x"))
	f[6] ^= 1
	c := NewConn(&scriptConn{reads: []scriptRead{{data: f}}})
	c.Enable(l)
	if _, err := readWithin(t, c, make([]byte, 8)); !errors.Is(err, ErrIntegrity) {
		t.Fatalf("Read: %v, want ErrIntegrity", err)
	}
}

// The transport's error ends a Read once the bytes before it are used.
func TestConnTransportErrors(t *testing.T) {
	l, srv := negotiated(t, "65536")
	boom := errors.New("boom")
	f := srv.seal([]byte("last words"))
	// Data and an error from the same read: the frame is still delivered
	// first, the error on the next Read.
	c := NewConn(&scriptConn{reads: []scriptRead{{data: f, err: boom}}})
	c.Enable(l)
	buf := make([]byte, 64)
	n, err := readWithin(t, c, buf)
	if err != nil || string(buf[:n]) != "last words" {
		t.Fatalf("Read = %q, %v; want the frame that came with the error", buf[:n], err)
	}
	// Half a frame, then an error.
	l2, srv2 := negotiated(t, "65536")
	f2 := srv2.seal([]byte("cut short"))
	c = NewConn(&scriptConn{reads: []scriptRead{{data: f2[:7]}, {err: boom}}})
	c.Enable(l2)
	if n, err := readWithin(t, c, buf); !errors.Is(err, boom) || n != 0 {
		t.Fatalf("Read = %d, %v; want the transport's error", n, err)
	}
}

// The layer may be switched on while a Read waits in the clear (libvirt's
// daemon sends the first framed bytes right after its final clear reply):
// what that Read brings is then framed, and reaches the reader as
// plaintext, not as frame bytes.
func TestConnEnableDuringABlockedRead(t *testing.T) {
	l, srv := negotiated(t, "65536")
	f := srv.seal([]byte("framed"))
	sc := &scriptConn{reads: []scriptRead{{data: []byte("clear")}, {data: f}}}
	c := NewConn(sc)
	sc.onRead = func(i int) {
		if i == 1 {
			c.Enable(l)
		}
	}
	buf := make([]byte, 64)
	n, err := readWithin(t, c, buf)
	if err != nil || string(buf[:n]) != "clear" {
		t.Fatalf("first Read = %q, %v", buf[:n], err)
	}
	n, err = readWithin(t, c, buf)
	if err != nil || string(buf[:n]) != "framed" {
		t.Fatalf("Read across the switch = %q, %v; want the plaintext", buf[:n], err)
	}
	// The same with the transport failing as the frame arrives: the frame
	// is kept and delivered, the error ends the Read after it.
	l2, srv2 := negotiated(t, "65536")
	boom := errors.New("boom")
	half := srv2.seal([]byte("framed too"))
	sc = &scriptConn{reads: []scriptRead{{data: half[:9], err: boom}}}
	c = NewConn(sc)
	sc.onRead = func(int) { c.Enable(l2) }
	if n, err := readWithin(t, c, buf); !errors.Is(err, boom) || n != 0 {
		t.Fatalf("Read across the switch, failing = %q, %v; want the transport's error", buf[:n], err)
	}
	// And a switch during a Read that brings nothing: the Read reports
	// the transport's end as it is.
	sc = &scriptConn{}
	c = NewConn(sc)
	sc.onRead = func(int) { c.Enable(l2) }
	if n, err := readWithin(t, c, buf); err != io.EOF || n != 0 {
		t.Fatalf("empty Read across the switch = %d, %v; want io.EOF", n, err)
	}
}

// Before the switch, reads and writes pass through untouched; after it,
// writes go out in frames of at most the peer's maxbuf, and the server
// reads them back in order.
func TestConnWritesFramesOfThePeersMaxbuf(t *testing.T) {
	l, srv := negotiated(t, "64") // 48 bytes of plaintext per frame
	sc := &scriptConn{}
	c := NewConn(sc)
	if n, err := c.Write([]byte("clear")); err != nil || n != 5 || sc.written.String() != "clear" {
		t.Fatalf("clear Write = %d, %v, wrote %q", n, err, sc.written.String())
	}
	sc.written.Reset()
	c.Enable(l)
	msg := bytes.Repeat([]byte("0123456789"), 10) // 100 bytes: 48 + 48 + 4
	if n, err := c.Write(msg); err != nil || n != len(msg) {
		t.Fatalf("Write = %d, %v", n, err)
	}
	rest := sc.written.Bytes()
	var got []byte
	var sizes []int
	for len(rest) > 0 {
		var part []byte
		var err error
		part, rest, err = srv.unseal(rest)
		if err != nil {
			t.Fatalf("server: %v", err)
		}
		got = append(got, part...)
		sizes = append(sizes, len(part))
	}
	if !bytes.Equal(got, msg) || len(sizes) != 3 || sizes[0] != 48 || sizes[1] != 48 || sizes[2] != 4 {
		t.Fatalf("server read %d bytes in frames of %v", len(got), sizes)
	}
	// An empty Write sends nothing.
	sc.written.Reset()
	if n, err := c.Write(nil); err != nil || n != 0 || sc.written.Len() != 0 {
		t.Fatalf("empty Write = %d, %v, wrote %d bytes", n, err, sc.written.Len())
	}
}

// A Write the transport refuses reports that nothing was written.
func TestConnWriteError(t *testing.T) {
	l, _ := negotiated(t, "65536")
	a, b := net.Pipe()
	b.Close()
	defer a.Close()
	c := NewConn(a)
	c.Enable(l)
	_ = a.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if n, err := c.Write([]byte("x")); err == nil || n != 0 {
		t.Fatalf("Write to a closed peer = %d, %v", n, err)
	}
}

// A frame whose length word is zero, or too small for the trailer, is
// refused as soon as it is complete, whatever follows it.
func TestConnRefusesFramesTooShort(t *testing.T) {
	for _, size := range []uint32{0, 15} {
		l, _ := negotiated(t, "65536")
		frame := append(binary.BigEndian.AppendUint32(nil, size), make([]byte, size)...)
		c := NewConn(&scriptConn{reads: []scriptRead{{data: frame}}})
		c.Enable(l)
		if n, err := readWithin(t, c, make([]byte, 8)); !errors.Is(err, ErrIntegrity) || n != 0 {
			t.Fatalf("frame of %d bytes: Read = %d, %v; want ErrIntegrity", size, n, err)
		}
	}
}

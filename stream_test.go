package libvirt

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
)

// segment is a piece of a fake volume: data, or a hole of length hole.
type segment struct {
	data []byte
	hole int64
}

// volDaemon is a fake daemon serving one volume for StorageVolUpload and
// StorageVolDownload, recording uploads as data and hole segments, the
// way a sparse-aware daemon would store them.
type volDaemon struct {
	t   *testing.T
	nc  net.Conn
	wmu sync.Mutex

	mu       sync.Mutex
	vol      []segment
	upSerial uint32
	ends     []wire.MessageStatus // finish (OK) or abort (ERROR) frames seen
}

// newVolClient connects a Client to a fresh volDaemon.
func newVolClient(t *testing.T) (*Client, *volDaemon) {
	t.Helper()
	a, b := net.Pipe()
	d := &volDaemon{t: t, nc: b}
	go d.serve()
	c := newClientOn(a, &config{})
	t.Cleanup(func() {
		c.conn.Close()
		b.Close()
	})
	return c, d
}

func (d *volDaemon) send(h wire.MessageHeader, body []byte) {
	e := xdr.NewEncoder(make([]byte, 4, 28+len(body)))
	h.EncodeXDR(e)
	b := append(e.Bytes(), body...)
	binary.BigEndian.PutUint32(b, uint32(len(b)))
	d.wmu.Lock()
	defer d.wmu.Unlock()
	d.nc.Write(b)
}

func (d *volDaemon) serve() {
	for {
		var lb [4]byte
		if _, err := io.ReadFull(d.nc, lb[:]); err != nil {
			return
		}
		buf := make([]byte, binary.BigEndian.Uint32(lb[:])-4)
		if _, err := io.ReadFull(d.nc, buf); err != nil {
			return
		}
		var h wire.MessageHeader
		dec := xdr.NewDecoder(buf)
		h.DecodeXDR(dec)
		body := buf[wire.MessageHeaderMax:]
		stream := h
		stream.Type, stream.Status = wire.MessageTypeStream, wire.MessageStatusContinue
		switch {
		case h.Type == wire.MessageTypeCall && h.Proc == int32(ProcStorageVolUpload):
			d.mu.Lock()
			d.vol, d.upSerial = nil, h.Serial
			d.mu.Unlock()
			d.reply(h)
		case h.Type == wire.MessageTypeCall && h.Proc == int32(ProcStorageVolDownload):
			var args storageVolDownloadArgs
			args.DecodeXDR(xdr.NewDecoder(body))
			d.reply(h)
			go d.download(stream, args.Flags&StorageVolDownloadSparseStream != 0)
		case h.Type == wire.MessageTypeStream && h.Status == wire.MessageStatusContinue:
			d.mu.Lock()
			if h.Serial == d.upSerial {
				d.vol = append(d.vol, segment{data: append([]byte(nil), body...)})
			}
			d.mu.Unlock()
		case h.Type == wire.MessageTypeStreamHole:
			var hole wire.StreamHole
			hole.DecodeXDR(xdr.NewDecoder(body))
			d.mu.Lock()
			d.vol = append(d.vol, segment{hole: hole.Length})
			d.mu.Unlock()
		case h.Type == wire.MessageTypeStream:
			d.mu.Lock()
			d.ends = append(d.ends, h.Status)
			d.mu.Unlock()
			stream.Status = wire.MessageStatusOK
			d.send(stream, nil)
		}
	}
}

func (d *volDaemon) reply(h wire.MessageHeader) {
	h.Type, h.Status = wire.MessageTypeReply, wire.MessageStatusOK
	d.send(h, nil)
}

// download sends the volume: holes as holes on a sparse stream, as zeros
// otherwise, then the end of data.
func (d *volDaemon) download(h wire.MessageHeader, sparse bool) {
	d.mu.Lock()
	vol := d.vol
	d.mu.Unlock()
	hole := h
	hole.Type = wire.MessageTypeStreamHole
	for _, s := range vol {
		switch {
		case s.hole > 0 && sparse:
			var e xdr.Encoder
			(&wire.StreamHole{Length: s.hole}).EncodeXDR(&e)
			d.send(hole, e.Bytes())
		case s.hole > 0:
			zeros := make([]byte, 64<<10)
			for left := s.hole; left > 0; left -= int64(len(zeros)) {
				d.send(h, zeros[:min(left, int64(len(zeros)))])
			}
		default:
			d.send(h, s.data)
		}
	}
	d.send(h, nil)
}

// flat returns the volume's bytes and how many of them are holes.
func (d *volDaemon) flat() ([]byte, int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var b []byte
	var holes int64
	for _, s := range d.vol {
		b = append(b, s.data...)
		b = append(b, make([]byte, s.hole)...)
		holes += s.hole
	}
	return b, holes
}

// sparseTestFile writes a 32 MiB file with data at 1 MiB (4 KiB) and at
// 20 MiB (8 KiB); the rest is holes. It returns the file's bytes.
func sparseTestFile(t *testing.T, path string) []byte {
	t.Helper()
	want := make([]byte, 32<<20)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, r := range []struct{ off, n int }{{1 << 20, 4 << 10}, {20 << 20, 8 << 10}} {
		for i := 0; i < r.n; i++ {
			want[r.off+i] = byte(i*7 + 1)
		}
		if _, err := f.WriteAt(want[r.off:r.off+r.n], int64(r.off)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Truncate(int64(len(want))); err != nil {
		t.Fatal(err)
	}
	return want
}

func allocatedBytes(t *testing.T, path string) int64 {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Blocks * 512
}

func TestStreamSparseFileRoundTrip(t *testing.T) {
	c, d := newVolClient(t)
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "src.bin")
	want := sparseTestFile(t, src)
	holesInFile := allocatedBytes(t, src) < 1<<20

	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	up, err := c.StorageVolUpload(ctx, StorageVol{}, 0, 0, StorageVolUploadSparseStream)
	if err != nil {
		t.Fatal(err)
	}
	// io.Copy goes through (*os.File).WriteTo, which hands ReadFrom a
	// wrapper of the file: holes must still be found.
	n, err := copyWithin(t, "io.Copy", func() (int64, error) { return io.Copy(up, f) })
	if err != nil || n != int64(len(want)) {
		t.Fatalf("upload copied %d, %v", n, err)
	}
	if err := up.Close(); err != nil {
		t.Fatal(err)
	}
	got, holes := d.flat()
	if !bytes.Equal(got, want) {
		t.Fatal("the daemon got different bytes")
	}
	if holesInFile && holes < int64(len(want))-1<<20 {
		t.Fatalf("only %d of %d bytes went as holes", holes, len(want))
	}

	// Sparse download over an existing file full of data: holes are
	// punched, the trailing hole extends the file.
	dst := filepath.Join(dir, "dst.bin")
	if err := os.WriteFile(dst, bytes.Repeat([]byte{0xff}, 2<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := os.OpenFile(dst, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	down, err := c.StorageVolDownload(ctx, StorageVol{}, 0, 0, StorageVolDownloadSparseStream)
	if err != nil {
		t.Fatal(err)
	}
	n, err = copyWithin(t, "io.Copy", func() (int64, error) { return io.Copy(out, down) })
	if err != nil || n != int64(len(want)) {
		t.Fatalf("download copied %d, %v", n, err)
	}
	if err := down.Close(); err != nil {
		t.Fatal(err)
	}
	gotFile, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gotFile, want) {
		t.Fatal("downloaded file differs")
	}
	if holesInFile {
		if a := allocatedBytes(t, dst); a > 1<<20 {
			t.Fatalf("downloaded file allocates %d bytes", a)
		}
	}

	// A plain download into a buffer: holes arrive as zeros.
	flat, err := c.StorageVolDownload(ctx, StorageVol{}, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, flat); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatal("plain download differs")
	}
	// Close after the end of data finishes; Close before it aborts.
	if err := flat.Close(); err != nil {
		t.Fatal(err)
	}
	early, err := c.StorageVolDownload(ctx, StorageVol{}, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(early, make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	if err := early.Close(); err != nil {
		t.Fatal(err)
	}
	d.mu.Lock()
	ends := d.ends
	d.mu.Unlock()
	want4 := []wire.MessageStatus{wire.MessageStatusOK, wire.MessageStatusOK, wire.MessageStatusOK, wire.MessageStatusError}
	if len(ends) != len(want4) {
		t.Fatalf("stream ends %v, want %v", ends, want4)
	}
	for i := range ends {
		if ends[i] != want4[i] {
			t.Fatalf("stream ends %v, want %v", ends, want4)
		}
	}
}

func TestStreamReadFromPlainReader(t *testing.T) {
	c, d := newVolClient(t)
	up, err := c.StorageVolUpload(context.Background(), StorageVol{}, 0, 0, StorageVolUploadSparseStream)
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("abc"), 300000)
	if _, err := copyWithin(t, "io.Copy", func() (int64, error) { return io.Copy(up, bytes.NewReader(data)) }); err != nil {
		t.Fatal(err)
	}
	if err := up.Finish(); err != nil {
		t.Fatal(err)
	}
	got, holes := d.flat()
	if !bytes.Equal(got, data) || holes != 0 {
		t.Fatalf("got %d bytes with %d hole bytes", len(got), holes)
	}
}

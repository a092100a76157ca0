package libvirt

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/virtwire/libvirt/internal/wire"
)

// uploadSegments stores segs in the fake volume through a sparse upload
// made of Write and SendHole calls.
func uploadSegments(t *testing.T, c *Client, segs []segment) {
	t.Helper()
	up, err := c.StorageVolUpload(context.Background(), StorageVol{}, 0, 0, StorageVolUploadSparseStream)
	if err != nil {
		t.Fatal(err)
	}
	if !up.Sparse() {
		t.Fatal("a stream opened with the sparse flag says it is not sparse")
	}
	for _, s := range segs {
		if s.hole > 0 {
			err = up.SendHole(s.hole)
		} else {
			_, err = up.Write(s.data)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := up.Finish(); err != nil {
		t.Fatal(err)
	}
	waitDone(t, up)
}

// waitDone waits for st's Done channel, which must close once the stream
// ended.
func waitDone(t *testing.T, st *Stream) {
	t.Helper()
	select {
	case <-st.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("stream Done not closed 10s after the stream ended")
	}
}

// copyWithin runs one stream copy (ReadFrom, WriteTo or io.Copy) and
// fails the test, naming what, when it has not returned within 10s: a copy
// loop that stops advancing would otherwise hold the test until go test's
// own timeout.
func copyWithin(t *testing.T, what string, copy func() (int64, error)) (int64, error) {
	t.Helper()
	type result struct {
		n   int64
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := copy()
		done <- result{n, err}
	}()
	select {
	case r := <-done:
		return r.n, r.err
	case <-time.After(10 * time.Second):
		t.Fatalf("%s has not returned after 10s", what)
		return 0, nil
	}
}

// flatten returns segs as the bytes a reader of the volume sees.
func flatten(segs []segment) []byte {
	var b []byte
	for _, s := range segs {
		b = append(b, s.data...)
		b = append(b, make([]byte, s.hole)...)
	}
	return b
}

// A volume with data, a hole larger than the zero block, data and a
// trailing hole.
var holeyVolume = []segment{
	{data: bytes.Repeat([]byte("A"), 4096)},
	{hole: 200 << 10},
	{data: []byte("BCD")},
	{hole: 10},
}

// TestSparseDownloadToPlainWriter: a sparse download into something that
// is not a file gets its holes as zeros, and ReadSparse sees the holes
// as the daemon sent them.
func TestSparseDownloadToPlainWriter(t *testing.T) {
	c, _ := newVolClient(t)
	ctx := context.Background()
	uploadSegments(t, c, holeyVolume)
	want := flatten(holeyVolume)

	down, err := c.StorageVolDownload(ctx, StorageVol{}, 0, 0, StorageVolDownloadSparseStream)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := copyWithin(t, "io.Copy", func() (int64, error) { return io.Copy(&buf, down) })
	if err != nil || n != int64(len(want)) || !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("sparse download into a buffer: %d bytes, %v; want %d bytes with the holes as zeros", n, err, len(want))
	}
	if err := down.Finish(); err != nil {
		t.Fatal(err)
	}

	down, err = c.StorageVolDownload(ctx, StorageVol{}, 0, 0, StorageVolDownloadSparseStream)
	if err != nil {
		t.Fatal(err)
	}
	var got []segment
	p := make([]byte, 1<<20)
	for {
		n, hole, err := down.ReadSparse(p)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case hole > 0:
			got = append(got, segment{hole: hole})
		case len(got) > 0 && got[len(got)-1].hole == 0:
			got[len(got)-1].data = append(got[len(got)-1].data, p[:n]...)
		default:
			got = append(got, segment{data: append([]byte(nil), p[:n]...)})
		}
	}
	if len(got) != len(holeyVolume) {
		t.Fatalf("ReadSparse saw %d segments, want %d", len(got), len(holeyVolume))
	}
	for i := range got {
		if got[i].hole != holeyVolume[i].hole || !bytes.Equal(got[i].data, holeyVolume[i].data) {
			t.Fatalf("segment %d: hole %d, %d data bytes; want hole %d, %d data bytes", i, got[i].hole, len(got[i].data), holeyVolume[i].hole, len(holeyVolume[i].data))
		}
	}
	if err := down.Close(); err != nil {
		t.Fatal(err)
	}
	waitDone(t, down)
}

// TestSendHoleOnPlainStream: a stream opened without the sparse flag
// refuses holes and sends nothing.
func TestSendHoleOnPlainStream(t *testing.T) {
	c, d := newVolClient(t)
	up, err := c.StorageVolUpload(context.Background(), StorageVol{}, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if up.Sparse() {
		t.Fatal("a stream opened without the sparse flag says it is sparse")
	}
	if err := up.SendHole(4096); !errors.Is(err, ErrNotSparse) {
		t.Fatalf("SendHole on a plain stream: %v, want ErrNotSparse", err)
	}
	if _, err := up.Write([]byte("xy")); err != nil {
		t.Fatal(err)
	}
	if err := up.Finish(); err != nil {
		t.Fatal(err)
	}
	if got, holes := d.flat(); string(got) != "xy" || holes != 0 {
		t.Fatalf("daemon got %q with %d hole bytes", got, holes)
	}
}

// TestSparseUploadFromOffset: ReadFrom sends a sparse file from its
// current offset to its end and leaves the offset at the end.
func TestSparseUploadFromOffset(t *testing.T) {
	c, d := newVolClient(t)
	src := filepath.Join(t.TempDir(), "src")
	want := sparseTestFile(t, src)
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, start := range []int64{1<<20 + 1000, 2 << 20} {
		if _, err := f.Seek(start, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		up, err := c.StorageVolUpload(context.Background(), StorageVol{}, 0, 0, StorageVolUploadSparseStream)
		if err != nil {
			t.Fatal(err)
		}
		n, err := copyWithin(t, "ReadFrom", func() (int64, error) { return up.ReadFrom(f) })
		if err != nil || n != int64(len(want))-start {
			t.Fatalf("from %d: sent %d, %v; want %d", start, n, err, int64(len(want))-start)
		}
		if err := up.Finish(); err != nil {
			t.Fatal(err)
		}
		if got, _ := d.flat(); !bytes.Equal(got, want[start:]) {
			t.Fatalf("from %d: the daemon got other bytes (%d of %d)", start, len(got), len(want)-int(start))
		}
		if off, _ := f.Seek(0, io.SeekCurrent); off != int64(len(want)) {
			t.Fatalf("from %d: file offset %d after ReadFrom, want its size %d", start, off, len(want))
		}
	}
}

// TestReadFromWithoutHoles: a plain stream, or a source that is not a
// regular file, is copied as data.
func TestReadFromWithoutHoles(t *testing.T) {
	c, d := newVolClient(t)
	src := filepath.Join(t.TempDir(), "src")
	want := sparseTestFile(t, src)[:2<<20]
	if err := os.Truncate(src, int64(len(want))); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	up, err := c.StorageVolUpload(context.Background(), StorageVol{}, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := copyWithin(t, "ReadFrom", func() (int64, error) { return up.ReadFrom(f) }); err != nil || n != int64(len(want)) {
		t.Fatalf("plain stream from a sparse file: %d, %v", n, err)
	}
	if err := up.Finish(); err != nil {
		t.Fatal(err)
	}
	if got, holes := d.flat(); !bytes.Equal(got, want) || holes != 0 {
		t.Fatalf("plain stream: %d bytes with %d hole bytes, want %d bytes of data", len(got), holes, len(want))
	}

	// A pipe is an *os.File but not a regular one.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	data := append(make([]byte, 100<<10), "tail"...)
	go func() {
		w.Write(data)
		w.Close()
	}()
	up, err = c.StorageVolUpload(context.Background(), StorageVol{}, 0, 0, StorageVolUploadSparseStream)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := copyWithin(t, "ReadFrom", func() (int64, error) { return up.ReadFrom(r) }); err != nil || n != int64(len(data)) {
		t.Fatalf("sparse stream from a pipe: %d, %v", n, err)
	}
	if err := up.Finish(); err != nil {
		t.Fatal(err)
	}
	if got, holes := d.flat(); !bytes.Equal(got, data) || holes != 0 {
		t.Fatalf("from a pipe: %d bytes with %d hole bytes, want %d bytes of data", len(got), holes, len(data))
	}
}

// Two sparse volumes for downloads into the middle of a 3 MiB file at
// 1 MiB: one whose hole goes past the file's end, one that ends inside it.
var (
	pastTheEnd = []segment{
		{data: bytes.Repeat([]byte("A"), 4096)},
		{hole: 2 << 20},
		{data: bytes.Repeat([]byte("B"), 4096)},
	}
	insideTheFile = []segment{
		{data: bytes.Repeat([]byte("A"), 4096)},
		{hole: 8192},
		{data: bytes.Repeat([]byte("B"), 4096)},
	}
)

// TestSparseDownloadIntoFileAtOffset: a sparse download written from
// the middle of a longer file replaces the old bytes under its holes
// with zeros (and only those), keeps the bytes before and after it, and
// grows the file for what goes past its end; also where holes cannot be
// punched and zeros are written instead.
func TestSparseDownloadIntoFileAtOffset(t *testing.T) {
	const old, start = 3 << 20, 1 << 20
	for _, c := range []struct {
		name    string
		segs    []segment
		noPunch bool
	}{
		{name: "past the end", segs: pastTheEnd},
		{name: "inside the file", segs: insideTheFile},
		{name: "past the end, no punching", segs: pastTheEnd, noPunch: true},
		{name: "inside the file, no punching", segs: insideTheFile, noPunch: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, _ := newVolClient(t)
			uploadSegments(t, cl, c.segs)
			dst := filepath.Join(t.TempDir(), "dst")
			oldBytes := bytes.Repeat([]byte{0xff}, old)
			if err := os.WriteFile(dst, oldBytes, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(dst, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.Seek(start, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			down, err := cl.StorageVolDownload(context.Background(), StorageVol{}, 0, 0, StorageVolDownloadSparseStream)
			if err != nil {
				t.Fatal(err)
			}
			ff := &faultyFile{File: f, noPunch: c.noPunch}
			n, err := copyWithin(t, "WriteTo", func() (int64, error) { return down.WriteTo(ff) })
			stream := flatten(c.segs)
			if err != nil || n != int64(len(stream)) {
				t.Fatalf("WriteTo: %d, %v; want %d", n, err, len(stream))
			}
			if err := down.Finish(); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			want := append(append([]byte{}, oldBytes[:start]...), stream...)
			if len(want) < old {
				want = append(want, oldBytes[len(want):]...)
			}
			if !bytes.Equal(got, want) {
				i := 0
				for i < min(len(got), len(want)) && got[i] == want[i] {
					i++
				}
				t.Fatalf("file is %d bytes, want %d; first difference at %d", len(got), len(want), i)
			}
		})
	}
}

// failingWriter accepts limit bytes, then fails.
type failingWriter struct {
	limit int
	n     int
}

var errWriterFull = errors.New("writer full")

func (w *failingWriter) Write(p []byte) (int, error) {
	k := min(len(p), w.limit-w.n)
	w.n += k
	if k < len(p) {
		return k, errWriterFull
	}
	return k, nil
}

// TestWriteToWriterFails: a failing writer stops the copy with its error
// and the count of what it took, both in data and in a hole's zeros.
func TestWriteToWriterFails(t *testing.T) {
	c, _ := newVolClient(t)
	uploadSegments(t, c, holeyVolume)
	for _, c2 := range []struct {
		name  string
		flags StorageVolDownloadFlags
		limit int
	}{
		{"plain, in data", 0, 1000},
		{"sparse, in data", StorageVolDownloadSparseStream, 1000},
		{"sparse, in a hole", StorageVolDownloadSparseStream, 4096 + 70000},
	} {
		down, err := c.StorageVolDownload(context.Background(), StorageVol{}, 0, 0, c2.flags)
		if err != nil {
			t.Fatal(err)
		}
		w := &failingWriter{limit: c2.limit}
		n, err := copyWithin(t, "WriteTo", func() (int64, error) { return down.WriteTo(w) })
		if !errors.Is(err, errWriterFull) || n != int64(c2.limit) {
			t.Fatalf("%s: WriteTo = %d, %v; want %d, %v", c2.name, n, err, c2.limit, errWriterFull)
		}
		if err := down.Close(); err != nil {
			t.Fatalf("%s: Close after a failed copy: %v", c2.name, err)
		}
	}
}

// TestStreamAbort: Abort ends a download half-way; the daemon sees an
// abort, later reads fail with ErrStreamAborted, and a second Abort does
// nothing.
func TestStreamAbort(t *testing.T) {
	c, d := newVolClient(t)
	uploadSegments(t, c, holeyVolume)
	down, err := c.StorageVolDownload(context.Background(), StorageVol{}, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(down, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	if err := down.Abort(); err != nil {
		t.Fatalf("Abort: %v", err)
	}
	waitDone(t, down)
	if _, err := down.Read(make([]byte, 10)); !errors.Is(err, ErrStreamAborted) {
		t.Fatalf("Read after Abort: %v, want ErrStreamAborted", err)
	}
	if err := down.Abort(); err != nil {
		t.Fatalf("second Abort: %v", err)
	}
	d.mu.Lock()
	ends := append([]wire.MessageStatus(nil), d.ends...)
	d.mu.Unlock()
	if len(ends) != 2 || ends[1] != wire.MessageStatusError {
		t.Fatalf("daemon saw stream ends %v, want the upload's finish then one abort", ends)
	}
}

// TestSparseCopiesCountFromTheStartingOffset: when a sparse copy fails,
// the count it returns is what was done from where the file offset was,
// not an absolute offset.
func TestSparseCopiesCountFromTheStartingOffset(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	sparseTestFile(t, src)

	// Upload: the connection is gone, so the first hole or the first
	// data fails and nothing was sent.
	for _, start := range []int64{1<<20 + 1000, 2 << 20} {
		c, _ := newVolClient(t)
		f, err := os.Open(src)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		up, err := c.StorageVolUpload(context.Background(), StorageVol{}, 0, 0, StorageVolUploadSparseStream)
		if err != nil {
			t.Fatal(err)
		}
		c.conn.Close()
		f.Seek(start, io.SeekStart)
		if n, err := copyWithin(t, "ReadFrom", func() (int64, error) { return up.ReadFrom(f) }); err == nil || n != 0 {
			t.Fatalf("upload from %d over a closed connection: %d, %v; want 0 and an error", start, n, err)
		}
	}

	// Download into a file that cannot be written: data, a hole over old
	// data, and a hole past the end each fail with nothing done.
	c, _ := newVolClient(t)
	ro := func(size int64) *os.File {
		p := filepath.Join(t.TempDir(), "ro")
		if err := os.WriteFile(p, make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	for _, c2 := range []struct {
		name        string
		segs        []segment
		size, start int64
	}{
		{"data", []segment{{data: []byte("data")}}, 8192, 4096},
		{"hole over old data", []segment{{hole: 4096}}, 8192, 4096},
		{"hole past the end", []segment{{hole: 4096}}, 4096, 4096},
	} {
		uploadSegments(t, c, c2.segs)
		f := ro(c2.size)
		f.Seek(c2.start, io.SeekStart)
		down, err := c.StorageVolDownload(context.Background(), StorageVol{}, 0, 0, StorageVolDownloadSparseStream)
		if err != nil {
			t.Fatal(err)
		}
		n, err := copyWithin(t, "WriteTo", func() (int64, error) { return down.WriteTo(f) })
		want := int64(0)
		if c2.size <= c2.start {
			want = 4096 // the hole was passed; extending the file failed
		}
		if err == nil || n != want {
			t.Fatalf("%s into a read-only file from %d: %d, %v; want %d and an error", c2.name, c2.start, n, err, want)
		}
		down.Close()
	}

	// Download over a connection that is gone.
	c, _ = newVolClient(t)
	uploadSegments(t, c, holeyVolume)
	down, err := c.StorageVolDownload(context.Background(), StorageVol{}, 0, 0, StorageVolDownloadSparseStream)
	if err != nil {
		t.Fatal(err)
	}
	c.conn.Close()
	out, err := os.OpenFile(filepath.Join(dir, "out"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	out.Truncate(8192)
	out.Seek(8192, io.SeekStart)
	if n, err := copyWithin(t, "WriteTo", func() (int64, error) { return down.WriteTo(out) }); err == nil || n != 0 {
		t.Fatalf("download over a closed connection: %d, %v; want 0 and an error", n, err)
	}
}

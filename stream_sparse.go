package libvirt

import (
	"errors"
	"io"
	"os"

	"github.com/virtwire/libvirt/internal/rpc"
)

// sparseSource is a file whose holes can be found: *os.File, including
// the wrapper io.Copy hands to ReadFrom when it goes through
// (*os.File).WriteTo.
type sparseSource interface {
	io.ReaderAt
	io.Seeker
	Stat() (os.FileInfo, error)
}

// ReadFrom sends everything r holds from its current offset to its end,
// and returns the number of bytes the stream advanced by. When the stream
// is sparse and r is a regular file, the file's holes (found with
// SEEK_DATA and SEEK_HOLE) are sent as holes rather than as zeros, like
// `virsh vol-upload --sparse`; the file's offset is left at its end.
// Otherwise the data is copied as it is. io.Copy(st, f) uses ReadFrom.
//
// ReadFrom does not end the stream: call Finish or Close afterwards.
func (st *Stream) ReadFrom(r io.Reader) (int64, error) {
	if st.s.Sparse() {
		if f, ok := r.(sparseSource); ok {
			if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
				return st.sendSparse(f, fi.Size())
			}
		}
	}
	buf := make([]byte, rpc.StreamChunk)
	return io.CopyBuffer(writerOnly{st}, readerOnly{r}, buf)
}

// sendSparse sends f from its current offset to size, holes as holes.
func (st *Stream) sendSparse(f sparseSource, size int64) (int64, error) {
	start, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, err
	}
	off := start
	var buf []byte
	for off < size {
		data, err := seekData(f, off, size)
		if err != nil {
			return off - start, err
		}
		if data > off {
			if err := st.s.SendHole(data - off); err != nil {
				return off - start, err
			}
			st.tr.hole(data - off)
			off = data
		}
		if off >= size {
			break
		}
		end, err := seekHole(f, off, size)
		if err != nil {
			return off - start, err
		}
		if buf == nil {
			buf = make([]byte, rpc.StreamChunk)
		}
		for off < end {
			k := int64(len(buf))
			if end-off < k {
				k = end - off
			}
			n, err := f.ReadAt(buf[:k], off)
			if n > 0 {
				w, werr := st.s.Write(buf[:n])
				st.tr.sent(w)
				if werr != nil {
					return off - start, werr
				}
				off += int64(n)
			}
			if err == io.EOF {
				// The file shrank under us: stop at its new end.
				size, end = off, off
				break
			}
			if err != nil {
				return off - start, err
			}
		}
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return off - start, err
	}
	return off - start, nil
}

// sparseSink is a file holes can be skipped or punched in: *os.File.
type sparseSink interface {
	io.Writer
	io.Seeker
	Stat() (os.FileInfo, error)
	Truncate(size int64) error
	Fd() uintptr
}

// WriteTo writes the stream's data to w until the daemon's end of data,
// and returns the number of bytes the stream covered. When the stream is
// sparse and w is a regular file, holes are not written: the file offset
// skips them, old data under a hole is punched out (or overwritten with
// zeros where the file system cannot punch), and a hole at the end
// extends the file, like `virsh vol-download --sparse`. Otherwise holes
// are written as zeros. io.Copy(f, st) uses WriteTo; received data is
// passed to w without an intermediate copy.
//
// WriteTo does not end the stream: call Finish or Close afterwards.
func (st *Stream) WriteTo(w io.Writer) (int64, error) {
	if st.s.Sparse() {
		if f, ok := w.(sparseSink); ok {
			if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
				return st.recvSparse(f, fi.Size())
			}
		}
	}
	var total int64
	for {
		ch, err := st.s.Next()
		st.tr.chunk(ch)
		if errors.Is(err, io.EOF) {
			return total, nil
		}
		if err != nil {
			return total, err
		}
		var n int64
		if ch.Hole > 0 {
			n, err = writeZeros(w, ch.Hole)
		} else {
			var k int
			k, err = w.Write(ch.Data)
			n = int64(k)
		}
		ch.Release()
		total += n
		if err != nil {
			return total, err
		}
	}
}

// recvSparse writes the stream into f from its current offset; size is
// f's size when the copy started.
func (st *Stream) recvSparse(f sparseSink, size int64) (int64, error) {
	start, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, err
	}
	off := start
	for {
		ch, err := st.s.Next()
		st.tr.chunk(ch)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return off - start, err
		}
		if ch.Hole == 0 {
			n, werr := f.Write(ch.Data)
			ch.Release()
			off += int64(n)
			if off > size {
				size = off
			}
			if werr != nil {
				return off - start, werr
			}
			continue
		}
		if off < size {
			// Old data under the hole must go.
			k := ch.Hole
			if size-off < k {
				k = size - off
			}
			if err := clearRange(f, off, k); err != nil {
				return off - start, err
			}
		}
		off += ch.Hole
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			return off - start, err
		}
	}
	if off > size {
		// A trailing hole: nothing was written there, so the file must
		// be extended to cover it.
		if err := f.Truncate(off); err != nil {
			return off - start, err
		}
	}
	return off - start, nil
}

// clearRange makes n bytes of f at off read as zeros, preferably by
// punching a hole.
func clearRange(f sparseSink, off, n int64) error {
	if punchHole(f.Fd(), off, n) == nil {
		return nil
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return err
	}
	_, err := writeZeros(f, n)
	return err
}

// zeroBlock is a source of zeros for holes written out as data.
var zeroBlock [64 << 10]byte

// writeZeros writes n zero bytes to w.
func writeZeros(w io.Writer, n int64) (int64, error) {
	var done int64
	for done < n {
		k := int64(len(zeroBlock))
		if n-done < k {
			k = n - done
		}
		m, err := w.Write(zeroBlock[:k])
		done += int64(m)
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// writerOnly and readerOnly hide ReadFrom and WriteTo, so that io.Copy
// inside these methods does not call back into them.
type writerOnly struct{ io.Writer }
type readerOnly struct{ io.Reader }

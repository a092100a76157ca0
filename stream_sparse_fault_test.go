package libvirt

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// faultyFile is a real file whose system calls can be made to fail the
// way a broken disk or file system fails them (EIO), or whose holes
// cannot be punched, as on a file system without hole punching.
type faultyFile struct {
	*os.File
	failSeek   func(offset int64, whence int) bool
	failReadAt bool
	noPunch    bool
}

// Fd returns an invalid descriptor when noPunch is set: only punching a
// hole uses the descriptor, and it then fails.
func (f *faultyFile) Fd() uintptr {
	if f.noPunch {
		return ^uintptr(0)
	}
	return f.File.Fd()
}

func (f *faultyFile) Seek(offset int64, whence int) (int64, error) {
	if f.failSeek != nil && f.failSeek(offset, whence) {
		return 0, &os.PathError{Op: "seek", Path: f.Name(), Err: syscall.EIO}
	}
	return f.File.Seek(offset, whence)
}

func (f *faultyFile) ReadAt(p []byte, off int64) (int, error) {
	if f.failReadAt {
		return 0, &os.PathError{Op: "read", Path: f.Name(), Err: syscall.EIO}
	}
	return f.File.ReadAt(p, off)
}

// TestSparseUploadFileErrors: an I/O error while looking for holes or
// reading data ends the upload with that error and the count of what
// was sent from the starting offset.
func TestSparseUploadFileErrors(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	want := sparseTestFile(t, src)
	const start = 1 << 20 // the first data run
	for _, c := range []struct {
		name     string
		file     func(f *os.File) *faultyFile
		wantSent int64
	}{
		{"SEEK_DATA fails", func(f *os.File) *faultyFile {
			return &faultyFile{File: f, failSeek: func(_ int64, whence int) bool { return whence == seekDataWhence }}
		}, 0},
		{"SEEK_HOLE fails", func(f *os.File) *faultyFile {
			return &faultyFile{File: f, failSeek: func(_ int64, whence int) bool { return whence == seekHoleWhence }}
		}, 0},
		{"SEEK_DATA fails after the first data", func(f *os.File) *faultyFile {
			return &faultyFile{File: f, failSeek: func(off int64, whence int) bool { return whence == seekDataWhence && off > start }}
		}, 4 << 10},
		{"read fails", func(f *os.File) *faultyFile { return &faultyFile{File: f, failReadAt: true} }, 0},
		{"final seek fails", func(f *os.File) *faultyFile {
			return &faultyFile{File: f, failSeek: func(off int64, whence int) bool { return whence == io.SeekStart && off == int64(len(want)) }}
		}, int64(len(want)) - start},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, d := newVolClient(t)
			f, err := os.Open(src)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.Seek(start, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			up, err := cl.StorageVolUpload(context.Background(), StorageVol{}, 0, 0, StorageVolUploadSparseStream)
			if err != nil {
				t.Fatal(err)
			}
			n, err := copyWithin(t, "ReadFrom", func() (int64, error) { return up.ReadFrom(c.file(f)) })
			if !errors.Is(err, syscall.EIO) || n != c.wantSent {
				t.Fatalf("ReadFrom = %d, %v; want %d and the EIO", n, err, c.wantSent)
			}
			up.Abort()
			if got, _ := d.flat(); !bytes.Equal(got, want[start:start+int(c.wantSent)]) {
				t.Fatalf("daemon got %d bytes, want the %d sent", len(got), c.wantSent)
			}
		})
	}
}

// TestSparseDownloadSeekError: a failing seek past a hole ends the
// download with that error and the count from the starting offset.
func TestSparseDownloadSeekError(t *testing.T) {
	c, _ := newVolClient(t)
	uploadSegments(t, c, holeyVolume)
	p := filepath.Join(t.TempDir(), "dst")
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const start = 8192
	if err := f.Truncate(start); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	down, err := c.StorageVolDownload(context.Background(), StorageVol{}, 0, 0, StorageVolDownloadSparseStream)
	if err != nil {
		t.Fatal(err)
	}
	ff := &faultyFile{File: f, failSeek: func(_ int64, whence int) bool { return whence == io.SeekStart }}
	n, err := copyWithin(t, "WriteTo", func() (int64, error) { return down.WriteTo(ff) })
	// The first segment (4096 bytes of data) is written, then the seek
	// past the hole fails: the hole counts as covered.
	if want := int64(4096 + 200<<10); !errors.Is(err, syscall.EIO) || n != want {
		t.Fatalf("WriteTo = %d, %v; want %d and the EIO", n, err, want)
	}
	down.Close()
}

package libvirt

import (
	"errors"
	"io"
	"syscall"
)

// Linux's lseek whence values for finding data and holes, and
// fallocate's mode for punching a hole without changing the file size.
const (
	seekDataWhence = 3 // SEEK_DATA
	seekHoleWhence = 4 // SEEK_HOLE
	fallocKeepSize = 0x01
	fallocPunch    = 0x02
)

// seekData returns the offset of the first data at or after off, or size
// when only a hole follows. A file system that cannot tell is treated as
// all data.
func seekData(f io.Seeker, off, size int64) (int64, error) {
	d, err := f.Seek(off, seekDataWhence)
	switch {
	case err == nil:
		return d, nil
	case errors.Is(err, syscall.ENXIO):
		return size, nil
	case errors.Is(err, syscall.EINVAL), errors.Is(err, syscall.EOPNOTSUPP):
		return off, nil
	}
	return 0, err
}

// seekHole returns the offset of the first hole at or after off (the end
// of the file counts as one).
func seekHole(f io.Seeker, off, size int64) (int64, error) {
	h, err := f.Seek(off, seekHoleWhence)
	switch {
	case err == nil:
		if h > size {
			h = size
		}
		return h, nil
	case errors.Is(err, syscall.ENXIO), errors.Is(err, syscall.EINVAL), errors.Is(err, syscall.EOPNOTSUPP):
		return size, nil
	}
	return 0, err
}

// punchHole deallocates n bytes at off, which then read as zeros.
func punchHole(fd uintptr, off, n int64) error {
	return syscall.Fallocate(int(fd), fallocPunch|fallocKeepSize, off, n)
}

//go:build !linux

package libvirt

import (
	"errors"
	"io"
)

// seekData treats the whole file as data: finding holes is only
// implemented for Linux.
func seekData(_ io.Seeker, off, _ int64) (int64, error) { return off, nil }

// seekHole reports no hole before the end of the file.
func seekHole(_ io.Seeker, _, size int64) (int64, error) { return size, nil }

// punchHole is not supported here; callers write zeros instead.
func punchHole(uintptr, int64, int64) error {
	return errors.New("libvirt: punching holes is only implemented for Linux")
}

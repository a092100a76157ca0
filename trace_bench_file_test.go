//go:build unix

package libvirt

import "os"

// osFile wraps a socket descriptor for net.FileConn.
func osFile(fd int) *os.File { return os.NewFile(uintptr(fd), "socketpair") }

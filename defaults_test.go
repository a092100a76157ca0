package libvirt_test

import (
	"testing"
	"time"

	libvirt "github.com/virtwire/libvirt"
)

// The documented defaults: libvirt's client keepalive (keepalive_interval
// = 5, keepalive_count = 5 in libvirt.conf) and the handshake bound.
func TestDefaultsAreLibvirts(t *testing.T) {
	if libvirt.DefaultKeepaliveInterval != 5*time.Second || libvirt.DefaultKeepaliveCount != 5 {
		t.Errorf("keepalive defaults %v x %d, want libvirt's 5s x 5", libvirt.DefaultKeepaliveInterval, libvirt.DefaultKeepaliveCount)
	}
	if libvirt.DefaultHandshakeTimeout != 30*time.Second {
		t.Errorf("DefaultHandshakeTimeout = %v, want the documented 30s", libvirt.DefaultHandshakeTimeout)
	}
}

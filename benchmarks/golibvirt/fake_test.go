package golibvirt

import (
	"strings"
	"testing"

	gl "github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"
	"github.com/virtwire/libvirt/libvirttest"
)

// dialGoLibvirtFake connects go-libvirt to a new fake over a unix socket.
func dialGoLibvirtFake(t *testing.T) *gl.Libvirt {
	t.Helper()
	srv := libvirttest.New(t, libvirttest.WithUnixSocket(""))
	l := gl.NewWithDialer(dialers.NewLocal(dialers.WithSocket(srv.UnixSocket())))
	if err := l.ConnectToURI(gl.TestDefault); err != nil {
		t.Fatalf("go-libvirt cannot open the fake: %v", err)
	}
	t.Cleanup(func() { l.Disconnect() })
	return l
}

// TestGoLibvirtAgainstFake runs the go-libvirt sequence against the fake
// alone: the connection must open (go-libvirt's 0x01000000 booleans), and
// no step may hit a procedure the fake does not serve.
func TestGoLibvirtAgainstFake(t *testing.T) {
	lines := runGLSequence(dialGoLibvirtFake(t))
	if lines[0] != "ConnectGetType: TEST" {
		t.Fatalf("first step: %q", lines[0])
	}
	for _, l := range lines {
		if strings.Contains(l, "not supported by the connection driver") {
			t.Errorf("unserved procedure: %s", l)
		}
	}
	t.Logf("%d go-libvirt calls ran against the fake", len(lines))
}

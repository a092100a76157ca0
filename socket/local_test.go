package socket

import (
	"os"
	"path/filepath"
	"testing"
)

// SocketPath for the local URI shapes of the README's transport table:
// socket=, the modular daemon's socket when it exists (or always with
// mode=direct), libvirt-sock otherwise (or always with mode=legacy), -ro
// for read-only system connections, and the per-user runtime directory
// for /session.

func socketPath(t *testing.T, uri string, readOnly bool) string {
	t.Helper()
	u, err := Parse(uri)
	if err != nil {
		t.Fatalf("Parse(%q): %v", uri, err)
	}
	p, err := u.SocketPath(readOnly)
	if err != nil {
		t.Fatalf("%s: SocketPath(%v): %v", uri, readOnly, err)
	}
	return p
}

func TestSocketPathSession(t *testing.T) {
	rt := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", rt)
	dir := filepath.Join(rt, "libvirt")
	for _, c := range []struct {
		uri      string
		readOnly bool
		want     string
	}{
		// No modular daemon socket exists yet: libvirtd's.
		{"qemu:///session", false, "libvirt-sock"},
		// Session daemons have no read-only socket.
		{"qemu:///session", true, "libvirt-sock"},
		{"qemu+unix:///session", true, "libvirt-sock"},
		{"qemu:///session?mode=direct", false, "virtqemud-sock"},
		{"qemu:///session?mode=direct", true, "virtqemud-sock"},
		{"qemu:///session?mode=legacy", false, "libvirt-sock"},
		{"lxc:///session?mode=direct", false, "virtlxcd-sock"},
		{"network:///session?mode=direct", true, "virtnetworkd-sock"},
		// A driver without a modular daemon always uses libvirtd.
		{"test:///session?mode=direct", false, "libvirt-sock"},
	} {
		if got := socketPath(t, c.uri, c.readOnly); got != filepath.Join(dir, c.want) {
			t.Errorf("%s read-only=%v: %s, want %s", c.uri, c.readOnly, got, filepath.Join(dir, c.want))
		}
	}

	// Once virtqemud's socket exists, mode=auto (the default) uses it,
	// mode=legacy still does not, and other drivers are unaffected.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "virtqemud-sock"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ uri, want string }{
		{"qemu:///session", "virtqemud-sock"},
		{"qemu:///session?mode=auto", "virtqemud-sock"},
		{"kvm:///session", "virtqemud-sock"},
		{"qemu:///session?mode=legacy", "libvirt-sock"},
		{"lxc:///session", "libvirt-sock"},
	} {
		if got := socketPath(t, c.uri, false); got != filepath.Join(dir, c.want) {
			t.Errorf("%s with virtqemud-sock present: %s, want %s", c.uri, got, filepath.Join(dir, c.want))
		}
	}
}

func TestSocketPathSessionWithoutRuntimeDir(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", "")
	t.Setenv("HOME", home)
	want := filepath.Join(home, ".cache", "libvirt", "libvirt-sock")
	if got := socketPath(t, "qemu:///session?mode=legacy", false); got != want {
		t.Errorf("without XDG_RUNTIME_DIR: %s, want %s", got, want)
	}
}

func TestSocketPathSystem(t *testing.T) {
	for _, c := range []struct {
		uri      string
		readOnly bool
		want     string
	}{
		{"qemu:///system?mode=direct", false, "/run/libvirt/virtqemud-sock"},
		{"qemu:///system?mode=direct", true, "/run/libvirt/virtqemud-sock-ro"},
		{"qemu+unix:///system?mode=legacy", false, "/run/libvirt/libvirt-sock"},
		{"qemu:///system?mode=legacy", true, "/run/libvirt/libvirt-sock-ro"},
		{"xen:///system?mode=direct", true, "/run/libvirt/virtxend-sock-ro"},
		{"storage:///system?mode=direct", false, "/run/libvirt/virtstoraged-sock"},
		{"test:///default", false, "/run/libvirt/libvirt-sock"},
		{"test:///default", true, "/run/libvirt/libvirt-sock-ro"},
	} {
		if got := socketPath(t, c.uri, c.readOnly); got != c.want {
			t.Errorf("%s read-only=%v: %s, want %s", c.uri, c.readOnly, got, c.want)
		}
	}
	// mode=auto depends on what runs on this machine: the modular socket
	// if it exists, else libvirtd's.
	for _, ro := range []bool{false, true} {
		suffix := "-sock"
		if ro {
			suffix = "-sock-ro"
		}
		want := "/run/libvirt/libvirt" + suffix
		if _, err := os.Stat("/run/libvirt/virtqemud" + suffix); err == nil {
			want = "/run/libvirt/virtqemud" + suffix
		}
		if got := socketPath(t, "qemu:///system", ro); got != want {
			t.Errorf("qemu:///system read-only=%v: %s, want %s", ro, got, want)
		}
	}
}

func TestSocketPathExplicitSocket(t *testing.T) {
	for _, c := range []struct {
		uri  string
		want string
	}{
		{"qemu+unix:///system?socket=/opt/libvirt/run/libvirt/libvirt-sock", "/opt/libvirt/run/libvirt/libvirt-sock"},
		// socket= wins over mode= and over read-only.
		{"qemu:///session?socket=/tmp/s&mode=direct", "/tmp/s"},
		// As in libvirt, the last of a repeated parameter counts.
		{"qemu:///system?socket=/tmp/first&socket=/tmp/last", "/tmp/last"},
	} {
		for _, ro := range []bool{false, true} {
			if got := socketPath(t, c.uri, ro); got != c.want {
				t.Errorf("%s read-only=%v: %s, want %s", c.uri, ro, got, c.want)
			}
		}
	}
	// The last mode= counts too.
	if got := socketPath(t, "qemu:///system?mode=legacy&mode=direct", false); got != "/run/libvirt/virtqemud-sock" {
		t.Errorf("mode=legacy&mode=direct: %s, want the direct socket", got)
	}
}

func TestSocketPathErrors(t *testing.T) {
	for _, uri := range []string{
		"qemu:///system?socket=",
		"qemu:///system?mode=modular",
		"qemu:///system?mode=legacy&mode=bogus",
	} {
		u, err := Parse(uri)
		if err != nil {
			t.Fatalf("Parse(%q): %v", uri, err)
		}
		if p, err := u.SocketPath(false); err == nil {
			t.Errorf("%s: got %s, want an error", uri, p)
		}
	}
}

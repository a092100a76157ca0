//go:build integration

package golibvirt

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/virtwire/libvirt/libvirttest"
)

// TestGoLibvirtFakeMatchesLibvirtd runs the go-libvirt sequence against
// libvirtd's test:///default (VIRTWIRE_TEST_SOCKET) and against the fake
// and requires the same results, step by step.
func TestGoLibvirtFakeMatchesLibvirtd(t *testing.T) {
	sock := os.Getenv("VIRTWIRE_TEST_SOCKET")
	if sock == "" {
		t.Skip("VIRTWIRE_TEST_SOCKET not set: start a daemon with scripts/libvirtd.sh and source its env file")
	}
	real := runGLSequence(dialGoLibvirt(t, sock))
	fake := runGLSequence(dialGoLibvirtFake(t))
	if len(real) != len(fake) {
		t.Fatalf("%d results from libvirtd, %d from the fake", len(real), len(fake))
	}
	matched, explained := 0, 0
	for i := range real {
		if real[i] == fake[i] {
			matched++
			continue
		}
		if otherRelease(real[i], fake[i]) {
			explained++
			t.Logf("step %d: libvirtd is another release than the one the fake models:\n  libvirtd: %s\n  fake:     %s", i, real[i], fake[i])
			continue
		}
		t.Errorf("step %d differs:\n  libvirtd: %s\n  fake:     %s", i, real[i], fake[i])
	}
	t.Logf("go-libvirt: %d of %d calls matched, %d explained by the daemon's release", matched, len(real), explained)
	if os.Getenv("VIRTWIRE_DIFF_VERBOSE") != "" {
		for _, l := range real {
			t.Log(l)
		}
	}
}

// otherRelease reports whether two ConnectGetLibVersion results differ
// only because libvirtd is not the release the fake models: the fake
// reports libvirttest.LibVersion and libvirtd another version.
func otherRelease(real, fake string) bool {
	const step = "ConnectGetLibVersion: "
	if !strings.HasPrefix(real, step) || !strings.HasPrefix(fake, step) {
		return false
	}
	want := step + strconv.Itoa(libvirttest.LibVersion)
	_, err := strconv.ParseUint(strings.TrimPrefix(real, step), 10, 64)
	return fake == want && real != want && err == nil
}

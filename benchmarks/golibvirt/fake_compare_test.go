//go:build integration

package golibvirt

import (
	"os"
	"testing"
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
	matched := 0
	for i := range real {
		if real[i] == fake[i] {
			matched++
			continue
		}
		t.Errorf("step %d differs:\n  libvirtd: %s\n  fake:     %s", i, real[i], fake[i])
	}
	t.Logf("go-libvirt: %d of %d calls matched", matched, len(real))
	if os.Getenv("VIRTWIRE_DIFF_VERBOSE") != "" {
		for _, l := range real {
			t.Log(l)
		}
	}
}

//go:build integration

package libvirttest_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/virtwire/libvirt/libvirttest"
)

// TestPythonFakeMatchesLibvirtd runs testdata/python/compare.py with
// Debian's python3-libvirt against libvirtd's test:///default and against
// the fake, and requires the same output line by line.
func TestPythonFakeMatchesLibvirtd(t *testing.T) {
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import libvirt").Run(); err != nil {
		t.Skip("python3-libvirt is not installed (Debian: apt-get install python3-libvirt)")
	}
	sock := realDaemonSocket(t)
	srv := libvirttest.New(t, libvirttest.WithUnixSocket(""))
	run := func(uri string) []string {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, python, filepath.Join("testdata", "python", "compare.py"), uri)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("compare.py on %s: %v\n%s%s", uri, err, out, stderr.String())
		}
		return strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	}
	real := run("test+unix:///default?socket=" + sock)
	fake := run(srv.URI())
	if len(real) != len(fake) {
		t.Fatalf("%d lines from libvirtd, %d from the fake", len(real), len(fake))
	}
	matched := 0
	for i := range real {
		if real[i] == fake[i] {
			matched++
			continue
		}
		// The fake reports the release it models (LibVersion); a
		// libvirtd of another release reports its own.
		if want := "libversion: " + strconv.Itoa(libvirttest.LibVersion); fake[i] == want && strings.HasPrefix(real[i], "libversion: ") {
			t.Logf("call %d: libvirtd is another release than the one the fake models: %s", i, real[i])
			continue
		}
		t.Errorf("call %d differs:\n  libvirtd: %s\n  fake:     %s", i, real[i], fake[i])
	}
	t.Logf("python3-libvirt: %d of %d calls matched", matched, len(real))
}

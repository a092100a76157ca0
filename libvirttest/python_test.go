package libvirttest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/virtwire/libvirt/libvirttest"
)

// TestPythonBindingsAgainstFake runs a smoke script with Debian's
// python3-libvirt, a client this project did not write: open, list,
// lookups, define/start/destroy/undefine and lifecycle events.
func TestPythonBindingsAgainstFake(t *testing.T) {
	// Debian's python3 (another one earlier on PATH lacks the module).
	const python = "/usr/bin/python3"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := clientCommand(ctx, t, "", python, "-c", "import libvirt").Run(); err != nil {
		t.Skip("python3-libvirt is not installed (Debian: apt-get install python3-libvirt)")
	}
	srv := libvirttest.New(t, libvirttest.WithUnixSocket(""))
	cmd := clientCommand(ctx, t, clientDir(t, "python"), python, "smoke.py", srv.URI())
	var stderr strings.Builder
	cmd.Stderr = &stderr // libvirt's default error handler prints there
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("smoke.py: %v\n%s%s", err, out, stderr.String())
	}
	// The same lines as with libvirtd's test:///default. Lifecycle events:
	// 0 defined/added, 2 started/booted,
	// 5 stopped/destroyed, 1 undefined/removed.
	want := `type TEST
libversion 11003000
domains ['test']
test state [1, 0]
lookup error True
events arrived True
event py1 0 0
event py1 2 0
event py1 5 1
event py1 1 0
domains ['test']
`
	if string(out) != want {
		t.Errorf("smoke.py output:\n%s\nwant:\n%s", out, want)
	}
}

//go:build integration

package libvirttest_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/virtwire/libvirt"
)

// realDaemonSocket returns the unix socket of a libvirtd to compare with.
// test:///default's state is shared by every connection of a daemon, and
// the integration package uses it at the same time, so a private daemon
// is started (scripts/libvirtd.sh, needs root) when possible: the
// host's libvirtd, or with VIRTWIRE_LIBVIRTD_ROOT set the one of that
// root tree (libvirt 11.3 from scripts/trixie-root.sh), which the script
// reads from the environment; otherwise the daemon named by
// VIRTWIRE_TEST_SOCKET is used.
func realDaemonSocket(t *testing.T) string {
	t.Helper()
	script, _ := filepath.Abs(filepath.Join("..", "scripts", "libvirtd.sh"))
	_, errD := exec.LookPath("libvirtd")
	if os.Geteuid() == 0 && errD == nil {
		if _, err := os.Stat(script); err == nil {
			dir, err := os.MkdirTemp("/tmp", "vwcmp")
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("bash", script, "start", dir).CombinedOutput()
			if err != nil {
				t.Fatalf("starting a private libvirtd: %v\n%s", err, out)
			}
			t.Cleanup(func() {
				if out, err := exec.Command("bash", script, "stop", dir).CombinedOutput(); err != nil {
					t.Errorf("stopping the private libvirtd: %v\n%s", err, out)
				}
				os.RemoveAll(dir)
			})
			return readEnvSocket(t, filepath.Join(dir, "env"))
		}
	}
	if s := os.Getenv("VIRTWIRE_TEST_SOCKET"); s != "" {
		t.Log("comparing with the shared daemon at VIRTWIRE_TEST_SOCKET: other users of its test:///default may disturb the transcript")
		return s
	}
	t.Skip("no libvirtd to compare with: run as root (a private daemon is started) or set VIRTWIRE_TEST_SOCKET")
	return ""
}

func readEnvSocket(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VIRTWIRE_TEST_SOCKET="); ok {
			return v
		}
	}
	t.Fatalf("%s names no socket", path)
	return ""
}

// TestVirshFakeMatchesLibvirtd runs the same virsh scripts against the
// fake and against libvirtd (test:///default, and qemu:///system for
// secrets) and requires identical transcripts after normalisation. With
// VIRTWIRE_UPDATE_GOLDEN=1 it records libvirtd's transcripts as the
// golden files TestVirshAgainstFake uses.
func TestVirshFakeMatchesLibvirtd(t *testing.T) {
	ver := virshPath(t)
	sock := realDaemonSocket(t)
	dir := virshDir(t)
	testURI := "test+unix:///default?socket=" + sock
	qemuURI := "qemu+unix:///system?socket=" + sock

	// test:///default is reset when its last connection closes; hold one
	// open so that the state survives from one virsh to the next.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	holder, err := libvirt.Dial(ctx, testURI)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()

	// libvirtd shows no one when a client's event callbacks are in place
	// (the fake's NumEventCallbacks has no counterpart, and virsh prints
	// nothing on registration), so this one wait is a pause: a second is
	// ten times what virsh takes here, and a watcher that misses an event
	// shows up as a transcript difference, not as a pass.
	w := watchEvents(t, testURI, func() { time.Sleep(time.Second) })
	realScript := normalize(runScript(t, testURI, dir, virshScript))
	want := goldenEvents(ver)
	if os.Getenv("VIRTWIRE_UPDATE_GOLDEN") == "1" {
		want = -1 // recording: the old transcript's count may be wrong
	}
	realEvents := normalize(w.stop(t, want))
	runVirsh(t, qemuURI, dir, "secret-undefine "+secretUUID) // leftovers of an aborted run
	realSecrets := normalize(runScript(t, qemuURI, dir, virshSecretScript))

	fakeScript, fakeEvents, fakeSecrets := runFakeTranscripts(t, virshEventCount(realEvents))
	for _, c := range []struct{ name, real, fake string }{
		{"script", realScript, fakeScript}, {"events", realEvents, fakeEvents}, {"secrets", realSecrets, fakeSecrets},
	} {
		if d := lineDiff(c.real, c.fake); d != "" {
			t.Errorf("virsh %s transcript: fake differs from libvirtd (-libvirtd +fake):\n%s", c.name, d)
		}
		if os.Getenv("VIRTWIRE_UPDATE_GOLDEN") == "1" {
			if err := os.MkdirAll(filepath.Dir(goldenPath(ver, c.name)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(goldenPath(ver, c.name), []byte(c.real), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("compared %d script commands, %d secret commands and the event stream", len(virshScript), len(virshSecretScript))
}

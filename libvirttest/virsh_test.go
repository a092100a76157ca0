package libvirttest_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/virtwire/libvirt/libvirttest"
)

// virshScript is run by virsh, one invocation per line, against the fake
// and (in the integration test) against libvirtd's test:///default. Each
// line is split on spaces. Files are read from testdata/virsh.
var virshScript = []string{
	"version",
	"hostname",
	"nodeinfo",
	"uri",
	"capabilities",
	"list --all",
	"define dom.xml",
	"list --all",
	"list --inactive",
	"domstate --reason vw1",
	"dumpxml vw1",
	"start vw1",
	"dominfo vw1",
	"domstate --reason vw1",
	"domid vw1",
	"domname 2",
	"dumpxml vw1",
	"suspend vw1",
	"domstate --reason vw1",
	"list --state-paused",
	"resume vw1",
	"domstate --reason vw1",
	"schedinfo vw1",
	"autostart vw1",
	"dominfo vw1",
	"list --autostart",
	"shutdown vw1",
	"domstate --reason vw1",
	"start vw1",
	"reboot vw1",
	"domstate --reason vw1",
	"destroy vw1",
	"domstate --reason vw1",
	"undefine vw1",
	"create dom2.xml",
	"list",
	"list --transient",
	"destroy vw2",
	"list --all",
	"dominfo nosuchdomain",
	"suspend test",
	"suspend test",
	"resume test",
	"resume test",
	"net-list --all",
	"net-define net.xml",
	"net-start vwnet",
	"net-list --all",
	"net-info vwnet",
	"net-dumpxml vwnet",
	"net-start vwnet",
	"net-destroy vwnet",
	"net-undefine vwnet",
	"net-list --all",
	"pool-list --all",
	"pool-define-as vwpool dir --target /vwpool",
	"pool-list --all",
	"pool-start vwpool",
	"pool-list --all",
	"pool-info vwpool",
	"vol-create-as default-pool vol1 1M",
	"vol-list default-pool",
	"vol-info vol1 --pool default-pool",
	"vol-dumpxml vol1 --pool default-pool",
	"pool-info default-pool",
	"vol-delete vol1 --pool default-pool",
	"vol-list default-pool",
	"pool-destroy vwpool",
	"pool-undefine vwpool",
	"pool-list --all",
}

// secretUUID is the UUID in testdata/virsh/secret.xml.
const secretUUID = "0d5b6a47-5c3a-4a52-9d1c-6b1a0e6f2c11"

// virshSecretScript exercises secrets. libvirt's test driver has no
// secrets, so the integration test compares it with libvirtd's secret
// driver on qemu:///system.
var virshSecretScript = []string{
	"secret-define secret.xml",
	"secret-list",
	"secret-get-value " + secretUUID,
	"secret-set-value " + secretUUID + " --file secret.b64",
	"secret-get-value " + secretUUID,
	"secret-dumpxml " + secretUUID,
	"secret-undefine " + secretUUID,
	"secret-get-value " + secretUUID,
	"secret-list",
}

// domainEventIDs is how many domain event callbacks `virsh event --all`
// registers (libvirt 9.0's virsh knows event IDs 0..26).
const domainEventIDs = 27

// virshPath skips the test when there is no virsh to run (see
// clientCommand) and returns its version.
func virshPath(t testing.TB) string {
	t.Helper()
	if clientRoot() == "" {
		if _, err := exec.LookPath("virsh"); err != nil {
			t.Skip("virsh is not installed (Debian: apt-get install libvirt-clients)")
		}
	}
	return virshVersion(t)
}

// virshDir is where the script's XML files are, for the client in use.
func virshDir(t testing.TB) string {
	t.Helper()
	return clientDir(t, "virsh")
}

// runVirsh runs one virsh command against uri in dir and returns its
// combined output.
func runVirsh(t testing.TB, uri, dir, line string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append([]string{"-c", uri}, strings.Fields(line)...)
	cmd := clientCommand(ctx, t, dir, "virsh", args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LIBVIRT_DEFAULT_URI=", "VIRSH_DEFAULT_CONNECT_URI=")
	out, _ := cmd.CombinedOutput() // failing commands are part of the script
	if ctx.Err() != nil {
		t.Fatalf("virsh %s: timed out", line)
	}
	return string(out)
}

// runScript runs every line and returns the transcript.
func runScript(t testing.TB, uri, dir string, script []string) string {
	t.Helper()
	var b strings.Builder
	for _, line := range script {
		fmt.Fprintf(&b, "=== %s\n%s", line, runVirsh(t, uri, dir, line))
	}
	return b.String()
}

// eventWatcher is a running `virsh event --all --loop`.
type eventWatcher struct {
	cmd *exec.Cmd
	out lockedBuffer
}

// lockedBuffer collects a command's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// watchEvents starts `virsh event --all --loop --timeout 120` against
// uri; ready is called to wait until it has registered.
func watchEvents(t testing.TB, uri string, ready func()) *eventWatcher {
	t.Helper()
	w := &eventWatcher{}
	w.cmd = clientCommand(context.Background(), t, "", "virsh", "-c", uri, "event", "--all", "--loop", "--timeout", "120")
	w.cmd.Env = append(os.Environ(), "LC_ALL=C")
	w.cmd.Stdout = &w.out
	w.cmd.Stderr = &w.out
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if w.cmd.ProcessState == nil {
			_ = w.cmd.Process.Kill()
			_ = w.cmd.Wait()
		}
	})
	ready()
	return w
}

// virshEventCount counts the events in a watcher's output.
func virshEventCount(out string) int {
	n := 0
	for line := range strings.SplitSeq(out, "\n") {
		if strings.HasPrefix(line, "event '") {
			n++
		}
	}
	return n
}

// goldenEvents is how many events the recorded transcript for virsh
// version ver holds, or -1 without one.
func goldenEvents(ver string) int {
	b, err := os.ReadFile(goldenPath(ver, "events"))
	if err != nil {
		return -1
	}
	return virshEventCount(string(b))
}

// stop interrupts the watcher (virsh then prints how many events it got)
// and returns its output. It first waits, up to 10 s, until want events
// have been printed; want -1 (no recorded transcript to count from, when
// recording one) waits instead until virsh has printed nothing for 500 ms,
// the only sign a daemon gives that it has sent everything.
func (w *eventWatcher) stop(t testing.TB, want int) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	last, quiet := w.out.String(), time.Now()
	for time.Now().Before(deadline) {
		out := w.out.String()
		if want >= 0 && virshEventCount(out) >= want {
			break
		}
		if out != last {
			last, quiet = out, time.Now()
		} else if want < 0 && time.Since(quiet) >= 500*time.Millisecond {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = w.cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- w.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = w.cmd.Process.Kill()
		<-done
		t.Fatal("virsh event did not stop on SIGINT")
	}
	return w.out.String()
}

var (
	uuidRE    = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	cpuTimeRE = regexp.MustCompile(`(?m)^(CPU time: +).*$`)
	socketRE  = regexp.MustCompile(`socket=\S+`)
)

// normalize removes what differs between two correct runs: generated
// UUIDs, CPU times (the test driver reports the wall clock), socket
// paths and the host name. Domain IDs are kept: both sides number them
// the same way from a fresh start.
func normalize(s string) string {
	s = uuidRE.ReplaceAllStringFunc(s, func(u string) string {
		switch u {
		case secretUUID, "6695eb01-f6a4-8304-79aa-97f2502e193f", "dd8fe884-6c02-601e-7551-cca97df1c5df", "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566":
			return u // fixed by the script or by test:///default
		}
		return "UUID"
	})
	s = cpuTimeRE.ReplaceAllString(s, "${1}TIME")
	s = socketRE.ReplaceAllString(s, "socket=SOCKET")
	if h, err := os.Hostname(); err == nil && h != "" {
		s = regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(h)+`$`).ReplaceAllString(s, "HOSTNAME")
	}
	return s
}

// runFakeTranscripts runs the scripts and an event watcher against a
// fresh fake on a unix socket and returns the normalised transcripts.
func runFakeTranscripts(t *testing.T, wantEvents int) (script, events, secrets string) {
	srv := libvirttest.New(t, libvirttest.WithUnixSocket(""))
	dir := virshDir(t)
	w := watchEvents(t, srv.URI(), func() {
		deadline := time.Now().Add(20 * time.Second)
		for srv.NumEventCallbacks() < domainEventIDs {
			if time.Now().After(deadline) {
				t.Fatalf("virsh event registered %d callbacks, want %d", srv.NumEventCallbacks(), domainEventIDs)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	script = normalize(runScript(t, srv.URI(), dir, virshScript))
	events = normalize(w.stop(t, wantEvents))
	secrets = normalize(runScript(t, srv.URI(), dir, virshSecretScript))
	return script, events, secrets
}

// goldenPath names a transcript recorded from a real libvirtd by the
// integration test (VIRTWIRE_UPDATE_GOLDEN=1) with virsh of version
// virshVer: Debian 12's 9.0.0 at the top of testdata/virsh, any other in
// testdata/virsh/virsh-VERSION.
func goldenPath(virshVer, name string) string {
	if virshVer == "9.0.0" {
		return filepath.Join("testdata", "virsh", name+".golden")
	}
	return filepath.Join("testdata", "virsh", "virsh-"+virshVer, name+".golden")
}

// TestVirshAgainstFake runs Debian's virsh against the fake and compares
// the transcripts with the ones recorded from libvirtd 9.0's
// test:///default (and qemu:///system for secrets).
func TestVirshAgainstFake(t *testing.T) {
	ver := virshPath(t)
	script, events, secrets := runFakeTranscripts(t, goldenEvents(ver))
	for _, c := range []struct{ name, got string }{
		{"script", script}, {"events", events}, {"secrets", secrets},
	} {
		want, err := os.ReadFile(goldenPath(ver, c.name))
		if err != nil {
			t.Fatal(err)
		}
		if d := lineDiff(string(want), c.got); d != "" {
			t.Errorf("virsh %s transcript differs from libvirtd's (-libvirtd +fake):\n%s", c.name, d)
		}
	}
}

// lineDiff returns a small line-by-line report of differences, or "".
func lineDiff(want, got string) string {
	if want == got {
		return ""
	}
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	n := max(len(wl), len(gl))
	shown := 0
	for i := 0; i < n && shown < 40; i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			fmt.Fprintf(&b, "line %d:\n- %s\n+ %s\n", i+1, w, g)
			shown++
		}
	}
	return b.String()
}

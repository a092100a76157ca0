//go:build integration

package integration_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/virtwire/libvirt"
)

// daemonPID reads the private daemon's pid and makes sure that process
// really is the libvirtd started for this state directory, so that the
// test never kills anything else.
func daemonPID(t *testing.T, d daemonEnv) int {
	t.Helper()
	raw, err := os.ReadFile(d.pidfile)
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	require.NoError(t, err, "pid file %s: %q", d.pidfile, raw)
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	require.NoError(t, err, "daemon pid %d is not running", pid)
	args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
	require.NotEmpty(t, args)
	require.Equal(t, "libvirtd", filepath.Base(args[0]), "pid %d is %q, not libvirtd", pid, args[0])
	require.Contains(t, strings.Join(args, " "), "-f "+filepath.Join(d.state, "libvirtd.conf"),
		"pid %d is not the libvirtd of %s", pid, d.state)
	return pid
}

// restartDaemon brings the private daemon back on the same socket and
// port (scripts/libvirtd.sh restart) and waits until both answer.
func restartDaemon(t *testing.T, d daemonEnv) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(repoRoot(t), "scripts", "libvirtd.sh"), "restart", d.state)
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "scripts/libvirtd.sh restart %s:\n%s", d.state, out)
	t.Logf("restart: %s", strings.TrimSpace(string(out)))

	for _, tr := range d.transports() {
		var lastErr error
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			lastErr = ping(tr.uri("test", "default"))
			if lastErr == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		require.NoError(t, lastErr, "daemon does not answer over %s after the restart", tr.name)
	}
}

// namedClient is a client and the name of the transport it was dialled
// over.
type namedClient struct {
	name string
	c    *libvirt.Client
}

// dialEveryTransport opens one test-driver client per transport of d.
// closeAll closes them all; the fault tests also close them early, to time
// Close itself, which is why the caller defers it rather than t.Cleanup.
func dialEveryTransport(t *testing.T, d daemonEnv) (clients []namedClient, closeAll func()) {
	t.Helper()
	for _, tr := range d.transports() {
		c, err := libvirt.Dial(ctxFor(t, callTimeout), tr.uri("test", "default"))
		require.NoError(t, err)
		clients = append(clients, namedClient{tr.name, c})
	}
	return clients, func() {
		for _, cl := range clients {
			_ = cl.c.Close()
		}
	}
}

// ping dials uri, asks for the library version and closes.
func ping(uri string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := libvirt.Dial(ctx, uri)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.ConnectGetLibVersion(ctx)
	return err
}

// TestDaemonKilledUnderLoad SIGKILLs the private daemon while 64 calls per
// connection (one unix, one tcp) are in flight: every call must fail within
// a second, the clients must report the loss, and once closed they must
// leave no goroutine behind. The daemon is restarted afterwards, so the
// test can run in any position.
func TestDaemonKilledUnderLoad(t *testing.T) {
	const callers = 64
	d := requireDaemon(t)
	ignore := goleak.IgnoreCurrent()
	pid := daemonPID(t, d)
	killed := false
	t.Cleanup(func() {
		if killed {
			restartDaemon(t, d)
		}
	})

	clients, closeAll := dialEveryTransport(t, d)
	defer closeAll()

	type result struct {
		conn string
		ok   int
		err  error
		at   time.Time
	}
	var (
		wg       sync.WaitGroup
		warm     sync.WaitGroup
		returned atomic.Int64
		results  = make(chan result, callers*len(clients))
	)
	for _, cl := range clients {
		for g := 0; g < callers; g++ {
			wg.Add(1)
			warm.Add(1)
			go func(cl namedClient, g int) {
				defer wg.Done()
				r := result{conn: cl.name}
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				for {
					var err error
					if g%2 == 0 {
						_, err = cl.c.DomainLookupByName(ctx, "test")
					} else {
						_, err = cl.c.ConnectGetAllDomainStats(ctx, nil, 0, 0)
					}
					if err != nil {
						r.err, r.at = err, time.Now()
						break
					}
					r.ok++
					if r.ok == 5 {
						warm.Done()
					}
				}
				if r.ok < 5 {
					warm.Done()
				}
				returned.Add(1)
				results <- r
			}(cl, g)
		}
	}
	warm.Wait() // every caller is in its loop and has been answered

	// Taken before the signal: the kernel may kill the daemon, and a
	// client notice, before Kill returns.
	killedAt := time.Now()
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	killed = true

	for _, cl := range clients {
		select {
		case <-cl.c.Disconnected():
			t.Logf("%s: disconnect noticed after %v: %v", cl.name, time.Since(killedAt).Round(time.Microsecond), cl.c.Err())
		case <-time.After(time.Second):
			t.Errorf("%s: Disconnected() not closed 1 s after the daemon was killed", cl.name)
		}
		err := cl.c.Err()
		var derr *libvirt.DisconnectedError
		assert.True(t, errors.As(err, &derr), "%s: Err() = %v, want *libvirt.DisconnectedError", cl.name, err)
		assert.False(t, errors.Is(err, libvirt.ErrClosed), "%s: the daemon died, nobody called Close", cl.name)
	}

	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("only %d of %d callers returned 5 s after the kill", returned.Load(), callers*len(clients))
	}
	close(results)
	var latest time.Duration
	perConn := map[string]int{}
	for r := range results {
		perConn[r.conn]++
		if !assert.True(t, r.at.After(killedAt), "%s: a call failed before the kill: %v", r.conn, r.err) {
			continue
		}
		lat := r.at.Sub(killedAt)
		latest = max(latest, lat)
		assert.Less(t, lat, time.Second, "%s: a call returned %v after the kill", r.conn, lat)
		var derr *libvirt.DisconnectedError
		assert.True(t, errors.As(r.err, &derr), "%s: call returned %T %v, want *libvirt.DisconnectedError", r.conn, r.err, r.err)
		assert.False(t, errors.Is(r.err, libvirt.ErrClosed), "%s: call returned ErrClosed", r.conn)
	}
	for _, cl := range clients {
		assert.Equal(t, callers, perConn[cl.name], "%s: callers that returned", cl.name)
	}
	t.Logf("all %d calls failed within %v of the kill", callers*len(clients), latest.Round(time.Microsecond))

	start := time.Now()
	closeAll()
	assert.Less(t, time.Since(start), time.Second, "Close on dead connections")
	goleak.VerifyNone(t, ignore)
}

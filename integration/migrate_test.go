//go:build integration

package integration_test

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
)

// migrateTimeout bounds one migration of the idle 64 MiB TCG guest; on
// this machine it takes a few seconds.
const migrateTimeout = 3 * time.Minute

// migrationDaemon is a private libvirtd started by the migration test.
type migrationDaemon struct {
	dir    string
	socket string
	tcp    string
}

// newMigrationDaemonDir makes the state directory of a daemon the
// migration test starts and, when the test ends, stops that daemon with its
// guests (scripts/libvirtd.sh stop is a no-op if it never started) and
// removes the directory.
func newMigrationDaemonDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "vwmig")
	require.NoError(t, err)
	script := filepath.Join(repoRoot(t), "scripts", "libvirtd.sh")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if out, err := exec.CommandContext(ctx, "bash", script, "stop", dir).CombinedOutput(); err != nil {
			t.Errorf("scripts/libvirtd.sh stop %s: %v\n%s", dir, err, out)
			return
		}
		os.RemoveAll(dir)
	})
	return dir
}

// launchMigrationDaemon starts a libvirtd in dir with scripts/libvirtd.sh
// (from root, the tree of the daemon under test, if any) whose host UUID is
// hostUUID: libvirt refuses to migrate between daemons that report the same
// host UUID, as two daemons on one machine otherwise would. It returns the
// script's output; it does not touch t, so it may run in a goroutine.
func launchMigrationDaemon(ctx context.Context, script, dir, root, hostUUID string) (string, error) {
	cmd := exec.CommandContext(ctx, "bash", script, "start", dir)
	cmd.Env = append(os.Environ(), "VIRTWIRE_LIBVIRTD_HOST_UUID="+hostUUID, "VIRTWIRE_LIBVIRTD_ROOT="+root)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// readMigrationDaemon reads where the daemon in dir listens from dir/env.
func readMigrationDaemon(t *testing.T, dir string) migrationDaemon {
	t.Helper()
	env, err := os.ReadFile(filepath.Join(dir, "env"))
	require.NoError(t, err)
	d := migrationDaemon{dir: dir}
	for _, line := range strings.Split(string(env), "\n") {
		k, v, _ := strings.Cut(line, "=")
		switch k {
		case envSocket:
			d.socket = v
		case envTCP:
			d.tcp = v
		}
	}
	require.NotEmpty(t, d.socket, "no %s in %s/env", envSocket, dir)
	require.NotEmpty(t, d.tcp, "no %s in %s/env", envTCP, dir)
	return d
}

// freeLoopbackPort returns a TCP port on 127.0.0.1 that nothing listens on
// right now, for QEMU's incoming migration stream.
func freeLoopbackPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	_, port, err := net.SplitHostPort(l.Addr().String())
	require.NoError(t, err)
	require.NoError(t, l.Close())
	return port
}

// lifecycleLog gathers one connection's lifecycle events for a domain.
type lifecycleLog struct {
	mu   sync.Mutex
	seen []lifecycle
	done chan struct{}
}

// watchLifecycle records the lifecycle events of the domain called name
// until the subscription ends.
func watchLifecycle(sub *libvirt.Subscription, name string) *lifecycleLog {
	l := &lifecycleLog{done: make(chan struct{})}
	go func() {
		defer close(l.done)
		for ev := range sub.Events() {
			m, ok := ev.(*libvirt.DomainEventCallbackLifecycleMsg)
			if !ok || m.Msg.Dom.Name != name {
				continue
			}
			l.mu.Lock()
			l.seen = append(l.seen, lifecycle{m.Msg.Event.GoString(), m.Msg.DetailValue().String()})
			l.mu.Unlock()
		}
	}()
	return l
}

// waitFor waits until every event in want has been seen and returns all
// events seen so far; it fails the test after d.
func (l *lifecycleLog) waitFor(t *testing.T, side string, d time.Duration, want ...lifecycle) []lifecycle {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		l.mu.Lock()
		seen := append([]lifecycle(nil), l.seen...)
		l.mu.Unlock()
		missing := false
		for _, w := range want {
			found := false
			for _, s := range seen {
				found = found || s == w
			}
			missing = missing || !found
		}
		if !missing {
			return seen
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: lifecycle events seen %v, still waiting for %v", side, seen, want)
		}
		select {
		case <-l.done:
			t.Fatalf("%s: subscription ended; lifecycle events seen %v, wanted %v", side, seen, want)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestMigrateQEMUGuest migrates a running TCG guest between two private
// libvirtds on this machine, once peer-to-peer (DomainMigrateToURI3 through
// DomainMigrate3) and once driven by this client through the five phases,
// with QEMU's migration stream on loopback TCP.
func TestMigrateQEMUGuest(t *testing.T) {
	d := requireDaemon(t)
	if os.Geteuid() != 0 {
		t.Skip("migration test starts its own root libvirtds (scripts/libvirtd.sh)")
	}
	// Both daemons warm their QEMU capability caches (seconds each):
	// start them together.
	script := filepath.Join(repoRoot(t), "scripts", "libvirtd.sh")
	dirs := []string{newMigrationDaemonDir(t), newMigrationDaemonDir(t)}
	uuids := []string{uuidString(newUUID(t)), uuidString(newUUID(t))}
	outs := make([]string, 2)
	errs := make([]error, 2)
	startCtx := ctxFor(t, 3*time.Minute)
	var wg sync.WaitGroup
	for i := range dirs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = launchMigrationDaemon(startCtx, script, dirs[i], d.root, uuids[i])
		}()
	}
	wg.Wait()
	for i := range dirs {
		require.NoError(t, errs[i], "scripts/libvirtd.sh start %s (host_uuid %s):\n%s", dirs[i], uuids[i], outs[i])
		t.Logf("host_uuid %s: %s", uuids[i], outs[i])
	}
	src, dst := readMigrationDaemon(t, dirs[0]), readMigrationDaemon(t, dirs[1])

	for _, mode := range []struct {
		name  string
		flags libvirt.DomainMigrateFlags
	}{
		{"peer2peer", libvirt.MigrateLive | libvirt.MigratePeer2peer},
		{"managed", libvirt.MigrateLive},
	} {
		t.Run(mode.name, func(t *testing.T) {
			sc := dial(t, "qemu+unix:///system?socket="+src.socket)
			// Peer-to-peer, the source daemon connects to the destination
			// by the URI this client used for it: plain TCP on loopback.
			dc := dial(t, "qemu+tcp://"+dst.tcp+"/system")
			ctx := ctxFor(t, migrateTimeout)
			name := uniqueName("mig-" + mode.name)

			srcEvents, err := sc.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, nil)
			require.NoError(t, err)
			defer srcEvents.Close()
			dstEvents, err := dc.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, nil)
			require.NoError(t, err)
			defer dstEvents.Close()
			srcLog := watchLifecycle(srcEvents, name)
			dstLog := watchLifecycle(dstEvents, name)

			dom, err := sc.DomainCreateXML(ctx, tinyGuestXML(name), 0)
			require.NoError(t, err)
			t.Cleanup(func() { removeDomain(t, sc, name) })
			t.Cleanup(func() { removeDomain(t, dc, name) })
			srcLog.waitFor(t, "source", 30*time.Second, lifecycle{"DomainEventStarted", "DomainEventStartedBooted"})
			srcBefore := len(srcLog.snapshot())

			params := libvirt.DomainMigrateParameters{URI: "tcp://127.0.0.1:" + freeLoopbackPort(t)}
			start := time.Now()
			ddom, err := sc.DomainMigrate3(ctx, dom, dc, params.TypedParams(), mode.flags)
			took := time.Since(start)
			require.NoError(t, err, "migrating %s (%s)", name, mode.name)
			t.Logf("%s: migrated %s in %v", mode.name, name, took.Round(time.Millisecond))

			// The guest runs on the destination, under its own ID there.
			assert.Equal(t, name, ddom.Name)
			assert.Equal(t, dom.UUID, ddom.UUID)
			st, reason, err := dc.DomainGetState(ctx, ddom, 0)
			require.NoError(t, err)
			assert.Equal(t, libvirt.DomainRunning, st, "state on the destination")
			assert.Equal(t, int32(libvirt.DomainRunningMigrated), reason, "reason on the destination")
			// The destination keeps the completed migration job's
			// statistics: QEMU's own view of the time it took.
			typ, stats, err := dc.DomainGetJobStats(ctx, ddom, libvirt.DomainJobStatsCompleted)
			require.NoError(t, err)
			assert.Equal(t, libvirt.DomainJobCompleted, typ)
			elapsed, _ := stats.Uint64(libvirt.DomainJobTimeElapsed)
			downtime, _ := stats.Uint64(libvirt.DomainJobDowntime)
			memTotal, _ := stats.Uint64(libvirt.DomainJobMemoryTotal)
			memSent, _ := stats.Uint64(libvirt.DomainJobMemoryProcessed)
			t.Logf("%s: job stats on the destination: time_elapsed %d ms, downtime %d ms, memory_total %d B, memory_processed %d B",
				mode.name, elapsed, downtime, memTotal, memSent)

			status, running := qmpStatus(t, dc, ddom)
			assert.Equal(t, "running", status)
			assert.True(t, running)

			// The transient guest is gone from the source.
			_, err = sc.DomainLookupByName(ctx, name)
			assert.True(t, errors.Is(err, libvirt.ErrNoDomain), "source lookup after migration: %v", err)

			srcSeen := srcLog.waitFor(t, "source", 30*time.Second,
				lifecycle{"DomainEventSuspended", "DomainEventSuspendedMigrated"},
				lifecycle{"DomainEventStopped", "DomainEventStoppedMigrated"})
			dstSeen := dstLog.waitFor(t, "destination", 30*time.Second,
				lifecycle{"DomainEventStarted", "DomainEventStartedMigrated"},
				lifecycle{"DomainEventResumed", "DomainEventResumedMigrated"})
			t.Logf("%s: source lifecycle events during migration: %v", mode.name, srcSeen[srcBefore:])
			t.Logf("%s: destination lifecycle events: %v", mode.name, dstSeen)

			require.NoError(t, dc.DomainDestroy(ctx, ddom))
		})
	}
}

// snapshot returns the events seen so far.
func (l *lifecycleLog) snapshot() []lifecycle {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]lifecycle(nil), l.seen...)
}

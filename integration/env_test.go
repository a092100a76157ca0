//go:build integration

package integration_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
)

// Environment variables written to DIR/env by scripts/libvirtd.sh.
const (
	envSocket  = "VIRTWIRE_TEST_SOCKET"
	envTCP     = "VIRTWIRE_TEST_TCP"
	envPidfile = "VIRTWIRE_TEST_PIDFILE"
	envState   = "VIRTWIRE_TEST_STATE"
	// envRoot names the root tree the daemon runs from (scripts/trixie-root.sh);
	// unset when it is the host's libvirtd.
	envRoot = "VIRTWIRE_TEST_ROOT"
)

// callTimeout bounds a single ordinary call in these tests.
const callTimeout = 30 * time.Second

// daemonEnv is where the private libvirtd under test listens.
type daemonEnv struct {
	socket  string // rw unix socket
	tcp     string // host:port of the plain TCP listener
	pidfile string
	state   string // the directory given to scripts/libvirtd.sh
	root    string // the root tree libvirtd runs from, "" for the host
}

// requireDaemon returns the daemon's coordinates, or skips the test when
// the environment does not name one.
func requireDaemon(t testing.TB) daemonEnv {
	t.Helper()
	d := daemonEnv{
		socket:  os.Getenv(envSocket),
		tcp:     os.Getenv(envTCP),
		pidfile: os.Getenv(envPidfile),
		state:   os.Getenv(envState),
		root:    os.Getenv(envRoot),
	}
	var missing []string
	for _, v := range []struct{ name, val string }{
		{envSocket, d.socket}, {envTCP, d.tcp}, {envPidfile, d.pidfile}, {envState, d.state},
	} {
		if v.val == "" {
			missing = append(missing, v.name)
		}
	}
	if len(missing) > 0 {
		t.Skipf("no libvirtd to test against: %s not set; start one with "+
			"`bash scripts/libvirtd.sh start DIR` and source DIR/env (set -a; . DIR/env; set +a)",
			strings.Join(missing, ", "))
	}
	return d
}

// transport is one way of reaching the daemon.
type transport struct {
	name string
	// uri builds the URI for a driver ("test", "qemu") and path
	// ("default", "system").
	uri func(driver, path string) string
}

// transports returns the unix and tcp ways to reach the daemon.
func (d daemonEnv) transports() []transport {
	return []transport{
		{"unix", func(driver, path string) string {
			return fmt.Sprintf("%s+unix:///%s?socket=%s", driver, path, d.socket)
		}},
		{"tcp", func(driver, path string) string {
			return fmt.Sprintf("%s+tcp://%s/%s", driver, d.tcp, path)
		}},
	}
}

// forEachTransport runs f as a subtest once over unix and once over tcp.
func forEachTransport(t *testing.T, f func(t *testing.T, tr transport)) {
	t.Helper()
	d := requireDaemon(t)
	for _, tr := range d.transports() {
		t.Run(tr.name, func(t *testing.T) { f(t, tr) })
	}
}

// ctxFor returns a context that ends after d or with the test.
func ctxFor(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// dial connects to uri and closes the client when the test ends.
func dial(t testing.TB, uri string, opts ...libvirt.Option) *libvirt.Client {
	t.Helper()
	c, err := libvirt.Dial(ctxFor(t, callTimeout), uri, opts...)
	require.NoError(t, err, "dial %s", uri)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

var nameSeq atomic.Int64

// uniqueName returns a name no other test (or earlier run against the same
// daemon) uses: the daemon is shared, and the test driver's state lives as
// long as it does.
func uniqueName(kind string) string {
	return fmt.Sprintf("vwit-%s-%d-%d-%d", kind, os.Getpid(), time.Now().UnixNano()%1e9, nameSeq.Add(1))
}

// newUUID returns a random version 4 UUID.
func newUUID(t testing.TB) libvirt.UUID {
	t.Helper()
	var u libvirt.UUID
	_, err := rand.Read(u[:])
	require.NoError(t, err)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// uuidString formats u the way libvirt prints UUIDs in XML.
func uuidString(u libvirt.UUID) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// repoRoot is the repository's top directory, found from this file.
func repoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	require.True(t, ok, "cannot locate the test source file")
	root := filepath.Dir(filepath.Dir(file))
	_, err := os.Stat(filepath.Join(root, "scripts", "libvirtd.sh"))
	require.NoError(t, err, "scripts/libvirtd.sh not found under %s", root)
	return root
}

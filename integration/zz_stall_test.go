//go:build integration

package integration_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/virtwire/libvirt"
)

// TestDaemonStoppedUnderLoad SIGSTOPs the private daemon for longer than
// the call deadlines while 64 goroutines per connection call, each every
// 20 ms at most. On the unix connection all calls are small, so the
// connection survives the stop; on the tcp one a quarter of the calls
// carry 1 MiB requests that fill the socket buffers, so that writes block
// as well as reads (an abandoned half-written request then fails the
// connection). Every call must return within its deadline plus a small
// margin, Close must return within its bound while the daemon is still
// stopped, and no goroutine may be left. After SIGCONT a fresh client
// must work.
func TestDaemonStoppedUnderLoad(t *testing.T) {
	const (
		callers  = 64
		deadline = time.Second
		stopFor  = 3 * time.Second
		// The target is 250 ms and a quiet machine measures 4-39 ms;
		// the bound allows for a CI machine at a load average of 20 on 2
		// cores (317 ms seen there), while the bug it guards against cost
		// seconds (27 s before the writes were bounded).
		margin = time.Second
		pacing = 20 * time.Millisecond // between one goroutine's calls
	)
	d := requireDaemon(t)
	pid := daemonPID(t, d)
	ignore := goleak.IgnoreCurrent()
	stopped := false
	resume := func() {
		if stopped {
			require.NoError(t, syscall.Kill(pid, syscall.SIGCONT))
			stopped = false
		}
	}
	t.Cleanup(resume) // whatever happens, the daemon runs on

	clients, closeAll := dialEveryTransport(t, d)
	defer closeAll()

	big := "<cpu>" + strings.Repeat("x", 1<<20) + "</cpu>"
	type overrun struct {
		conn string
		big  bool
		by   time.Duration
		err  error
	}
	var (
		wg, warm sync.WaitGroup
		quit     = make(chan struct{})
		mu       sync.Mutex
		worst    overrun
		calls    int
		failed   int
		classes  = map[string]int{}
	)
	for _, cl := range clients {
		for g := 0; g < callers; g++ {
			wg.Add(1)
			warm.Add(1)
			go func() {
				defer wg.Done()
				warmed := false
				defer func() {
					if !warmed {
						warm.Done()
					}
				}()
				// Paced, as a fleet of real callers would be: flat-out
				// loops on a shared two-core machine measure the
				// scheduler's backlog, not the engine's.
				pace := time.NewTicker(pacing)
				defer pace.Stop()
				for n := 0; ; n++ {
					select {
					case <-quit:
						return
					default:
					}
					select {
					case <-quit:
						return
					case <-pace.C:
					}
					start := time.Now()
					ctx, cancel := context.WithTimeout(context.Background(), deadline)
					var err error
					if cl.name != "unix" && g%4 == 0 {
						_, err = cl.c.ConnectCompareCPU(ctx, big, 0)
						var lerr *libvirt.Error
						if errors.As(err, &lerr) {
							err = nil // the daemon's verdict on the junk XML
						}
					} else {
						_, err = cl.c.ConnectGetLibVersion(ctx)
					}
					cancel()
					took := time.Since(start)
					mu.Lock()
					calls++
					if err != nil {
						failed++
						classes[errClass(err)]++
					}
					if by := took - deadline; by > worst.by {
						worst = overrun{cl.name, cl.name != "unix" && g%4 == 0, by, err}
					}
					mu.Unlock()
					if n == 4 && !warmed {
						warmed = true
						warm.Done()
					}
					if err != nil && cl.c.Err() != nil {
						return // the connection is gone: nothing more to time
					}
				}
			}()
		}
	}
	warm.Wait()

	require.NoError(t, syscall.Kill(pid, syscall.SIGSTOP))
	stopped = true
	stoppedAt := time.Now()
	time.Sleep(stopFor) // the daemon is stopped meanwhile; the callers run
	close(quit)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(deadline + 5*time.Second):
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Fatalf("callers still running %v after the daemon was stopped; goroutines:\n%s", time.Since(stoppedAt), buf)
	}
	mu.Lock()
	t.Logf("daemon stopped %v: %d calls by %d goroutines, %d failed %v; worst overrun past the %v deadline: %v (%s, 1 MiB request %v: %v)",
		stopFor, calls, callers*len(clients), failed, classes, deadline, worst.by.Round(time.Microsecond), worst.conn, worst.big, worst.err)
	assert.Less(t, worst.by, margin, "worst overrun past the deadline")
	assert.Positive(t, failed, "no call failed while the daemon was stopped")
	mu.Unlock()

	// Close while the daemon is still stopped: the goodbye cannot be
	// answered, and Close must give up on it in time.
	for _, cl := range clients {
		start := time.Now()
		_ = cl.c.Close()
		took := time.Since(start)
		t.Logf("%s: Close with the daemon stopped took %v", cl.name, took.Round(time.Microsecond))
		assert.Less(t, took, 1500*time.Millisecond, "%s: Close with the daemon stopped", cl.name)
	}
	goleak.VerifyNone(t, ignore)
	t.Logf("goroutines back to the baseline after Close")

	resume()
	c, err := libvirt.Dial(ctxFor(t, callTimeout), d.transports()[0].uri("test", "default"))
	require.NoError(t, err, "a fresh client after SIGCONT")
	defer c.Close()
	_, err = c.ConnectGetLibVersion(ctxFor(t, 5*time.Second))
	require.NoError(t, err, "a call on a fresh client after SIGCONT")
}

// errClass names the kind of error a stalled call returned.
func errClass(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline"
	case errors.Is(err, libvirt.ErrProtocol):
		return "lost(protocol)"
	case errors.Is(err, libvirt.ErrWriteTimeout):
		return "lost(write timeout)"
	}
	var de *libvirt.DisconnectedError
	if errors.As(err, &de) {
		return "lost"
	}
	return "other"
}

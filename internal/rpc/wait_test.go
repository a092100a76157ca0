package rpc

import (
	"net"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Waiting in tests. Every wait has a deadline of its own and fails naming
// what it waited for, so that a hang shows as a clear failure after
// seconds rather than as the test binary's 10-minute timeout; and tests
// wait for a condition, never for a guessed amount of time.

// stuckAfter bounds every wait for something the engine must do promptly.
// It is generous: machines running the suite are shared and slow, and a
// bug shows as a wait that never ends, not as a slow one.
const stuckAfter = 10 * time.Second

// await receives from ch, failing the test with what when nothing comes
// within stuckAfter.
func await[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(stuckAfter):
		t.Fatalf("stuck: %s (nothing after %v)", what, stuckAfter)
		var zero T
		return zero
	}
}

// awaitClosed waits for ch to be closed, failing the test with what
// after stuckAfter.
func awaitClosed(t testing.TB, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(stuckAfter):
		t.Fatalf("stuck: %s (not done after %v)", what, stuckAfter)
	}
}

// waitBlocked waits until some goroutine is blocked inside function fn
// (as runtime.Stack names it, e.g. "rpc.(*Stream).read"), which is how a
// test knows that a reader or a consumer has reached the wait it
// exercises.
func waitBlocked(t testing.TB, fn, what string) {
	t.Helper()
	deadline := time.Now().Add(stuckAfter)
	buf := make([]byte, 1<<20)
	for {
		stacks := string(buf[:runtime.Stack(buf, true)])
		for _, g := range strings.Split(stacks, "\n\n") {
			head, _, _ := strings.Cut(g, "\n")
			// "goroutine 7 [chan receive]:" or "[select]:"; a running or
			// runnable goroutine is not blocked yet.
			if strings.Contains(g, fn+"(") && (strings.Contains(head, "[chan") || strings.Contains(head, "[select") ||
				strings.Contains(head, "[IO wait") || strings.Contains(head, "[sync")) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("stuck: %s (no goroutine blocked in %s after %v)", what, fn, stuckAfter)
		}
		time.Sleep(time.Millisecond) // polling a condition, not a guess
	}
}

// countingConn counts the bytes read from the connection, so that a test
// can wait until the engine has read a given part of what the peer sent.
type countingConn struct {
	net.Conn
	read atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

// waitRead waits until the engine has read at least n bytes in all.
func (c *countingConn) waitRead(t testing.TB, n int64, what string) {
	t.Helper()
	deadline := time.Now().Add(stuckAfter)
	for c.read.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("stuck: %s (the engine read %d of %d bytes in %v)", what, c.read.Load(), n, stuckAfter)
		}
		time.Sleep(time.Millisecond) // polling a condition, not a guess
	}
}

package cloudhypervisor_test

import (
	"errors"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	ch "github.com/virtwire/libvirt/cloudhypervisor"
	"github.com/virtwire/libvirt/cloudhypervisor/chtest"
)

// hog opens n idle connections to the fake, as other API users would,
// and waits until the fake has accepted them all.
func hog(t *testing.T, fake *chtest.Server, n int) {
	t.Helper()
	for range n {
		c, err := net.Dial("unix", fake.SocketPath())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
	}
	deadline := time.Now().Add(10 * time.Second)
	for fake.Stats().OpenConns < n {
		if time.Now().After(deadline) {
			t.Fatalf("the fake accepted %d of %d idle connections in 10s", fake.Stats().OpenConns, n)
		}
		time.Sleep(time.Millisecond) // polling a condition, with a deadline
	}
}

// callers runs 20 concurrent callers doing `each` pings and returns the
// number of failures.
func callers(t *testing.T, v *ch.VMM, each int) int64 {
	t.Helper()
	var failed atomic.Int64
	var wg sync.WaitGroup
	ctx := ctxT(t)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if _, err := v.Ping(ctx); err != nil {
					failed.Add(1)
					t.Errorf("ping: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	return failed.Load()
}

// TestConnLimitUnder20Callers: other users hold 8 of the server's 10
// connections; a client allowed 10 connections runs 20 concurrent
// callers. The server refuses connections with 503, and the client
// retries them: no call fails.
func TestConnLimitUnder20Callers(t *testing.T) {
	fake := chtest.New(t, chtest.Options{Latency: time.Millisecond})
	hog(t, fake, 8)
	v := newClient(t, fake, ch.WithMaxConns(10), ch.WithRetry(200, time.Millisecond))
	failed := callers(t, v, 5)
	st := fake.Stats()
	t.Logf("20 callers x 5 pings: failed %d, served %d, 503 refusals %d, max open connections %d (limit 10)",
		failed, st.Requests["GET /vmm.ping"], st.RefusedConns, st.MaxOpenConns)
	if failed != 0 || st.Requests["GET /vmm.ping"] != 100 {
		t.Fatalf("failed %d, served %d", failed, st.Requests["GET /vmm.ping"])
	}
	if st.RefusedConns == 0 {
		t.Fatal("the fake never hit its connection limit; the test proves nothing")
	}
	if st.MaxOpenConns > 10 {
		t.Fatalf("fake had %d connections open", st.MaxOpenConns)
	}
}

// TestDefaultClientStaysUnderLimit: with its default of 4 connections
// the client never reaches the server's limit.
func TestDefaultClientStaysUnderLimit(t *testing.T) {
	fake := chtest.New(t, chtest.Options{Latency: time.Millisecond})
	v := newClient(t, fake)
	failed := callers(t, v, 5)
	st := fake.Stats()
	t.Logf("20 callers x 5 pings, default client: failed %d, 503 refusals %d, max open connections %d",
		failed, st.RefusedConns, st.MaxOpenConns)
	if failed != 0 || st.RefusedConns != 0 || st.MaxOpenConns > 4 {
		t.Fatalf("failed %d refused %d max open %d", failed, st.RefusedConns, st.MaxOpenConns)
	}
}

// TestConnLimitAnswer: at the limit the server (micro_http, v53.0 and
// main) writes its fixed 503 answer and closes without reading: a
// request already written is left unread, so the client's kernel reports
// ECONNRESET after the answer. A client without retries reports the 503.
func TestConnLimitAnswer(t *testing.T) {
	fake := chtest.New(t, chtest.Options{})
	hog(t, fake, 10)

	// Write first, then read: the answer, then ECONNRESET (not EOF).
	c, err := net.Dial("unix", fake.SocketPath())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	_, werr := io.WriteString(c, "PUT /api/v1/vm.reboot HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n")
	got, rerr := io.ReadAll(c)
	const want = "HTTP/1.1 503\r\nServer: Firecracker API\r\nConnection: close\r\nContent-Length: 40\r\n\r\n{ \"error\": \"Too many open connections\" }"
	if string(got) != want {
		t.Fatalf("11th connection got %q, want %q", got, want)
	}
	// Either the write came before the close (left unread: ECONNRESET)
	// or after it (EPIPE); the server never read it.
	if !errors.Is(rerr, syscall.ECONNRESET) && !errors.Is(werr, syscall.EPIPE) {
		t.Fatalf("after the refusal: write %v, read %v; want ECONNRESET or EPIPE", werr, rerr)
	}
	if n := fake.Stats().Requests["PUT /vm.reboot"]; n != 0 {
		t.Fatalf("refused request reached the handler %d times", n)
	}

	// Without retries the error matches ErrRefused; when the answer was
	// read before the write failed, it is the 503 with the decoded chain.
	v := newClient(t, fake, ch.WithRetry(1, 0))
	_, err = v.Ping(ctxT(t))
	var e *ch.Error
	if !errors.Is(err, ch.ErrRefused) || errors.As(err, &e) && (e.StatusCode != 503 || !slices.Equal(e.Chain, []string{"Too many open connections"})) {
		t.Fatalf("ping at the limit without retries: %v", err)
	}
}

// TestRefusalRetriedForPut: a non-idempotent PUT refused at the limit is
// sent again once a connection frees up, and runs exactly once.
func TestRefusalRetriedForPut(t *testing.T) {
	fake := chtest.New(t, chtest.Options{})
	v := newClient(t, fake, ch.WithRetry(200, time.Millisecond))
	ctx := ctxT(t)
	must(t, "create", v.Create(ctx, testConfig()))
	must(t, "boot", v.Boot(ctx))
	v.Close() // drop the idle connection before the others take all slots
	waitFor(t, "the fake seeing the client's connection closed", func() bool { return fake.Stats().OpenConns == 0 })

	conns := make([]net.Conn, 10)
	for i := range conns {
		c, err := net.Dial("unix", fake.SocketPath())
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
	}
	// The fake accepts asynchronously; wait until it holds all ten.
	waitFor(t, "the fake holding 10 connections", func() bool { return fake.Stats().OpenConns == 10 })
	done := make(chan error, 1)
	go func() { done <- v.Reboot(ctx) }()
	// Free a connection once the reboot has been refused at least once.
	waitFor(t, "a refusal of vm.reboot", func() bool { return fake.Stats().RefusedConns > 0 })
	conns[0].Close()
	select {
	case err := <-done:
		must(t, "reboot after refusals", err)
	case <-time.After(10 * time.Second):
		t.Fatal("reboot did not finish after a connection was freed")
	}
	for _, c := range conns[1:] {
		c.Close()
	}
	if n := fake.Stats().Requests["PUT /vm.reboot"]; n != 1 {
		t.Fatalf("vm.reboot ran %d times, want 1", n)
	}
}

// waitFor polls cond until it holds, failing the test after 5 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(5 * time.Second)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

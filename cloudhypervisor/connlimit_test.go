package cloudhypervisor_test

import (
	"errors"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ch "github.com/virtwire/libvirt/cloudhypervisor"
	"github.com/virtwire/libvirt/cloudhypervisor/chtest"
)

// hog opens n idle connections to the fake, as other API users would.
func hog(t *testing.T, socket string, n int) {
	t.Helper()
	for range n {
		c, err := net.Dial("unix", socket)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
	}
	time.Sleep(20 * time.Millisecond) // let the fake accept them
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
	hog(t, fake.SocketPath(), 8)
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

// TestConnLimitAnswer: the 11th connection gets
// 503 {"error":"Too many open connections"}, decoded into the chain.
func TestConnLimitAnswer(t *testing.T) {
	fake := chtest.New(t, chtest.Options{})
	hog(t, fake.SocketPath(), 10)
	resp, body := rawRequest(t, fake.SocketPath(), "GET /api/v1/vmm.ping HTTP/1.1\r\nHost: localhost\r\n\r\n")
	if resp.StatusCode != 503 || body != `{"error":"Too many open connections"}` {
		t.Fatalf("11th connection: %d %s", resp.StatusCode, body)
	}
	v := newClient(t, fake, ch.WithRetry(1, 0))
	_, err := v.Ping(ctxT(t))
	var e *ch.Error
	if !errors.As(err, &e) || e.StatusCode != 503 || !slices.Equal(e.Chain, []string{"Too many open connections"}) {
		t.Fatalf("ping at the limit without retries: %v", err)
	}
}

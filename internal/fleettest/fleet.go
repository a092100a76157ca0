// Package fleettest holds the fleet scale test's body, shared by the unit
// test against libvirttest (fleet_scale_test.go) and the integration test
// against libvirtd (integration/fleet_test.go).
package fleettest

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/virtwire/libvirt"
)

// Result is what Run measured.
type Result struct {
	N                 int
	HeapPerConn       float64 // bytes after GC, connection and subscription
	GoroutinesPerConn float64
	Burst             int           // events each subscriber must see
	FanOut            time.Duration // from the burst's first call to the last delivery
	Lost              uint64        // events a subscriber never saw
	Dropped           uint64        // events the queues dropped (counted by Dropped)
	DialDuration      time.Duration
}

func (r Result) String() string {
	return fmt.Sprintf("N=%d: %.0f B heap and %.2f goroutines per connection with its subscription (dial+subscribe %v); "+
		"burst of %d events to each: fan-out %v (%d deliveries), lost %d, dropped %d",
		r.N, r.HeapPerConn, r.GoroutinesPerConn, r.DialDuration.Round(time.Millisecond), r.Burst,
		r.FanOut.Round(time.Millisecond), r.N*r.Burst, r.Lost, r.Dropped)
}

// liveHeap returns the live heap after collection, and the goroutines.
func liveHeap() (uint64, int) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, runtime.NumGoroutine()
}

// Run opens n clients with dial, subscribes each to domain lifecycle
// events, then suspends and resumes domain dom pairs times from one more
// client (2*pairs events, within the default queue of 256) and waits, at
// most until ctx ends, for every subscriber to see every event.
func Run(ctx context.Context, t testing.TB, n, pairs int, dom string, dial func(ctx context.Context) (*libvirt.Client, error)) Result {
	t.Helper()
	res := Result{N: n, Burst: 2 * pairs}
	ctl, err := dial(ctx)
	if err != nil {
		t.Fatalf("dialing the controlling client: %v", err)
	}
	defer ctl.Close()
	d, err := ctl.DomainLookupByName(ctx, dom)
	if err != nil {
		t.Fatalf("looking up %s: %v", dom, err)
	}
	h0, g0 := liveHeap()
	start := time.Now()
	clients := make([]*libvirt.Client, 0, n)
	subs := make([]*libvirt.Subscription, 0, n)
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for i := 0; i < n; i++ {
		c, err := dial(ctx)
		if err != nil {
			t.Fatalf("dialing client %d of %d: %v", i+1, n, err)
		}
		clients = append(clients, c)
		s, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, nil)
		if err != nil {
			t.Fatalf("subscribing client %d: %v", i+1, err)
		}
		subs = append(subs, s)
	}
	res.DialDuration = time.Since(start)
	h1, g1 := liveHeap()
	res.HeapPerConn = (float64(h1) - float64(h0)) / float64(n)
	res.GoroutinesPerConn = float64(g1-g0) / float64(n)

	seen := make([]int, n)
	start = time.Now()
	for i := 0; i < pairs; i++ {
		if err := ctl.DomainSuspend(ctx, d); err != nil {
			t.Fatalf("burst: suspend %d: %v", i, err)
		}
		if err := ctl.DomainResume(ctx, d); err != nil {
			t.Fatalf("burst: resume %d: %v", i, err)
		}
	}
	// Drain every queue until each subscriber has its whole burst; the
	// subscribers are read in turn, so the time measured ends at the last
	// delivery (plus one sweep).
	remaining := n
	for remaining > 0 {
		progress := false
		for i, s := range subs {
			for seen[i] < res.Burst {
				select {
				case ev, ok := <-s.Events():
					if !ok {
						t.Fatalf("subscription %d closed after %d events: %v", i, seen[i], clients[i].Err())
					}
					if _, ok := ev.(*libvirt.DomainEventCallbackLifecycleMsg); !ok {
						t.Fatalf("subscription %d: unexpected %T", i, ev)
					}
					seen[i]++
					progress = true
					if seen[i] == res.Burst {
						remaining--
					}
					continue
				default:
				}
				break
			}
		}
		if remaining == 0 {
			break
		}
		if !progress {
			select {
			case <-ctx.Done():
				res.FanOut = time.Since(start)
				for i := range seen {
					res.Lost += uint64(res.Burst - seen[i])
				}
				for _, s := range subs {
					res.Dropped += s.Dropped()
				}
				t.Errorf("fan-out: %d of %d subscribers still waiting when the deadline passed: %v", remaining, n, res)
				return res
			case <-time.After(time.Millisecond):
			}
		}
	}
	res.FanOut = time.Since(start)
	for _, s := range subs {
		res.Dropped += s.Dropped()
	}
	return res
}

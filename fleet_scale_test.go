package libvirt_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/libvirttest"
)

// fleetResult is what runFleet measured.
type fleetResult struct {
	n            int
	heapPerConn  float64 // bytes after GC, connection and subscription
	goroPerConn  float64
	burst        int           // events each subscriber must see
	fanOut       time.Duration // from the burst's first call to the last delivery
	lost         uint64        // events a subscriber never saw
	dropped      uint64        // events the queues dropped (counted by Dropped)
	dialDuration time.Duration
}

func (r fleetResult) String() string {
	return fmt.Sprintf("N=%d: %.0f B heap and %.2f goroutines per connection with its subscription (dial+subscribe %v); "+
		"burst of %d events to each: fan-out %v (%d deliveries), lost %d, dropped %d",
		r.n, r.heapPerConn, r.goroPerConn, r.dialDuration.Round(time.Millisecond), r.burst,
		r.fanOut.Round(time.Millisecond), r.n*r.burst, r.lost, r.dropped)
}

// liveHeap returns the live heap after collection, and the goroutines.
func liveHeap() (uint64, int) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, runtime.NumGoroutine()
}

// runFleet opens n clients with dial, subscribes each to domain lifecycle
// events, then suspends and resumes domain dom pairs times from one more
// client (2*pairs events, within the default queue of 256) and waits, at
// most until ctx ends, for every subscriber to see every event.
func runFleet(ctx context.Context, t *testing.T, n, pairs int, dom string, dial func(ctx context.Context) (*libvirt.Client, error)) fleetResult {
	t.Helper()
	res := fleetResult{n: n, burst: 2 * pairs}
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
	res.dialDuration = time.Since(start)
	h1, g1 := liveHeap()
	res.heapPerConn = (float64(h1) - float64(h0)) / float64(n)
	res.goroPerConn = float64(g1-g0) / float64(n)

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
			for seen[i] < res.burst {
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
					if seen[i] == res.burst {
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
				res.fanOut = time.Since(start)
				for i := range seen {
					res.lost += uint64(res.burst - seen[i])
				}
				for _, s := range subs {
					res.dropped += s.Dropped()
				}
				t.Errorf("fan-out: %d of %d subscribers still waiting when the deadline passed: %v", remaining, n, res)
				return res
			case <-time.After(time.Millisecond):
			}
		}
	}
	res.fanOut = time.Since(start)
	for _, s := range subs {
		res.dropped += s.Dropped()
	}
	return res
}

// TestFleetFanOut holds many connections to libvirttest, each with a
// lifecycle subscription, and fans a burst of events out to all of them:
// every subscriber must see every event. N is 1000 (200 under the race
// detector, whose goroutine limit and cost a thousand connections with
// their server sides would strain), or VIRTWIRE_FLEET_N. Memory and
// goroutines per connection include the in-process server's side of the
// connection; see benchmarks/golibvirt's TestFleetFootprint for the
// client alone.
func TestFleetFanOut(t *testing.T) {
	n := fleetDefaultN
	if v, err := strconv.Atoi(os.Getenv("VIRTWIRE_FLEET_N")); err == nil && v > 0 {
		n = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	srv := libvirttest.New(t, libvirttest.WithUnixSocket(""))
	res := runFleet(ctx, t, n, 50, "test", func(ctx context.Context) (*libvirt.Client, error) {
		return libvirt.Dial(ctx, srv.URI())
	})
	t.Log(res)
	if res.lost != 0 || res.dropped != 0 {
		t.Errorf("events lost: %d, dropped: %d", res.lost, res.dropped)
	}
}

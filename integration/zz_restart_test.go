//go:build integration

package integration_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/virtwire/libvirt"
)

// waitStarted reads ch until a started lifecycle event for name, skipping
// other events, and fails naming what it waited for.
func waitStarted(t *testing.T, ch <-chan libvirt.Event, name string) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			require.True(t, ok, "subscription closed while waiting for %s to start", name)
			if m, ok := ev.(*libvirt.DomainEventCallbackLifecycleMsg); ok && m.Msg.Dom.Name == name && m.Msg.Event == libvirt.DomainEventStarted {
				return
			}
		case <-deadline:
			t.Fatalf("no started event for %s within 30s", name)
		}
	}
}

// TestSupervisorAcrossDaemonRestart restarts the private libvirtd
// (scripts/libvirtd.sh restart) while goroutines call through a
// Supervisor: calls during the outage fail fast, the supervisor redials,
// the subscription registers again and delivers an *EventGap, events from
// the restarted daemon arrive, and nothing is left running after Close.
func TestSupervisorAcrossDaemonRestart(t *testing.T) {
	d := requireDaemon(t)
	for _, tr := range d.transports() {
		t.Run(tr.name, func(t *testing.T) {
			ignore := goleak.IgnoreCurrent()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			uri := tr.uri("test", "default")
			sup, err := libvirt.Supervise(ctx, uri, libvirt.SupervisorConfig{MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
			require.NoError(t, err)
			// Registered first, so it runs after the domains' cleanups,
			// which use the supervisor's client.
			t.Cleanup(func() {
				require.NoError(t, sup.Close())
				goleak.VerifyNone(t, ignore)
			})
			sub, err := sup.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, nil)
			require.NoError(t, err)

			before := uniqueName("sup-before")
			dom := defineTestDomain(t, sup.Client(), before)
			_, err = sup.Client().DomainCreate(ctx, dom)
			require.NoError(t, err)
			waitStarted(t, sub.Events(), before)

			// Load: callers keep calling through whatever connection
			// the supervisor has, never retrying a failed call.
			var ok, failed atomic.Int64
			var slowest atomic.Int64
			loadCtx, stopLoad := context.WithCancel(ctx)
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for loadCtx.Err() == nil {
						start := time.Now()
						_, err := sup.Client().ConnectGetLibVersion(loadCtx)
						if took := time.Since(start); int64(took) > slowest.Load() {
							slowest.Store(int64(took))
						}
						if err != nil {
							failed.Add(1)
							time.Sleep(5 * time.Millisecond)
							continue
						}
						ok.Add(1)
					}
				}()
			}

			restartDaemon(t, d)
			restarted := time.Now()
			c, err := sup.Wait(ctx)
			require.NoError(t, err)
			_, err = c.ConnectGetLibVersion(ctx)
			require.NoError(t, err)
			firstCall := time.Since(restarted)
			stopLoad()
			wg.Wait()
			t.Logf("first successful call %v after the restart script returned; load: %d ok, %d failed fast, slowest call %v; reconnects %d",
				firstCall, ok.Load(), failed.Load(), time.Duration(slowest.Load()), sup.Reconnects())
			assert.Positive(t, failed.Load(), "calls during the outage fail")
			assert.GreaterOrEqual(t, sup.Reconnects(), uint64(1))

			// The gap marker comes before any event of the new daemon.
			var gap *libvirt.EventGap
			select {
			case ev := <-sub.Events():
				var isGap bool
				gap, isGap = ev.(*libvirt.EventGap)
				require.True(t, isGap, "first value after the restart is %T, want *libvirt.EventGap", ev)
			case <-time.After(30 * time.Second):
				t.Fatal("no gap marker within 30s of the restart")
			}
			t.Logf("gap: disconnected %v, registered again %v later, cause %v",
				gap.Disconnected.Format(time.RFC3339Nano), gap.Reconnected.Sub(gap.Disconnected), gap.Cause)
			assert.Error(t, gap.Cause)

			after := uniqueName("sup-after")
			dom2 := defineTestDomain(t, c, after)
			_, err = c.DomainCreate(ctx, dom2)
			require.NoError(t, err)
			waitStarted(t, sub.Events(), after)

			require.NoError(t, sub.Close())
		})
	}
}

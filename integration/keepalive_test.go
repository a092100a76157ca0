//go:build integration

package integration_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
)

// TestKeepaliveDetectsStalledLink dials the daemon through a proxy that,
// at some point, stops forwarding without closing anything. With pings
// every 200 ms and 3 allowed misses, the client must give up after about
// 800 ms of silence.
func TestKeepaliveDetectsStalledLink(t *testing.T) {
	const (
		interval = 200 * time.Millisecond
		count    = 3
		bound    = interval * (count + 1) // 800 ms
		pending  = 8
	)
	d := requireDaemon(t)
	p := startStallProxy(t, d.tcp)
	c := dial(t, "test+tcp://"+p.Addr()+"/default", libvirt.WithKeepalive(interval, count))
	ctx := ctxFor(t, callTimeout)

	// While the link works, an idle connection outlives the bound several
	// times over: the daemon answers the client's pings.
	time.Sleep(3 * bound)
	select {
	case <-c.Disconnected():
		t.Fatalf("an idle but healthy connection was dropped: %v", c.Err())
	default:
	}
	want, err := c.ConnectGetLibVersion(ctx)
	require.NoError(t, err, "after %v idle", 3*bound)

	// A last answered call, so that the silence starts now.
	_, err = c.ConnectGetLibVersion(ctx)
	require.NoError(t, err)
	p.Stall()
	stalled := time.Now()

	// Calls made after the stall wait for replies that never come.
	results := make(chan error, pending)
	for i := 0; i < pending; i++ {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			v, err := c.ConnectGetLibVersion(ctx)
			if err == nil && v != want {
				err = errors.New("a reply arrived through a stalled link")
			}
			results <- err
		}()
	}

	select {
	case <-c.Disconnected():
	case <-time.After(5 * time.Second):
		t.Fatalf("no disconnect %v after the link stalled (bound %v)", time.Since(stalled), bound)
	}
	detected := time.Since(stalled)
	t.Logf("stalled link detected after %v (interval %v, count %d)", detected.Round(time.Millisecond), interval, count)
	assert.GreaterOrEqual(t, detected, 3*bound/4, "gave up before the peer missed its pings")
	assert.Less(t, detected, 1500*time.Millisecond, "took longer than interval*(count+1) plus margin")

	err = c.Err()
	assert.True(t, errors.Is(err, libvirt.ErrKeepaliveTimeout), "Err() = %v, want ErrKeepaliveTimeout", err)
	var derr *libvirt.DisconnectedError
	assert.True(t, errors.As(err, &derr), "Err() = %T, want *libvirt.DisconnectedError", err)

	for i := 0; i < pending; i++ {
		select {
		case err := <-results:
			assert.True(t, errors.Is(err, libvirt.ErrKeepaliveTimeout), "pending call returned %v", err)
		case <-time.After(time.Second):
			t.Fatalf("pending call %d still waiting 1 s after the disconnect", i)
		}
	}
	_, err = c.ConnectGetLibVersion(ctx)
	assert.True(t, errors.Is(err, libvirt.ErrKeepaliveTimeout), "call after the disconnect: %v", err)

	start := time.Now()
	assert.NoError(t, c.Close())
	assert.Less(t, time.Since(start), 500*time.Millisecond, "Close on a dead connection must not wait for the daemon")
}

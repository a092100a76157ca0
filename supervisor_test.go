package libvirt_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/libvirttest"
)

// nextEvent receives from ch or fails the test naming what it waited for.
func nextEvent(t *testing.T, ch <-chan libvirt.Event, what string) libvirt.Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		require.True(t, ok, "channel closed while waiting for %s", what)
		return ev
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s within 10s", what)
		return nil
	}
}

// startedEvent defines and starts a guest on c and returns nothing; the
// caller reads the lifecycle events.
func startGuestOn(t *testing.T, c *libvirt.Client, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dom, err := c.DomainDefineXML(ctx, domainXML(name))
	require.NoError(t, err)
	_, err = c.DomainCreate(ctx, dom)
	require.NoError(t, err)
}

// TestSupervisorSurvivesDaemonRestart restarts the fake daemon on the same
// socket: the supervisor redials, the subscription registers again, the
// reader sees an *EventGap, then the new daemon's events.
func TestSupervisorSurvivesDaemonRestart(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	sock := filepath.Join(t.TempDir(), "libvirt-sock")
	srv, err := libvirttest.NewServer(libvirttest.WithUnixSocket(sock))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	sup, err := libvirt.Supervise(ctx, srv.URI(), libvirt.SupervisorConfig{MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	require.NoError(t, err)
	sub, err := sup.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, nil)
	require.NoError(t, err)

	startGuestOn(t, sup.Client(), "before")
	for {
		m := nextEvent(t, sub.Events(), "lifecycle event before the restart").(*libvirt.DomainEventCallbackLifecycleMsg)
		if m.Msg.Event == libvirt.DomainEventStarted {
			assert.Equal(t, "before", m.Msg.Dom.Name)
			break
		}
	}

	old := sup.Client()
	require.NoError(t, srv.Close())
	select {
	case <-old.Disconnected():
	case <-time.After(10 * time.Second):
		t.Fatal("the client did not notice the daemon closing within 10s")
	}
	// While the daemon is away, calls fail fast with the disconnect error.
	start := time.Now()
	_, err = sup.Client().ConnectGetLibVersion(ctx)
	require.Error(t, err)
	assert.Less(t, time.Since(start), time.Second, "a call on the ended connection waits")
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Millisecond)
	_, err = sup.Wait(wctx)
	wcancel()
	assert.ErrorIs(t, err, context.DeadlineExceeded, "Wait with nothing to connect to")

	restarted := time.Now()
	srv2, err := libvirttest.NewServer(libvirttest.WithUnixSocket(sock))
	require.NoError(t, err)
	defer srv2.Close()

	c, err := sup.Wait(ctx)
	require.NoError(t, err)
	t.Logf("first successful call %v after the restart", time.Since(restarted))
	_, err = c.ConnectGetLibVersion(ctx)
	require.NoError(t, err)
	assert.NotSame(t, old, c)
	assert.Equal(t, uint64(1), sup.Reconnects())

	gap, ok := nextEvent(t, sub.Events(), "gap marker").(*libvirt.EventGap)
	require.True(t, ok, "the first value after a reconnect is an *EventGap")
	assert.False(t, gap.Disconnected.IsZero())
	assert.False(t, gap.Reconnected.Before(gap.Disconnected))
	assert.Error(t, gap.Cause)

	startGuestOn(t, c, "after")
	for {
		m := nextEvent(t, sub.Events(), "lifecycle event after the restart").(*libvirt.DomainEventCallbackLifecycleMsg)
		if m.Msg.Event == libvirt.DomainEventStarted {
			assert.Equal(t, "after", m.Msg.Dom.Name)
			break
		}
	}

	require.NoError(t, sub.Close())
	_, open := <-sub.Events()
	assert.False(t, open, "Close closes the channel")
	require.NoError(t, sup.Close())
	_, err = sup.Wait(ctx)
	assert.ErrorIs(t, err, libvirt.ErrSupervisorClosed)
}

// TestSupervisorCloseWhileDown closes a supervisor that is redialling a
// daemon that never comes back: Close returns promptly and the
// subscription channel closes.
func TestSupervisorCloseWhileDown(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	sock := filepath.Join(t.TempDir(), "libvirt-sock")
	srv, err := libvirttest.NewServer(libvirttest.WithUnixSocket(sock))
	require.NoError(t, err)
	ctx := context.Background()
	sup, err := libvirt.Supervise(ctx, srv.URI(), libvirt.SupervisorConfig{MinBackoff: time.Millisecond})
	require.NoError(t, err)
	sub, err := sup.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, nil)
	require.NoError(t, err)
	require.NoError(t, srv.Close())
	<-sup.Client().Disconnected()

	start := time.Now()
	done := make(chan struct{})
	go func() { sup.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Supervisor.Close did not return within 5s while redialling")
	}
	assert.Less(t, time.Since(start), 2*time.Second)
	for range sub.Events() {
	}
	_, err = sup.Wait(ctx)
	assert.True(t, errors.Is(err, libvirt.ErrSupervisorClosed))
}

// TestSupervisorFirstDialError returns the first dial's error as is.
func TestSupervisorFirstDialError(t *testing.T) {
	_, err := libvirt.Supervise(context.Background(), "test+unix:///default?socket="+filepath.Join(t.TempDir(), "none"), libvirt.SupervisorConfig{})
	require.Error(t, err)
}

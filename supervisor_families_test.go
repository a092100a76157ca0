package libvirt_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/libvirttest"
)

// waitClosed waits for ch to be closed, skipping values, or fails the
// test naming what it waited for.
func waitClosed(t *testing.T, ch <-chan libvirt.Event, what string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatalf("%s: channel still open after 10s", what)
		}
	}
}

// TestSupervisorEventFamilies: every event family can be followed
// through a supervisor; each subscription gets its own events.
func TestSupervisorEventFamilies(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	sock := filepath.Join(t.TempDir(), "sock")
	srv2, err := libvirttest.NewServer(libvirttest.WithUnixSocket(sock))
	require.NoError(t, err)
	defer srv2.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sup, err := libvirt.Supervise(ctx, srv2.URI(), libvirt.SupervisorConfig{MinBackoff: 5 * time.Millisecond})
	require.NoError(t, err)
	defer sup.Close()

	nets, err := sup.SubscribeNetworkEvents(ctx, libvirt.NetworkEventIDLifecycle, nil)
	require.NoError(t, err)
	pools, err := sup.SubscribeStoragePoolEvents(ctx, libvirt.StoragePoolEventIDLifecycle, nil)
	require.NoError(t, err)
	secrets, err := sup.SubscribeSecretEvents(ctx, libvirt.SecretEventIDLifecycle, nil)
	require.NoError(t, err)
	devs, err := sup.SubscribeNodeDeviceEvents(ctx, libvirt.NodeDeviceEventIDLifecycle, nil)
	require.NoError(t, err)

	c := sup.Client()
	_, err = c.NetworkDefineXML(ctx, "<network><name>supnet</name><bridge name='virbr9'/></network>")
	require.NoError(t, err)
	ev := nextEvent(t, nets.Events(), "network lifecycle event")
	if m, ok := ev.(*libvirt.NetworkEventLifecycleMsg); assert.True(t, ok, "got %T", ev) {
		assert.Equal(t, "supnet", m.Net.Name)
	}
	_, err = c.StoragePoolDefineXML(ctx, "<pool type='dir'><name>suppool</name><target><path>/sup</path></target></pool>", 0)
	require.NoError(t, err)
	ev = nextEvent(t, pools.Events(), "storage pool lifecycle event")
	if m, ok := ev.(*libvirt.StoragePoolEventLifecycleMsg); assert.True(t, ok, "got %T", ev) {
		assert.Equal(t, "suppool", m.Pool.Name)
	}
	_, err = c.SecretDefineXML(ctx, "<secret ephemeral='no' private='yes'><usage type='volume'><volume>/sup/v</volume></usage></secret>", 0)
	require.NoError(t, err)
	ev = nextEvent(t, secrets.Events(), "secret lifecycle event")
	_, ok := ev.(*libvirt.SecretEventLifecycleMsg)
	assert.True(t, ok, "got %T", ev)

	for _, s := range []*libvirt.SupervisedSubscription{nets, pools, secrets, devs} {
		assert.Zero(t, s.Dropped())
		assert.NoError(t, s.Err())
		require.NoError(t, s.Close())
		waitClosed(t, s.Events(), "closed subscription")
	}
}

// TestSupervisorSubscriptionContext: a subscription ends when the
// context it was made with ends, without closing the supervisor.
func TestSupervisorSubscriptionContext(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	sock := filepath.Join(t.TempDir(), "sock")
	srv, err := libvirttest.NewServer(libvirttest.WithUnixSocket(sock))
	require.NoError(t, err)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sup, err := libvirt.Supervise(ctx, srv.URI(), libvirt.SupervisorConfig{})
	require.NoError(t, err)
	defer sup.Close()

	sctx, scancel := context.WithCancel(ctx)
	sub, err := sup.SubscribeDomainEvents(sctx, libvirt.DomainEventIDLifecycle, nil)
	require.NoError(t, err)
	scancel()
	waitClosed(t, sub.Events(), "subscription after its context ended")
	assert.NoError(t, sub.Err())
	// The supervisor still works.
	_, err = sup.Client().ConnectGetLibVersion(ctx)
	require.NoError(t, err)
	// A refused registration is returned as the client returns it.
	_, err = sup.SubscribeDomainEvents(ctx, libvirt.DomainEventID(9999), nil)
	require.Error(t, err)
	require.NoError(t, sup.Close())
	_, err = sup.SubscribeNetworkEvents(ctx, libvirt.NetworkEventIDLifecycle, nil)
	assert.ErrorIs(t, err, libvirt.ErrSupervisorClosed)
}

// TestSupervisorRefusedReRegistration: when the new daemon refuses the
// subscription on a live connection, the subscription's channel closes
// and Err returns the refusal, instead of retrying for ever.
func TestSupervisorRefusedReRegistration(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	sock := filepath.Join(t.TempDir(), "sock")
	srv, err := libvirttest.NewServer(libvirttest.WithUnixSocket(sock))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sup, err := libvirt.Supervise(ctx, srv.URI(), libvirt.SupervisorConfig{MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	require.NoError(t, err)
	defer sup.Close()
	sub, err := sup.SubscribeNetworkEvents(ctx, libvirt.NetworkEventIDLifecycle, nil)
	require.NoError(t, err)

	old := sup.Client()
	require.NoError(t, srv.Close())
	select {
	case <-old.Disconnected():
	case <-time.After(10 * time.Second):
		t.Fatal("the client did not notice the daemon closing within 10s")
	}
	refusal := &libvirt.Error{Code: libvirt.ErrOperationDenied, Domain: libvirt.FromNetwork, Message: "no more events for you", Level: libvirt.ErrError}
	srv2, err := libvirttest.NewServer(libvirttest.WithUnixSocket(sock), libvirttest.WithError(libvirt.ProcConnectNetworkEventRegisterAny, refusal))
	require.NoError(t, err)
	defer srv2.Close()

	waitClosed(t, sub.Events(), "subscription refused by the new daemon")
	var lerr *libvirt.Error
	require.ErrorAs(t, sub.Err(), &lerr, "Err after the refusal")
	assert.Equal(t, libvirt.ErrOperationDenied, lerr.Code)
	require.NoError(t, sub.Close())
}

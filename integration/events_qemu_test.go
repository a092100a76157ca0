//go:build integration

package integration_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
)

// TestEventsQEMUGuest drives a real TCG guest and checks the domain
// lifecycle and reboot events, and QEMU monitor events through the QEMU
// subscription.
func TestEventsQEMUGuest(t *testing.T) {
	d := requireDaemon(t)
	c := dial(t, "qemu+unix:///system?socket="+d.socket)
	ctx := ctxFor(t, qemuTimeout)

	name := uniqueName("evqemu")
	dom, err := c.DomainDefineXML(ctx, tinyGuestXML(name))
	require.NoError(t, err)
	t.Cleanup(func() {
		c.DomainDestroy(ctxFor(t, time.Minute), dom)
		c.DomainUndefine(ctxFor(t, time.Minute), dom)
	})

	life, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, &dom)
	require.NoError(t, err)
	defer life.Close()
	reboot, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDReboot, &dom)
	require.NoError(t, err)
	defer reboot.Close()
	monitor, err := c.SubscribeQEMUMonitorEvents(ctx, &dom, "", 0)
	require.NoError(t, err)
	defer monitor.Close()

	if _, err := c.DomainCreate(ctx, dom); err != nil {
		t.Fatalf("DomainCreate: %v", err)
	}
	// QEMU starts the guest paused and lets it run: libvirt 9.0 reports the
	// resume before the boot.
	require.Equal(t, lifecycle{"DomainEventResumed", "DomainEventResumedUnpaused"}, nextLifecycle(t, life, name))
	require.Equal(t, lifecycle{"DomainEventStarted", "DomainEventStartedBooted"}, nextLifecycle(t, life, name))

	// A reset through the monitor raises the reboot event.
	_, err = c.QEMUDomainMonitorCommand(ctx, dom, `{"execute":"system_reset"}`, 0)
	require.NoError(t, err)
	select {
	case ev := <-reboot.Events():
		m := ev.(*libvirt.DomainEventCallbackRebootMsg)
		require.Equal(t, name, m.Msg.Dom.Name)
	case <-time.After(30 * time.Second):
		t.Fatal("no reboot event after system_reset")
	}

	// Suspend and resume: lifecycle events, and QEMU's own STOP and
	// RESUME on the monitor subscription, with QEMU's timestamps.
	before := time.Now().Add(-time.Second)
	require.NoError(t, c.DomainSuspend(ctx, dom))
	require.Equal(t, lifecycle{"DomainEventSuspended", "DomainEventSuspendedPaused"}, nextLifecycle(t, life, name))
	require.NoError(t, c.DomainResume(ctx, dom))
	require.Equal(t, lifecycle{"DomainEventResumed", "DomainEventResumedUnpaused"}, nextLifecycle(t, life, name))
	seen := map[string]bool{}
	deadline := time.After(30 * time.Second)
	for !seen["STOP"] || !seen["RESUME"] {
		select {
		case ev := <-monitor.Events():
			m := ev.(*libvirt.QEMUDomainMonitorEventMsg)
			require.Equal(t, name, m.Dom.Name)
			if m.Event == "STOP" || m.Event == "RESUME" {
				require.True(t, m.Time().After(before), "event time %v", m.Time())
				seen[m.Event] = true
			}
		case <-deadline:
			t.Fatalf("QEMU monitor events seen: %v", seen)
		}
	}

	// Destroy sends QEMU SIGTERM first; when QEMU reports it before it is
	// gone, libvirt emits "shutdown (host)" ahead of "stopped (destroyed)".
	require.NoError(t, c.DomainDestroy(ctx, dom))
	ev := nextLifecycle(t, life, name)
	if ev == (lifecycle{"DomainEventShutdown", "DomainEventShutdownHost"}) {
		ev = nextLifecycle(t, life, name)
	}
	require.Equal(t, lifecycle{"DomainEventStopped", "DomainEventStoppedDestroyed"}, ev)
}

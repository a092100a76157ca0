package libvirt_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/virtwire/libvirt"
)

// Subscriptions against the fake daemon: which ones share a registration
// on the daemon (it refuses a second registration of the same event and
// filter) and which keep their own filter.

// nextEvent waits for the next event of sub, naming what it waited for on
// timeout.
func nextSubEvent(t *testing.T, sub *libvirt.Subscription, what string) libvirt.Event {
	t.Helper()
	select {
	case ev, ok := <-sub.Events():
		if !ok {
			t.Fatalf("%s: subscription closed", what)
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: no event within 5s", what)
	}
	return nil
}

// noEvent checks that sub has nothing queued once a later event of
// another subscription has arrived (events are delivered in order).
func noEvent(t *testing.T, sub *libvirt.Subscription, what string) {
	t.Helper()
	select {
	case ev := <-sub.Events():
		t.Errorf("%s: unexpected event %#v", what, ev)
	default:
	}
}

func TestFakeSubscriptionsShareOneRegistration(t *testing.T) {
	_, c := fakeClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	first, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, nil)
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, nil)
	if err != nil {
		t.Fatalf("second subscription to the same event: %v", err)
	}
	if first.CallbackID() != second.CallbackID() {
		t.Errorf("callback IDs %d and %d, want one shared registration", first.CallbackID(), second.CallbackID())
	}
	if _, err := c.DomainDefineXML(ctx, domainXML("shared")); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*libvirt.Subscription{first, second} {
		if m, ok := nextSubEvent(t, s, "defined event").(*libvirt.DomainEventCallbackLifecycleMsg); !ok || m.Msg.Dom.Name != "shared" {
			t.Fatalf("got %#v", m)
		}
	}
	// Closing one keeps the daemon's registration for the other.
	if err := first.Close(); err != nil {
		t.Fatalf("Close of the first: %v", err)
	}
	if _, err := c.ConnectDomainEventCallbackRegisterAny(ctx, libvirt.DomainEventIDLifecycle, nil); !errors.Is(err, libvirt.ErrInvalidArg) {
		t.Fatalf("registering again while one subscription remains: %v, want the daemon's already tracked", err)
	}
	// Closing the last one deregisters on the daemon.
	if err := second.Close(); err != nil {
		t.Fatalf("Close of the second: %v", err)
	}
	cb, err := c.ConnectDomainEventCallbackRegisterAny(ctx, libvirt.DomainEventIDLifecycle, nil)
	if err != nil {
		t.Fatalf("registering after both closed: %v", err)
	}
	if err := c.ConnectDomainEventCallbackDeregisterAny(ctx, cb); err != nil {
		t.Fatal(err)
	}
}

func TestFakeNetworkSubscriptionsKeepTheirFilter(t *testing.T) {
	_, c := fakeClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n1, err := c.NetworkDefineXML(ctx, "<network><name>n1</name><bridge name='br1'/></network>")
	if err != nil {
		t.Fatal(err)
	}
	n2, err := c.NetworkDefineXML(ctx, "<network><name>n2</name><bridge name='br2'/></network>")
	if err != nil {
		t.Fatal(err)
	}
	s1, err := c.SubscribeNetworkEvents(ctx, libvirt.NetworkEventIDLifecycle, &n1)
	if err != nil {
		t.Fatal(err)
	}
	defer s1.Close()
	s2, err := c.SubscribeNetworkEvents(ctx, libvirt.NetworkEventIDLifecycle, &n2)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := c.NetworkCreate(ctx, n2); err != nil {
		t.Fatal(err)
	}
	if err := c.NetworkCreate(ctx, n1); err != nil {
		t.Fatal(err)
	}
	if m := nextSubEvent(t, s1, "n1 started").(*libvirt.NetworkEventLifecycleMsg); m.Net.Name != "n1" {
		t.Errorf("n1's subscription got an event of %s", m.Net.Name)
	}
	if m := nextSubEvent(t, s2, "n2 started").(*libvirt.NetworkEventLifecycleMsg); m.Net.Name != "n2" {
		t.Errorf("n2's subscription got an event of %s", m.Net.Name)
	}
	noEvent(t, s1, "n1's subscription")
	noEvent(t, s2, "n2's subscription")
}

func TestFakeStoragePoolSubscriptionsKeepTheirFilter(t *testing.T) {
	_, c := fakeClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var pools [2]libvirt.StoragePool
	var subs [2]*libvirt.Subscription
	for i, name := range []string{"p1", "p2"} {
		p, err := c.StoragePoolDefineXML(ctx, "<pool type='dir'><name>"+name+"</name><target><path>/"+name+"</path></target></pool>", 0)
		if err != nil {
			t.Fatal(err)
		}
		pools[i] = p
		if subs[i], err = c.SubscribeStoragePoolEvents(ctx, libvirt.StoragePoolEventIDLifecycle, &pools[i]); err != nil {
			t.Fatal(err)
		}
		defer subs[i].Close()
	}
	for _, i := range []int{1, 0} {
		if err := c.StoragePoolCreate(ctx, pools[i], 0); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range []string{"p1", "p2"} {
		if m := nextSubEvent(t, subs[i], want+" started").(*libvirt.StoragePoolEventLifecycleMsg); m.Pool.Name != want {
			t.Errorf("%s's subscription got an event of %s", want, m.Pool.Name)
		}
		noEvent(t, subs[i], want+"'s subscription")
	}
}

func TestFakeSecretSubscriptionsKeepTheirFilter(t *testing.T) {
	_, c := fakeClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var secrets [2]libvirt.Secret
	var subs [2]*libvirt.Subscription
	for i, name := range []string{"c1", "c2"} {
		s, err := c.SecretDefineXML(ctx, "<secret ephemeral='no' private='yes'><usage type='ceph'><name>"+name+"</name></usage></secret>", 0)
		if err != nil {
			t.Fatal(err)
		}
		secrets[i] = s
		if subs[i], err = c.SubscribeSecretEvents(ctx, libvirt.SecretEventIDValueChanged, &secrets[i]); err != nil {
			t.Fatal(err)
		}
		defer subs[i].Close()
	}
	for _, i := range []int{1, 0} {
		if err := c.SecretSetValue(ctx, secrets[i], []byte("pw"), 0); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range []string{"c1", "c2"} {
		if m := nextSubEvent(t, subs[i], want+" value changed").(*libvirt.SecretEventValueChangedMsg); m.Secret.UsageID != want {
			t.Errorf("%s's subscription got an event of %s", want, m.Secret.UsageID)
		}
		noEvent(t, subs[i], want+"'s subscription")
	}
}

func TestQEMUMonitorEventTime(t *testing.T) {
	m := libvirt.QEMUDomainMonitorEventMsg{Seconds: 1700000000, Micros: 250}
	if got, want := m.Time(), time.Unix(1700000000, 250000); !got.Equal(want) {
		t.Errorf("Time() = %v, want %v", got, want)
	}
}

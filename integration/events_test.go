//go:build integration

package integration_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/virtwire/libvirt"
)

// lifecycle is one domain lifecycle event as (event, detail) names.
type lifecycle struct{ event, detail string }

// nextLifecycle waits for the next lifecycle event of domain name.
func nextLifecycle(t *testing.T, sub *libvirt.Subscription, name string) lifecycle {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-sub.Events():
			require.True(t, ok, "subscription closed")
			m, ok := ev.(*libvirt.DomainEventCallbackLifecycleMsg)
			require.True(t, ok, "unexpected event type %T", ev)
			if m.Msg.Dom.Name != name {
				continue
			}
			return lifecycle{m.Msg.Event.GoString(), m.Msg.DetailValue().String()}
		case <-timeout:
			t.Fatalf("no lifecycle event for %s", name)
		}
	}
}

// collect returns the names of the next n events that describe returns for
// the object called name.
func collect(t *testing.T, sub *libvirt.Subscription, n int, describe func(libvirt.Event) (object, event string), name string) []string {
	t.Helper()
	var got []string
	for len(got) < n {
		select {
		case ev := <-sub.Events():
			if obj, what := describe(ev); obj == name {
				got = append(got, what)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("events so far: %v", got)
		}
	}
	return got
}

func TestEventsDomainLifecycleSequence(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport) {
		c := dial(t, tr.uri("test", "default"))
		ctx := ctxFor(t, time.Minute)
		sub, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, nil)
		require.NoError(t, err)
		defer sub.Close()

		name := uniqueName("evdom")
		dom, err := c.DomainDefineXML(ctx, testDomainXML(name))
		require.NoError(t, err)
		if _, err := c.DomainCreate(ctx, dom); err != nil {
			t.Fatalf("DomainCreate: %v", err)
		}
		require.NoError(t, c.DomainSuspend(ctx, dom))
		require.NoError(t, c.DomainResume(ctx, dom))
		require.NoError(t, c.DomainDestroy(ctx, dom))
		require.NoError(t, c.DomainUndefine(ctx, dom))

		want := []lifecycle{
			{"DomainEventDefined", "DomainEventDefinedAdded"},
			{"DomainEventStarted", "DomainEventStartedBooted"},
			{"DomainEventSuspended", "DomainEventSuspendedPaused"},
			{"DomainEventResumed", "DomainEventResumedUnpaused"},
			{"DomainEventStopped", "DomainEventStoppedDestroyed"},
			{"DomainEventUndefined", "DomainEventUndefinedRemoved"},
		}
		for i, w := range want {
			require.Equal(t, w, nextLifecycle(t, sub, name), "event %d", i)
		}
		require.Zero(t, sub.Dropped())
	})
}

func TestEventsDomainFilterIsServerSide(t *testing.T) {
	c := dial(t, "test+unix:///default?socket="+requireDaemon(t).socket)
	ctx := ctxFor(t, time.Minute)
	watched := uniqueName("evwatched")
	other := uniqueName("evother")
	wdom, err := c.DomainDefineXML(ctx, testDomainXML(watched))
	require.NoError(t, err)
	odom, err := c.DomainDefineXML(ctx, testDomainXML(other))
	require.NoError(t, err)
	sub, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, &wdom)
	require.NoError(t, err)
	defer sub.Close()
	if _, err := c.DomainCreate(ctx, odom); err != nil {
		t.Fatalf("DomainCreate: %v", err)
	}
	if _, err := c.DomainCreate(ctx, wdom); err != nil {
		t.Fatalf("DomainCreate: %v", err)
	}
	ev := <-sub.Events()
	m := ev.(*libvirt.DomainEventCallbackLifecycleMsg)
	require.Equal(t, watched, m.Msg.Dom.Name, "the filter must keep the other domain's events away")
	for _, dom := range []libvirt.Domain{wdom, odom} {
		require.NoError(t, c.DomainDestroy(ctx, dom))
		require.NoError(t, c.DomainUndefine(ctx, dom))
	}
}

func TestEventsSeveralSubscriptionsSameID(t *testing.T) {
	d := requireDaemon(t)
	c := dial(t, "test+unix:///default?socket="+d.socket)
	ctx := ctxFor(t, time.Minute)
	a, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, nil)
	require.NoError(t, err)
	defer a.Close()
	b, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, nil)
	require.NoError(t, err)
	defer b.Close()
	// libvirtd refuses a second registration of the same event and
	// filter, so the two share one callback and both get every event.
	require.Equal(t, a.CallbackID(), b.CallbackID())
	name := uniqueName("evtwo")
	dom, err := c.DomainDefineXML(ctx, testDomainXML(name))
	require.NoError(t, err)
	// A filtered subscription is a separate registration on the daemon.
	f, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, &dom)
	require.NoError(t, err)
	require.NotEqual(t, a.CallbackID(), f.CallbackID())
	if _, err := c.DomainCreate(ctx, dom); err != nil {
		t.Fatalf("DomainCreate: %v", err)
	}
	require.Equal(t, "DomainEventDefined", nextLifecycle(t, a, name).event)
	require.Equal(t, "DomainEventDefined", nextLifecycle(t, b, name).event)
	require.Equal(t, "DomainEventStarted", nextLifecycle(t, f, name).event)
	// Closing one sharer keeps the registration for the other.
	require.NoError(t, a.Close())
	require.NoError(t, c.DomainDestroy(ctx, dom))
	require.Equal(t, "DomainEventStarted", nextLifecycle(t, b, name).event)
	require.Equal(t, "DomainEventStopped", nextLifecycle(t, b, name).event)
	require.NoError(t, f.Close())
	require.NoError(t, c.DomainUndefine(ctx, dom))
}

func TestEventsNetworkLifecycle(t *testing.T) {
	d := requireDaemon(t)
	c := dial(t, "test+unix:///default?socket="+d.socket)
	ctx := ctxFor(t, time.Minute)
	sub, err := c.SubscribeNetworkEvents(ctx, libvirt.NetworkEventIDLifecycle, nil)
	require.NoError(t, err)
	defer sub.Close()
	name := uniqueName("evnet")
	xml := fmt.Sprintf("<network><name>%s</name><bridge name='vwev%d'/></network>", name, time.Now().UnixNano()%100000)
	net, err := c.NetworkDefineXML(ctx, xml)
	require.NoError(t, err)
	require.NoError(t, c.NetworkCreate(ctx, net))
	require.NoError(t, c.NetworkDestroy(ctx, net))
	require.NoError(t, c.NetworkUndefine(ctx, net))
	got := collect(t, sub, 4, func(ev libvirt.Event) (string, string) {
		m := ev.(*libvirt.NetworkEventLifecycleMsg)
		return m.Net.Name, m.Event.String()
	}, name)
	require.Equal(t, []string{"NetworkEventDefined", "NetworkEventStarted", "NetworkEventStopped", "NetworkEventUndefined"}, got)
}

func TestEventsStoragePoolLifecycle(t *testing.T) {
	d := requireDaemon(t)
	c := dial(t, "test+unix:///default?socket="+d.socket)
	ctx := ctxFor(t, time.Minute)
	sub, err := c.SubscribeStoragePoolEvents(ctx, libvirt.StoragePoolEventIDLifecycle, nil)
	require.NoError(t, err)
	defer sub.Close()
	name := uniqueName("evpool")
	xml := fmt.Sprintf("<pool type='dir'><name>%s</name><target><path>/%s</path></target></pool>", name, name)
	pool, err := c.StoragePoolDefineXML(ctx, xml, 0)
	require.NoError(t, err)
	require.NoError(t, c.StoragePoolCreate(ctx, pool, 0))
	require.NoError(t, c.StoragePoolDestroy(ctx, pool))
	require.NoError(t, c.StoragePoolUndefine(ctx, pool))
	got := collect(t, sub, 4, func(ev libvirt.Event) (string, string) {
		m := ev.(*libvirt.StoragePoolEventLifecycleMsg)
		return m.Pool.Name, m.Event.String()
	}, name)
	require.Equal(t, []string{"StoragePoolEventDefined", "StoragePoolEventStarted", "StoragePoolEventStopped", "StoragePoolEventUndefined"}, got)
}

func TestEventsSecretLifecycleAndValue(t *testing.T) {
	d := requireDaemon(t)
	c := dial(t, "qemu+unix:///system?socket="+d.socket)
	ctx := ctxFor(t, time.Minute)
	life, err := c.SubscribeSecretEvents(ctx, libvirt.SecretEventIDLifecycle, nil)
	require.NoError(t, err)
	defer life.Close()
	val, err := c.SubscribeSecretEvents(ctx, libvirt.SecretEventIDValueChanged, nil)
	require.NoError(t, err)
	defer val.Close()
	usage := uniqueName("evsecret")
	sec, err := c.SecretDefineXML(ctx, fmt.Sprintf("<secret ephemeral='no' private='no'><usage type='volume'><volume>/%s</volume></usage></secret>", usage), 0)
	require.NoError(t, err)
	require.NoError(t, c.SecretSetValue(ctx, sec, []byte("s3cret"), 0))
	require.NoError(t, c.SecretUndefine(ctx, sec))

	next := func(sub *libvirt.Subscription) libvirt.Event {
		select {
		case ev := <-sub.Events():
			return ev
		case <-time.After(10 * time.Second):
			t.Fatal("no secret event")
			return nil
		}
	}
	defined := next(life).(*libvirt.SecretEventLifecycleMsg)
	require.Equal(t, sec.UUID, defined.Secret.UUID)
	require.Equal(t, libvirt.SecretEventDefined, defined.Event)
	changed := next(val).(*libvirt.SecretEventValueChangedMsg)
	require.Equal(t, sec.UUID, changed.Secret.UUID)
	undefined := next(life).(*libvirt.SecretEventLifecycleMsg)
	require.Equal(t, libvirt.SecretEventUndefined, undefined.Event)
}

func TestEventsCancelDeregistersAndCloses(t *testing.T) {
	d := requireDaemon(t)
	c := dial(t, "test+unix:///default?socket="+d.socket)
	ctx, cancel := context.WithCancel(context.Background())
	sub, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, nil)
	require.NoError(t, err)
	cancel()
	select {
	case _, ok := <-sub.Events():
		for ok {
			_, ok = <-sub.Events()
		}
	case <-time.After(5 * time.Second):
		t.Fatal("channel not closed after cancel")
	}
	// The daemon no longer knows the callback: deregistering again fails.
	require.Eventually(t, func() bool {
		err := c.ConnectDomainEventCallbackDeregisterAny(context.Background(), sub.CallbackID())
		return err != nil
	}, 5*time.Second, 20*time.Millisecond)
}

func TestEventsStressSlowSubscriber(t *testing.T) {
	d := requireDaemon(t)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	c, err := libvirt.Dial(context.Background(), "test+unix:///default?socket="+d.socket)
	require.NoError(t, err)
	ctx := ctxFor(t, 5*time.Minute)

	const subscribers, events = 16, 10000
	name := uniqueName("evstress")
	dom, err := c.DomainDefineXML(ctx, testDomainXML(name))
	require.NoError(t, err)
	if _, err := c.DomainCreate(ctx, dom); err != nil {
		t.Fatalf("DomainCreate: %v", err)
	}

	subs := make([]*libvirt.Subscription, subscribers)
	for i := range subs {
		subs[i], err = c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, &dom, libvirt.WithEventBuffer(event4k))
		require.NoError(t, err)
	}
	// subs[0] never reads; the others count what they get.
	counts := make([]atomic.Int64, subscribers)
	var readers sync.WaitGroup
	for i := 1; i < subscribers; i++ {
		readers.Add(1)
		go func(i int) {
			defer readers.Done()
			for range subs[i].Events() {
				counts[i].Add(1)
			}
		}(i)
	}
	// 64 goroutines make calls while the events are generated.
	stop := make(chan struct{})
	var callers sync.WaitGroup
	calls := make([]atomic.Int64, 64)
	for g := range calls {
		callers.Add(1)
		go func(g int) {
			defer callers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := c.ConnectGetLibVersion(ctx); err != nil {
					t.Error(err)
					return
				}
				calls[g].Add(1)
				time.Sleep(time.Millisecond) // keep the daemon free for the event storm
			}
		}(g)
	}
	for i := 0; i < events/2; i++ {
		require.NoError(t, c.DomainSuspend(ctx, dom))
		require.NoError(t, c.DomainResume(ctx, dom))
	}
	close(stop)
	callers.Wait()
	require.NoError(t, c.DomainDestroy(ctx, dom))
	require.NoError(t, c.DomainUndefine(ctx, dom))
	// Every reading subscriber gets all 10,000 suspend/resume events plus
	// the destroy and undefine that follow; wait for them.
	want := events + 2
	require.Eventually(t, func() bool {
		for i := 1; i < subscribers; i++ {
			if uint64(counts[i].Load())+subs[i].Dropped() < uint64(want) {
				return false
			}
		}
		return true
	}, time.Minute, 50*time.Millisecond)
	start := time.Now()
	require.NoError(t, c.Close())
	require.Less(t, time.Since(start), time.Second, "Close took too long")
	readers.Wait()
	for i := 1; i < subscribers; i++ {
		require.Equal(t, want, int(counts[i].Load())+int(subs[i].Dropped()), "subscriber %d: received+dropped", i)
	}
	// The subscriber that never read kept the newest events and counted
	// the rest as dropped.
	require.Equal(t, uint64(want-event4k), subs[0].Dropped())
	total := 0
	for i := range calls {
		total += int(calls[i].Load())
	}
	t.Logf("calls during the storm: %d; reader drops: %v", total, subs[1].Dropped())
	require.Positive(t, total)
	runtime.GC()
}

const event4k = 4096

func TestEventsUnsubscribeRace(t *testing.T) {
	d := requireDaemon(t)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	c, err := libvirt.Dial(context.Background(), "test+unix:///default?socket="+d.socket)
	require.NoError(t, err)
	ctx := ctxFor(t, 5*time.Minute)
	name := uniqueName("evrace")
	dom, err := c.DomainDefineXML(ctx, testDomainXML(name))
	require.NoError(t, err)
	if _, err := c.DomainCreate(ctx, dom); err != nil {
		t.Fatalf("DomainCreate: %v", err)
	}
	stop := make(chan struct{})
	var gen sync.WaitGroup
	gen.Add(1)
	go func() {
		defer gen.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			c.DomainSuspend(ctx, dom)
			c.DomainResume(ctx, dom)
		}
	}()
	for i := 0; i < 1000; i++ {
		sctx, cancel := context.WithCancel(ctx)
		sub, err := c.SubscribeDomainEvents(sctx, libvirt.DomainEventIDLifecycle, &dom, libvirt.WithEventBuffer(4))
		require.NoError(t, err)
		if i%2 == 0 {
			cancel()
		} else {
			go cancel()
			sub.Close()
		}
		for range sub.Events() {
		}
		cancel()
	}
	close(stop)
	gen.Wait()
	require.NoError(t, c.DomainDestroy(ctx, dom))
	require.NoError(t, c.DomainUndefine(ctx, dom))
	require.NoError(t, c.Close())
}

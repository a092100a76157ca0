package libvirt_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/libvirttest"
)

// Client behaviour tested against libvirttest's fake daemon, which speaks
// the real protocol over an in-memory pipe.

func fakeClient(t *testing.T, opts ...libvirttest.Option) (*libvirttest.Server, *libvirt.Client) {
	t.Helper()
	srv := libvirttest.New(t, opts...)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := srv.Client(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return srv, c
}

func domainXML(name string) string {
	return fmt.Sprintf(`<domain type='test'><name>%s</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>`, name)
}

func TestFakeConcurrentCallsShareOneConnection(t *testing.T) {
	_, c := fakeClient(t)
	ctx := context.Background()
	const workers, rounds = 32, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				name := fmt.Sprintf("conc-%d-%d", w, r)
				dom, err := c.DomainDefineXML(ctx, domainXML(name))
				if err != nil {
					errs <- err
					return
				}
				got, err := c.DomainLookupByName(ctx, name)
				if err != nil || got.UUID != dom.UUID {
					errs <- fmt.Errorf("lookup %s: %v (uuid %v, want %v)", name, err, got.UUID, dom.UUID)
					return
				}
				if _, err := c.DomainCreate(ctx, dom); err != nil {
					errs <- err
					return
				}
				state, _, err := c.DomainGetState(ctx, dom, 0)
				if err != nil || libvirt.DomainState(state) != libvirt.DomainRunning {
					errs <- fmt.Errorf("state of %s: %v %v", name, state, err)
					return
				}
				if err := c.DomainDestroy(ctx, dom); err != nil {
					errs <- err
					return
				}
				if err := c.DomainUndefine(ctx, dom); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	doms, err := c.ConnectListAllDomains(ctx, 0)
	require.NoError(t, err)
	require.Len(t, doms, 1, "only the default domain is left")
	assert.Equal(t, "test", doms[0].Name)
}

func TestFakeCancelledCallReturnsPromptlyAndConnectionSurvives(t *testing.T) {
	srv, c := fakeClient(t)
	srv.SetDelay(libvirt.ProcConnectGetHostname, 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.ConnectGetHostname(ctx)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 2*time.Second, "the call waited for the delayed reply")

	// Other calls go on while the delayed one is still being served.
	ver, err := c.ConnectGetLibVersion(context.Background())
	require.NoError(t, err)
	assert.Equal(t, libvirt.Version(libvirttest.LibVersion), ver)
	srv.SetDelay(libvirt.ProcConnectGetHostname, 0)
	_, err = c.ConnectGetHostname(context.Background())
	require.NoError(t, err)
}

func TestFakeErrorsMatchLibvirt(t *testing.T) {
	_, c := fakeClient(t)
	ctx := context.Background()

	_, err := c.DomainLookupByName(ctx, "nosuch")
	require.ErrorIs(t, err, libvirt.ErrNoDomain)
	var le *libvirt.Error
	require.True(t, errors.As(err, &le))
	assert.Equal(t, libvirt.FromTest, le.Domain)
	assert.Equal(t, "Domain not found", le.Message)

	dom, err := c.DomainLookupByName(ctx, "test")
	require.NoError(t, err)
	_, err = c.DomainCreate(ctx, dom)
	require.ErrorIs(t, err, libvirt.ErrInternalError)
	assert.EqualError(t, err, "internal error: Domain 'test' is already running")

	// A procedure the fake does not implement (nor does the test driver).
	_, err = c.NWFilterLookupByName(ctx, "clean-traffic")
	require.ErrorIs(t, err, libvirt.ErrNoSupport)
	assert.EqualError(t, err, "this function is not supported by the connection driver: virNWFilterLookupByName")

	// The connection is still fine.
	_, err = c.ConnectGetHostname(ctx)
	require.NoError(t, err)
}

func TestFakeInjectedError(t *testing.T) {
	want := &libvirt.Error{Code: libvirt.ErrOperationFailed, Domain: libvirt.FromQEMU, Level: libvirt.ErrError, Message: "operation failed: injected"}
	srv, c := fakeClient(t, libvirttest.WithError(libvirt.ProcDomainSuspend, want))
	ctx := context.Background()
	dom, err := c.DomainLookupByName(ctx, "test")
	require.NoError(t, err)
	err = c.DomainSuspend(ctx, dom)
	var le *libvirt.Error
	require.True(t, errors.As(err, &le), "got %v", err)
	assert.Equal(t, want.Code, le.Code)
	assert.Equal(t, want.Domain, le.Domain)
	assert.Equal(t, want.Message, le.Message)

	srv.SetError(libvirt.ProcDomainSuspend, nil)
	require.NoError(t, c.DomainSuspend(ctx, dom))
}

// lifecycle is the event and detail of a lifecycle event.
type lifecycle struct {
	Event  libvirt.DomainEventType
	Detail int32
}

func TestFakeLifecycleEventSequence(t *testing.T) {
	_, c := fakeClient(t)
	ctx := context.Background()
	sub, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, nil)
	require.NoError(t, err)
	defer sub.Close()

	dom, err := c.DomainDefineXML(ctx, domainXML("ev"))
	require.NoError(t, err)
	if _, err := c.DomainCreate(ctx, dom); err != nil {
		t.Fatalf("DomainCreate: %v", err)
	}
	require.NoError(t, c.DomainSuspend(ctx, dom))
	require.NoError(t, c.DomainResume(ctx, dom))
	require.NoError(t, c.DomainShutdown(ctx, dom))
	if _, err := c.DomainCreate(ctx, dom); err != nil {
		t.Fatalf("DomainCreate: %v", err)
	}
	require.NoError(t, c.DomainDestroy(ctx, dom))
	require.NoError(t, c.DomainUndefine(ctx, dom))

	want := []lifecycle{
		{libvirt.DomainEventDefined, int32(libvirt.DomainEventDefinedAdded)},
		{libvirt.DomainEventStarted, int32(libvirt.DomainEventStartedBooted)},
		{libvirt.DomainEventSuspended, int32(libvirt.DomainEventSuspendedPaused)},
		{libvirt.DomainEventResumed, int32(libvirt.DomainEventResumedUnpaused)},
		{libvirt.DomainEventStopped, int32(libvirt.DomainEventStoppedShutdown)},
		{libvirt.DomainEventStarted, int32(libvirt.DomainEventStartedBooted)},
		{libvirt.DomainEventStopped, int32(libvirt.DomainEventStoppedDestroyed)},
		{libvirt.DomainEventUndefined, int32(libvirt.DomainEventUndefinedRemoved)},
	}
	var got []lifecycle
	timeout := time.After(5 * time.Second)
	for len(got) < len(want) {
		select {
		case ev := <-sub.Events():
			m, ok := ev.(*libvirt.DomainEventCallbackLifecycleMsg)
			require.True(t, ok, "unexpected event %T", ev)
			assert.Equal(t, "ev", m.Msg.Dom.Name)
			assert.Equal(t, sub.CallbackID(), m.CallbackID)
			got = append(got, lifecycle{m.Msg.Event, m.Msg.Detail})
		case <-timeout:
			t.Fatalf("got %d of %d events: %v", len(got), len(want), got)
		}
	}
	assert.Equal(t, want, got)
}

func TestFakeEventFilterByDomain(t *testing.T) {
	_, c := fakeClient(t)
	ctx := context.Background()
	a, err := c.DomainDefineXML(ctx, domainXML("a"))
	require.NoError(t, err)
	b, err := c.DomainDefineXML(ctx, domainXML("b"))
	require.NoError(t, err)
	sub, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, &b)
	require.NoError(t, err)
	defer sub.Close()
	if _, err := c.DomainCreate(ctx, a); err != nil {
		t.Fatalf("DomainCreate: %v", err)
	}
	if _, err := c.DomainCreate(ctx, b); err != nil {
		t.Fatalf("DomainCreate: %v", err)
	}
	select {
	case ev := <-sub.Events():
		m := ev.(*libvirt.DomainEventCallbackLifecycleMsg)
		assert.Equal(t, "b", m.Msg.Dom.Name, "the daemon-side filter let another domain's event through")
	case <-time.After(5 * time.Second):
		t.Fatal("no event for the filtered domain")
	}
}

func TestFakeDuplicateEventRegistrationRefused(t *testing.T) {
	_, c := fakeClient(t)
	ctx := context.Background()
	cb, err := c.ConnectDomainEventCallbackRegisterAny(ctx, libvirt.DomainEventIDReboot, nil)
	require.NoError(t, err)
	_, err = c.ConnectDomainEventCallbackRegisterAny(ctx, libvirt.DomainEventIDReboot, nil)
	require.ErrorIs(t, err, libvirt.ErrInvalidArg)
	assert.EqualError(t, err, "invalid argument: event callback already tracked")
	require.NoError(t, c.ConnectDomainEventCallbackDeregisterAny(ctx, cb))
	err = c.ConnectDomainEventCallbackDeregisterAny(ctx, cb)
	require.ErrorIs(t, err, libvirt.ErrInternalError)
}

func TestFakeDroppedConnectionFailsPendingCalls(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv, err := libvirttest.NewServer(libvirttest.WithDropAfter(3))
	require.NoError(t, err)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := srv.Client(ctx)
	require.NoError(t, err)
	defer c.Close()

	_, err = c.ConnectGetHostname(ctx) // call 1
	require.NoError(t, err)
	_, err = c.ConnectGetLibVersion(ctx) // call 2
	require.NoError(t, err)
	_, err = c.ConnectGetType(ctx) // call 3: the server hangs up instead of answering
	var de *libvirt.DisconnectedError
	require.True(t, errors.As(err, &de), "got %v (%T)", err, err)
	select {
	case <-c.Disconnected():
	case <-time.After(5 * time.Second):
		t.Fatal("the client did not notice the dropped connection")
	}
	_, err = c.ConnectGetHostname(ctx)
	require.Error(t, err, "calls after the drop fail")
	require.NoError(t, c.Close())
	require.NoError(t, srv.Close())
}

func TestFakeCloseCallbackOnServerShutdown(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv, err := libvirttest.NewServer()
	require.NoError(t, err)
	ctx := context.Background()
	c, err := srv.Client(ctx)
	require.NoError(t, err)
	defer c.Close()
	sub, err := c.SubscribeConnectionClosed(ctx)
	require.NoError(t, err)
	require.NoError(t, srv.Close())
	select {
	case ev, ok := <-sub.Events():
		require.True(t, ok, "subscription closed without the event")
		m := ev.(*libvirt.ConnectEventConnectionClosedMsg)
		assert.Equal(t, libvirt.ConnectCloseReasonEOF, m.Reason)
	case <-time.After(5 * time.Second):
		t.Fatal("no connection-closed event")
	}
	<-c.Disconnected()
}

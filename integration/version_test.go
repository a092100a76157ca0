//go:build integration

package integration_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
)

// The same tests run against every daemon CI starts (libvirt 9.0 on the
// host, 11.3 in a Debian 13 tree): what is expected depends on the daemon's
// release, asked with ConnectGetLibVersion.

// unknownProcDeadline bounds how long a daemon may take to refuse a
// procedure it does not know: it answers from its dispatch table at once.
const unknownProcDeadline = 5 * time.Second

// newProcedure is a remote procedure added to libvirt after 9.0.
type newProcedure struct {
	proc  libvirt.Procedure
	since uint64 // first release with it (the "Since:" of libvirt's headers)
	// servedByTest says whether libvirt 11.3's test driver implements it
	// (src/test/test_driver.c); the others answer ErrNoSupport there.
	servedByTest bool
	call         func(ctx context.Context, c *libvirt.Client, dom libvirt.Domain, net libvirt.Network) error
}

func strp(s string) *string { return &s }

// newProcedures are the callable procedures 444..452 (446 and 453 are events).
var newProcedures = []newProcedure{
	{libvirt.ProcNetworkSetMetadata, 9007000, true, func(ctx context.Context, c *libvirt.Client, _ libvirt.Domain, net libvirt.Network) error {
		// No metadata: removes the description (test:///default is shared).
		return c.NetworkSetMetadata(ctx, net, libvirt.NetworkMetadataDescription, nil, nil, nil, libvirt.NetworkUpdateAffectCurrent)
	}},
	{libvirt.ProcNetworkGetMetadata, 9007000, true, func(ctx context.Context, c *libvirt.Client, _ libvirt.Domain, net libvirt.Network) error {
		_, err := c.NetworkGetMetadata(ctx, net, libvirt.NetworkMetadataDescription, nil, libvirt.NetworkUpdateAffectCurrent)
		if errors.Is(err, libvirt.ErrNoNetworkMetadata) {
			return nil // served: the driver says the network has no description
		}
		return err
	}},
	{libvirt.ProcNodeDeviceUpdate, 10001000, false, func(ctx context.Context, c *libvirt.Client, _ libvirt.Domain, _ libvirt.Network) error {
		return c.NodeDeviceUpdate(ctx, "computer", "<device><name>computer</name></device>", libvirt.NodeDeviceUpdateAffectCurrent)
	}},
	{libvirt.ProcDomainGraphicsReload, 10002000, false, func(ctx context.Context, c *libvirt.Client, dom libvirt.Domain, _ libvirt.Network) error {
		return c.DomainGraphicsReload(ctx, dom, libvirt.DomainGraphicsReloadTypeAny, 0)
	}},
	{libvirt.ProcDomainGetAutostartOnce, 11002000, false, func(ctx context.Context, c *libvirt.Client, dom libvirt.Domain, _ libvirt.Network) error {
		_, err := c.DomainGetAutostartOnce(ctx, dom)
		return err
	}},
	{libvirt.ProcDomainSetAutostartOnce, 11002000, false, func(ctx context.Context, c *libvirt.Client, dom libvirt.Domain, _ libvirt.Network) error {
		return c.DomainSetAutostartOnce(ctx, dom, 0)
	}},
	{libvirt.ProcDomainSetThrottleGroup, 11002000, false, func(ctx context.Context, c *libvirt.Client, dom libvirt.Domain, _ libvirt.Network) error {
		return c.DomainSetThrottleGroup(ctx, dom, "vwgroup", throttleParams("vwgroup", 1<<20), libvirt.DomainAffectConfig)
	}},
	{libvirt.ProcDomainDelThrottleGroup, 11002000, false, func(ctx context.Context, c *libvirt.Client, dom libvirt.Domain, _ libvirt.Network) error {
		return c.DomainDelThrottleGroup(ctx, dom, strp("vwgroup"), libvirt.DomainAffectConfig)
	}},
}

// throttleParams are the typed parameters of a throttle group. The group's
// name goes in the parameters as well: libvirt 11.3's QEMU driver stores the
// group nameless without it (and then refuses to start the guest).
func throttleParams(group string, bytesPerSec uint64) libvirt.TypedParams {
	return libvirt.TypedParams{
		{Field: "group_name", Value: libvirt.NewTypedParamValueString(group)},
		{Field: "total_bytes_sec", Value: libvirt.NewTypedParamValueUllong(bytesPerSec)},
	}
}

// daemonVersion is the daemon's libvirt release (major*1e6+minor*1e3+micro).
func daemonVersion(t *testing.T, c *libvirt.Client) uint64 {
	t.Helper()
	v, err := c.ConnectGetLibVersion(ctxFor(t, callTimeout))
	require.NoError(t, err)
	return uint64(v)
}

// TestNewProceduresAgainstDaemonRelease calls every procedure added after
// libvirt 9.0 on test:///default. A daemon older than the procedure must
// refuse it promptly with an error that matches ErrUnknownProcedure, and
// the connection must keep working; a newer one must route it to the test
// driver, which serves network metadata and answers ErrNoSupport for the
// rest.
func TestNewProceduresAgainstDaemonRelease(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport) {
		c := dial(t, tr.uri("test", "default"))
		ver := daemonVersion(t, c)
		ctx := ctxFor(t, callTimeout)
		dom, err := c.DomainLookupByName(ctx, "test")
		require.NoError(t, err)
		net, err := c.NetworkLookupByName(ctx, "default")
		require.NoError(t, err)

		for _, p := range newProcedures {
			callCtx, cancel := context.WithTimeout(ctx, unknownProcDeadline)
			start := time.Now()
			err := p.call(callCtx, c, dom, net)
			took := time.Since(start)
			cancel()
			name := fmt.Sprintf("procedure %d (%v) on libvirt %d", p.proc, p.proc, ver)
			switch {
			case ver < p.since:
				require.Error(t, err, name)
				assert.ErrorIs(t, err, libvirt.ErrUnknownProcedure, name)
				assert.NotErrorIs(t, err, libvirt.ErrNoSupport, name)
				var le *libvirt.Error
				require.ErrorAs(t, err, &le, name)
				assert.Equal(t, libvirt.ErrRPC, le.Code, name)
				assert.Equal(t, libvirt.FromRPC, le.Domain, name)
				assert.Equal(t, fmt.Sprintf("unknown procedure: %d", p.proc), le.Message, name)
				assert.Less(t, took, unknownProcDeadline, name)
			case p.servedByTest:
				assert.NoError(t, err, name)
			default:
				require.Error(t, err, name)
				assert.ErrorIs(t, err, libvirt.ErrNoSupport, name)
				assert.NotErrorIs(t, err, libvirt.ErrUnknownProcedure, name)
			}
			var le *libvirt.Error
			if errors.As(err, &le) {
				t.Logf("%s: %v, %v: %v (%v)", name, le.Code, le.Domain, err, took.Round(time.Millisecond))
			} else {
				t.Logf("%s: %v (%v)", name, err, took.Round(time.Millisecond))
			}
			// The connection is still usable after every answer.
			_, err = c.ConnectGetHostname(ctx)
			require.NoError(t, err, "after %s", name)
		}
	})
}

// TestNetworkMetadataAndEvent exercises procedures 444..446 (libvirt 9.7):
// served by the test driver of a newer daemon, unknown to libvirt 9.0,
// which also refuses the metadata-change event registration.
func TestNetworkMetadataAndEvent(t *testing.T) {
	d := requireDaemon(t)
	c := dial(t, "test+unix:///default?socket="+d.socket)
	ver := daemonVersion(t, c)
	ctx := ctxFor(t, callTimeout)
	net, err := c.NetworkLookupByName(ctx, "default")
	require.NoError(t, err)

	sub, err := c.SubscribeNetworkEvents(ctx, libvirt.NetworkEventIDMetadataChange, &net)
	if ver < 9007000 {
		require.Error(t, err)
		assert.ErrorIs(t, err, libvirt.ErrInternalError, "libvirt %d refusing network event ID 1", ver)
		assert.Contains(t, err.Error(), "unsupported network event ID 1")
		err = c.NetworkSetMetadata(ctx, net, libvirt.NetworkMetadataTitle, strp("x"), nil, nil, libvirt.NetworkUpdateAffectCurrent)
		assert.ErrorIs(t, err, libvirt.ErrUnknownProcedure)
		_, err = c.ConnectGetLibVersion(ctx)
		require.NoError(t, err, "the connection after the refusals")
		return
	}
	require.NoError(t, err)
	defer sub.Close()

	title := uniqueName("title")
	require.NoError(t, c.NetworkSetMetadata(ctx, net, libvirt.NetworkMetadataTitle, &title, nil, nil, libvirt.NetworkUpdateAffectCurrent))
	got, err := c.NetworkGetMetadata(ctx, net, libvirt.NetworkMetadataTitle, nil, libvirt.NetworkUpdateAffectCurrent)
	require.NoError(t, err)
	assert.Equal(t, title, got)
	xml, err := c.NetworkGetXMLDesc(ctx, net, 0)
	require.NoError(t, err)
	assert.Contains(t, xml, "<title>"+title+"</title>")

	select {
	case ev := <-sub.Events():
		m, ok := ev.(*libvirt.NetworkEventCallbackMetadataChangeMsg)
		require.True(t, ok, "got %T", ev)
		assert.Equal(t, "default", m.Net.Name)
		assert.Equal(t, libvirt.NetworkMetadataTitle, m.Type)
		assert.Nil(t, m.Nsuri)
	case <-time.After(10 * time.Second):
		t.Fatal("no network metadata-change event within 10 s of NetworkSetMetadata")
	}
	// Clear the title again: test:///default is shared by every test.
	require.NoError(t, c.NetworkSetMetadata(ctx, net, libvirt.NetworkMetadataTitle, nil, nil, nil, libvirt.NetworkUpdateAffectCurrent))
}

// TestNICMACChangeEventRegistration subscribes to the domain event new in
// libvirt 11.2 (procedure 453). libvirt 9.0 refuses the event ID with an
// internal error and keeps the connection; 11.3 accepts it (no driver here
// changes a guest's MAC address, so no event is expected: the decoder is
// covered by a unit test with hand-built bytes).
func TestNICMACChangeEventRegistration(t *testing.T) {
	d := requireDaemon(t)
	c := dial(t, "test+unix:///default?socket="+d.socket)
	ver := daemonVersion(t, c)
	ctx := ctxFor(t, callTimeout)
	sub, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDNICMACChange, nil)
	if ver < 11002000 {
		require.Error(t, err)
		assert.ErrorIs(t, err, libvirt.ErrInternalError)
		assert.Contains(t, err.Error(), "unsupported event ID 27")
	} else {
		require.NoError(t, err)
		require.NoError(t, sub.Close())
	}
	_, err = c.ConnectGetLibVersion(ctx)
	require.NoError(t, err, "the connection after the registration")
}

// TestNewDomainProceduresQEMU runs the domain procedures of libvirt 10.2
// and 11.2 against the QEMU driver, which implements them (the test
// driver does not): autostart-once and throttle groups on a defined TCG
// guest, graphics reload on a running one. On an older daemon each is an
// unknown procedure.
func TestNewDomainProceduresQEMU(t *testing.T) {
	d := requireDaemon(t)
	c := dial(t, "qemu+unix:///system?socket="+d.socket)
	ver := daemonVersion(t, c)
	ctx := ctxFor(t, qemuTimeout)
	name := uniqueName("newprocs")
	xml := strings.Replace(tinyGuestXML(name), "<video>",
		"<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>\n    <video>", 1)
	dom, err := c.DomainDefineXML(ctx, xml)
	require.NoError(t, err)
	t.Cleanup(func() { removeDomain(t, c, name) })

	if ver < 11002000 {
		_, err := c.DomainGetAutostartOnce(ctx, dom)
		assert.ErrorIs(t, err, libvirt.ErrUnknownProcedure)
		assert.ErrorIs(t, c.DomainSetAutostartOnce(ctx, dom, 1), libvirt.ErrUnknownProcedure)
		assert.ErrorIs(t, c.DomainSetThrottleGroup(ctx, dom, "g", throttleParams("g", 1), libvirt.DomainAffectConfig), libvirt.ErrUnknownProcedure)
		assert.ErrorIs(t, c.DomainDelThrottleGroup(ctx, dom, strp("g"), libvirt.DomainAffectConfig), libvirt.ErrUnknownProcedure)
	} else {
		once, err := c.DomainGetAutostartOnce(ctx, dom)
		require.NoError(t, err)
		assert.Equal(t, int32(0), once)
		require.NoError(t, c.DomainSetAutostartOnce(ctx, dom, 1))
		once, err = c.DomainGetAutostartOnce(ctx, dom)
		require.NoError(t, err)
		assert.Equal(t, int32(1), once)
		require.NoError(t, c.DomainSetAutostartOnce(ctx, dom, 0))
		once, err = c.DomainGetAutostartOnce(ctx, dom)
		require.NoError(t, err)
		assert.Equal(t, int32(0), once)

		require.NoError(t, c.DomainSetThrottleGroup(ctx, dom, "vwlimit", throttleParams("vwlimit", 1048576), libvirt.DomainAffectConfig))
		desc, err := c.DomainGetXMLDesc(ctx, dom, 0)
		require.NoError(t, err)
		assert.Contains(t, desc, "<group_name>vwlimit</group_name>")
		assert.Contains(t, desc, "<total_bytes_sec>1048576</total_bytes_sec>")
		require.NoError(t, c.DomainDelThrottleGroup(ctx, dom, strp("vwlimit"), libvirt.DomainAffectConfig))
		desc, err = c.DomainGetXMLDesc(ctx, dom, 0)
		require.NoError(t, err)
		assert.NotContains(t, desc, "vwlimit")
	}

	err = c.DomainGraphicsReload(ctx, dom, libvirt.DomainGraphicsReloadTypeVNC, 0)
	if ver < 10002000 {
		assert.ErrorIs(t, err, libvirt.ErrUnknownProcedure)
		return
	}
	assert.ErrorIs(t, err, libvirt.ErrOperationInvalid, "graphics reload of a guest that is not running")
	if _, err := c.DomainCreate(ctx, dom); err != nil {
		t.Fatalf("DomainCreate: %v", err)
	}
	// The driver hands the reload to QEMU (QMP display-reload). This guest's
	// VNC server has no TLS, so QEMU has no certificates to reload and says so:
	// the error comes from QEMU, through libvirt's QEMU driver.
	err = c.DomainGraphicsReload(ctx, dom, libvirt.DomainGraphicsReloadTypeVNC, 0)
	require.Error(t, err)
	assert.ErrorIs(t, err, libvirt.ErrInternalError)
	assert.Contains(t, err.Error(), "display-reload")
	assert.NotErrorIs(t, err, libvirt.ErrUnknownProcedure)
	require.NoError(t, c.DomainDestroy(ctx, dom))
}

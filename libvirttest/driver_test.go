package libvirttest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/libvirttest"
	"github.com/virtwire/libvirt/protocol"
)

func client(t *testing.T) (*libvirttest.Server, *libvirt.Client) {
	t.Helper()
	srv := libvirttest.New(t)
	c, err := srv.Client(testCtx(t))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return srv, c
}

// next waits for one event of a subscription.
func next(t *testing.T, sub *libvirt.Subscription) libvirt.Event {
	t.Helper()
	select {
	case ev := <-sub.Events():
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
		return nil
	}
}

// canonicalMinimal is libvirtd 9.0's (and 11.3's) test:///default
// dumpxml of a domain defined as
// <domain type='test'><name>m1</name><memory>65536</memory><os><type>hvm</type></os></domain>;
// UUID stands for the generated UUID.
const canonicalMinimal = `<domain type='test'>
  <name>m1</name>
  <uuid>UUID</uuid>
  <memory unit='KiB'>65536</memory>
  <currentMemory unit='KiB'>65536</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='i686'>hvm</type>
    <boot dev='hd'/>
  </os>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
  </devices>
</domain>
`

func TestDomainXMLCanonical(t *testing.T) {
	_, c := client(t)
	ctx := testCtx(t)
	in := "<domain type='test'><name>m1</name><memory>65536</memory><os><type>hvm</type></os></domain>"
	dom, err := c.DomainDefineXML(ctx, in)
	require.NoError(t, err)
	inactive := strings.Replace(canonicalMinimal, "UUID", dom.UUID.String(), 1)
	got, err := c.DomainGetXMLDesc(ctx, dom, 0)
	require.NoError(t, err)
	assert.Equal(t, inactive, got)

	if _, err := c.DomainCreate(ctx, dom); err != nil {
		t.Fatalf("DomainCreate: %v", err)
	}
	dom, err = c.DomainLookupByName(ctx, "m1")
	require.NoError(t, err)
	got, err = c.DomainGetXMLDesc(ctx, dom, 0)
	require.NoError(t, err)
	assert.Equal(t, strings.Replace(inactive, "<domain type='test'>", "<domain type='test' id='2'>", 1), got)
	got, err = c.DomainGetXMLDesc(ctx, dom, libvirt.DomainXMLInactive)
	require.NoError(t, err)
	assert.Equal(t, inactive, got)

	info, err := c.DomainGetInfo(ctx, dom)
	require.NoError(t, err)
	assert.Equal(t, uint64(65536), info.MaxMem)
	assert.Equal(t, uint16(1), info.NrVirtCPU)
}

func TestDomainXMLErrors(t *testing.T) {
	_, c := client(t)
	ctx := testCtx(t)
	for doc, code := range map[string]libvirt.ErrorNumber{
		"<domain": libvirt.ErrXMLDetail,
		"<domain type='test'><name>n</name></domain>":                                               libvirt.ErrXMLError,
		"<domain type='test'><os><type>hvm</type></os>":                                             libvirt.ErrXMLDetail,
		"<network><name>n</name></network>":                                                         libvirt.ErrXMLError,
		"<domain type='test'><name>test</name><memory>1</memory><os><type>hvm</type></os></domain>": libvirt.ErrOperationFailed,
	} {
		_, err := c.DomainDefineXML(ctx, doc)
		assert.ErrorIs(t, err, code, doc)
	}
}

func TestListAllDomainsFilters(t *testing.T) {
	_, c := client(t)
	ctx := testCtx(t)
	_, err := c.DomainDefineXML(ctx, domXML("off"))
	require.NoError(t, err)
	// The test driver refuses START_PAUSED: start, then suspend.
	tr, err := c.DomainCreateXML(ctx, domXML("tr"), 0)
	require.NoError(t, err)
	require.NoError(t, c.DomainSuspend(ctx, tr))
	names := func(f libvirt.ConnectListAllDomainsFlags) []string {
		doms, err := c.ConnectListAllDomains(ctx, f)
		require.NoError(t, err)
		var s []string
		for _, d := range doms {
			s = append(s, d.Name)
		}
		return s
	}
	assert.Equal(t, []string{"test", "off", "tr"}, names(0))
	assert.Equal(t, []string{"test", "tr"}, names(libvirt.ConnectListDomainsActive))
	assert.Equal(t, []string{"off"}, names(libvirt.ConnectListDomainsInactive))
	assert.Equal(t, []string{"tr"}, names(libvirt.ConnectListDomainsTransient))
	assert.Equal(t, []string{"tr"}, names(libvirt.ConnectListDomainsPaused))
	assert.Equal(t, []string{"test", "off"}, names(libvirt.ConnectListDomainsRunning|libvirt.ConnectListDomainsShutoff))
	all, err := c.ConnectListAllDomains(ctx, 0)
	require.NoError(t, err)
	assert.Len(t, all, 3)

	state, reason, err := c.DomainGetState(ctx, tr, 0)
	require.NoError(t, err)
	assert.Equal(t, libvirt.DomainPaused, libvirt.DomainState(state))
	assert.Equal(t, libvirt.DomainPausedUser, libvirt.DomainStateReason(libvirt.DomainPaused, reason))
	require.NoError(t, c.DomainDestroy(ctx, tr))
	assert.Equal(t, []string{"test", "off"}, names(0), "a destroyed transient domain is gone")
}

func domXML(name string) string {
	return "<domain type='test'><name>" + name + "</name><memory unit='MiB'>16</memory><os><type>hvm</type></os></domain>"
}

func TestSchedulerAndMetadata(t *testing.T) {
	_, c := client(t)
	ctx := testCtx(t)
	dom, err := c.DomainLookupByName(ctx, "test")
	require.NoError(t, err)
	params, err := c.DomainGetSchedulerParameters(ctx, dom, 1)
	require.NoError(t, err)
	require.Len(t, params, 1)
	w, ok := params[0].Value.AsUint()
	assert.True(t, ok)
	assert.Equal(t, "weight", params[0].Field)
	assert.Equal(t, uint32(50), w)
	require.NoError(t, c.DomainSetSchedulerParameters(ctx, dom, []libvirt.TypedParam{{Field: "weight", Value: libvirt.NewTypedParamValueUint(80)}}))
	params, err = c.DomainGetSchedulerParameters(ctx, dom, 1)
	require.NoError(t, err)
	w, _ = params[0].Value.AsUint()
	assert.Equal(t, uint32(80), w)
	err = c.DomainSetSchedulerParameters(ctx, dom, []libvirt.TypedParam{{Field: "weight", Value: libvirt.NewTypedParamValueString("x")}})
	assert.ErrorIs(t, err, libvirt.ErrInvalidArg)

	sub, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDMetadataChange, &dom)
	require.NoError(t, err)
	defer sub.Close()
	_, err = c.DomainGetMetadata(ctx, dom, libvirt.DomainMetadataTitle, nil, 0)
	assert.ErrorIs(t, err, libvirt.ErrNoDomainMetadata)
	title := "web server"
	require.NoError(t, c.DomainSetMetadata(ctx, dom, libvirt.DomainMetadataTitle, &title, nil, nil, 0))
	got, err := c.DomainGetMetadata(ctx, dom, libvirt.DomainMetadataTitle, nil, 0)
	require.NoError(t, err)
	assert.Equal(t, title, got)
	m, ok := next(t, sub).(*libvirt.DomainEventCallbackMetadataChangeMsg)
	require.True(t, ok)
	assert.Equal(t, libvirt.DomainMetadataTitle, m.Type)
	_, err = c.DomainGetMetadata(ctx, dom, libvirt.DomainMetadataElement, nil, 0)
	assert.ErrorIs(t, err, libvirt.ErrInvalidArg)
}

func TestNetworkLifecycleAndEvents(t *testing.T) {
	_, c := client(t)
	ctx := testCtx(t)
	sub, err := c.SubscribeNetworkEvents(ctx, libvirt.NetworkEventIDLifecycle, nil)
	require.NoError(t, err)
	defer sub.Close()
	net, err := c.NetworkDefineXML(ctx, "<network><name>n1</name><bridge name='br9'/></network>")
	require.NoError(t, err)
	require.NoError(t, c.NetworkCreate(ctx, net))
	assert.ErrorIs(t, c.NetworkCreate(ctx, net), libvirt.ErrOperationInvalid)
	require.NoError(t, c.NetworkDestroy(ctx, net))
	require.NoError(t, c.NetworkUndefine(ctx, net))
	var got []libvirt.NetworkEventLifecycleType
	for len(got) < 4 {
		m := next(t, sub).(*libvirt.NetworkEventLifecycleMsg)
		assert.Equal(t, "n1", m.Net.Name)
		got = append(got, m.Event)
	}
	assert.Equal(t, []libvirt.NetworkEventLifecycleType{libvirt.NetworkEventDefined, libvirt.NetworkEventStarted,
		libvirt.NetworkEventStopped, libvirt.NetworkEventUndefined}, got)
	nets, err := c.ConnectListAllNetworks(ctx, 0)
	require.NoError(t, err)
	require.Len(t, nets, 1)
	assert.Equal(t, "default", nets[0].Name)
}

func TestStoragePoolsVolumesAndEvents(t *testing.T) {
	_, c := client(t)
	ctx := testCtx(t)
	sub, err := c.SubscribeStoragePoolEvents(ctx, libvirt.StoragePoolEventIDLifecycle, nil)
	require.NoError(t, err)
	defer sub.Close()
	refresh, err := c.SubscribeStoragePoolEvents(ctx, libvirt.StoragePoolEventIDRefresh, nil)
	require.NoError(t, err)
	defer refresh.Close()
	p, err := c.StoragePoolDefineXML(ctx, "<pool type='dir'><name>p1</name><target><path>/p1</path></target></pool>", 0)
	require.NoError(t, err)
	_, err = c.StorageVolCreateXML(ctx, p, "<volume><name>v</name><capacity>1024</capacity></volume>", 0)
	assert.ErrorIs(t, err, libvirt.ErrOperationInvalid, "the pool is not started")
	require.NoError(t, c.StoragePoolCreate(ctx, p, 0))
	vol, err := c.StorageVolCreateXML(ctx, p, "<volume><name>v</name><capacity unit='KiB'>4</capacity></volume>", 0)
	require.NoError(t, err)
	assert.Equal(t, "/p1/v", vol.Key)
	byPath, err := c.StorageVolLookupByPath(ctx, "/p1/v")
	require.NoError(t, err)
	assert.Equal(t, vol, byPath)
	require.NoError(t, c.StoragePoolRefresh(ctx, p, 0))
	assert.IsType(t, &libvirt.StoragePoolEventRefreshMsg{}, next(t, refresh))
	for _, want := range []libvirt.StoragePoolEventLifecycleType{libvirt.StoragePoolEventDefined, libvirt.StoragePoolEventStarted} {
		m := next(t, sub).(*libvirt.StoragePoolEventLifecycleMsg)
		assert.Equal(t, want, m.Event)
		assert.Equal(t, "p1", m.Pool.Name)
	}
}

func TestSecretsAndEvents(t *testing.T) {
	_, c := client(t)
	ctx := testCtx(t)
	sub, err := c.SubscribeSecretEvents(ctx, libvirt.SecretEventIDValueChanged, nil)
	require.NoError(t, err)
	defer sub.Close()
	s, err := c.SecretDefineXML(ctx, "<secret ephemeral='no' private='yes'><usage type='ceph'><name>c1</name></usage></secret>", 0)
	require.NoError(t, err)
	assert.Equal(t, "c1", s.UsageID)
	_, err = c.SecretGetValue(ctx, s, 0)
	assert.ErrorIs(t, err, libvirt.ErrNoSecret)
	require.NoError(t, c.SecretSetValue(ctx, s, []byte("pw"), 0))
	assert.IsType(t, &libvirt.SecretEventValueChangedMsg{}, next(t, sub))
	_, err = c.SecretGetValue(ctx, s, 0)
	assert.ErrorIs(t, err, libvirt.ErrInvalidSecret, "private secrets are not revealed")
	secrets, err := c.ConnectListAllSecrets(ctx, libvirt.ConnectListSecretsPrivate)
	require.NoError(t, err)
	assert.Len(t, secrets, 1)
	require.NoError(t, c.SecretUndefine(ctx, s))
	assert.ErrorIs(t, c.SecretUndefine(ctx, s), libvirt.ErrNoSecret)
}

// A wrapping handler overrides one procedure and keeps the rest.
type hostnameHandler struct{ libvirttest.RemoteHandler }

func (hostnameHandler) ConnectGetHostname(context.Context) (*protocol.ConnectGetHostnameRet, error) {
	return &protocol.ConnectGetHostnameRet{Hostname: "overridden"}, nil
}

func TestWithRemoteHandler(t *testing.T) {
	srv := libvirttest.New(t, libvirttest.WithRemoteHandler(func(h libvirttest.RemoteHandler) libvirttest.RemoteHandler {
		return hostnameHandler{h}
	}))
	ctx := testCtx(t)
	c, err := srv.Client(ctx)
	require.NoError(t, err)
	defer c.Close()
	h, err := c.ConnectGetHostname(ctx)
	require.NoError(t, err)
	assert.Equal(t, "overridden", h)
	typ, err := c.ConnectGetType(ctx)
	require.NoError(t, err)
	assert.Equal(t, "TEST", typ)
}

package libvirttest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/libvirttest"
	"github.com/virtwire/libvirt/protocol"
)

// roClient connects to srv read-only (VIR_CONNECT_RO).
func roClient(t *testing.T, srv *libvirttest.Server) *libvirt.Client {
	t.Helper()
	c, err := srv.Client(testCtx(t), libvirt.WithReadOnly())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// requireDenied checks that err is libvirtd's read-only refusal with the
// given error domain and detail ("read only access prevents
// virDomainDefineXML"), with every field libvirt fills in.
func requireDenied(t *testing.T, err error, dom libvirt.ErrorDomain, detail string) {
	t.Helper()
	require.Error(t, err)
	assert.True(t, errors.Is(err, libvirt.ErrOperationDenied), "want ErrOperationDenied, got %v", err)
	var le *libvirt.Error
	require.True(t, errors.As(err, &le), "%T is not a *libvirt.Error", err)
	assert.Equal(t, dom, le.Domain)
	assert.Equal(t, libvirt.ErrError, le.Level)
	assert.Equal(t, "operation forbidden: "+detail, le.Message)
	assert.Equal(t, "operation forbidden: %s", le.Str1)
	assert.Equal(t, detail, le.Str2)
	assert.Equal(t, int32(-1), le.Int1)
	assert.Equal(t, int32(-1), le.Int2)
}

// On a read-only connection every state change is refused with the
// public API's error, under the error domain of the API's family, and
// nothing changes.
func TestReadOnlyRefusesChanges(t *testing.T) {
	srv, rw := client(t)
	ro := roClient(t, srv)
	ctx := testCtx(t)
	dom, err := ro.DomainLookupByName(ctx, "test")
	require.NoError(t, err, "look-ups are allowed")
	net := libvirt.Network{Name: "default"}
	pool := libvirt.StoragePool{Name: "default-pool"}
	xml := `<domain type='test'><name>ro1</name><memory>65536</memory><os><type>hvm</type></os></domain>`

	for _, tc := range []struct {
		api  string
		dom  libvirt.ErrorDomain
		call func() error
	}{
		{"virDomainDefineXML", libvirt.FromDomain, func() error { _, err := ro.DomainDefineXML(ctx, xml); return err }},
		{"virDomainCreateXML", libvirt.FromDomain, func() error { _, err := ro.DomainCreateXML(ctx, xml, 0); return err }},
		{"virDomainDestroy", libvirt.FromDomain, func() error { return ro.DomainDestroy(ctx, dom) }},
		{"virDomainSuspend", libvirt.FromDomain, func() error { return ro.DomainSuspend(ctx, dom) }},
		{"virDomainSetMemoryFlags", libvirt.FromDomain, func() error { return ro.DomainSetMemoryFlags(ctx, dom, 1024, 0) }},
		{"virDomainSetPerfEvents", libvirt.FromDomain, func() error { return ro.DomainSetPerfEvents(ctx, dom, nil, 0) }},
		{"virConnectGetDomainCapabilities", libvirt.FromDomain, func() error {
			_, err := ro.ConnectGetDomainCapabilities(ctx, nil, nil, nil, nil, 0)
			return err
		}},
		{"virDomainGetHostname", libvirt.FromDomain, func() error { _, err := ro.DomainGetHostname(ctx, dom, 0); return err }},
		{"virDomainSnapshotCreateXML", libvirt.FromDomainSnapshot, func() error {
			_, err := ro.DomainSnapshotCreateXML(ctx, dom, "<domainsnapshot/>", 0)
			return err
		}},
		{"virDomainCheckpointDelete", libvirt.FromDomainCheckpoint, func() error {
			return ro.DomainCheckpointDelete(ctx, libvirt.DomainCheckpoint{Name: "c", Dom: dom}, 0)
		}},
		{"virNetworkDestroy", libvirt.FromNetwork, func() error { return ro.NetworkDestroy(ctx, net) }},
		{"virStoragePoolRefresh", libvirt.FromStorage, func() error { return ro.StoragePoolRefresh(ctx, pool, 0) }},
		{"virConnectFindStoragePoolSources", libvirt.FromStorage, func() error {
			_, err := ro.ConnectFindStoragePoolSources(ctx, "logical", nil, 0)
			return err
		}},
		{"virNodeDeviceDestroy", libvirt.FromNodedev, func() error { return ro.NodeDeviceDestroy(ctx, "scsi_host1") }},
		{"virInterfaceChangeBegin", libvirt.FromInterface, func() error { return ro.InterfaceChangeBegin(ctx, 0) }},
		{"virSecretGetValue", libvirt.FromSecret, func() error {
			_, err := ro.SecretGetValue(ctx, libvirt.Secret{UUID: libvirt.UUID{1}}, 0)
			return err
		}},
		{"virNWFilterDefineXML", libvirt.FromNWFilter, func() error { _, err := ro.NWFilterDefineXML(ctx, "<filter name='f'/>"); return err }},
	} {
		t.Run(tc.api, func(t *testing.T) {
			requireDenied(t, tc.call(), tc.dom, "read only access prevents "+tc.api)
		})
	}

	// Nothing changed: the domain still runs and nothing was defined.
	state, _, err := rw.DomainGetState(ctx, dom, 0)
	require.NoError(t, err)
	assert.Equal(t, libvirt.DomainRunning, state)
	_, err = rw.DomainLookupByName(ctx, "ro1")
	assert.True(t, errors.Is(err, libvirt.ErrNoDomain), "a refused define left a domain: %v", err)
	defNet, err := rw.NetworkLookupByName(ctx, "default")
	require.NoError(t, err)
	active, err := rw.NetworkIsActive(ctx, defNet)
	require.NoError(t, err)
	assert.Equal(t, int32(1), active)
}

// The refusal comes from libvirt's public API, before the driver looks
// anything up or checks flags or XML.
func TestReadOnlyRefusalComesFirst(t *testing.T) {
	srv := libvirttest.New(t)
	ro := roClient(t, srv)
	ctx := testCtx(t)
	missing := libvirt.Domain{Name: "nope", UUID: libvirt.UUID{1, 2, 3}, ID: -1}
	dom, err := ro.DomainLookupByName(ctx, "test")
	require.NoError(t, err)

	requireDenied(t, ro.DomainDestroy(ctx, missing), libvirt.FromDomain, "read only access prevents virDomainDestroy")
	requireDenied(t, ro.DomainDestroyFlags(ctx, dom, 1<<27), libvirt.FromDomain, "read only access prevents virDomainDestroyFlags")
	_, err = ro.DomainDefineXML(ctx, "<domain")
	requireDenied(t, err, libvirt.FromDomain, "read only access prevents virDomainDefineXML")
	_, err = ro.DomainCreate(ctx, dom) // already running
	requireDenied(t, err, libvirt.FromDomain, "read only access prevents virDomainCreate")
}

// Some reads are refused only with the flags or sources that reveal
// secrets or ask the guest agent.
func TestReadOnlyFlagDependentReads(t *testing.T) {
	srv := libvirttest.New(t)
	ro := roClient(t, srv)
	ctx := testCtx(t)
	dom, err := ro.DomainLookupByName(ctx, "test")
	require.NoError(t, err)

	xml, err := ro.DomainGetXMLDesc(ctx, dom, libvirt.DomainXMLInactive)
	require.NoError(t, err)
	assert.Contains(t, xml, "<name>test</name>")
	for _, f := range []libvirt.DomainXMLFlags{libvirt.DomainXMLSecure, libvirt.DomainXMLMigratable, libvirt.DomainXMLSecure | 1<<27} {
		_, err = ro.DomainGetXMLDesc(ctx, dom, f)
		requireDenied(t, err, libvirt.FromDomain, "virDomainGetXMLDesc with secure flag")
	}
	_, err = ro.DomainSnapshotGetXMLDesc(ctx, libvirt.DomainSnapshot{Name: "nope", Dom: dom}, libvirt.DomainSnapshotXMLSecure)
	requireDenied(t, err, libvirt.FromDomainSnapshot, "virDomainSnapshotGetXMLDesc with secure flag")
	_, err = ro.DomainSnapshotGetXMLDesc(ctx, libvirt.DomainSnapshot{Name: "nope", Dom: dom}, 0)
	assert.True(t, errors.Is(err, libvirt.ErrNoDomainSnapshot), "without the flag the look-up answers: %v", err)
	_, err = ro.DomainCheckpointGetXMLDesc(ctx, libvirt.DomainCheckpoint{Name: "nope", Dom: dom}, libvirt.DomainCheckpointXMLSecure)
	requireDenied(t, err, libvirt.FromDomainCheckpoint, "virDomainCheckpointGetXMLDesc with secure flag")
	_, err = ro.DomainManagedSaveGetXMLDesc(ctx, dom, libvirt.DomainSaveImageXMLSecure)
	requireDenied(t, err, libvirt.FromDomain, "virDomainManagedSaveGetXMLDesc with secure flag")

	n, err := ro.DomainGetVCPUsFlags(ctx, dom, 0)
	require.NoError(t, err)
	assert.Positive(t, n)
	_, err = ro.DomainGetVCPUsFlags(ctx, dom, libvirt.DomainVCPUGuest)
	requireDenied(t, err, libvirt.FromDomain, "read only access prevents virDomainGetVcpusFlags")
	_, err = ro.DomainInterfaceAddresses(ctx, dom, uint32(libvirt.DomainInterfaceAddressesSrcLease), 0)
	require.NoError(t, err)
	_, err = ro.DomainInterfaceAddresses(ctx, dom, uint32(libvirt.DomainInterfaceAddressesSrcAgent), 0)
	requireDenied(t, err, libvirt.FromDomain, "read only access prevents virDomainInterfaceAddresses")
}

// Argument checks libvirt makes before its read-only check are reported
// instead, on read-only and read-write connections alike, with the
// fields libvirt fills in (function, argument, zero integers).
func TestReadOnlyEarlierArgumentChecks(t *testing.T) {
	srv, rw := client(t)
	ro := roClient(t, srv)
	ctx := testCtx(t)
	dom, err := ro.DomainLookupByName(ctx, "test")
	require.NoError(t, err)
	empty := ""
	for name, c := range map[string]*libvirt.Client{"read-only": ro, "read-write": rw} {
		t.Run(name, func(t *testing.T) {
			_, err := c.DomainRename(ctx, dom, &empty, 1<<27) // before the driver's flag check
			var le *libvirt.Error
			require.True(t, errors.As(err, &le), "%v", err)
			assert.Equal(t, libvirt.Error{Code: libvirt.ErrInvalidArg, Domain: libvirt.FromDomain, Level: libvirt.ErrError,
				Message: "string new_name in virDomainRename must not be empty", Str1: "virDomainRename", Str2: "new_name"}, *le)

			err = c.DomainSendProcessSignal(ctx, dom, 0, 0, 0)
			require.True(t, errors.Is(err, libvirt.ErrInvalidArg), "%v", err)
			assert.EqualError(t, err, "pid_value in virDomainSendProcessSignal must not be zero")

			err = c.DomainManagedSaveDefineXML(ctx, dom, nil, libvirt.DomainSaveRunning|libvirt.DomainSavePaused)
			require.True(t, errors.As(err, &le), "%v", err)
			assert.Equal(t, "Flags 'VIR_DOMAIN_SAVE_RUNNING' and 'VIR_DOMAIN_SAVE_PAUSED' are mutually exclusive", le.Message)
			assert.Equal(t, "virDomainManagedSaveDefineXML", le.Str1)

			_, err = c.DomainBlockPeek(ctx, dom, "/guest/diskimage", 0, libvirt.DomainBlockPeekBufferMax+1, 0)
			require.True(t, errors.As(err, &le), "%v", err)
			assert.Equal(t, libvirt.ErrInternalError, le.Code)
			assert.Equal(t, libvirt.FromRPC, le.Domain)
			assert.Equal(t, "internal error: size > maximum buffer size", le.Message)
		})
	}
	// Past those checks, the read-only connection is refused.
	err = ro.DomainSendProcessSignal(ctx, dom, 1, 0, 0)
	requireDenied(t, err, libvirt.FromDomain, "read only access prevents virDomainSendProcessSignal")
}

// The QEMU program's calls are refused too, under VIR_FROM_NONE as
// libvirt-qemu.c reports them, even without a QEMU handler.
func TestReadOnlyQEMU(t *testing.T) {
	srv := libvirttest.New(t)
	ro := roClient(t, srv)
	ctx := testCtx(t)
	dom, err := ro.DomainLookupByName(ctx, "test")
	require.NoError(t, err)
	_, err = ro.QEMUDomainMonitorCommand(ctx, dom, `{"execute":"query-status"}`, 0)
	requireDenied(t, err, libvirt.FromNone, "read only access prevents virDomainQemuMonitorCommand")
	_, err = ro.QEMUDomainAttach(ctx, 0, 0)
	assert.EqualError(t, err, "pid_value in virDomainQemuAttach must not be zero")
	_, err = ro.QEMUDomainAttach(ctx, 42, 0)
	requireDenied(t, err, libvirt.FromNone, "read only access prevents virDomainQemuAttach")
}

// countingHandler counts the domain definitions that reach it.
type countingHandler struct {
	libvirttest.RemoteHandler
	defines *int
}

func (h countingHandler) DomainDefineXML(ctx context.Context, args *protocol.DomainDefineXMLArgs) (*protocol.DomainDefineXMLRet, error) {
	*h.defines++
	return h.RemoteHandler.DomainDefineXML(ctx, args)
}

// A replacement handler never sees a call the read-only check refused:
// the check belongs to libvirt's public API, not to the driver.
func TestReadOnlyBeforeReplacementHandler(t *testing.T) {
	defines := 0
	srv := libvirttest.New(t, libvirttest.WithRemoteHandler(func(h libvirttest.RemoteHandler) libvirttest.RemoteHandler {
		return countingHandler{h, &defines}
	}))
	ro := roClient(t, srv)
	ctx := testCtx(t)
	_, err := ro.DomainDefineXML(ctx, `<domain type='test'><name>x</name><memory>1024</memory><os><type>hvm</type></os></domain>`)
	requireDenied(t, err, libvirt.FromDomain, "read only access prevents virDomainDefineXML")
	assert.Zero(t, defines)

	rw, err := srv.Client(ctx)
	require.NoError(t, err)
	defer rw.Close()
	_, err = rw.DomainDefineXML(ctx, `<domain type='test'><name>x</name><memory>1024</memory><os><type>hvm</type></os></domain>`)
	require.NoError(t, err)
	assert.Equal(t, 1, defines)
}

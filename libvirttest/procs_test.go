package libvirttest_test

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
)

// These tests run the procedures the differential tester checks against
// libvirtd (save images, screenshots, I/O threads, checkpoints,
// interface transactions, node devices) without a daemon, so that the
// race detector sees them too.

func TestSaveRestoreRoundTripsThroughAFile(t *testing.T) {
	_, c := client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dom, err := c.DomainLookupByName(ctx, "test")
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "test.img")

	require.NoError(t, c.DomainSave(ctx, dom, path))
	state, reason, err := c.DomainGetState(ctx, dom, 0)
	require.NoError(t, err)
	assert.Equal(t, libvirt.DomainShutoff, state)
	assert.Equal(t, int32(libvirt.DomainShutoffSaved), reason)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(b, []byte("TestGuestMagic\x00")), "the image starts with the test driver's magic")

	doc, err := c.DomainSaveImageGetXMLDesc(ctx, path, 0)
	require.NoError(t, err)
	assert.Contains(t, doc, "<name>test</name>")
	require.NoError(t, c.DomainRestore(ctx, path))
	state, reason, err = c.DomainGetState(ctx, dom, 0)
	require.NoError(t, err)
	assert.Equal(t, libvirt.DomainRunning, state)
	assert.Equal(t, int32(libvirt.DomainRunningRestored), reason)

	var le *libvirt.Error
	err = c.DomainRestore(ctx, filepath.Join(t.TempDir(), "missing.img"))
	require.True(t, errors.As(err, &le), "%v", err)
	assert.Equal(t, libvirt.ErrSystemError, le.Code)
	assert.Contains(t, le.Message, "No such file or directory")
}

func TestScreenshotStreamsAPNG(t *testing.T) {
	_, c := client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dom, err := c.DomainLookupByName(ctx, "test")
	require.NoError(t, err)
	st, mime, err := c.DomainScreenshot(ctx, dom, 0, 0)
	require.NoError(t, err)
	require.NotNil(t, mime)
	assert.Equal(t, "image/png", *mime)
	data, err := io.ReadAll(st)
	require.NoError(t, err)
	require.NoError(t, st.Finish())
	_, err = png.DecodeConfig(bytes.NewReader(data))
	assert.NoError(t, err)
}

func TestIOThreadsAndTheirStatistics(t *testing.T) {
	_, c := client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dom, err := c.DomainLookupByName(ctx, "test")
	require.NoError(t, err)
	require.NoError(t, c.DomainAddIOThread(ctx, dom, 3, 0))
	require.NoError(t, c.DomainSetIOThreadParams(ctx, dom, 3, libvirt.TypedParams{}.AddUint("poll_grow", 2), 0))
	info, n, err := c.DomainGetIOThreadInfo(ctx, dom, 0)
	require.NoError(t, err)
	require.Equal(t, uint32(1), n)
	assert.Equal(t, uint32(3), info[0].IOThreadID)
	stats, err := c.ConnectGetAllDomainStats(ctx, []libvirt.Domain{dom}, libvirt.DomainStatsIOThread, 0)
	require.NoError(t, err)
	require.Len(t, stats, 1)
	v, ok := libvirt.TypedParams(stats[0].Params).Uint64("iothread.3.poll-grow")
	assert.True(t, ok)
	assert.Equal(t, uint64(2), v)
	err = c.DomainDelIOThread(ctx, dom, 9, 0)
	var le *libvirt.Error
	require.True(t, errors.As(err, &le), "%v", err)
	assert.Equal(t, libvirt.ErrInvalidArg, le.Code)
}

func TestCheckpointTree(t *testing.T) {
	_, c := client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dom, err := c.DomainLookupByName(ctx, "test")
	require.NoError(t, err)
	_, err = c.DomainCheckpointCreateXML(ctx, dom, "<domaincheckpoint><name>a</name></domaincheckpoint>", 0)
	require.NoError(t, err)
	b, err := c.DomainCheckpointCreateXML(ctx, dom, "<domaincheckpoint><name>b</name></domaincheckpoint>", 0)
	require.NoError(t, err)
	parent, err := c.DomainCheckpointGetParent(ctx, b, 0)
	require.NoError(t, err)
	assert.Equal(t, "a", parent.Name)
	_, err = c.DomainSnapshotCreateXML(ctx, dom, "<domainsnapshot/>", 0)
	assert.Error(t, err, "snapshots and checkpoints exclude each other")
	require.NoError(t, c.DomainCheckpointDelete(ctx, parent, libvirt.DomainCheckpointDeleteChildren))
	all, err := c.DomainListAllCheckpoints(ctx, dom, 0)
	require.NoError(t, err)
	assert.Empty(t, all)
}

func TestInterfaceTransactionRollsBack(t *testing.T) {
	_, c := client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, c.InterfaceChangeBegin(ctx, 0))
	_, err := c.InterfaceDefineXML(ctx, "<interface type='ethernet' name='eth7'/>", 0)
	require.NoError(t, err)
	n, err := c.ConnectNumOfDefinedInterfaces(ctx)
	require.NoError(t, err)
	assert.Equal(t, int32(1), n)
	require.NoError(t, c.InterfaceChangeRollback(ctx, 0))
	_, err = c.InterfaceLookupByName(ctx, "eth7")
	assert.Error(t, err, "the rollback forgets eth7")
	assert.Error(t, c.InterfaceChangeCommit(ctx, 0), "no transaction is running")
}

func TestNodeDeviceVHBALifecycle(t *testing.T) {
	_, c := client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub, err := c.SubscribeNodeDeviceEvents(ctx, libvirt.NodeDeviceEventIDLifecycle, nil)
	require.NoError(t, err)
	dev, err := c.NodeDeviceCreateXML(ctx, `<device><parent>scsi_host1</parent><capability type='scsi_host'>
<capability type='fc_host'><wwnn>2000000000000001</wwnn><wwpn>1000000000000001</wwpn></capability></capability></device>`, 0)
	require.NoError(t, err)
	assert.Equal(t, "scsi_host12", dev.Name)
	ev, ok := next(t, sub).(*libvirt.NodeDeviceEventLifecycleMsg)
	require.True(t, ok)
	assert.Equal(t, libvirt.NodeDeviceEventCreated, ev.Event)
	doc, err := c.NodeDeviceGetXMLDesc(ctx, dev.Name, 0)
	require.NoError(t, err)
	assert.Contains(t, doc, "<wwnn>2000000000000001</wwnn>")
	require.NoError(t, c.NodeDeviceDestroy(ctx, dev.Name))
	ev, ok = next(t, sub).(*libvirt.NodeDeviceEventLifecycleMsg)
	require.True(t, ok)
	assert.Equal(t, libvirt.NodeDeviceEventDeleted, ev.Event)
}

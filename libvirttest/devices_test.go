package libvirttest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
)

// Device hotplug on the running default domain, as libvirt 11.3's test
// driver answers (checked against it by TestDifferentialAgainstLibvirtd):
// the device and its generated alias appear in the live XML only, with
// device-added and device-removed events.
func TestDeviceAttachDetachUpdate(t *testing.T) {
	_, c := client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dom, err := c.DomainLookupByName(ctx, "test")
	require.NoError(t, err)
	added, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDDeviceAdded, nil)
	require.NoError(t, err)
	removed, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDDeviceRemoved, nil)
	require.NoError(t, err)

	const vdb = `<disk type='file' device='disk'><source file='/guest/b.img'/><target dev='vdb' bus='virtio'/></disk>`
	require.NoError(t, c.DomainAttachDeviceFlags(ctx, dom, vdb, 0))
	ev := next(t, added).(*libvirt.DomainEventCallbackDeviceAddedMsg)
	assert.Equal(t, "virtio-disk1", ev.DevAlias)

	live, err := c.DomainGetXMLDesc(ctx, dom, 0)
	require.NoError(t, err)
	assert.Contains(t, live, `    <disk type='file' device='disk'>
      <source file='/guest/b.img'/>
      <target dev='vdb' bus='virtio'/>
      <alias name='virtio-disk1'/>
    </disk>
`)
	inactive, err := c.DomainGetXMLDesc(ctx, dom, libvirt.DomainXMLInactive)
	require.NoError(t, err)
	assert.NotContains(t, inactive, "vdb")

	// Only the running definition can change; a duplicate target is refused.
	err = c.DomainAttachDeviceFlags(ctx, dom, vdb, libvirt.DomainDeviceModifyConfig)
	assertLibvirtErr(t, err, libvirt.ErrInvalidArg, "unsupported flags (0x2) in function testDomainAttachDeviceLiveAndConfig")
	err = c.DomainAttachDeviceFlags(ctx, dom, vdb, 0)
	assertLibvirtErr(t, err, libvirt.ErrXMLError, "target 'vdb' duplicated")

	// Update replaces the disk by target; CONFIG reaches the persistent
	// definition and sends defined/updated.
	life, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, nil)
	require.NoError(t, err)
	const vda = `<disk type='file' device='disk'><source file='/guest/new.img'/><target dev='vda' bus='virtio'/></disk>`
	require.NoError(t, c.DomainUpdateDeviceFlags(ctx, dom, vda, libvirt.DomainDeviceModifyConfig))
	lev := next(t, life).(*libvirt.DomainEventCallbackLifecycleMsg)
	assert.Equal(t, libvirt.DomainEventDefined, lev.Msg.Event)
	inactive, err = c.DomainGetXMLDesc(ctx, dom, libvirt.DomainXMLInactive)
	require.NoError(t, err)
	assert.Contains(t, inactive, "/guest/new.img")
	live, err = c.DomainGetXMLDesc(ctx, dom, 0)
	require.NoError(t, err)
	assert.Contains(t, live, "/guest/diskimage1")

	require.NoError(t, c.DomainDetachDeviceAlias(ctx, dom, "virtio-disk1", 0))
	rev := next(t, removed).(*libvirt.DomainEventCallbackDeviceRemovedMsg)
	assert.Equal(t, "virtio-disk1", rev.Msg.DevAlias)
	live, err = c.DomainGetXMLDesc(ctx, dom, 0)
	require.NoError(t, err)
	assert.NotContains(t, live, "vdb")
	err = c.DomainDetachDeviceAlias(ctx, dom, "virtio-disk1", 0)
	assertLibvirtErr(t, err, libvirt.ErrInternalError, "no device found with alias virtio-disk1")

	// After a restart the persistent definition is the running one.
	require.NoError(t, c.DomainDestroy(ctx, dom))
	dom, err = c.DomainCreate(ctx, dom)
	require.NoError(t, err)
	live, err = c.DomainGetXMLDesc(ctx, dom, 0)
	require.NoError(t, err)
	assert.True(t, strings.Contains(live, "/guest/new.img"), live)
}

func assertLibvirtErr(t *testing.T, err error, code libvirt.ErrorNumber, msg string) {
	t.Helper()
	var le *libvirt.Error
	if !errors.As(err, &le) {
		t.Fatalf("want libvirt error %v (%q), got %v", code, msg, err)
	}
	assert.Equal(t, code, le.Code)
	assert.Contains(t, le.Message, msg)
}

// Definitions with devices missing their usual parts still define,
// format and hot-plug without the server failing.
func TestDomainXMLOddDevices(t *testing.T) {
	_, c := client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	doc := `<domain type='test'><name>odd</name><memory>1024</memory><os><type>hvm</type></os><devices>
<disk type='file'><alias name='ua-x'/></disk><interface type='user'/><console type='pty'/><video/><graphics type='spice' passwd='p'/>
<controller type='usb' model='none'/></devices></domain>`
	dom, err := c.DomainDefineXML(ctx, doc)
	require.NoError(t, err)
	for _, flags := range []libvirt.DomainXMLFlags{0, libvirt.DomainXMLSecure, libvirt.DomainXMLInactive} {
		got, err := c.DomainGetXMLDesc(ctx, dom, flags)
		require.NoError(t, err)
		assert.Contains(t, got, "<console type='pty'>")
		assert.Equal(t, flags == libvirt.DomainXMLSecure, strings.Contains(got, "passwd='p'"), got)
	}
	dom, err = c.DomainCreate(ctx, dom)
	require.NoError(t, err)
	err = c.DomainDetachDeviceAlias(ctx, dom, "ua-x", 0)
	assertLibvirtErr(t, err, libvirt.ErrOperationUnsupported, "This type of disk cannot be hot unplugged")
	err = c.DomainAttachDeviceFlags(ctx, dom, `<disk type='file'><source file='/x'/></disk>`, 0)
	assertLibvirtErr(t, err, libvirt.ErrXMLError, "missing target information for device /x")
	err = c.DomainAttachDeviceFlags(ctx, dom, `<nonsense/>`, 0)
	assertLibvirtErr(t, err, libvirt.ErrXMLError, "unknown device type 'nonsense'")
}

// PCI host devices are attached to the running definition with the
// parser's defaults; only a user alias ("ua-") is kept and sends an
// event; other kinds are refused as libvirt 11.3's test driver refuses
// them.
func TestHostdevAttach(t *testing.T) {
	_, c := client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dom, err := c.DomainLookupByName(ctx, "test")
	require.NoError(t, err)
	added, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDDeviceAdded, nil)
	require.NoError(t, err)

	require.NoError(t, c.DomainAttachDeviceFlags(ctx, dom,
		`<hostdev mode='subsystem' type='pci'><source/><alias name='hostdev9'/></hostdev>`, 0))
	require.NoError(t, c.DomainAttachDeviceFlags(ctx, dom,
		`<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0' bus='6' slot='0x12' function='6'/></source><alias name='ua-hd1'/></hostdev>`, 0))
	ev := next(t, added).(*libvirt.DomainEventCallbackDeviceAddedMsg)
	assert.Equal(t, "ua-hd1", ev.DevAlias)
	live, err := c.DomainGetXMLDesc(ctx, dom, 0)
	require.NoError(t, err)
	assert.Contains(t, live, `    <hostdev mode='subsystem' type='pci' managed='no'>
      <source>
        <address domain='0x0000' bus='0x00' slot='0x00' function='0x0'/>
      </source>
    </hostdev>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source>
        <address domain='0x0000' bus='0x06' slot='0x12' function='0x6'/>
      </source>
      <alias name='ua-hd1'/>
    </hostdev>
`)
	err = c.DomainAttachDeviceFlags(ctx, dom, `<hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host0'/><address bus='0' target='0' unit='0'/></source></hostdev>`, 0)
	assertLibvirtErr(t, err, libvirt.ErrConfigUnsupported, "unsupported configuration: hotplug is not supported for hostdev subsys type 'vfio'")
	require.NoError(t, c.DomainDetachDeviceAlias(ctx, dom, "ua-hd1", 0))
}

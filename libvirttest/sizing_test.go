package libvirttest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
)

// sizingXML defines less current memory and fewer vCPUs than its
// maximums.
const sizingXML = `<domain type='test'>
  <name>sz</name>
  <memory unit='KiB'>524288</memory>
  <currentMemory unit='KiB'>262144</currentMemory>
  <vcpu placement='static' current='2'>4</vcpu>
  <os><type arch='i686'>hvm</type></os>
</domain>`

// A running domain's CONFIG changes of memory and vCPUs reach only its
// persistent definition, LIVE ones only the running one, and the
// persistent values take effect when it stops: as libvirtd's test
// driver (checked against it by TestDifferentialAgainstLibvirtd).
func TestLiveAndConfigMemoryAndVCPUsKeptApart(t *testing.T) {
	_, c := client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dom, err := c.DomainDefineXML(ctx, sizingXML)
	require.NoError(t, err)
	dom, err = c.DomainCreate(ctx, dom)
	require.NoError(t, err)

	require.NoError(t, c.DomainSetMemoryFlags(ctx, dom, 300000, libvirt.DomainMemConfig))
	require.NoError(t, c.DomainSetMemoryFlags(ctx, dom, 600000, libvirt.DomainMemConfig|libvirt.DomainMemMaximum))
	require.NoError(t, c.DomainSetVCPUsFlags(ctx, dom, 3, libvirt.DomainVCPUConfig))
	require.NoError(t, c.DomainSetVCPUsFlags(ctx, dom, 1, libvirt.DomainVCPULive))
	require.NoError(t, c.DomainSetMemoryFlags(ctx, dom, 100000, libvirt.DomainMemLive))

	info, err := c.DomainGetInfo(ctx, dom)
	require.NoError(t, err)
	assert.Equal(t, []uint64{524288, 100000, 1}, []uint64{info.MaxMem, info.Memory, uint64(info.NrVirtCPU)}, "running")
	n, err := c.DomainGetVCPUsFlags(ctx, dom, libvirt.DomainVCPUConfig)
	require.NoError(t, err)
	assert.EqualValues(t, 3, n)
	inactive, err := c.DomainGetXMLDesc(ctx, dom, libvirt.DomainXMLInactive)
	require.NoError(t, err)
	assert.Contains(t, inactive, "<memory unit='KiB'>600000</memory>\n  <currentMemory unit='KiB'>300000</currentMemory>\n  <vcpu placement='static' current='3'>4</vcpu>")
	live, err := c.DomainGetXMLDesc(ctx, dom, 0)
	require.NoError(t, err)
	assert.Contains(t, live, "<memory unit='KiB'>524288</memory>\n  <currentMemory unit='KiB'>100000</currentMemory>\n  <vcpu placement='static' current='1'>4</vcpu>")

	// The maximum of a running domain and a count above it are refused.
	err = c.DomainSetMaxMemory(ctx, dom, 700000)
	assertLibvirtErr(t, err, libvirt.ErrOperationInvalid, "cannot resize the maximum memory on an active domain")
	err = c.DomainSetVCPUsFlags(ctx, dom, 5, libvirt.DomainVCPULive)
	assertLibvirtErr(t, err, libvirt.ErrInvalidArg, "requested cpu amount exceeds maximum (5 > 4)")

	require.NoError(t, c.DomainDestroy(ctx, dom))
	info, err = c.DomainGetInfo(ctx, dom)
	require.NoError(t, err)
	assert.Equal(t, []uint64{600000, 300000, 3}, []uint64{info.MaxMem, info.Memory, uint64(info.NrVirtCPU)}, "after destroy")

	// A transient domain has no persistent definition to change.
	tr, err := c.DomainCreateXML(ctx, `<domain type='test'><name>sz2</name><memory>65536</memory><os><type>hvm</type></os></domain>`, 0)
	require.NoError(t, err)
	err = c.DomainSetMemoryFlags(ctx, tr, 1024, libvirt.DomainMemConfig)
	assertLibvirtErr(t, err, libvirt.ErrOperationInvalid, "transient domains do not have any persistent config")
}

// Legacy registrations (without callback ID) get the events older than
// callback IDs by the legacy procedures; newer event IDs are refused,
// as libvirtd does.
func TestLegacyDeviceRemovedEvents(t *testing.T) {
	_, c := client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dom, err := c.DomainLookupByName(ctx, "test")
	require.NoError(t, err)
	err = c.ConnectDomainEventRegisterAny(ctx, int32(libvirt.DomainEventIDDeviceAdded))
	assertLibvirtErr(t, err, libvirt.ErrInternalError, "unsupported event ID 19")

	// The client hands legacy events to its subscriptions of that event
	// ID; this one's filter (another domain) lets no callback event in.
	other, err := c.DomainDefineXML(ctx, `<domain type='test'><name>other</name><memory>65536</memory><os><type>hvm</type></os></domain>`)
	require.NoError(t, err)
	removed, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDDeviceRemoved, &other)
	require.NoError(t, err)
	require.NoError(t, c.ConnectDomainEventRegisterAny(ctx, int32(libvirt.DomainEventIDDeviceRemoved)))

	// Only hot-plugged devices have aliases to detach by.
	const vdb = `<disk type='file' device='disk'><source file='/guest/b.img'/><target dev='vdb' bus='virtio'/></disk>`
	require.NoError(t, c.DomainAttachDeviceFlags(ctx, dom, vdb, 0))
	require.NoError(t, c.DomainDetachDeviceAlias(ctx, dom, "virtio-disk1", 0))
	ev, ok := next(t, removed).(*libvirt.DomainEventDeviceRemovedMsg)
	require.True(t, ok, "want the legacy message")
	assert.Equal(t, "test", ev.Dom.Name)
	assert.Equal(t, "virtio-disk1", ev.DevAlias)
}

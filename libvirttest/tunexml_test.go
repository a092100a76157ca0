package libvirttest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
)

// The settings the tunables calls change show in the running "test"
// domain's XML as libvirtd 9.0 and 11.3 print them (checked by
// TestDifferentialAgainstLibvirtd), and in the INACTIVE XML only when
// set persistently.
func TestTunablesInDomainXML(t *testing.T) {
	_, c := client(t)
	ctx := testCtx(t)
	dom, err := c.DomainLookupByName(ctx, "test")
	require.NoError(t, err)
	P := func() libvirt.TypedParams { return libvirt.TypedParams{} }
	require.NoError(t, c.DomainSetMemoryParameters(ctx, dom, P().AddUint64("hard_limit", 1048576), 0))
	require.NoError(t, c.DomainSetMemoryParameters(ctx, dom, P().AddUint64("swap_hard_limit", 2097152), libvirt.DomainAffectConfig))
	require.NoError(t, c.DomainSetBlkioParameters(ctx, dom, P().AddUint("weight", 500).AddString("device_read_iops_sec", "/dev/sda,100"), 0))
	require.NoError(t, c.DomainSetNUMAParameters(ctx, dom, P().AddInt("numa_mode", 2).AddString("numa_nodeset", "1"), 0))
	require.NoError(t, c.DomainSetInterfaceParameters(ctx, dom, "testnet0", P().AddUint("inbound.floor", 10), 0))
	require.NoError(t, c.DomainSetBlockIOTune(ctx, dom, "vda", P().AddUint64("read_bytes_sec", 1000).AddUint64("read_bytes_sec_max", 2000).AddString("group_name", ""), 0))
	require.NoError(t, c.DomainSetLifecycleAction(ctx, dom, libvirt.DomainLifecyclePoweroff, libvirt.DomainLifecycleActionRestart, 0))
	require.NoError(t, c.DomainSetLifecycleAction(ctx, dom, libvirt.DomainLifecycleCrash, libvirt.DomainLifecycleActionCoredumpRestart,
		libvirt.DomainAffectLive|libvirt.DomainAffectConfig))
	require.NoError(t, c.DomainSetPerfEvents(ctx, dom, P().AddBool("cpu_cycles", true).AddBool("cmt", false), 0))
	require.NoError(t, c.DomainSetMemoryStatsPeriod(ctx, dom, 5, 0))
	require.NoError(t, c.DomainPinEmulator(ctx, dom, []byte{0x0f}, 0))

	live, err := c.DomainGetXMLDesc(ctx, dom, 0)
	require.NoError(t, err)
	for _, want := range []string{
		"  <currentMemory unit='KiB'>2097152</currentMemory>\n" +
			"  <blkiotune>\n    <weight>500</weight>\n    <device>\n      <path>/dev/sda</path>\n      <read_iops_sec>100</read_iops_sec>\n    </device>\n  </blkiotune>\n" +
			"  <memtune>\n    <hard_limit unit='KiB'>1048576</hard_limit>\n  </memtune>\n",
		"    <emulatorpin cpuset='0-3'/>\n",
		"  <numatune>\n    <memory mode='interleave' nodeset='1'/>\n  </numatune>\n",
		"  <on_poweroff>restart</on_poweroff>\n  <on_reboot>restart</on_reboot>\n  <on_crash>coredump-restart</on_crash>\n" +
			"  <perf>\n    <event name='cmt' enabled='no'/>\n    <event name='cpu_cycles' enabled='yes'/>\n  </perf>\n",
		"      <iotune>\n        <read_bytes_sec>1000</read_bytes_sec>\n        <read_bytes_sec_max>2000</read_bytes_sec_max>\n" +
			"        <group_name></group_name>\n      </iotune>\n",
		"      <source network='default'/>\n      <bandwidth>\n        <inbound floor='10'/>\n      </bandwidth>\n      <target dev='testnet0'/>\n",
		"    <memballoon model='virtio'>\n      <stats period='5'/>\n",
	} {
		assert.Contains(t, live, want)
	}
	assert.NotContains(t, live, "swap_hard_limit")

	inactive, err := c.DomainGetXMLDesc(ctx, dom, libvirt.DomainXMLInactive)
	require.NoError(t, err)
	assert.Contains(t, inactive, "  <memtune>\n    <swap_hard_limit unit='KiB'>2097152</swap_hard_limit>\n  </memtune>\n")
	assert.Contains(t, inactive, "  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n  <on_crash>coredump-restart</on_crash>\n")
	for _, absent := range []string{"blkiotune", "numatune", "<perf>", "iotune", "bandwidth", "<stats", "emulatorpin", "<hard_limit"} {
		assert.NotContains(t, inactive, absent)
	}
}

// A definition's tunables are what the calls report, in KiB, and a
// redefinition replaces the persistent ones while the running domain
// keeps its own.
func TestTunablesReadFromDefinition(t *testing.T) {
	_, c := client(t)
	ctx := testCtx(t)
	doc := func(memtune string) string {
		return "<domain type='test'><name>tx</name><uuid>7b1c2d3e-4f50-4a61-8b72-9c8d7e6f5a4b</uuid>" +
			"<memory unit='MiB'>256</memory>" + memtune + "<os><type>hvm</type></os>" +
			"<perf><event name='instructions' enabled='no'/><event name='cmt' enabled='yes'/></perf></domain>"
	}
	dom, err := c.DomainDefineXML(ctx, doc("<memtune><hard_limit unit='MiB'>512</hard_limit></memtune>"))
	require.NoError(t, err)
	hard := func(flags libvirt.DomainModificationImpact) uint64 {
		t.Helper()
		ps, err := c.DomainGetMemoryParameters(ctx, dom, flags)
		require.NoError(t, err)
		v, ok := ps.Uint64("hard_limit")
		require.True(t, ok)
		return v
	}
	assert.Equal(t, uint64(524288), hard(0))
	x, err := c.DomainGetXMLDesc(ctx, dom, 0)
	require.NoError(t, err)
	assert.Contains(t, x, "<hard_limit unit='KiB'>524288</hard_limit>")
	// libvirt orders perf events by its own list, not the document's.
	assert.Less(t, strings.Index(x, "name='cmt'"), strings.Index(x, "name='instructions'"))

	dom, err = c.DomainCreate(ctx, dom)
	require.NoError(t, err)
	_, err = c.DomainDefineXML(ctx, doc(""))
	require.NoError(t, err)
	assert.Equal(t, uint64(9007199254740991), hard(libvirt.DomainAffectConfig))
	assert.Equal(t, uint64(524288), hard(libvirt.DomainAffectLive))
	inactive, err := c.DomainGetXMLDesc(ctx, dom, libvirt.DomainXMLInactive)
	require.NoError(t, err)
	assert.NotContains(t, inactive, "memtune")
}

// libvirtd answers the deregistration of a QEMU monitor event callback
// it does not know itself, before any driver is asked.
func TestQEMUMonitorDeregisterUnknown(t *testing.T) {
	_, c := client(t)
	err := c.QEMUConnectDomainMonitorEventDeregister(testCtx(t), 4242)
	var le *libvirt.Error
	require.True(t, errors.As(err, &le), "got %v", err)
	assert.Equal(t, libvirt.ErrInternalError, le.Code)
	assert.Equal(t, libvirt.FromRPC, le.Domain)
	assert.Equal(t, "internal error: qemu monitor event callback 4242 not registered", le.Message)
}

// A persistent change made before anything touched the live settings of a
// running domain stays out of them: the live definition is the one the
// domain started with.
func TestTunablesConfigFirstLeavesLiveAlone(t *testing.T) {
	_, c := client(t)
	ctx := testCtx(t)
	dom, err := c.DomainLookupByName(ctx, "test")
	require.NoError(t, err)
	// A fresh run: the live set is made at this start.
	require.NoError(t, c.DomainDestroy(ctx, dom))
	dom, err = c.DomainCreate(ctx, dom)
	require.NoError(t, err)
	require.NoError(t, c.DomainSetMemoryParameters(ctx, dom, libvirt.TypedParams{}.AddUint64("hard_limit", 1048576), libvirt.DomainAffectConfig))
	live, err := c.DomainGetMemoryParameters(ctx, dom, libvirt.DomainAffectLive)
	require.NoError(t, err)
	config, err := c.DomainGetMemoryParameters(ctx, dom, libvirt.DomainAffectConfig)
	require.NoError(t, err)
	lv, _ := live.Uint64("hard_limit")
	cv, _ := config.Uint64("hard_limit")
	assert.Equal(t, uint64(1048576), cv, "persistent")
	assert.NotEqual(t, uint64(1048576), lv, "live")
	xml, err := c.DomainGetXMLDesc(ctx, dom, 0)
	require.NoError(t, err)
	assert.NotContains(t, xml, "<hard_limit")
}

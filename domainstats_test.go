package libvirt

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// qemuLikeRecord is shaped like a record from the QEMU driver with every
// section requested: indexed entries out of order, a hypervisor-specific
// vcpu counter and a key from a future release.
func qemuLikeRecord() DomainStatsRecord {
	ps := TypedParams{}.
		AddInt("state.state", int32(DomainPaused)).
		AddInt("state.reason", int32(DomainPausedUser)).
		AddUint64("cpu.time", 1000).AddUint64("cpu.user", 600).AddUint64("cpu.system", 300).
		AddUint64("cpu.haltpoll.success.time", 5).AddUint64("cpu.haltpoll.fail.time", 6).
		AddUint64("balloon.current", 65536).AddUint64("balloon.maximum", 131072).
		AddUint64("balloon.rss", 40000).AddUint64("balloon.last-update", 1700000000).
		AddUint64("balloon.swap_in", 1).AddUint64("balloon.swap_out", 2).
		AddUint64("balloon.major_fault", 3).AddUint64("balloon.minor_fault", 4).
		AddUint64("balloon.unused", 5).AddUint64("balloon.available", 6).
		AddUint64("balloon.usable", 7).AddUint64("balloon.disk_caches", 8).
		AddUint64("balloon.hugetlb_pgalloc", 9).AddUint64("balloon.hugetlb_pgfail", 10).
		AddUint("vcpu.current", 2).AddUint("vcpu.maximum", 4).
		AddInt("vcpu.1.state", int32(VCPURunning)).AddUint64("vcpu.1.time", 20).
		AddInt("vcpu.0.state", int32(VCPUOffline)).AddUint64("vcpu.0.time", 10).
		AddUint64("vcpu.0.wait", 11).AddUint64("vcpu.0.delay", 12).AddBool("vcpu.0.halted", true).
		AddUint64("vcpu.0.exits.cur", 99).
		AddUint("net.count", 1).AddString("net.0.name", "vnet0").
		AddUint64("net.0.rx.bytes", 100).AddUint64("net.0.rx.pkts", 101).
		AddUint64("net.0.rx.errs", 102).AddUint64("net.0.rx.drop", 103).
		AddUint64("net.0.tx.bytes", 200).AddUint64("net.0.tx.pkts", 201).
		AddUint64("net.0.tx.errs", 202).AddUint64("net.0.tx.drop", 203).
		AddUint("block.count", 2).
		AddString("block.1.name", "vda").AddUint("block.1.backingIndex", 1).AddString("block.1.path", "/b.qcow2").
		AddString("block.0.name", "vda").AddString("block.0.path", "/a.qcow2").
		AddUint64("block.0.rd.reqs", 1).AddUint64("block.0.rd.bytes", 2).AddUint64("block.0.rd.times", 3).
		AddUint64("block.0.wr.reqs", 4).AddUint64("block.0.wr.bytes", 5).AddUint64("block.0.wr.times", 6).
		AddUint64("block.0.fl.reqs", 7).AddUint64("block.0.fl.times", 8).AddUint64("block.0.errors", 9).
		AddUint64("block.0.allocation", 10).AddUint64("block.0.capacity", 11).
		AddUint64("block.0.physical", 12).AddUint64("block.0.threshold", 13).
		AddUint64("perf.cmt", 77).
		AddUint("iothread.count", 1).AddUint64("iothread.4.poll-max-ns", 32768).
		AddUint64("iothread.4.poll-grow", 2).AddUint64("iothread.4.poll-shrink", 3).
		AddUint("memory.bandwidth.monitor.count", 1).
		AddString("memory.bandwidth.monitor.0.name", "mon0").
		AddString("memory.bandwidth.monitor.0.vcpus", "0-1").
		AddUint("memory.bandwidth.monitor.0.node.count", 2).
		AddUint("memory.bandwidth.monitor.0.node.1.id", 1).
		AddUint64("memory.bandwidth.monitor.0.node.1.bytes.local", 5).
		AddUint("memory.bandwidth.monitor.0.node.0.id", 0).
		AddUint64("memory.bandwidth.monitor.0.node.0.bytes.total", 9).
		AddInt("dirtyrate.calc_status", 2).AddInt64("dirtyrate.calc_start_time", 1234).
		AddInt("dirtyrate.calc_period", 1).AddInt64("dirtyrate.megabytes_per_second", 8).
		AddString("dirtyrate.calc_mode", "page-sampling").
		AddUint64("dirtyrate.vcpu.1.megabytes_per_second", 3).
		AddUint64("vm.remote_time", 42).
		AddString("future.section", "x")
	return DomainStatsRecord{Dom: Domain{Name: "guest", ID: 3}, Params: ps}
}

func TestDomainStatsSections(t *testing.T) {
	rec := qemuLikeRecord()
	s := rec.Stats()

	assert.Equal(t, "guest", s.Domain.Name)
	require.NotNil(t, s.State)
	assert.Equal(t, DomainPaused, s.State.State)
	assert.Equal(t, DomainPausedUser, s.State.ReasonValue())

	assert.Equal(t, &DomainCPUStats{Time: 1000, User: 600, System: 300, HaltPollSuccessTime: 5, HaltPollFailTime: 6}, s.CPU)
	assert.Equal(t, &DomainBalloonStats{
		Current: 65536, Maximum: 131072, SwapIn: 1, SwapOut: 2, MajorFault: 3, MinorFault: 4,
		Unused: 5, Available: 6, RSS: 40000, Usable: 7, DiskCaches: 8,
		HugetlbPgalloc: 9, HugetlbPgfail: 10, LastUpdate: 1700000000,
	}, s.Balloon)

	require.NotNil(t, s.VCPU)
	assert.Equal(t, uint64(2), s.VCPU.Current)
	assert.Equal(t, uint64(4), s.VCPU.Maximum)
	assert.Equal(t, []DomainVCPUStat{
		{Index: 0, State: VCPUOffline, Time: 10, Wait: 11, Delay: 12, Halted: true},
		{Index: 1, State: VCPURunning, Time: 20},
	}, s.VCPU.VCPUs, "in index order whatever the daemon's order")

	assert.Equal(t, []DomainNetStats{{Index: 0, Name: "vnet0",
		RxBytes: 100, RxPkts: 101, RxErrs: 102, RxDrop: 103,
		TxBytes: 200, TxPkts: 201, TxErrs: 202, TxDrop: 203}}, s.Net)

	require.Len(t, s.Block, 2)
	assert.Equal(t, DomainBlockDeviceStats{Index: 0, Name: "vda", Path: "/a.qcow2",
		RdReqs: 1, RdBytes: 2, RdTimes: 3, WrReqs: 4, WrBytes: 5, WrTimes: 6,
		FlReqs: 7, FlTimes: 8, Errors: 9, Allocation: 10, Capacity: 11, Physical: 12, Threshold: 13}, s.Block[0])
	assert.Equal(t, DomainBlockDeviceStats{Index: 1, Name: "vda", Path: "/b.qcow2", BackingIndex: 1}, s.Block[1])

	assert.Equal(t, map[string]uint64{"cmt": 77}, s.Perf)
	assert.Equal(t, []DomainIOThreadStats{{ID: 4, PollMaxNs: 32768, PollGrow: 2, PollShrink: 3}}, s.IOThread)
	assert.Equal(t, []DomainMemoryBandwidthStats{{Index: 0, Name: "mon0", VCPUs: "0-1", Nodes: []DomainMemoryBandwidthNode{
		{Index: 0, ID: 0, BytesTotal: 9}, {Index: 1, ID: 1, BytesLocal: 5},
	}}}, s.MemoryBandwidth)
	assert.Equal(t, &DomainDirtyRateStats{CalcStatus: 2, CalcStartTime: 1234, CalcPeriod: 1,
		MegabytesPerSecond: 8, CalcMode: "page-sampling", VCPU: map[int]uint64{1: 3}}, s.DirtyRate)

	assert.Equal(t, TypedParams{{Field: "vm.remote_time", Value: NewTypedParamValueUllong(42)}}, s.VM)
	assert.Equal(t, rec.Params, s.Params, "the record stays available as sent")
	var unknown []string
	for _, p := range s.Unknown {
		unknown = append(unknown, p.Field)
	}
	assert.Equal(t, []string{"vcpu.0.exits.cur", "future.section"}, unknown,
		"keys no section decodes are kept, in the daemon's order")
}

func TestDomainStatsMissingSections(t *testing.T) {
	// What libvirt's test driver sends for DomainStatsState|DomainStatsIOThread.
	rec := DomainStatsRecord{Dom: Domain{Name: "test"}, Params: TypedParams{}.
		AddInt("state.state", int32(DomainRunning)).AddInt("state.reason", int32(DomainRunningBooted)).
		AddUint("iothread.count", 0)}
	s := rec.Stats()
	assert.Equal(t, DomainRunningBooted, s.State.ReasonValue())
	assert.Nil(t, s.CPU)
	assert.Nil(t, s.Balloon)
	assert.Nil(t, s.VCPU)
	assert.Nil(t, s.Net)
	assert.Nil(t, s.Block)
	assert.Nil(t, s.IOThread)
	assert.Nil(t, s.DirtyRate)
	assert.Empty(t, s.Unknown)

	all := DomainStatsRecords([]DomainStatsRecord{rec, qemuLikeRecord()})
	require.Len(t, all, 2)
	assert.Equal(t, "guest", all[1].Domain.Name)
}

func TestDomainStatsWrongArmTypesAreKeptAsUnknown(t *testing.T) {
	// A daemon that sends a string where a number belongs does not lose
	// the key: it lands in Unknown instead of a silently zero field.
	rec := DomainStatsRecord{Params: TypedParams{}.
		AddString("cpu.time", "soon").AddString("state.state", "x").
		AddInt("balloon.current", -1).AddUint("net.0.name", 3).AddString("block.x.name", "bad index")}
	s := rec.Stats()
	assert.Len(t, s.Unknown, 5)
}

func TestDomainStateReason(t *testing.T) {
	assert.Equal(t, DomainShutoffDestroyed, DomainStateReason(DomainShutoff, int32(DomainShutoffDestroyed)))
	assert.Equal(t, DomainCrashedPanicked, DomainStateReason(DomainCrashed, int32(DomainCrashedPanicked)))
	assert.Equal(t, DomainPMSuspendedUnknown, DomainStateReason(DomainPMSuspended, 0))
	assert.Equal(t, DomainNostateUnknown, DomainStateReason(DomainNostate, 0))
	assert.Equal(t, DomainBlockedUnknown, DomainStateReason(DomainBlocked, 0))
	assert.Equal(t, DomainShutdownUser, DomainStateReason(DomainShutdown, int32(DomainShutdownUser)))
	assert.Equal(t, int32(4), DomainStateReason(DomainState(99), 4), "an unknown state keeps the raw reason")
}

// Each vCPU key works on its own: a daemon may send the maximum without
// the current count, or per-vCPU entries only; a key of another section
// does not make an empty vCPU section appear.
func TestDomainStatsVCPUKeysAlone(t *testing.T) {
	stats := func(ps TypedParams) *DomainStats { r := DomainStatsRecord{Params: ps}; return r.Stats() }
	s := stats(TypedParams{}.AddUint("vcpu.maximum", 4))
	require.NotNil(t, s.VCPU)
	assert.Equal(t, DomainVCPUStats{Maximum: 4}, *s.VCPU)

	s = stats(TypedParams{}.AddUint("vcpu.current", 2))
	require.NotNil(t, s.VCPU)
	assert.Equal(t, DomainVCPUStats{Current: 2}, *s.VCPU)

	s = stats(TypedParams{}.AddUint64("vcpu.1.time", 7))
	require.NotNil(t, s.VCPU)
	assert.Equal(t, DomainVCPUStats{VCPUs: []DomainVCPUStat{{Index: 1, Time: 7}}}, *s.VCPU)

	s = stats(TypedParams{}.AddUint64("vcpu.x.time", 7).AddUint64("cpu.time", 1))
	assert.Nil(t, s.VCPU, "no vCPU section from a malformed vCPU key")
}

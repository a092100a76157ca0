package libvirt

import (
	"sort"
	"strconv"
	"strings"
)

// DomainStats is one record of ConnectGetAllDomainStats or
// DomainListGetStats decoded into the sections libvirt documents for
// virConnectGetAllDomainStats
// (https://libvirt.org/html/libvirt-libvirt-domain.html#virConnectGetAllDomainStats).
//
// A section is nil (or empty, for lists) when the record has none of its
// keys, which happens when its DomainStatsTypes bit was not requested or the
// driver does not report it. Within a section a value the daemon did not
// send is zero; Params.Has tells a reported zero from a missing one. Keys
// that no section knows (newer libvirt releases, hypervisor-specific
// counters such as vcpu.N.NAME.cur) are kept in Unknown, so nothing the
// daemon sent is lost.
type DomainStats struct {
	Domain          Domain
	State           *DomainStateStats
	CPU             *DomainCPUStats
	Balloon         *DomainBalloonStats
	VCPU            *DomainVCPUStats
	Net             []DomainNetStats
	Block           []DomainBlockDeviceStats
	Perf            map[string]uint64 // "perf.NAME" as NAME -> value
	IOThread        []DomainIOThreadStats
	MemoryBandwidth []DomainMemoryBandwidthStats
	DirtyRate       *DomainDirtyRateStats
	VM              TypedParams // "vm.*": hypervisor-specific counters, as sent
	Params          TypedParams // the whole record, as sent
	Unknown         TypedParams // keys that no section above decodes
}

// DomainStateStats is the "state.*" section.
type DomainStateStats struct {
	State  DomainState
	Reason int32 // a reason enum of State: see DomainStateReason
}

// ReasonValue returns Reason typed by State (DomainRunningReason,
// DomainPausedReason, ...), as DomainGetState callers need it.
func (s *DomainStateStats) ReasonValue() any { return DomainStateReason(s.State, s.Reason) }

// DomainCPUStats is the "cpu.*" section; times are in nanoseconds.
type DomainCPUStats struct {
	Time, User, System                    uint64
	HaltPollSuccessTime, HaltPollFailTime uint64
	CacheMonitorCount                     uint64
}

// DomainBalloonStats is the "balloon.*" section; sizes are in KiB.
type DomainBalloonStats struct {
	Current, Maximum, SwapIn, SwapOut, MajorFault, MinorFault uint64
	Unused, Available, RSS, Usable, DiskCaches                uint64
	HugetlbPgalloc, HugetlbPgfail                             uint64
	LastUpdate                                                uint64 // seconds since the epoch
}

// DomainVCPUStats is the "vcpu.*" section.
type DomainVCPUStats struct {
	Current, Maximum uint64
	VCPUs            []DomainVCPUStat // by index, in index order
}

// DomainVCPUStat is "vcpu.N.*" for one virtual CPU.
type DomainVCPUStat struct {
	Index  int
	State  VCPUState
	Time   uint64 // ns
	Wait   uint64 // ns
	Delay  uint64 // ns
	Halted bool
}

// DomainNetStats is "net.N.*" for one interface.
type DomainNetStats struct {
	Index                           int
	Name                            string
	RxBytes, RxPkts, RxErrs, RxDrop uint64
	TxBytes, TxPkts, TxErrs, TxDrop uint64
}

// DomainBlockDeviceStats is "block.N.*" for one disk or backing image.
type DomainBlockDeviceStats struct {
	Index                    int
	Name, Path               string
	BackingIndex             uint64
	RdReqs, RdBytes, RdTimes uint64
	WrReqs, WrBytes, WrTimes uint64
	FlReqs, FlTimes          uint64
	Errors                   uint64
	Allocation, Capacity     uint64
	Physical, Threshold      uint64
}

// DomainIOThreadStats is "iothread.ID.*" for one I/O thread.
type DomainIOThreadStats struct {
	ID                              int
	PollMaxNs, PollGrow, PollShrink uint64
}

// DomainMemoryBandwidthStats is "memory.bandwidth.monitor.N.*".
type DomainMemoryBandwidthStats struct {
	Index int
	Name  string
	VCPUs string
	Nodes []DomainMemoryBandwidthNode
}

// DomainMemoryBandwidthNode is one NUMA node of a bandwidth monitor.
type DomainMemoryBandwidthNode struct {
	Index                  int
	ID                     uint64
	BytesLocal, BytesTotal uint64
}

// DomainDirtyRateStats is the "dirtyrate.*" section.
type DomainDirtyRateStats struct {
	CalcStatus         int64
	CalcStartTime      int64
	CalcPeriod         int64
	MegabytesPerSecond int64
	CalcMode           string
	VCPU               map[int]uint64 // "dirtyrate.vcpu.N.megabytes_per_second"
}

// Stats decodes r into its sections.
func (r *DomainStatsRecord) Stats() *DomainStats {
	s := &DomainStats{Domain: r.Dom, Params: r.Params}
	p := statsParser{s: s}
	for _, tp := range r.Params {
		if !p.take(tp) {
			s.Unknown = append(s.Unknown, tp)
		}
	}
	p.finish()
	return s
}

// DomainStatsRecords decodes every record of a ConnectGetAllDomainStats or
// DomainListGetStats reply.
func DomainStatsRecords(recs []DomainStatsRecord) []*DomainStats {
	out := make([]*DomainStats, len(recs))
	for i := range recs {
		out[i] = recs[i].Stats()
	}
	return out
}

// statsParser fills a DomainStats; indexed entries are collected in maps
// and sorted into the slices at the end.
type statsParser struct {
	s      *DomainStats
	vcpus  map[int]*DomainVCPUStat
	nets   map[int]*DomainNetStats
	blocks map[int]*DomainBlockDeviceStats
	iothr  map[int]*DomainIOThreadStats
	membw  map[int]*DomainMemoryBandwidthStats
	nodes  map[[2]int]*DomainMemoryBandwidthNode
}

// take stores tp in its section and reports whether a section knew it.
func (p *statsParser) take(tp TypedParam) bool {
	key, v := tp.Field, tp.Value
	section, rest, _ := strings.Cut(key, ".")
	switch section {
	case "state":
		return p.state(rest, v)
	case "cpu":
		return p.cpu(rest, v)
	case "balloon":
		return p.balloon(rest, v)
	case "vcpu":
		return p.vcpu(rest, v)
	case "net":
		return p.net(rest, v)
	case "block":
		return p.block(rest, v)
	case "perf":
		n, ok := v.Uint64()
		if !ok {
			return false
		}
		if p.s.Perf == nil {
			p.s.Perf = map[string]uint64{}
		}
		p.s.Perf[rest] = n
		return true
	case "iothread":
		return p.iothread(rest, v)
	case "memory":
		return p.memory(rest, v)
	case "dirtyrate":
		return p.dirtyRate(rest, v)
	case "vm":
		p.s.VM = append(p.s.VM, tp)
		return true
	}
	return false
}

func (p *statsParser) state(key string, v TypedParamValue) bool {
	n, ok := v.Int64()
	if !ok {
		return false
	}
	if p.s.State == nil {
		p.s.State = &DomainStateStats{}
	}
	switch key {
	case "state":
		p.s.State.State = DomainState(n)
	case "reason":
		p.s.State.Reason = int32(n)
	default:
		return false
	}
	return true
}

func (p *statsParser) cpu(key string, v TypedParamValue) bool {
	n, ok := v.Uint64()
	if !ok {
		return false
	}
	if p.s.CPU == nil {
		p.s.CPU = &DomainCPUStats{}
	}
	c := p.s.CPU
	var dst *uint64
	switch key {
	case "time":
		dst = &c.Time
	case "user":
		dst = &c.User
	case "system":
		dst = &c.System
	case "haltpoll.success.time":
		dst = &c.HaltPollSuccessTime
	case "haltpoll.fail.time":
		dst = &c.HaltPollFailTime
	case "cache.monitor.count":
		dst = &c.CacheMonitorCount
	default:
		return false
	}
	*dst = n
	return true
}

func (p *statsParser) balloon(key string, v TypedParamValue) bool {
	n, ok := v.Uint64()
	if !ok {
		return false
	}
	if p.s.Balloon == nil {
		p.s.Balloon = &DomainBalloonStats{}
	}
	b := p.s.Balloon
	var dst *uint64
	switch key {
	case "current":
		dst = &b.Current
	case "maximum":
		dst = &b.Maximum
	case "swap_in":
		dst = &b.SwapIn
	case "swap_out":
		dst = &b.SwapOut
	case "major_fault":
		dst = &b.MajorFault
	case "minor_fault":
		dst = &b.MinorFault
	case "unused":
		dst = &b.Unused
	case "available":
		dst = &b.Available
	case "rss":
		dst = &b.RSS
	case "usable":
		dst = &b.Usable
	case "last-update":
		dst = &b.LastUpdate
	case "disk_caches":
		dst = &b.DiskCaches
	case "hugetlb_pgalloc":
		dst = &b.HugetlbPgalloc
	case "hugetlb_pgfail":
		dst = &b.HugetlbPgfail
	default:
		return false
	}
	*dst = n
	return true
}

// indexed splits "N.suffix" into N and suffix.
func indexed(key string) (int, string, bool) {
	num, suffix, ok := strings.Cut(key, ".")
	if !ok {
		return 0, "", false
	}
	i, err := strconv.Atoi(num)
	if err != nil || i < 0 {
		return 0, "", false
	}
	return i, suffix, true
}

// entry returns the entry for index i of m, creating it with mk.
func entry[T any](m *map[int]*T, i int, mk func() *T) *T {
	if *m == nil {
		*m = map[int]*T{}
	}
	e := (*m)[i]
	if e == nil {
		e = mk()
		(*m)[i] = e
	}
	return e
}

func (p *statsParser) vcpu(key string, v TypedParamValue) bool {
	if p.s.VCPU == nil && (key == "current" || key == "maximum") {
		p.s.VCPU = &DomainVCPUStats{}
	}
	switch key {
	case "current", "maximum":
		n, ok := v.Uint64()
		if !ok {
			return false
		}
		if key == "current" {
			p.s.VCPU.Current = n
		} else {
			p.s.VCPU.Maximum = n
		}
		return true
	}
	i, suffix, ok := indexed(key)
	if !ok {
		return false
	}
	if suffix == "halted" {
		h, ok := v.Bool()
		if ok {
			entry(&p.vcpus, i, func() *DomainVCPUStat { return &DomainVCPUStat{Index: i} }).Halted = h
		}
		return ok
	}
	n, isNum := v.Int64()
	if !isNum {
		return false
	}
	switch suffix {
	case "state", "time", "wait", "delay":
	default:
		return false
	}
	e := entry(&p.vcpus, i, func() *DomainVCPUStat { return &DomainVCPUStat{Index: i} })
	switch suffix {
	case "state":
		e.State = VCPUState(n)
	case "time":
		e.Time = uint64(n)
	case "wait":
		e.Wait = uint64(n)
	case "delay":
		e.Delay = uint64(n)
	}
	return true
}

func (p *statsParser) net(key string, v TypedParamValue) bool {
	if key == "count" {
		_, ok := v.Uint64()
		return ok
	}
	i, suffix, ok := indexed(key)
	if !ok {
		return false
	}
	e := entry(&p.nets, i, func() *DomainNetStats { return &DomainNetStats{Index: i} })
	if suffix == "name" {
		e.Name, ok = v.AsString()
		return ok
	}
	var dst *uint64
	switch suffix {
	case "rx.bytes":
		dst = &e.RxBytes
	case "rx.pkts":
		dst = &e.RxPkts
	case "rx.errs":
		dst = &e.RxErrs
	case "rx.drop":
		dst = &e.RxDrop
	case "tx.bytes":
		dst = &e.TxBytes
	case "tx.pkts":
		dst = &e.TxPkts
	case "tx.errs":
		dst = &e.TxErrs
	case "tx.drop":
		dst = &e.TxDrop
	}
	return setUint(dst, v)
}

func (p *statsParser) block(key string, v TypedParamValue) bool {
	if key == "count" {
		_, ok := v.Uint64()
		return ok
	}
	i, suffix, ok := indexed(key)
	if !ok {
		return false
	}
	e := entry(&p.blocks, i, func() *DomainBlockDeviceStats { return &DomainBlockDeviceStats{Index: i} })
	switch suffix {
	case "name":
		e.Name, ok = v.AsString()
		return ok
	case "path":
		e.Path, ok = v.AsString()
		return ok
	}
	var dst *uint64
	switch suffix {
	case "backingIndex":
		dst = &e.BackingIndex
	case "rd.reqs":
		dst = &e.RdReqs
	case "rd.bytes":
		dst = &e.RdBytes
	case "rd.times":
		dst = &e.RdTimes
	case "wr.reqs":
		dst = &e.WrReqs
	case "wr.bytes":
		dst = &e.WrBytes
	case "wr.times":
		dst = &e.WrTimes
	case "fl.reqs":
		dst = &e.FlReqs
	case "fl.times":
		dst = &e.FlTimes
	case "errors":
		dst = &e.Errors
	case "allocation":
		dst = &e.Allocation
	case "capacity":
		dst = &e.Capacity
	case "physical":
		dst = &e.Physical
	case "threshold":
		dst = &e.Threshold
	}
	return setUint(dst, v)
}

func (p *statsParser) iothread(key string, v TypedParamValue) bool {
	if key == "count" {
		_, ok := v.Uint64()
		return ok
	}
	id, suffix, ok := indexed(key)
	if !ok {
		return false
	}
	e := entry(&p.iothr, id, func() *DomainIOThreadStats { return &DomainIOThreadStats{ID: id} })
	var dst *uint64
	switch suffix {
	case "poll-max-ns":
		dst = &e.PollMaxNs
	case "poll-grow":
		dst = &e.PollGrow
	case "poll-shrink":
		dst = &e.PollShrink
	}
	return setUint(dst, v)
}

// memory decodes "memory.bandwidth.monitor.*".
func (p *statsParser) memory(key string, v TypedParamValue) bool {
	rest, ok := strings.CutPrefix(key, "bandwidth.monitor.")
	if !ok {
		return false
	}
	if rest == "count" {
		_, ok := v.Uint64()
		return ok
	}
	i, suffix, ok := indexed(rest)
	if !ok {
		return false
	}
	m := entry(&p.membw, i, func() *DomainMemoryBandwidthStats {
		return &DomainMemoryBandwidthStats{Index: i}
	})
	switch suffix {
	case "name":
		m.Name, ok = v.AsString()
		return ok
	case "vcpus":
		m.VCPUs, ok = v.AsString()
		return ok
	case "node.count":
		_, ok := v.Uint64()
		return ok
	}
	nodeKey, ok := strings.CutPrefix(suffix, "node.")
	if !ok {
		return false
	}
	j, field, ok := indexed(nodeKey)
	if !ok {
		return false
	}
	if p.nodes == nil {
		p.nodes = map[[2]int]*DomainMemoryBandwidthNode{}
	}
	n := p.nodes[[2]int{i, j}]
	if n == nil {
		n = &DomainMemoryBandwidthNode{Index: j}
		p.nodes[[2]int{i, j}] = n
	}
	var dst *uint64
	switch field {
	case "id":
		dst = &n.ID
	case "bytes.local":
		dst = &n.BytesLocal
	case "bytes.total":
		dst = &n.BytesTotal
	}
	return setUint(dst, v)
}

func (p *statsParser) dirtyRate(key string, v TypedParamValue) bool {
	if p.s.DirtyRate == nil {
		p.s.DirtyRate = &DomainDirtyRateStats{}
	}
	d := p.s.DirtyRate
	if key == "calc_mode" {
		var ok bool
		d.CalcMode, ok = v.AsString()
		return ok
	}
	if rest, ok := strings.CutPrefix(key, "vcpu."); ok {
		i, suffix, ok := indexed(rest)
		n, isNum := v.Uint64()
		if !ok || !isNum || suffix != "megabytes_per_second" {
			return false
		}
		if d.VCPU == nil {
			d.VCPU = map[int]uint64{}
		}
		d.VCPU[i] = n
		return true
	}
	var dst *int64
	switch key {
	case "calc_status":
		dst = &d.CalcStatus
	case "calc_start_time":
		dst = &d.CalcStartTime
	case "calc_period":
		dst = &d.CalcPeriod
	case "megabytes_per_second":
		dst = &d.MegabytesPerSecond
	default:
		return false
	}
	n, ok := v.Int64()
	if ok {
		*dst = n
	}
	return ok
}

// setUint stores v in dst when dst is known and v is an unsigned integer.
func setUint(dst *uint64, v TypedParamValue) bool {
	if dst == nil {
		return false
	}
	n, ok := v.Uint64()
	if ok {
		*dst = n
	}
	return ok
}

// finish moves the indexed entries into the record's slices, in index order.
func (p *statsParser) finish() {
	s := p.s
	for _, i := range sortedKeys(p.vcpus) {
		if s.VCPU == nil {
			s.VCPU = &DomainVCPUStats{}
		}
		s.VCPU.VCPUs = append(s.VCPU.VCPUs, *p.vcpus[i])
	}
	for _, i := range sortedKeys(p.nets) {
		s.Net = append(s.Net, *p.nets[i])
	}
	for _, i := range sortedKeys(p.blocks) {
		s.Block = append(s.Block, *p.blocks[i])
	}
	for _, i := range sortedKeys(p.iothr) {
		s.IOThread = append(s.IOThread, *p.iothr[i])
	}
	for _, i := range sortedKeys(p.membw) {
		m := p.membw[i]
		for k, n := range p.nodes {
			if k[0] == i {
				m.Nodes = append(m.Nodes, *n)
			}
		}
		sort.Slice(m.Nodes, func(a, b int) bool { return m.Nodes[a].Index < m.Nodes[b].Index })
		s.MemoryBandwidth = append(s.MemoryBandwidth, *m)
	}
}

func sortedKeys[T any](m map[int]*T) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	return keys
}

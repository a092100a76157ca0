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
	return setField(&p.s.CPU, cpuFields, key, v)
}

func (p *statsParser) balloon(key string, v TypedParamValue) bool {
	return setField(&p.s.Balloon, balloonFields, key, v)
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
	i, suffix, ok := countOrIndexed(key, v)
	if !ok || suffix == "" {
		return ok
	}
	e := entry(&p.nets, i, func() *DomainNetStats { return &DomainNetStats{Index: i} })
	if suffix == "name" {
		e.Name, ok = v.AsString()
		return ok
	}
	return setField(&e, netFields, suffix, v)
}

func (p *statsParser) block(key string, v TypedParamValue) bool {
	i, suffix, ok := countOrIndexed(key, v)
	if !ok || suffix == "" {
		return ok
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
	return setField(&e, blockFields, suffix, v)
}

func (p *statsParser) iothread(key string, v TypedParamValue) bool {
	id, suffix, ok := countOrIndexed(key, v)
	if !ok || suffix == "" {
		return ok
	}
	e := entry(&p.iothr, id, func() *DomainIOThreadStats { return &DomainIOThreadStats{ID: id} })
	return setField(&e, iothreadFields, suffix, v)
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
	return setField(&n, nodeFields, field, v)
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

// setField stores v, an unsigned integer, in the field of *sec that
// fields names for key, creating the section on first use. It is false for
// a key the table lacks or a value that is not an unsigned integer, which
// leaves the section as it was.
func setField[T any](sec **T, fields map[string]func(*T) *uint64, key string, v TypedParamValue) bool {
	field, ok := fields[key]
	if !ok {
		return false
	}
	n, ok := v.Uint64()
	if !ok {
		return false
	}
	if *sec == nil {
		*sec = new(T)
	}
	*field(*sec) = n
	return true
}

// countOrIndexed splits a key of a counted section: "count" (suffix "",
// ok when v is a number) or "N.suffix".
func countOrIndexed(key string, v TypedParamValue) (int, string, bool) {
	if key == "count" {
		_, ok := v.Uint64()
		return 0, "", ok
	}
	return indexed(key)
}

var cpuFields = map[string]func(*DomainCPUStats) *uint64{
	"time":                  func(c *DomainCPUStats) *uint64 { return &c.Time },
	"user":                  func(c *DomainCPUStats) *uint64 { return &c.User },
	"system":                func(c *DomainCPUStats) *uint64 { return &c.System },
	"haltpoll.success.time": func(c *DomainCPUStats) *uint64 { return &c.HaltPollSuccessTime },
	"haltpoll.fail.time":    func(c *DomainCPUStats) *uint64 { return &c.HaltPollFailTime },
	"cache.monitor.count":   func(c *DomainCPUStats) *uint64 { return &c.CacheMonitorCount },
}

var balloonFields = map[string]func(*DomainBalloonStats) *uint64{
	"current":         func(b *DomainBalloonStats) *uint64 { return &b.Current },
	"maximum":         func(b *DomainBalloonStats) *uint64 { return &b.Maximum },
	"swap_in":         func(b *DomainBalloonStats) *uint64 { return &b.SwapIn },
	"swap_out":        func(b *DomainBalloonStats) *uint64 { return &b.SwapOut },
	"major_fault":     func(b *DomainBalloonStats) *uint64 { return &b.MajorFault },
	"minor_fault":     func(b *DomainBalloonStats) *uint64 { return &b.MinorFault },
	"unused":          func(b *DomainBalloonStats) *uint64 { return &b.Unused },
	"available":       func(b *DomainBalloonStats) *uint64 { return &b.Available },
	"rss":             func(b *DomainBalloonStats) *uint64 { return &b.RSS },
	"usable":          func(b *DomainBalloonStats) *uint64 { return &b.Usable },
	"last-update":     func(b *DomainBalloonStats) *uint64 { return &b.LastUpdate },
	"disk_caches":     func(b *DomainBalloonStats) *uint64 { return &b.DiskCaches },
	"hugetlb_pgalloc": func(b *DomainBalloonStats) *uint64 { return &b.HugetlbPgalloc },
	"hugetlb_pgfail":  func(b *DomainBalloonStats) *uint64 { return &b.HugetlbPgfail },
}

var netFields = map[string]func(*DomainNetStats) *uint64{
	"rx.bytes": func(n *DomainNetStats) *uint64 { return &n.RxBytes },
	"rx.pkts":  func(n *DomainNetStats) *uint64 { return &n.RxPkts },
	"rx.errs":  func(n *DomainNetStats) *uint64 { return &n.RxErrs },
	"rx.drop":  func(n *DomainNetStats) *uint64 { return &n.RxDrop },
	"tx.bytes": func(n *DomainNetStats) *uint64 { return &n.TxBytes },
	"tx.pkts":  func(n *DomainNetStats) *uint64 { return &n.TxPkts },
	"tx.errs":  func(n *DomainNetStats) *uint64 { return &n.TxErrs },
	"tx.drop":  func(n *DomainNetStats) *uint64 { return &n.TxDrop },
}

var blockFields = map[string]func(*DomainBlockDeviceStats) *uint64{
	"backingIndex": func(b *DomainBlockDeviceStats) *uint64 { return &b.BackingIndex },
	"rd.reqs":      func(b *DomainBlockDeviceStats) *uint64 { return &b.RdReqs },
	"rd.bytes":     func(b *DomainBlockDeviceStats) *uint64 { return &b.RdBytes },
	"rd.times":     func(b *DomainBlockDeviceStats) *uint64 { return &b.RdTimes },
	"wr.reqs":      func(b *DomainBlockDeviceStats) *uint64 { return &b.WrReqs },
	"wr.bytes":     func(b *DomainBlockDeviceStats) *uint64 { return &b.WrBytes },
	"wr.times":     func(b *DomainBlockDeviceStats) *uint64 { return &b.WrTimes },
	"fl.reqs":      func(b *DomainBlockDeviceStats) *uint64 { return &b.FlReqs },
	"fl.times":     func(b *DomainBlockDeviceStats) *uint64 { return &b.FlTimes },
	"errors":       func(b *DomainBlockDeviceStats) *uint64 { return &b.Errors },
	"allocation":   func(b *DomainBlockDeviceStats) *uint64 { return &b.Allocation },
	"capacity":     func(b *DomainBlockDeviceStats) *uint64 { return &b.Capacity },
	"physical":     func(b *DomainBlockDeviceStats) *uint64 { return &b.Physical },
	"threshold":    func(b *DomainBlockDeviceStats) *uint64 { return &b.Threshold },
}

var iothreadFields = map[string]func(*DomainIOThreadStats) *uint64{
	"poll-max-ns": func(t *DomainIOThreadStats) *uint64 { return &t.PollMaxNs },
	"poll-grow":   func(t *DomainIOThreadStats) *uint64 { return &t.PollGrow },
	"poll-shrink": func(t *DomainIOThreadStats) *uint64 { return &t.PollShrink },
}

var nodeFields = map[string]func(*DomainMemoryBandwidthNode) *uint64{
	"id":          func(n *DomainMemoryBandwidthNode) *uint64 { return &n.ID },
	"bytes.local": func(n *DomainMemoryBandwidthNode) *uint64 { return &n.BytesLocal },
	"bytes.total": func(n *DomainMemoryBandwidthNode) *uint64 { return &n.BytesTotal },
}

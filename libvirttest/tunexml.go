package libvirttest

import (
	"reflect"
	"strconv"
	"strings"

	"libvirt.org/go/libvirtxml"
)

// The tunables (tunables.go) are the one record of a domain's resource
// settings: they are read from its definition when first used and the
// calls change only them. Dumping the XML writes them back into the
// elements libvirt keeps them in (<memtune>, <blkiotune>, <numatune>,
// <on_*>, <perf>, a disk's <iotune>, an interface's <bandwidth>, the
// balloon's <stats>), replacing what the document was defined with.

// lifecycleActions and numaModes are libvirt's names, by value.
var (
	lifecycleActions = []string{"destroy", "restart", "rename-restart", "preserve", "coredump-destroy", "coredump-restart"}
	numaModes        = []string{"strict", "preferred", "interleave", "restrictive"}
)

func nameIndex(names []string, name string, def int32) int32 {
	for i, n := range names {
		if n == name {
			return int32(i)
		}
	}
	return def
}

// tunablesFromDef reads the settings def was defined with; what it does
// not set has libvirt's defaults (no limits, destroy/restart/destroy).
func tunablesFromDef(def *domainDef) *tunables {
	t := &tunables{memHard: unlimitedKiB, memSoft: unlimitedKiB, memSwap: unlimitedKiB,
		bandwidth: map[int]*bandwidth{}, iotune: map[string]*ioTune{}}
	x := def.doc
	if x == nil {
		return t
	}
	if m := x.MemoryTune; m != nil {
		for _, l := range []struct {
			lim *libvirtxml.DomainMemoryTuneLimit
			to  *uint64
		}{{m.HardLimit, &t.memHard}, {m.SoftLimit, &t.memSoft}, {m.SwapHardLimit, &t.memSwap}, {m.MinGuarantee, &t.memMin}} {
			if l.lim == nil {
				continue
			}
			if b, ok, err := (scaled{Value: strconv.FormatUint(l.lim.Value, 10), Unit: l.lim.Unit}).bytes("kib"); err == nil && ok {
				*l.to = (b + 1023) / 1024
			}
		}
	}
	if n := x.NUMATune; n != nil && n.Memory != nil {
		t.numaSet = true
		t.numaMode = nameIndex(numaModes, n.Memory.Mode, 0)
		t.numaNodes = n.Memory.Nodeset
	}
	if b := x.BlockIOTune; b != nil {
		t.blkioWeight = uint32(b.Weight)
		for _, dv := range b.Device {
			t.blkioDevs = append(t.blkioDevs, blkioDev{path: dv.Path, weight: uint32(dv.Weight),
				riops: uint64(dv.ReadIopsSec), wiops: uint64(dv.WriteIopsSec), rbps: uint64(dv.ReadBytesSec), wbps: uint64(dv.WriteBytesSec)})
		}
	}
	t.lifecycle = [3]int32{nameIndex(lifecycleActions, x.OnPoweroff, 0), nameIndex(lifecycleActions, x.OnReboot, 1), nameIndex(lifecycleActions, x.OnCrash, 0)}
	if x.CPUTune != nil && x.CPUTune.EmulatorPin != nil {
		if bits, err := parseCPUSet(x.CPUTune.EmulatorPin.CPUSet, hostCPUs); err == nil && len(bits) > 0 {
			t.emulatorPin = make([]byte, (hostCPUs+7)/8)
			for _, b := range bits {
				if b < hostCPUs {
					t.emulatorPin[b/8] |= 1 << (b % 8)
				}
			}
		}
	}
	if x.Perf != nil {
		t.perf = map[string]bool{}
		for _, ev := range x.Perf.Events {
			t.perf[ev.Name] = ev.Enabled == "yes"
		}
	}
	if x.Devices == nil {
		return t
	}
	if mb := x.Devices.MemBalloon; mb != nil && mb.Stats != nil {
		t.period = int32(mb.Stats.Period)
	}
	for _, dk := range x.Devices.Disks {
		if dk.IOTune == nil || dk.Target == nil {
			continue
		}
		io := dk.IOTune
		t.iotune[dk.Target.Dev] = &ioTune{group: io.GroupName, v: [19]uint64{
			io.TotalBytesSec, io.ReadBytesSec, io.WriteBytesSec, io.TotalIopsSec, io.ReadIopsSec, io.WriteIopsSec,
			io.TotalBytesSecMax, io.ReadBytesSecMax, io.WriteBytesSecMax, io.TotalIopsSecMax, io.ReadIopsSecMax, io.WriteIopsSecMax,
			io.SizeIopsSec,
			io.TotalBytesSecMaxLength, io.ReadBytesSecMaxLength, io.WriteBytesSecMaxLength,
			io.TotalIopsSecMaxLength, io.ReadIopsSecMaxLength, io.WriteIopsSecMaxLength}}
	}
	for i, n := range x.Devices.Interfaces {
		if n.Bandwidth == nil {
			continue
		}
		t.bandwidth[i] = &bandwidth{in: rateFromXML(n.Bandwidth.Inbound), out: rateFromXML(n.Bandwidth.Outbound)}
	}
	return t
}

func rateFromXML(p *libvirtxml.DomainInterfaceBandwidthParams) *rate {
	if p == nil {
		return nil
	}
	get := func(v *int) uint32 {
		if v == nil || *v < 0 {
			return 0
		}
		return uint32(*v)
	}
	return &rate{average: get(p.Average), peak: get(p.Peak), burst: get(p.Burst), floor: get(p.Floor)}
}

func rateToXML(r *rate) *libvirtxml.DomainInterfaceBandwidthParams {
	if r == nil {
		return nil
	}
	set := func(v uint32) *int {
		if v == 0 {
			return nil
		}
		i := int(v)
		return &i
	}
	return &libvirtxml.DomainInterfaceBandwidthParams{Average: set(r.average), Peak: set(r.peak), Burst: set(r.burst), Floor: set(r.floor)}
}

// applyTo writes t into x, a shallow copy of a definition's document
// about to be formatted: the slices and structures it changes are
// copied first, so the stored document stays as it was.
func (t *tunables) applyTo(x *libvirtxml.Domain) {
	// Limits are shown unless unlimited; the guarantee unless 0.
	limit := func(v, unset uint64) *libvirtxml.DomainMemoryTuneLimit {
		if v == unset {
			return nil
		}
		return &libvirtxml.DomainMemoryTuneLimit{Value: v, Unit: "KiB"}
	}
	mt := libvirtxml.DomainMemoryTune{HardLimit: limit(t.memHard, unlimitedKiB), SoftLimit: limit(t.memSoft, unlimitedKiB),
		MinGuarantee: limit(t.memMin, 0), SwapHardLimit: limit(t.memSwap, unlimitedKiB)}
	x.MemoryTune = nil
	if mt != (libvirtxml.DomainMemoryTune{}) {
		x.MemoryTune = &mt
	}

	x.BlockIOTune = nil
	if t.blkioWeight != 0 || len(t.blkioDevs) > 0 {
		b := &libvirtxml.DomainBlockIOTune{Weight: uint(t.blkioWeight)}
		for _, dv := range t.blkioDevs {
			b.Device = append(b.Device, libvirtxml.DomainBlockIOTuneDevice{Path: dv.path, Weight: uint(dv.weight),
				ReadIopsSec: uint(dv.riops), WriteIopsSec: uint(dv.wiops), ReadBytesSec: uint(dv.rbps), WriteBytesSec: uint(dv.wbps)})
		}
		x.BlockIOTune = b
	}

	if t.numaSet {
		n := libvirtxml.DomainNUMATune{}
		if x.NUMATune != nil {
			n = *x.NUMATune
		}
		m := libvirtxml.DomainNUMATuneMemory{}
		if n.Memory != nil {
			m = *n.Memory
		}
		if t.numaMode >= 0 && int(t.numaMode) < len(numaModes) {
			m.Mode = numaModes[t.numaMode]
		}
		if t.numaNodes != "" {
			m.Nodeset, m.Placement = t.numaNodes, ""
		}
		n.Memory = &m
		x.NUMATune = &n
	}

	if x.CPUTune != nil || t.emulatorPin != nil {
		tune := libvirtxml.DomainCPUTune{}
		if x.CPUTune != nil {
			tune = *x.CPUTune
		}
		tune.EmulatorPin = nil
		if t.emulatorPin != nil {
			tune.EmulatorPin = &libvirtxml.DomainCPUTuneEmulatorPin{CPUSet: cpuSet(t.emulatorPin)}
		}
		x.CPUTune = &tune
		if reflect.ValueOf(tune).IsZero() {
			x.CPUTune = nil
		}
	}

	act := func(v int32) string {
		if v >= 0 && int(v) < len(lifecycleActions) {
			return lifecycleActions[v]
		}
		return ""
	}
	x.OnPoweroff, x.OnReboot, x.OnCrash = act(t.lifecycle[0]), act(t.lifecycle[1]), act(t.lifecycle[2])

	x.Perf = nil
	if len(t.perf) > 0 {
		p := &libvirtxml.DomainPerf{}
		for _, ev := range perfEvents { // libvirt's order
			if on, ok := t.perf[ev]; ok {
				p.Events = append(p.Events, libvirtxml.DomainPerfEvent{Name: ev, Enabled: yesNo(on)})
			}
		}
		x.Perf = p
	}

	if x.Devices == nil {
		return
	}
	devs := *x.Devices
	x.Devices = &devs
	devs.Disks = append([]libvirtxml.DomainDisk(nil), devs.Disks...)
	for i := range devs.Disks {
		dk := &devs.Disks[i]
		if dk.Target == nil {
			continue
		}
		dk.IOTune = t.iotune[dk.Target.Dev].xml()
	}
	devs.Interfaces = append([]libvirtxml.DomainInterface(nil), devs.Interfaces...)
	for i := range devs.Interfaces {
		n := &devs.Interfaces[i]
		n.Bandwidth = nil
		if bw := t.bandwidth[i]; bw != nil && (bw.in != nil || bw.out != nil) {
			n.Bandwidth = &libvirtxml.DomainInterfaceBandwidth{Inbound: rateToXML(bw.in), Outbound: rateToXML(bw.out)}
		}
	}
	if devs.MemBalloon != nil {
		mb := *devs.MemBalloon
		mb.Stats = nil
		if t.period != 0 {
			mb.Stats = &libvirtxml.DomainMemBalloonStats{Period: uint(t.period)}
		}
		devs.MemBalloon = &mb
	}
}

// xml is a disk's <iotune>, or nil when nothing is throttled.
func (tn *ioTune) xml() *libvirtxml.DomainDiskIOTune {
	if tn == nil {
		return nil
	}
	v := tn.v
	io := &libvirtxml.DomainDiskIOTune{
		TotalBytesSec: v[0], ReadBytesSec: v[1], WriteBytesSec: v[2],
		TotalIopsSec: v[3], ReadIopsSec: v[4], WriteIopsSec: v[5],
		TotalBytesSecMax: v[6], ReadBytesSecMax: v[7], WriteBytesSecMax: v[8],
		TotalIopsSecMax: v[9], ReadIopsSecMax: v[10], WriteIopsSecMax: v[11],
		SizeIopsSec:            v[12],
		TotalBytesSecMaxLength: v[13], ReadBytesSecMaxLength: v[14], WriteBytesSecMaxLength: v[15],
		TotalIopsSecMaxLength: v[16], ReadIopsSecMaxLength: v[17], WriteIopsSecMaxLength: v[18],
		GroupName: tn.group,
	}
	if tn.groupSet && tn.group == "" {
		io.GroupName = emptyGroupName
	}
	if *io == (libvirtxml.DomainDiskIOTune{}) {
		return nil
	}
	return io
}

// emptyGroupName stands for a group name set to "", which libvirt
// writes as an empty element and libvirtxml would leave out; the
// formatted document gets the empty element back (formatDomain).
const emptyGroupName = "\uE000libvirttest-empty-group-name"

// restoreEmptyGroupName puts the empty <group_name> elements back.
func restoreEmptyGroupName(doc string) string {
	return strings.ReplaceAll(doc, "<group_name>"+emptyGroupName+"</group_name>", "<group_name></group_name>")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// tunedDef returns def, the definition dumpxml formats, with the
// settings the calls keep outside it written into a copy of its
// document: those of the live state, or with inactive (or when shut
// off) those of the persistent one. Nothing is stored: settings not yet
// used are read from def, which formats them in libvirt's units and
// order.
func (dom *domain) tunedDef(def *domainDef, inactive bool) *domainDef {
	live := dom.active() && !inactive
	t := dom.tunables
	if live && dom.liveTunables != nil && dom.liveTunablesID == dom.id {
		t = dom.liveTunables
	}
	if t == nil {
		t = tunablesFromDef(def)
	}
	var threads []ioThreadID
	io := dom.io
	if io != nil && io.def == dom.def {
		threads = io.cfg
		if live && io.liveID == dom.id {
			threads = io.live
		}
	} else {
		io = nil
	}
	c := *def
	x := *def.doc
	c.doc = &x
	t.applyTo(&x)
	if io != nil {
		applyIOThreads(&x, threads)
	}
	return &c
}

// applyIOThreads writes a thread list into x as libvirt formats it: the
// count, the IDs only when one of them was chosen (not numbered from the
// count), and the pinned ones' <iothreadpin> in <cputune>.
func applyIOThreads(x *libvirtxml.Domain, threads []ioThreadID) {
	x.IOThreads = uint(len(threads))
	x.IOThreadIDs = nil
	listed := false
	for _, t := range threads {
		listed = listed || !t.auto
	}
	if listed {
		ids := &libvirtxml.DomainIOThreadIDs{}
		for _, t := range threads {
			ids.IOThreads = append(ids.IOThreads, libvirtxml.DomainIOThread{ID: uint(t.id)})
		}
		x.IOThreadIDs = ids
	}
	tune := libvirtxml.DomainCPUTune{}
	if x.CPUTune != nil {
		tune = *x.CPUTune
	}
	tune.IOThreadPin = nil
	for _, t := range threads {
		if t.cpumap != nil {
			tune.IOThreadPin = append(tune.IOThreadPin, libvirtxml.DomainCPUTuneIOThreadPin{IOThread: uint(t.id), CPUSet: cpuSet(t.cpumap)})
		}
	}
	x.CPUTune = &tune
	if reflect.ValueOf(tune).IsZero() {
		x.CPUTune = nil
	}
}

// redefineTunables is called before dom.def is replaced by a new
// definition: the persistent settings are read again from it, while a
// running domain keeps its live ones.
func (dom *domain) redefineTunables() {
	if dom.active() {
		dom.tun(0) // the live set, copied from the old definition if not yet
	}
	dom.tunables = nil
}

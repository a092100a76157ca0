package libvirttest

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// tunables are the resource settings the test driver keeps in a
// domain's definition and reads back: memory limits, NUMA placement,
// block I/O weights, interface bandwidth, per-disk throttling and the
// lifecycle actions, perf events, the balloon's statistics period and
// the emulator's pinning.
// A running domain has a live set besides the persistent one (tun), and
// the XML shows them (tunexml.go).
type tunables struct {
	memHard, memSoft, memSwap uint64
	memMin                    uint64 // <min_guarantee>, which no call sets
	numaSet                   bool   // a <numatune> exists (mode fixed while running)
	numaMode                  int32
	numaNodes                 string
	blkioWeight               uint32
	blkioDevs                 []blkioDev
	bandwidth                 map[int]*bandwidth // by index in def.nets
	iotune                    map[string]*ioTune // by disk target
	lifecycle                 [3]int32           // poweroff, reboot, crash
	perf                      map[string]bool    // the events set on or off; nil: none
	period                    int32              // the balloon's statistics period (s)
	emulatorPin               []byte             // host CPU bitmap; nil: not pinned
}

// blkioDev is a per-device block I/O setting.
type blkioDev struct {
	path                     string
	weight                   uint32
	riops, wiops, rbps, wbps uint64
}

// bandwidth is an interface's inbound and outbound limits; nil means
// unset.
type bandwidth struct {
	in  *rate
	out *rate
}

type rate struct{ average, peak, burst, floor uint32 }

// ioTune is a disk's throttling: the 19 numbers of
// virDomainBlockIoTuneInfo in ioTuneFields order, and the group name.
type ioTune struct {
	v        [19]uint64
	group    string
	groupSet bool // set by a call, even to "" (which libvirt then shows)
}

// ioTuneFields are the block I/O tunables in GetBlockIoTune's order
// (group_name comes after the 13th).
var ioTuneFields = []string{
	"total_bytes_sec", "read_bytes_sec", "write_bytes_sec",
	"total_iops_sec", "read_iops_sec", "write_iops_sec",
	"total_bytes_sec_max", "read_bytes_sec_max", "write_bytes_sec_max",
	"total_iops_sec_max", "read_iops_sec_max", "write_iops_sec_max",
	"size_iops_sec",
	"total_bytes_sec_max_length", "read_bytes_sec_max_length", "write_bytes_sec_max_length",
	"total_iops_sec_max_length", "read_iops_sec_max_length", "write_iops_sec_max_length",
}

// ioTuneMax is the test driver's largest throttling value.
const ioTuneMax = 1000000000000000

// tun returns the tunables flags select (checked by oneDef): a running
// domain's live ones unless CONFIG is given, else the persistent ones.
// The live set is a copy of the persistent one made when the domain
// starts (here: when first used in a run), as libvirt's live definition.
func (dom *domain) tun(flags uint32) *tunables {
	if dom.tunables == nil {
		dom.tunables = tunablesFromDef(dom.def)
	}
	if dom.addressesConfig(flags) {
		return dom.tunables
	}
	if dom.liveTunables == nil || dom.liveTunablesID != dom.id {
		dom.liveTunables, dom.liveTunablesID = dom.tunables.clone(), dom.id
	}
	return dom.liveTunables
}

// clone is a deep copy of t.
func (t *tunables) clone() *tunables {
	c := *t
	c.blkioDevs = append([]blkioDev{}, t.blkioDevs...)
	c.bandwidth = map[int]*bandwidth{}
	for k, v := range t.bandwidth {
		bw := &bandwidth{}
		if v.in != nil {
			in := *v.in
			bw.in = &in
		}
		if v.out != nil {
			out := *v.out
			bw.out = &out
		}
		c.bandwidth[k] = bw
	}
	c.iotune = map[string]*ioTune{}
	for k, v := range t.iotune {
		tn := *v
		c.iotune[k] = &tn
	}
	c.perf = maps.Clone(t.perf)
	return &c
}

// unlimitedKiB is libvirt's "no limit" for memory tunables
// (VIR_DOMAIN_MEMORY_PARAM_UNLIMITED).
const unlimitedKiB = 9007199254740991

// typedParams answers a getter: with nparams 0 the number of parameters
// (the remote protocol's probe), else the first nparams of them. The
// domain is looked up and flags checked as virDomainObjGetOneDef does.
func (d *driver) typedParams(ref libvirt.Domain, nparams int32, flags uint32, all func(t *tunables) []libvirt.TypedParam) ([]libvirt.TypedParam, int32, error) {
	var list []libvirt.TypedParam
	err := d.withDomain(ref, func(dom *domain) error {
		flags &^= uint32(libvirt.TypedParamStringOkay)
		if err := oneDef(dom, flags); err != nil {
			return err
		}
		list = all(dom.tun(flags))
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if nparams == 0 {
		return nil, int32(len(list)), nil
	}
	return list[:min(int(nparams), len(list))], 0, nil
}

// DomainGetMemoryParameters reports the memory limits.
func (d *driver) DomainGetMemoryParameters(ctx context.Context, args *protocol.DomainGetMemoryParametersArgs) (*protocol.DomainGetMemoryParametersRet, error) {
	p, n, err := d.typedParams(args.Dom, args.Nparams, uint32(args.Flags), func(t *tunables) []libvirt.TypedParam {
		return []libvirt.TypedParam{
			{Field: "hard_limit", Value: libvirt.NewTypedParamValueUllong(t.memHard)},
			{Field: "soft_limit", Value: libvirt.NewTypedParamValueUllong(t.memSoft)},
			{Field: "swap_hard_limit", Value: libvirt.NewTypedParamValueUllong(t.memSwap)},
		}
	})
	if err != nil {
		return nil, err
	}
	return &protocol.DomainGetMemoryParametersRet{Params: p, Nparams: n}, nil
}

// DomainSetMemoryParameters sets the memory limits; the hard limit may
// not exceed the swap hard limit.
func (d *driver) DomainSetMemoryParameters(ctx context.Context, args *protocol.DomainSetMemoryParametersArgs) error {
	if err := validateParams(args.Params, paramSpec{"hard_limit": libvirt.TypedParamUllong,
		"soft_limit": libvirt.TypedParamUllong, "swap_hard_limit": libvirt.TypedParamUllong}); err != nil {
		return err
	}
	return d.withDomain(args.Dom, func(dom *domain) error {
		if err := oneDef(dom, uint32(args.Flags)); err != nil {
			return err
		}
		t := dom.tun(uint32(args.Flags))
		cur := dom.tun(0) // libvirt checks against the live definition
		ps := libvirt.TypedParams(args.Params)
		hard, setHard := ps.Uint64("hard_limit")
		swap, setSwap := ps.Uint64("swap_hard_limit")
		soft, setSoft := ps.Uint64("soft_limit")
		if setHard || setSwap {
			h, w := cur.memHard, cur.memSwap
			if setHard {
				h = hard
			}
			if setSwap {
				w = swap
			}
			if h > w {
				return lvError(libvirt.ErrInvalidArg, libvirt.FromTest, prefixInvArg, "memory hard_limit tunable value must be lower than or equal to swap_hard_limit")
			}
		}
		if setSoft {
			t.memSoft = soft
		}
		if setHard {
			t.memHard = hard
		}
		if setSwap {
			t.memSwap = swap
		}
		return nil
	})
}

// DomainGetNUMAParameters reports the NUMA memory mode and node set.
func (d *driver) DomainGetNUMAParameters(ctx context.Context, args *protocol.DomainGetNUMAParametersArgs) (*protocol.DomainGetNUMAParametersRet, error) {
	p, n, err := d.typedParams(args.Dom, args.Nparams, uint32(args.Flags), func(t *tunables) []libvirt.TypedParam {
		return []libvirt.TypedParam{
			{Field: "numa_mode", Value: libvirt.NewTypedParamValueInt(t.numaMode)},
			{Field: "numa_nodeset", Value: libvirt.NewTypedParamValueString(t.numaNodes)},
		}
	})
	if err != nil {
		return nil, err
	}
	return &protocol.DomainGetNUMAParametersRet{Params: p, Nparams: n}, nil
}

// numaModeLast is VIR_DOMAIN_NUMATUNE_MEM_LAST.
const numaModeLast = 4

// DomainSetNUMAParameters sets the NUMA memory mode and node set; a
// running domain's mode cannot change once set.
func (d *driver) DomainSetNUMAParameters(ctx context.Context, args *protocol.DomainSetNUMAParametersArgs) error {
	if err := validateParams(args.Params, paramSpec{"numa_mode": libvirt.TypedParamInt, "numa_nodeset": libvirt.TypedParamString}); err != nil {
		return err
	}
	return d.withDomain(args.Dom, func(dom *domain) error {
		if err := oneDef(dom, uint32(args.Flags)); err != nil {
			return err
		}
		live := dom.active() && uint32(args.Flags)&uint32(libvirt.DomainAffectConfig) == 0
		mode, nodes := int32(-1), ""
		for _, p := range args.Params {
			switch p.Field {
			case "numa_mode":
				mode, _ = p.Value.AsInt()
				if mode < 0 || mode >= numaModeLast {
					return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromTest, prefixInvArg, "unsupported numatune mode: '%d'", mode)
				}
			case "numa_nodeset":
				s, _ := p.Value.AsString()
				set, err := parseCPUSet(s, hostCPUs)
				if err != nil {
					return err
				}
				if len(set) == 0 {
					return lvErrorf(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "Invalid nodeset of 'numatune': %s", s)
				}
				nodes = formatCPUSet(set)
			}
		}
		t := dom.tun(uint32(args.Flags))
		if live && mode != -1 && t.numaSet && t.numaMode != mode {
			return lvError(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "can't change numatune mode for running domain")
		}
		if mode != -1 {
			t.numaMode, t.numaSet = mode, true
		}
		if nodes != "" {
			t.numaNodes, t.numaSet = nodes, true
		}
		return nil
	})
}

// parseCPUSet reads a libvirt bitmap list ("0-3,^2,5") of bits below n.
func parseCPUSet(s string, n int) ([]int, error) {
	bad := func() error {
		return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromNone, prefixInvArg, "Failed to parse bitmap '%s'", s)
	}
	on := map[int]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		neg := strings.HasPrefix(part, "^")
		part = strings.TrimPrefix(part, "^")
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return nil, bad()
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a || neg {
				return nil, bad()
			}
		}
		if b >= n*64 {
			return nil, bad()
		}
		for i := a; i <= b; i++ {
			on[i] = !neg
		}
	}
	var out []int
	for i := 0; i < n*64; i++ {
		if on[i] {
			out = append(out, i)
		}
	}
	return out, nil
}

// formatCPUSet writes bits as libvirt formats a bitmap: ranges joined by
// commas.
func formatCPUSet(bits []int) string {
	var parts []string
	for i := 0; i < len(bits); {
		j := i
		for j+1 < len(bits) && bits[j+1] == bits[j]+1 {
			j++
		}
		if i == j {
			parts = append(parts, strconv.Itoa(bits[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", bits[i], bits[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// blkioDevFields are the per-device block I/O parameters.
var blkioDevFields = []string{"device_weight", "device_read_iops_sec", "device_write_iops_sec", "device_read_bytes_sec", "device_write_bytes_sec"}

// DomainGetBlkioParameters reports the block I/O weight and per-device
// settings ("path,value" lists).
func (d *driver) DomainGetBlkioParameters(ctx context.Context, args *protocol.DomainGetBlkioParametersArgs) (*protocol.DomainGetBlkioParametersRet, error) {
	p, n, err := d.typedParams(args.Dom, args.Nparams, uint32(args.Flags), func(t *tunables) []libvirt.TypedParam {
		all := []libvirt.TypedParam{{Field: "weight", Value: libvirt.NewTypedParamValueUint(t.blkioWeight)}}
		for fi, f := range blkioDevFields {
			var parts []string
			for _, dv := range t.blkioDevs {
				v := [5]uint64{uint64(dv.weight), dv.riops, dv.wiops, dv.rbps, dv.wbps}[fi]
				if v != 0 {
					parts = append(parts, fmt.Sprintf("%s,%d", dv.path, v))
				}
			}
			all = append(all, libvirt.TypedParam{Field: f, Value: libvirt.NewTypedParamValueString(strings.Join(parts, ","))})
		}
		return all
	})
	if err != nil {
		return nil, err
	}
	return &protocol.DomainGetBlkioParametersRet{Params: p, Nparams: n}, nil
}

// DomainSetBlkioParameters sets the block I/O weight and per-device
// settings; a device setting of 0 removes it.
func (d *driver) DomainSetBlkioParameters(ctx context.Context, args *protocol.DomainSetBlkioParametersArgs) error {
	spec := paramSpec{"weight": libvirt.TypedParamUint}
	for _, f := range blkioDevFields {
		spec[f] = libvirt.TypedParamString
	}
	if err := validateParams(args.Params, spec); err != nil {
		return err
	}
	return d.withDomain(args.Dom, func(dom *domain) error {
		if err := oneDef(dom, uint32(args.Flags)); err != nil {
			return err
		}
		t := dom.tun(uint32(args.Flags))
		devs := append([]blkioDev{}, t.blkioDevs...)
		weight := t.blkioWeight
		for _, p := range args.Params {
			if p.Field == "weight" {
				weight, _ = p.Value.AsUint()
				continue
			}
			s, _ := p.Value.AsString()
			fi := 0
			for i, f := range blkioDevFields {
				if f == p.Field {
					fi = i
				}
			}
			items := strings.Split(s, ",")
			if s == "" || len(items)%2 != 0 {
				return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromDomain, prefixInvArg, "unable to parse blkio device '%s' '%s'", p.Field, s)
			}
			for i := 0; i < len(items); i += 2 {
				v, err := strconv.ParseUint(items[i+1], 10, 64)
				if err != nil || (fi == 0 && v > 1<<32-1) {
					return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromDomain, prefixInvArg, "invalid value '%s' for parameter '%s' of device '%s'", items[i+1], p.Field, items[i])
				}
				devs = setBlkioDev(devs, items[i], fi, v)
			}
		}
		t.blkioWeight, t.blkioDevs = weight, devs
		return nil
	})
}

// setBlkioDev sets field fi of path's entry, adding it, or dropping it
// when every field is 0.
func setBlkioDev(devs []blkioDev, path string, fi int, v uint64) []blkioDev {
	i := 0
	for i < len(devs) && devs[i].path != path {
		i++
	}
	if i == len(devs) {
		if v == 0 {
			return devs
		}
		devs = append(devs, blkioDev{path: path})
	}
	dv := &devs[i]
	switch fi {
	case 0:
		dv.weight = uint32(v)
	case 1:
		dv.riops = v
	case 2:
		dv.wiops = v
	case 3:
		dv.rbps = v
	case 4:
		dv.wbps = v
	}
	if dv.weight == 0 && dv.riops == 0 && dv.wiops == 0 && dv.rbps == 0 && dv.wbps == 0 {
		devs = append(devs[:i], devs[i+1:]...)
	}
	return devs
}

// netIndex finds an interface by MAC address or host device name, as
// virDomainNetFind does.
func (dom *domain) netIndex(device string) (int, error) {
	for i, n := range dom.def.nets {
		if strings.EqualFold(n.mac, device) || (n.ifname != "" && n.ifname == device) {
			return i, nil
		}
	}
	return 0, lvErrorf(libvirt.ErrInvalidArg, libvirt.FromDomain, prefixInvArg, "'%s' is not a known interface", device)
}

// bandwidthFields are the interface parameters in GetInterfaceParameters'
// order.
var bandwidthFields = []string{"inbound.average", "inbound.peak", "inbound.burst", "inbound.floor", "outbound.average", "outbound.peak", "outbound.burst"}

// DomainGetInterfaceParameters reports an interface's bandwidth limits.
// Like the test driver it answers the count probe before looking
// anything up.
func (d *driver) DomainGetInterfaceParameters(ctx context.Context, args *protocol.DomainGetInterfaceParametersArgs) (*protocol.DomainGetInterfaceParametersRet, error) {
	if args.Nparams == 0 {
		return &protocol.DomainGetInterfaceParametersRet{Nparams: int32(len(bandwidthFields))}, nil
	}
	var list []libvirt.TypedParam
	err := d.withDomain(args.Dom, func(dom *domain) error {
		if err := oneDef(dom, uint32(args.Flags)&^uint32(libvirt.TypedParamStringOkay)); err != nil {
			return err
		}
		i, err := dom.netIndex(args.Device)
		if err != nil {
			return err
		}
		var in, out rate
		if bw := dom.tun(uint32(args.Flags) &^ uint32(libvirt.TypedParamStringOkay)).bandwidth[i]; bw != nil {
			if bw.in != nil {
				in = *bw.in
			}
			if bw.out != nil {
				out = *bw.out
			}
		}
		for j, v := range []uint32{in.average, in.peak, in.burst, in.floor, out.average, out.peak, out.burst} {
			list = append(list, libvirt.TypedParam{Field: bandwidthFields[j], Value: libvirt.NewTypedParamValueUint(v)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &protocol.DomainGetInterfaceParametersRet{Params: list[:min(int(args.Nparams), len(list))]}, nil
}

// DomainSetInterfaceParameters sets an interface's bandwidth limits. A
// direction is set when its average (inbound: or floor) is given and
// non-zero, and cleared when given as zero.
func (d *driver) DomainSetInterfaceParameters(ctx context.Context, args *protocol.DomainSetInterfaceParametersArgs) error {
	spec := paramSpec{}
	for _, f := range bandwidthFields {
		spec[f] = libvirt.TypedParamUint
	}
	if err := validateParams(args.Params, spec); err != nil {
		return err
	}
	return d.withDomain(args.Dom, func(dom *domain) error {
		if err := oneDef(dom, uint32(args.Flags)); err != nil {
			return err
		}
		i, err := dom.netIndex(args.Device)
		if err != nil {
			return err
		}
		in, out := &rate{}, &rate{}
		inGiven, outGiven := false, false
		for _, p := range args.Params {
			v, _ := p.Value.AsUint()
			switch p.Field {
			case "inbound.average":
				in.average, inGiven = v, true
			case "inbound.peak":
				in.peak = v
			case "inbound.burst":
				in.burst = v
			case "inbound.floor":
				in.floor, inGiven = v, true
			case "outbound.average":
				out.average, outGiven = v, true
			case "outbound.peak":
				out.peak = v
			case "outbound.burst":
				out.burst = v
			}
		}
		if in.average == 0 && in.floor == 0 {
			in = nil
		}
		if out.average == 0 {
			out = nil
		}
		t := dom.tun(uint32(args.Flags))
		bw := t.bandwidth[i]
		if bw == nil {
			t.bandwidth[i] = &bandwidth{in: in, out: out}
			return nil
		}
		if in != nil || inGiven {
			bw.in = in
		}
		if out != nil || outGiven {
			bw.out = out
		}
		return nil
	})
}

// diskByName finds a disk by target or source path.
func (dom *domain) diskByName(name string) (diskDef, bool) {
	for _, dk := range dom.def.disks {
		if dk.target == name || (dk.source != "" && dk.source == name) {
			return dk, true
		}
	}
	return diskDef{}, false
}

// DomainGetBlockIOTune reports a disk's throttling. Like the test driver
// it answers the count probe before looking anything up.
func (d *driver) DomainGetBlockIOTune(ctx context.Context, args *protocol.DomainGetBlockIOTuneArgs) (*protocol.DomainGetBlockIOTuneRet, error) {
	if args.Nparams == 0 {
		return &protocol.DomainGetBlockIOTuneRet{Nparams: int32(len(ioTuneFields) + 1)}, nil
	}
	var list []libvirt.TypedParam
	err := d.withDomain(args.Dom, func(dom *domain) error {
		if err := oneDef(dom, uint32(args.Flags)&^uint32(libvirt.TypedParamStringOkay)); err != nil {
			return err
		}
		path := ""
		if args.Disk != nil {
			path = *args.Disk
		}
		dk, ok := dom.diskByName(path)
		if !ok {
			return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromTest, prefixInvArg, "disk '%s' was not found in the domain config", path)
		}
		tune := ioTune{}
		if tn := dom.tun(uint32(args.Flags) &^ uint32(libvirt.TypedParamStringOkay)).iotune[dk.target]; tn != nil {
			tune = *tn
		}
		for i, f := range ioTuneFields {
			if i == 13 {
				list = append(list, libvirt.TypedParam{Field: "group_name", Value: libvirt.NewTypedParamValueString(tune.group)})
			}
			list = append(list, libvirt.TypedParam{Field: f, Value: libvirt.NewTypedParamValueUllong(tune.v[i])})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &protocol.DomainGetBlockIOTuneRet{Params: list[:min(int(args.Nparams), len(list))]}, nil
}

// DomainSetBlockIOTune sets a disk's throttling with the test driver's
// checks: values up to ioTuneMax, a total and its read/write parts not
// both set, and no value above its maximum.
func (d *driver) DomainSetBlockIOTune(ctx context.Context, args *protocol.DomainSetBlockIOTuneArgs) error {
	spec := paramSpec{"group_name": libvirt.TypedParamString}
	for _, f := range ioTuneFields {
		spec[f] = libvirt.TypedParamUllong
	}
	if err := validateParams(args.Params, spec); err != nil {
		return err
	}
	return d.withDomain(args.Dom, func(dom *domain) error {
		if err := oneDef(dom, uint32(args.Flags)); err != nil {
			return err
		}
		dk, ok := dom.diskByName(args.Disk)
		if !ok {
			return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromTest, prefixInvArg, "missing persistent configuration for disk '%s'", args.Disk)
		}
		t := dom.tun(uint32(args.Flags))
		tune := ioTune{}
		if tn := t.iotune[dk.target]; tn != nil {
			tune = *tn
		}
		for _, p := range args.Params {
			if p.Field == "group_name" {
				tune.group, _ = p.Value.AsString()
				tune.groupSet = true
				continue
			}
			v, _ := p.Value.AsUllong()
			if v > ioTuneMax {
				return lvErrorf(libvirt.ErrArgumentUnsupported, libvirt.FromTest, "argument unsupported: ",
					"block I/O throttle limit value must be no more than %d", uint64(ioTuneMax))
			}
			for i, f := range ioTuneFields {
				if f == p.Field {
					tune.v[i] = v
				}
			}
		}
		for _, g := range []struct {
			total, read, write int
			name               string
		}{{0, 1, 2, "bytes_sec"}, {3, 4, 5, "iops_sec"}, {6, 7, 8, "bytes_sec_max"}, {9, 10, 11, "iops_sec_max"}} {
			if tune.v[g.total] != 0 && (tune.v[g.read] != 0 || tune.v[g.write] != 0) {
				return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromTest, prefixInvArg,
					"total and read/write of %s cannot be set at the same time", g.name)
			}
		}
		for i := 0; i < 6; i++ {
			if tune.v[i] > tune.v[i+6] {
				return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromTest, prefixInvArg,
					"%s cannot be set higher than %s", ioTuneFields[i], ioTuneFields[i+6])
			}
		}
		t.iotune[dk.target] = &tune
		return nil
	})
}

// lifecycleActionLast and lifecycleLast are VIR_DOMAIN_LIFECYCLE_ACTION_LAST
// and VIR_DOMAIN_LIFECYCLE_LAST.
const (
	lifecycleActionLast = 6
	lifecycleLast       = 3
)

// DomainSetLifecycleAction sets what happens on power-off, reboot or
// crash. libvirt refuses the actions a kind of event cannot take
// (restarting on power-off is fine, preserving on reboot is not, ...).
func (d *driver) DomainSetLifecycleAction(ctx context.Context, args *protocol.DomainSetLifecycleActionArgs) error {
	typ, act := int32(args.Type), int32(args.Action)
	if typ < 0 || typ >= lifecycleLast {
		return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromDomain, prefixInvArg, "invalid lifecycle type '%d'", typ)
	}
	if act < 0 || act >= lifecycleActionLast {
		return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromDomain, prefixInvArg, "invalid lifecycle action '%d'", act)
	}
	// Only crash takes the core dump actions (4, 5).
	if typ != 2 && act >= 4 {
		names := []string{"destroy", "restart", "rename-restart", "preserve", "coredump-destroy", "coredump-restart"}
		kinds := []string{"poweroff", "reboot", "crash"}
		return lvErrorf(libvirt.ErrConfigUnsupported, libvirt.FromDomain, "unsupported configuration: ", "Lifecycle event '%s' doesn't support '%s' action", kinds[typ], names[act])
	}
	return d.withDomain(args.Dom, func(dom *domain) error {
		live, config := uint32(args.Flags)&uint32(libvirt.DomainAffectLive) != 0, uint32(args.Flags)&uint32(libvirt.DomainAffectConfig) != 0
		if live && !dom.active() {
			return notActive()
		}
		if config && !dom.persistent {
			return lvError(libvirt.ErrOperationInvalid, libvirt.FromDomain, prefixInvalid, "transient domains do not have any persistent config")
		}
		// Unlike the other setters both definitions change with both flags.
		if live && config {
			dom.tun(uint32(libvirt.DomainAffectLive)).lifecycle[typ] = act
		}
		dom.tun(uint32(args.Flags)).lifecycle[typ] = act
		return nil
	})
}

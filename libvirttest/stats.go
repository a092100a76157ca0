package libvirttest

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// The statistics calls answer with the figures libvirt's test driver
// reports: constants where it has constants, and, where it derives
// counters from the clock (vCPU time, block and interface counters),
// the same derivation, so that successive reads grow as a monitoring
// loop expects.

// Host figures of the test driver: two NUMA cells of 8 CPUs, the first
// with 2 GiB free and the second with 4 GiB; four host CPU counters.
const (
	numCells         = 2
	totalCPUTimeNs   = 48772617035 // the guests' summed CPU time
	guestUserTimeNs  = 5540000000
	guestSystemTime  = 6460000000
	nodeCPUStatCount = 4
	hostCPUs         = 16
	guestClockSecs   = 627319920 // DomainGetTime's fixed answer
)

func inArg(detail string) error {
	return lvError(libvirt.ErrInvalidArg, libvirt.FromTest, prefixInvArg, detail)
}

// NodeGetCellsFreeMemory reports each cell's free memory in bytes.
func (d *driver) NodeGetCellsFreeMemory(ctx context.Context, args *protocol.NodeGetCellsFreeMemoryArgs) (*protocol.NodeGetCellsFreeMemoryRet, error) {
	if args.StartCell >= numCells {
		return nil, inArg("Range exceeds available cells")
	}
	ret := &protocol.NodeGetCellsFreeMemoryRet{Cells: []uint64{}}
	for c := max(args.StartCell, 0); c < numCells && int32(len(ret.Cells)) < args.Maxcells; c++ {
		ret.Cells = append(ret.Cells, uint64(c+1)*2048*1024)
	}
	return ret, nil
}

// NodeGetCPUStats reports the test driver's four fixed host CPU counters
// (for any CPU number), or their count when nparams is 0.
func (d *driver) NodeGetCPUStats(ctx context.Context, args *protocol.NodeGetCPUStatsArgs) (*protocol.NodeGetCPUStatsRet, error) {
	if args.Nparams == 0 {
		return &protocol.NodeGetCPUStatsRet{Nparams: nodeCPUStatCount}, nil
	}
	all := []libvirt.NodeGetCPUStats{
		{Field: "user", Value: 9797400000},
		{Field: "kernel", Value: 34678723400000},
		{Field: "idle", Value: 87264900000},
		{Field: "iowait", Value: 763600000},
	}
	n := min(int(args.Nparams), len(all))
	if n < 0 {
		n = 0
	}
	return &protocol.NodeGetCPUStatsRet{Params: all[:n]}, nil
}

// NodeGetCPUMap reports the test driver's map: 8 CPUs, of which 0, 2 and
// 4 are online.
func (d *driver) NodeGetCPUMap(ctx context.Context, args *protocol.NodeGetCPUMapArgs) (*protocol.NodeGetCPUMapRet, error) {
	ret := &protocol.NodeGetCPUMapRet{Ret: 8}
	if args.NeedMap != 0 {
		ret.CPUMap = []byte{0x15}
	}
	if args.NeedOnline != 0 {
		ret.Online = 3
	}
	return ret, nil
}

// testSysinfo is the SMBIOS description the test driver reports.
const testSysinfo = `<sysinfo type='smbios'>
  <bios>
    <entry name='vendor'>LENOVO</entry>
    <entry name='version'>G4ETA1WW (2.61 )</entry>
    <entry name='date'>05/07/2014</entry>
    <entry name='release'>2.61</entry>
  </bios>
</sysinfo>
`

// ConnectGetSysinfo reports the test driver's fixed SMBIOS data.
func (d *driver) ConnectGetSysinfo(ctx context.Context, args *protocol.ConnectGetSysinfoArgs) (*protocol.ConnectGetSysinfoRet, error) {
	return &protocol.ConnectGetSysinfoRet{Sysinfo: testSysinfo}, nil
}

// NodeGetFreePages fails as libvirtd 9.0's test driver does: its driver
// function returns an error without setting one.
func (d *driver) NodeGetFreePages(ctx context.Context, args *protocol.NodeGetFreePagesArgs) (*protocol.NodeGetFreePagesRet, error) {
	return nil, &libvirt.Error{Code: libvirt.ErrInternalError, Domain: libvirt.FromRPC, Level: libvirt.ErrError,
		Message: "Library function returned error but did not set virError", Int1: -1, Int2: -1}
}

// activeDomain runs f on a running (or paused) domain, failing like
// virDomainObjCheckActive otherwise.
func (d *driver) activeDomain(ref libvirt.Domain, f func(dom *domain) error) error {
	return d.withDomain(ref, func(dom *domain) error {
		if !dom.active() {
			return notActive()
		}
		return f(dom)
	})
}

// vcpuMask is the host CPUs vCPU i may run on, as a bitmap of
// hostCPUs bits: its pinning, else all.
func (dom *domain) vcpuMask(i int) []byte {
	if m, ok := dom.pins[i]; ok {
		return m
	}
	m := make([]byte, (hostCPUs+7)/8)
	for b := range m {
		m[b] = 0xff
	}
	return m
}

// lastBit is the highest set bit of a CPU map, or -1.
func lastBit(m []byte) int32 {
	for i := len(m)*8 - 1; i >= 0; i-- {
		if m[i/8]&(1<<(i%8)) != 0 {
			return int32(i)
		}
	}
	return -1
}

// DomainGetVCPUs describes each vCPU of a running domain and its CPU map.
func (d *driver) DomainGetVCPUs(ctx context.Context, args *protocol.DomainGetVCPUsArgs) (*protocol.DomainGetVCPUsRet, error) {
	if args.Maxinfo < 0 || args.Maplen < 0 || int64(args.Maxinfo)*int64(args.Maplen) > libvirt.CPUMapsMax {
		return nil, lvError(libvirt.ErrRPC, libvirt.FromRPC, "", "maxinfo * maplen > REMOTE_CPUMAPS_MAX")
	}
	var ret *protocol.DomainGetVCPUsRet
	err := d.withDomain(args.Dom, func(dom *domain) error {
		if !dom.active() {
			return lvError(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "cannot list vcpus for an inactive domain")
		}
		n := min(int(args.Maxinfo), dom.vcpus)
		ret = &protocol.DomainGetVCPUsRet{Info: make([]libvirt.VCPUInfo, n), CPUMaps: make([]byte, int(args.Maxinfo)*int(args.Maplen))}
		now := uint64(time.Now().UnixMicro()) / 10
		for i := 0; i < n; i++ {
			m := dom.vcpuMask(i)
			copy(ret.CPUMaps[i*int(args.Maplen):(i+1)*int(args.Maplen)], m)
			ret.Info[i] = libvirt.VCPUInfo{Number: uint32(i), State: libvirt.VCPURunning, CPUTime: now, CPU: lastBit(m)}
		}
		return nil
	})
	return ret, err
}

// DomainPinVCPU pins a vCPU of a running domain.
func (d *driver) DomainPinVCPU(ctx context.Context, args *protocol.DomainPinVCPUArgs) error {
	return d.DomainPinVCPUFlags(ctx, &protocol.DomainPinVCPUFlagsArgs{Dom: args.Dom, VCPU: args.VCPU, CPUMap: args.CPUMap})
}

// DomainPinVCPUFlags pins a vCPU of a running domain to the host CPUs of
// cpumap.
func (d *driver) DomainPinVCPUFlags(ctx context.Context, args *protocol.DomainPinVCPUFlagsArgs) error {
	return d.withDomain(args.Dom, func(dom *domain) error {
		if !dom.active() {
			return lvError(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "cannot pin vcpus on an inactive domain")
		}
		if int(args.VCPU) >= dom.vcpus {
			return inArg(fmt.Sprintf("requested vcpu '%d' is not present in the domain", args.VCPU))
		}
		m := make([]byte, (hostCPUs+7)/8)
		copy(m, args.CPUMap)
		if dom.pins == nil {
			dom.pins = map[int][]byte{}
		}
		dom.pins[int(args.VCPU)] = m
		return nil
	})
}

// DomainGetVCPUPinInfo reports each vCPU's CPU map.
func (d *driver) DomainGetVCPUPinInfo(ctx context.Context, args *protocol.DomainGetVCPUPinInfoArgs) (*protocol.DomainGetVCPUPinInfoRet, error) {
	if args.Ncpumaps < 0 || args.Maplen < 0 || int64(args.Ncpumaps)*int64(args.Maplen) > libvirt.CPUMapsMax {
		return nil, lvError(libvirt.ErrRPC, libvirt.FromRPC, "", "maxinfo * maplen > REMOTE_CPUMAPS_MAX")
	}
	var ret *protocol.DomainGetVCPUPinInfoRet
	err := d.withDomain(args.Dom, func(dom *domain) error {
		if err := oneDef(dom, uint32(args.Flags)); err != nil {
			return err
		}
		// Every vCPU up to the maximum has a map, online or not; the
		// persistent definition has no pinning: it is live state.
		_, _, maxCPUs, _ := dom.sizes(uint32(args.Flags))
		persistent := dom.addressesConfig(uint32(args.Flags))
		n := min(int(args.Ncpumaps), maxCPUs)
		ret = &protocol.DomainGetVCPUPinInfoRet{CPUMaps: make([]byte, int(args.Ncpumaps)*int(args.Maplen)), Num: int32(n)}
		for i := 0; i < n; i++ {
			vcpu := i
			if persistent {
				vcpu = -1 // no pin: the default map
			}
			copy(ret.CPUMaps[i*int(args.Maplen):(i+1)*int(args.Maplen)], dom.vcpuMask(vcpu))
		}
		return nil
	})
	return ret, err
}

// DomainGetEmulatorPinInfo reports the emulator's CPU map: every host CPU.
func (d *driver) DomainGetEmulatorPinInfo(ctx context.Context, args *protocol.DomainGetEmulatorPinInfoArgs) (*protocol.DomainGetEmulatorPinInfoRet, error) {
	if args.Maplen < 0 || args.Maplen > libvirt.CPUMapsMax {
		return nil, lvError(libvirt.ErrRPC, libvirt.FromRPC, "", "maplen > REMOTE_CPUMAPS_MAX")
	}
	var ret *protocol.DomainGetEmulatorPinInfoRet
	err := d.withDomain(args.Dom, func(dom *domain) error {
		if err := oneDef(dom, uint32(args.Flags)); err != nil {
			return err
		}
		ret = &protocol.DomainGetEmulatorPinInfoRet{CPUMaps: make([]byte, args.Maplen), Ret: 1}
		m := dom.tun(uint32(args.Flags)).emulatorPin // tunables.go
		if m == nil {
			m = dom.vcpuMask(-1) // every host CPU
		}
		copy(ret.CPUMaps, m)
		return nil
	})
	return ret, err
}

// DomainMemoryStats reports the balloon statistics the test driver
// derives from the current memory (none without a balloon).
func (d *driver) DomainMemoryStats(ctx context.Context, args *protocol.DomainMemoryStatsArgs) (*protocol.DomainMemoryStatsRet, error) {
	if args.MaxStats > libvirt.DomainMemoryStatsMax {
		return nil, lvError(libvirt.ErrRPC, libvirt.FromRPC, "", "maxStats > REMOTE_DOMAIN_MEMORY_STATS_MAX")
	}
	var ret *protocol.DomainMemoryStatsRet
	err := d.activeDomain(args.Dom, func(dom *domain) error {
		ret = &protocol.DomainMemoryStatsRet{Stats: []libvirt.DomainMemoryStat{}}
		if !dom.def.balloon {
			return nil
		}
		cur := dom.memKiB
		all := []libvirt.DomainMemoryStat{
			{Tag: libvirt.DomainMemoryStatActualBalloon, Val: cur},
			{Tag: libvirt.DomainMemoryStatSwapIn, Val: 0},
			{Tag: libvirt.DomainMemoryStatSwapOut, Val: 0},
			{Tag: libvirt.DomainMemoryStatMajorFault, Val: 0},
			{Tag: libvirt.DomainMemoryStatMinorFault, Val: 0},
			{Tag: libvirt.DomainMemoryStatUnused, Val: cur / 2},
			{Tag: libvirt.DomainMemoryStatAvailable, Val: cur},
			{Tag: libvirt.DomainMemoryStatUsable, Val: cur / 2},
			{Tag: libvirt.DomainMemoryStatLastUpdate, Val: guestClockSecs},
			{Tag: libvirt.DomainMemoryStatDiskCaches, Val: cur / 8},
			{Tag: libvirt.DomainMemoryStatHugetlbPgalloc, Val: 0},
			{Tag: libvirt.DomainMemoryStatHugetlbPgfail, Val: 0},
			{Tag: libvirt.DomainMemoryStatRSS, Val: cur / 2},
		}
		ret.Stats = all[:min(int(args.MaxStats), len(all))]
		return nil
	})
	return ret, err
}

// diskByName finds a disk by target name, or by source path for a name
// starting with '/'.
func (def *domainDef) diskByName(name string) *diskDef {
	for i := range def.disks {
		dk := &def.disks[i]
		if (strings.HasPrefix(name, "/") && dk.source == name) || dk.target == name {
			return dk
		}
	}
	return nil
}

// DomainBlockStats reports a running domain's disk counters, derived from
// the clock like the test driver's.
func (d *driver) DomainBlockStats(ctx context.Context, args *protocol.DomainBlockStatsArgs) (*libvirt.DomainBlockStatsRet, error) {
	if args.Path == "" {
		return nil, lvError(libvirt.ErrOperationUnsupported, libvirt.FromTest, "Operation not supported: ", "summary statistics are not supported yet")
	}
	var ret *libvirt.DomainBlockStatsRet
	err := d.activeDomain(args.Dom, func(dom *domain) error {
		if dom.running().diskByName(args.Path) == nil {
			return inArg("invalid path: " + args.Path)
		}
		base := time.Now().UnixMicro()
		ret = &libvirt.DomainBlockStatsRet{RdReq: base / 10, RdBytes: base / 20, WrReq: base / 30, WrBytes: base / 40, Errs: base / 2000000}
		return nil
	})
	return ret, err
}

// DomainGetBlockInfo reports the test driver's fixed sizes for any disk
// with a source.
func (d *driver) DomainGetBlockInfo(ctx context.Context, args *protocol.DomainGetBlockInfoArgs) (*protocol.DomainGetBlockInfoRet, error) {
	var ret *protocol.DomainGetBlockInfoRet
	err := d.withDomain(args.Dom, func(dom *domain) error {
		dk := dom.running().diskByName(args.Path)
		if dk == nil {
			return inArg(fmt.Sprintf("invalid path %s not assigned to domain", args.Path))
		}
		if dk.source == "" {
			return inArg(fmt.Sprintf("disk '%s' does not currently have a source assigned", args.Path))
		}
		ret = &protocol.DomainGetBlockInfoRet{Allocation: 1099511627776, Capacity: 1099506450432, Physical: 1099511627776}
		return nil
	})
	return ret, err
}

// netFind finds an interface by MAC address or, failing the parse, by
// host-side name, as virDomainNetFind does.
func (def *domainDef) netFind(device string) (*netDef, error) {
	if hw, err := net.ParseMAC(device); err == nil && len(hw) == 6 {
		for i := range def.nets {
			if def.nets[i].mac == hw.String() {
				return &def.nets[i], nil
			}
		}
		return nil, lvErrorf(libvirt.ErrInvalidArg, libvirt.FromDomain, prefixInvArg, "no device matching MAC address %s found", device)
	}
	for i := range def.nets {
		if def.nets[i].ifname == device {
			return &def.nets[i], nil
		}
	}
	return nil, lvErrorf(libvirt.ErrInvalidArg, libvirt.FromDomain, prefixInvArg, "'%s' is not a known interface", device)
}

// DomainInterfaceStats reports a running domain's interface counters,
// derived from the clock like the test driver's.
func (d *driver) DomainInterfaceStats(ctx context.Context, args *protocol.DomainInterfaceStatsArgs) (*libvirt.DomainInterfaceStatsRet, error) {
	var ret *libvirt.DomainInterfaceStatsRet
	err := d.activeDomain(args.Dom, func(dom *domain) error {
		if _, err := dom.running().netFind(args.Device); err != nil {
			return err
		}
		b := time.Now().UnixMicro()
		ret = &libvirt.DomainInterfaceStatsRet{
			RxBytes: b / 10, RxPackets: b / 100, RxErrs: b / 1000000, RxDrop: b / 2000000,
			TxBytes: b / 20, TxPackets: b / 110, TxErrs: b / 3000000, TxDrop: b / 4000000,
		}
		return nil
	})
	return ret, err
}

// DomainInterfaceAddresses reports one address per interface: for one on
// a virtual network, the first address of its DHCP range (or its own
// address) plus an offset from the domain's ID and the interface's index,
// as the test driver computes it; otherwise 192.168.0.N/24.
func (d *driver) DomainInterfaceAddresses(ctx context.Context, args *protocol.DomainInterfaceAddressesArgs) (*protocol.DomainInterfaceAddressesRet, error) {
	if args.Source >= uint32(libvirt.DomainInterfaceAddressesSrcArp)+1 {
		return nil, lvErrorf(libvirt.ErrArgumentUnsupported, libvirt.FromTest, "argument unsupported: ", "Unknown IP address data source %d", args.Source)
	}
	var ret *protocol.DomainInterfaceAddressesRet
	err := d.activeDomain(args.Dom, func(dom *domain) error {
		ret = &protocol.DomainInterfaceAddressesRet{Ifaces: []libvirt.DomainInterface{}}
		for i, n := range dom.running().nets {
			iface := libvirt.DomainInterface{Name: n.ifname, Hwaddr: &dom.running().nets[i].mac}
			addr := libvirt.DomainIPAddr{Type: libvirt.IPAddrTypeIPv4, Prefix: 24, Addr: fmt.Sprintf("192.168.0.%d", i+1)}
			if n.typ == "network" {
				nw := d.networkByName(n.network)
				if nw == nil {
					return lvErrorf(libvirt.ErrNoNetwork, libvirt.FromTest, "Network not found: ", "no network with matching name '%s'", n.network)
				}
				start, prefix := nw.firstLease()
				ip := start.To4()
				if ip == nil {
					return lvError(libvirt.ErrInternalError, libvirt.FromTest, prefixInternal, "network has no IPv4 address")
				}
				v := uint32(ip[0])<<24 | uint32(ip[1])<<16 | uint32(ip[2])<<8 | uint32(ip[3])
				v += uint32(20*(dom.id-1) + int32(i) + 1)
				addr.Addr = net.IPv4(byte(v>>24), byte(v>>16), byte(v>>8), byte(v)).String()
				addr.Prefix = uint32(prefix)
			}
			iface.Addrs = []libvirt.DomainIPAddr{addr}
			ret.Ifaces = append(ret.Ifaces, iface)
		}
		return nil
	})
	return ret, err
}

// DomainGetTime reports the test driver's fixed guest clock.
func (d *driver) DomainGetTime(ctx context.Context, args *protocol.DomainGetTimeArgs) (*protocol.DomainGetTimeRet, error) {
	var ret *protocol.DomainGetTimeRet
	err := d.withDomain(args.Dom, func(dom *domain) error {
		if dom.state != libvirt.DomainRunning {
			return lvError(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "domain is not running")
		}
		ret = &protocol.DomainGetTimeRet{Seconds: dom.guest.seconds, Nseconds: dom.guest.nseconds}
		return nil
	})
	return ret, err
}

// DomainGetHostname reports NAME + "host" for a running domain.
func (d *driver) DomainGetHostname(ctx context.Context, args *protocol.DomainGetHostnameArgs) (*protocol.DomainGetHostnameRet, error) {
	var ret *protocol.DomainGetHostnameRet
	err := d.activeDomain(args.Dom, func(dom *domain) error {
		ret = &protocol.DomainGetHostnameRet{Hostname: dom.name + "host"}
		return nil
	})
	return ret, err
}

// DomainGetFSInfo reports two ext4 file systems (/ and /boot) on the
// first disk of a running domain.
func (d *driver) DomainGetFSInfo(ctx context.Context, args *protocol.DomainGetFSInfoArgs) (*protocol.DomainGetFSInfoRet, error) {
	var ret *protocol.DomainGetFSInfoRet
	err := d.activeDomain(args.Dom, func(dom *domain) error {
		ret = &protocol.DomainGetFSInfoRet{Info: []libvirt.DomainFSInfo{}}
		for _, dk := range dom.running().disks {
			if dk.device != "disk" {
				continue
			}
			ret.Info = []libvirt.DomainFSInfo{
				{Mountpoint: "/", Name: dk.target + "1", Fstype: "ext4", DevAliases: []string{dk.target}},
				{Mountpoint: "/boot", Name: dk.target + "2", Fstype: "ext4", DevAliases: []string{dk.target}},
			}
			break
		}
		ret.Ret = uint32(len(ret.Info))
		return nil
	})
	return ret, err
}

// DomainGetControlInfo reports a running domain's monitor state. The
// test driver derives it from the guest clock (DomainSetTime), so that
// every state can be reached: a clock below 10000 s is a job running
// that long, below 30000 s an occupied monitor, below 60000 s an error
// whose reason is the clock modulo 4; otherwise the monitor is idle.
func (d *driver) DomainGetControlInfo(ctx context.Context, args *protocol.DomainGetControlInfoArgs) (*protocol.DomainGetControlInfoRet, error) {
	var ret *protocol.DomainGetControlInfoRet
	err := d.activeDomain(args.Dom, func(dom *domain) error {
		ret = &protocol.DomainGetControlInfoRet{State: libvirt.DomainControlOK}
		s := dom.guest.seconds
		switch {
		case s > 0 && s < 10000:
			ret.State, ret.StateTime = libvirt.DomainControlJob, uint64(s)
		case s >= 10000 && s < 30000:
			ret.State, ret.StateTime = libvirt.DomainControlOccupied, uint64(s-10000)
		case s >= 30000 && s < 60000:
			ret.State, ret.Details, ret.StateTime = libvirt.DomainControlError, uint32(s%4), uint64(s-30000)
		}
		return nil
	})
	return ret, err
}

// DomainGetCPUStats reports a running domain's CPU times: the total
// (start_cpu -1: cpu_time, user_time, system_time) or per host CPU
// (cpu_time and vcpu_time of each core).
func (d *driver) DomainGetCPUStats(ctx context.Context, args *protocol.DomainGetCPUStatsArgs) (*protocol.DomainGetCPUStatsRet, error) {
	var ret *protocol.DomainGetCPUStatsRet
	err := d.activeDomain(args.Dom, func(dom *domain) error {
		ret = &protocol.DomainGetCPUStatsRet{Params: []libvirt.TypedParam{}}
		if args.StartCPU == -1 {
			all := []libvirt.TypedParam{
				{Field: "cpu_time", Value: libvirt.NewTypedParamValueUllong(totalCPUTimeNs)},
				{Field: "user_time", Value: libvirt.NewTypedParamValueUllong(guestUserTimeNs)},
				{Field: "system_time", Value: libvirt.NewTypedParamValueUllong(guestSystemTime)},
			}
			if args.Nparams == 0 {
				ret.Nparams = int32(len(all))
				return nil
			}
			ret.Params = all[:min(int(args.Nparams), len(all))]
			ret.Nparams = int32(len(ret.Params))
			return nil
		}
		const cores = 2 // per socket: the test host's nodeinfo
		if args.Nparams == 0 && args.Ncpus != 0 {
			ret.Nparams = 2
			return nil
		}
		if args.Ncpus == 0 {
			ret.Nparams = cores
			return nil
		}
		if args.StartCPU >= cores {
			return inArg(fmt.Sprintf("start_cpu %d larger than maximum of %d", args.StartCPU, cores-1))
		}
		per := uint64(totalCPUTimeNs / cores)
		stop := min(cores, int(args.StartCPU)+int(args.Ncpus))
		np := min(int(args.Nparams), 2)
		for i := int(args.StartCPU); i < stop; i++ {
			ret.Params = append(ret.Params, libvirt.TypedParam{Field: "cpu_time", Value: libvirt.NewTypedParamValueUllong(per + uint64(i))})
			if np > 1 {
				ret.Params = append(ret.Params, libvirt.TypedParam{Field: "vcpu_time", Value: libvirt.NewTypedParamValueUllong(per + uint64(i) - 1234567890)})
			}
		}
		ret.Nparams = int32(np)
		return nil
	})
	return ret, err
}

// ConnectGetAllDomainStats reports the "state" group (the only one the
// test driver has) for the given domains or for every domain passing the
// list filters in flags.
func (d *driver) ConnectGetAllDomainStats(ctx context.Context, args *protocol.ConnectGetAllDomainStatsArgs) (*protocol.ConnectGetAllDomainStatsRet, error) {
	const supported = libvirt.DomainStatsState | libvirt.DomainStatsIOThread
	if uint32(args.Flags)&uint32(libvirt.ConnectGetAllDomainsStatsEnforceStats) != 0 && args.Stats&^supported != 0 {
		return nil, lvErrorf(libvirt.ErrOperationUnsupported, libvirt.FromNone, "Operation not supported: ",
			"Stats types bits 0x%x are not supported by this daemon", args.Stats&^supported)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var doms []*domain
	if len(args.Doms) > 0 {
		for _, ref := range args.Doms {
			dom, err := d.domainOf(ref)
			if err != nil {
				return nil, err
			}
			doms = append(doms, dom)
		}
	} else {
		for _, dom := range d.domains {
			if d.listAllMatch(dom, uint32(args.Flags)) {
				doms = append(doms, dom)
			}
		}
	}
	ret := &protocol.ConnectGetAllDomainStatsRet{RetStats: []libvirt.DomainStatsRecord{}}
	for _, dom := range doms {
		rec := libvirt.DomainStatsRecord{Dom: dom.ref(), Params: []libvirt.TypedParam{}}
		if args.Stats == 0 || args.Stats&libvirt.DomainStatsState != 0 {
			rec.Params = append(rec.Params,
				libvirt.TypedParam{Field: "state.state", Value: libvirt.NewTypedParamValueInt(int32(dom.state))},
				libvirt.TypedParam{Field: "state.reason", Value: libvirt.NewTypedParamValueInt(dom.reason)})
		}
		if args.Stats == 0 || args.Stats&libvirt.DomainStatsIOThread != 0 {
			rec.Params = append(rec.Params, dom.ioThreadStats()...)
		}
		ret.RetStats = append(ret.RetStats, rec)
	}
	return ret, nil
}

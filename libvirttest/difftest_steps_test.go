//go:build integration

package libvirttest_test

import (
	"bytes"
	"context"
	"image"
	_ "image/png" // screenshots are PNG
	"io"
	"sort"

	"github.com/virtwire/libvirt"
)

// bogus is a flag bit no procedure accepts.
const bogus = 1 << 27

const difftDomainXML = `<domain type='test'>
  <name>difft</name>
  <uuid>4dea22b3-1d52-d8f3-2516-782e98a23fa0</uuid>
  <memory unit='KiB'>1048576</memory>
  <currentMemory unit='KiB'>524288</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <os>
    <type arch='i686'>hvm</type>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/guest/difft.img'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <interface type='network'>
      <mac address='52:54:00:11:22:33'/>
      <source network='default'/>
    </interface>
  </devices>
</domain>`

const difftNetXML = `<network>
  <name>difftnet</name>
  <uuid>7b5d6a6e-0a43-4c2a-9a0e-1b5b2a7d3c11</uuid>
  <bridge name='difftbr0'/>
  <ip address='192.168.150.1' netmask='255.255.255.0'/>
</network>`

const difftPoolXML = `<pool type='dir'>
  <name>difftpool</name>
  <uuid>0c7d3f0e-5c7e-4b9a-8a77-4a0f7b2b9e21</uuid>
  <target>
    <path>/difftpool</path>
  </target>
</pool>`

const difftVolXML = `<volume>
  <name>difftvol.img</name>
  <capacity unit='bytes'>1048576</capacity>
  <allocation unit='bytes'>0</allocation>
</volume>`

// diffSteps is the sequence both sides run. Each step records its
// handles on the side, so later steps use that side's own objects.
func diffSteps() []step {
	var steps []step
	add := func(name string, proc libvirt.Procedure, call func(ctx context.Context, s *side) ([]any, error)) {
		steps = append(steps, step{name, proc, call})
	}

	// Connection and host.
	add("type", libvirt.ProcConnectGetType, func(ctx context.Context, s *side) ([]any, error) { v, err := s.c.ConnectGetType(ctx); return r(v), err })
	add("version", libvirt.ProcConnectGetVersion, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.ConnectGetVersion(ctx)
		return r(v), err
	})
	add("hostname", libvirt.ProcConnectGetHostname, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.ConnectGetHostname(ctx)
		return r(v), err
	})
	add("maxvcpus", libvirt.ProcConnectGetMaxVCPUs, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.ConnectGetMaxVCPUs(ctx, nil)
		return r(v), err
	})
	add("secure", libvirt.ProcConnectIsSecure, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.ConnectIsSecure(ctx)
		return r(v), err
	})
	add("feature", libvirt.ProcConnectSupportsFeature, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.ConnectSupportsFeature(ctx, 9)
		return r(v), err
	})
	add("nodeinfo", libvirt.ProcNodeGetInfo, func(ctx context.Context, s *side) ([]any, error) { v, err := s.c.NodeGetInfo(ctx); return r(v), err })
	add("freemem", libvirt.ProcNodeGetFreeMemory, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NodeGetFreeMemory(ctx)
		return r(v), err
	})
	add("secmodel", libvirt.ProcNodeGetSecurityModel, func(ctx context.Context, s *side) ([]any, error) {
		a, b, err := s.c.NodeGetSecurityModel(ctx)
		return r(a, b), err
	})
	add("cellsfree", libvirt.ProcNodeGetCellsFreeMemory, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NodeGetCellsFreeMemory(ctx, 0, 8)
		return r(v), err
	})
	add("cellsfree-bad-start", libvirt.ProcNodeGetCellsFreeMemory, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NodeGetCellsFreeMemory(ctx, 5, 2)
		return r(v), err
	})
	add("cpumap", libvirt.ProcNodeGetCPUMap, func(ctx context.Context, s *side) ([]any, error) {
		a, b, c, err := s.c.NodeGetCPUMap(ctx, 1, 1, 0)
		return r(a, b, c), err
	})
	add("cpumap-flags", libvirt.ProcNodeGetCPUMap, func(ctx context.Context, s *side) ([]any, error) {
		a, b, c, err := s.c.NodeGetCPUMap(ctx, 1, 1, bogus)
		return r(a, b, c), err
	})
	add("cpustats-count", libvirt.ProcNodeGetCPUStats, func(ctx context.Context, s *side) ([]any, error) {
		a, err := s.c.NodeGetCPUStats(ctx, -1, 0)
		return r(a), err
	})
	add("cpustats", libvirt.ProcNodeGetCPUStats, func(ctx context.Context, s *side) ([]any, error) {
		a, err := s.c.NodeGetCPUStats(ctx, -1, 0)
		return r(a), err
	})
	add("cpustats-cpu2", libvirt.ProcNodeGetCPUStats, func(ctx context.Context, s *side) ([]any, error) {
		a, err := s.c.NodeGetCPUStats(ctx, 2, 0)
		return r(len(a)), err
	})
	add("cpustats-badcpu", libvirt.ProcNodeGetCPUStats, func(ctx context.Context, s *side) ([]any, error) {
		a, err := s.c.NodeGetCPUStats(ctx, 99, 0)
		return r(a), err
	})
	add("sysinfo", libvirt.ProcConnectGetSysinfo, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.ConnectGetSysinfo(ctx, 0)
		return r(v), err
	})
	add("sysinfo-flags", libvirt.ProcConnectGetSysinfo, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.ConnectGetSysinfo(ctx, bogus)
		return r(v), err
	})
	add("freepages", libvirt.ProcNodeGetFreePages, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NodeGetFreePages(ctx, []uint32{4, 2048}, 0, 2, 0)
		return r(v), err
	})
	// CPU models come from the CPU map installed with each daemon (the
	// fake reads the same files: see cpuMapDir).
	for _, arch := range []string{"i686", "x86_64", "ppc64le", "aarch64", "s390x", "riscv64", "loongarch64", "mips", "nope", ""} {
		add("cpumodels "+arch, libvirt.ProcConnectGetCPUModelNames, func(ctx context.Context, s *side) ([]any, error) {
			a, err := s.c.ConnectGetCPUModelNames(ctx, arch, 0)
			return r(a), err
		})
	}
	add("cpumodels bogus flags", libvirt.ProcConnectGetCPUModelNames, func(ctx context.Context, s *side) ([]any, error) {
		a, err := s.c.ConnectGetCPUModelNames(ctx, "x86_64", bogus)
		return r(a), err
	})

	// Domains: the default one.
	add("lookup test", libvirt.ProcDomainLookupByName, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainLookupByName(ctx, "test")
		s.dom = v
		return r(v), err
	})
	add("lookup missing", libvirt.ProcDomainLookupByName, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainLookupByName(ctx, "nope")
		return r(v), err
	})
	add("lookup id 1", libvirt.ProcDomainLookupByID, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainLookupByID(ctx, 1)
		return r(v), err
	})
	add("lookup id 99", libvirt.ProcDomainLookupByID, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainLookupByID(ctx, 99)
		return r(v), err
	})
	add("lookup uuid", libvirt.ProcDomainLookupByUUID, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainLookupByUUID(ctx, s.dom.UUID)
		return r(v), err
	})
	add("list all", libvirt.ProcConnectListAllDomains, func(ctx context.Context, s *side) ([]any, error) {
		a, err := s.c.ConnectListAllDomains(ctx, 0)
		return r(a, len(a)), err
	})
	add("list all bogus", libvirt.ProcConnectListAllDomains, func(ctx context.Context, s *side) ([]any, error) {
		a, err := s.c.ConnectListAllDomains(ctx, bogus)
		return r(a, len(a)), err
	})
	add("list ids", libvirt.ProcConnectListDomains, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.ConnectListDomains(ctx, 10)
		return r(v), err
	})
	add("num domains", libvirt.ProcConnectNumOfDomains, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.ConnectNumOfDomains(ctx)
		return r(v), err
	})
	add("info", libvirt.ProcDomainGetInfo, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainGetInfo(ctx, s.dom)
		return r(v), err
	})
	add("state", libvirt.ProcDomainGetState, func(ctx context.Context, s *side) ([]any, error) {
		a, b, err := s.c.DomainGetState(ctx, s.dom, 0)
		return r(a, b), err
	})
	add("state bogus", libvirt.ProcDomainGetState, func(ctx context.Context, s *side) ([]any, error) {
		a, b, err := s.c.DomainGetState(ctx, s.dom, bogus)
		return r(a, b), err
	})
	add("xml bogus", libvirt.ProcDomainGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainGetXMLDesc(ctx, s.dom, bogus)
		return r(v), err
	})
	add("control info", libvirt.ProcDomainGetControlInfo, func(ctx context.Context, s *side) ([]any, error) {
		a, b, c, err := s.c.DomainGetControlInfo(ctx, s.dom, 0)
		return r(a, b, c), err
	})
	add("control info bogus", libvirt.ProcDomainGetControlInfo, func(ctx context.Context, s *side) ([]any, error) {
		a, b, c, err := s.c.DomainGetControlInfo(ctx, s.dom, bogus)
		return r(a, b, c), err
	})
	add("vcpus", libvirt.ProcDomainGetVCPUs, func(ctx context.Context, s *side) ([]any, error) {
		a, b, err := s.c.DomainGetVCPUs(ctx, s.dom, 2, 2)
		return r(a, b), err
	})
	add("vcpus flags", libvirt.ProcDomainGetVCPUsFlags, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainGetVCPUsFlags(ctx, s.dom, libvirt.DomainVCPULive)
		return r(v), err
	})
	add("vcpu pin info", libvirt.ProcDomainGetVCPUPinInfo, func(ctx context.Context, s *side) ([]any, error) {
		a, b, err := s.c.DomainGetVCPUPinInfo(ctx, s.dom, 2, 2, 0)
		return r(a, b), err
	})
	add("pin vcpu", libvirt.ProcDomainPinVCPU, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainPinVCPU(ctx, s.dom, 1, []byte{0x03})
	})
	add("pin vcpu flags bogus", libvirt.ProcDomainPinVCPUFlags, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainPinVCPUFlags(ctx, s.dom, 1, []byte{0x01}, bogus)
	})
	add("vcpus after pin", libvirt.ProcDomainGetVCPUs, func(ctx context.Context, s *side) ([]any, error) {
		a, b, err := s.c.DomainGetVCPUs(ctx, s.dom, 2, 2)
		return r(a, b), err
	})
	add("emulator pin info", libvirt.ProcDomainGetEmulatorPinInfo, func(ctx context.Context, s *side) ([]any, error) {
		a, b, err := s.c.DomainGetEmulatorPinInfo(ctx, s.dom, 2, 0)
		return r(a, b), err
	})
	add("memory stats", libvirt.ProcDomainMemoryStats, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainMemoryStats(ctx, s.dom, 13, 0)
		return r(v), err
	})
	add("memory stats bogus", libvirt.ProcDomainMemoryStats, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainMemoryStats(ctx, s.dom, 13, bogus)
		return r(v), err
	})
	add("block stats", libvirt.ProcDomainBlockStats, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainBlockStats(ctx, s.dom, "vda")
		return r(v), err
	})
	add("block stats missing", libvirt.ProcDomainBlockStats, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainBlockStats(ctx, s.dom, "sdz")
		return r(v), err
	})
	add("block info", libvirt.ProcDomainGetBlockInfo, func(ctx context.Context, s *side) ([]any, error) {
		a, b, c, err := s.c.DomainGetBlockInfo(ctx, s.dom, "vda", 0)
		return r(a, b, c), err
	})
	add("block info missing", libvirt.ProcDomainGetBlockInfo, func(ctx context.Context, s *side) ([]any, error) {
		a, b, c, err := s.c.DomainGetBlockInfo(ctx, s.dom, "sdz", 0)
		return r(a, b, c), err
	})
	add("iface stats", libvirt.ProcDomainInterfaceStats, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainInterfaceStats(ctx, s.dom, "aa:bb:cc:dd:ee:ff")
		return r(v), err
	})
	add("iface stats missing", libvirt.ProcDomainInterfaceStats, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainInterfaceStats(ctx, s.dom, "nope0")
		return r(v), err
	})
	add("iface addresses", libvirt.ProcDomainInterfaceAddresses, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainInterfaceAddresses(ctx, s.dom, 0, 0)
		return r(v), err
	})
	add("time", libvirt.ProcDomainGetTime, func(ctx context.Context, s *side) ([]any, error) {
		a, b, err := s.c.DomainGetTime(ctx, s.dom, 0)
		return r(a, b), err
	})
	add("time bogus", libvirt.ProcDomainGetTime, func(ctx context.Context, s *side) ([]any, error) {
		a, b, err := s.c.DomainGetTime(ctx, s.dom, bogus)
		return r(a, b), err
	})
	add("guest hostname", libvirt.ProcDomainGetHostname, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainGetHostname(ctx, s.dom, 0)
		return r(v), err
	})
	add("fsinfo", libvirt.ProcDomainGetFSInfo, func(ctx context.Context, s *side) ([]any, error) {
		a, b, err := s.c.DomainGetFSInfo(ctx, s.dom, 0)
		return r(a, b), err
	})
	add("memory params count", libvirt.ProcDomainGetMemoryParameters, func(ctx context.Context, s *side) ([]any, error) {
		a, err := s.c.DomainGetMemoryParameters(ctx, s.dom, 0)
		return r(a), err
	})
	add("memory params", libvirt.ProcDomainGetMemoryParameters, func(ctx context.Context, s *side) ([]any, error) {
		a, err := s.c.DomainGetMemoryParameters(ctx, s.dom, 0)
		return r(a), err
	})
	add("blkio params", libvirt.ProcDomainGetBlkioParameters, func(ctx context.Context, s *side) ([]any, error) {
		a, err := s.c.DomainGetBlkioParameters(ctx, s.dom, 0)
		return r(a), err
	})
	add("numa params", libvirt.ProcDomainGetNUMAParameters, func(ctx context.Context, s *side) ([]any, error) {
		a, err := s.c.DomainGetNUMAParameters(ctx, s.dom, 0)
		return r(a), err
	})
	add("cpu stats count", libvirt.ProcDomainGetCPUStats, func(ctx context.Context, s *side) ([]any, error) {
		a, err := s.c.DomainGetCPUStats(ctx, s.dom, -1, 1, 0)
		return r(a), err
	})
	add("cpu stats total", libvirt.ProcDomainGetCPUStats, func(ctx context.Context, s *side) ([]any, error) {
		a, err := s.c.DomainGetCPUStats(ctx, s.dom, -1, 1, 0)
		return r(a), err
	})
	add("sched type", libvirt.ProcDomainGetSchedulerType, func(ctx context.Context, s *side) ([]any, error) {
		a, b, err := s.c.DomainGetSchedulerType(ctx, s.dom)
		return r(a, b), err
	})
	add("sched params", libvirt.ProcDomainGetSchedulerParameters, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainGetSchedulerParameters(ctx, s.dom, 1)
		return r(v), err
	})
	add("security label", libvirt.ProcDomainGetSecurityLabel, func(ctx context.Context, s *side) ([]any, error) {
		a, b, err := s.c.DomainGetSecurityLabel(ctx, s.dom)
		return r(a, b), err
	})
	add("all stats", libvirt.ProcConnectGetAllDomainStats, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.ConnectGetAllDomainStats(ctx, nil, 0, 0)
		return r(v), err
	})
	add("all stats state+balloon", libvirt.ProcConnectGetAllDomainStats, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.ConnectGetAllDomainStats(ctx, nil, 1|4, 0)
		return r(v), err
	})
	add("all stats bogus", libvirt.ProcConnectGetAllDomainStats, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.ConnectGetAllDomainStats(ctx, nil, 0, bogus)
		return r(v), err
	})
	add("has managed save", libvirt.ProcDomainHasManagedSaveImage, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainHasManagedSaveImage(ctx, s.dom, 0)
		return r(v), err
	})
	add("snapshot num", libvirt.ProcDomainSnapshotNum, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotNum(ctx, s.dom, 0)
		return r(v), err
	})
	add("has current snapshot", libvirt.ProcDomainHasCurrentSnapshot, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainHasCurrentSnapshot(ctx, s.dom, 0)
		return r(v), err
	})
	add("list snapshots", libvirt.ProcDomainListAllSnapshots, func(ctx context.Context, s *side) ([]any, error) {
		a, err := s.c.DomainListAllSnapshots(ctx, s.dom, 0)
		return r(a, len(a)), err
	})
	add("snapshot lookup missing", libvirt.ProcDomainSnapshotLookupByName, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotLookupByName(ctx, s.dom, "nope", 0)
		return r(v), err
	})

	// A second domain through its life.
	add("define malformed", libvirt.ProcDomainDefineXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainDefineXML(ctx, "<domain type='test'><name>x</name")
		return r(v), err
	})
	add("define bogus flags", libvirt.ProcDomainDefineXMLFlags, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainDefineXMLFlags(ctx, difftDomainXML, bogus)
		return r(v), err
	})
	add("define", libvirt.ProcDomainDefineXMLFlags, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainDefineXMLFlags(ctx, difftDomainXML, 0)
		s.dom2 = v
		return r(v), err
	})
	add("create-xml clash", libvirt.ProcDomainCreateXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainCreateXML(ctx, `<domain type='test'><name>test</name><memory>1024</memory><os><type>hvm</type></os></domain>`, 0)
		return r(v), err
	})
	add("inactive info", libvirt.ProcDomainGetInfo, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainGetInfo(ctx, s.dom2)
		return r(v), err
	})
	add("inactive vcpus", libvirt.ProcDomainGetVCPUs, func(ctx context.Context, s *side) ([]any, error) {
		a, b, err := s.c.DomainGetVCPUs(ctx, s.dom2, 2, 1)
		return r(a, b), err
	})
	add("inactive memory stats", libvirt.ProcDomainMemoryStats, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainMemoryStats(ctx, s.dom2, 13, 0)
		return r(v), err
	})
	add("inactive block stats", libvirt.ProcDomainBlockStats, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainBlockStats(ctx, s.dom2, "vdb")
		return r(v), err
	})
	add("inactive time", libvirt.ProcDomainGetTime, func(ctx context.Context, s *side) ([]any, error) {
		a, b, err := s.c.DomainGetTime(ctx, s.dom2, 0)
		return r(a, b), err
	})
	add("inactive destroy", libvirt.ProcDomainDestroy, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainDestroy(ctx, s.dom2)
	})
	add("inactive suspend", libvirt.ProcDomainSuspend, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSuspend(ctx, s.dom2)
	})
	add("inactive all stats", libvirt.ProcConnectGetAllDomainStats, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.ConnectGetAllDomainStats(ctx, []libvirt.Domain{s.dom2}, 1, 0)
		return r(v), err
	})
	add("create bogus", libvirt.ProcDomainCreateWithFlags, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainCreateWithFlags(ctx, s.dom2, bogus)
		return r(v), err
	})
	add("create paused", libvirt.ProcDomainCreateWithFlags, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainCreateWithFlags(ctx, s.dom2, libvirt.DomainStartPaused)
		return r(v), err
	})
	add("state after paused start", libvirt.ProcDomainGetState, func(ctx context.Context, s *side) ([]any, error) {
		a, b, err := s.c.DomainGetState(ctx, s.dom2, 0)
		return r(a, b), err
	})
	add("destroy after paused start", libvirt.ProcDomainDestroyFlags, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainDestroyFlags(ctx, s.dom2, 0)
	})
	add("create", libvirt.ProcDomainCreate, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainCreate(ctx, s.dom2)
		return r(v), err
	})
	add("create again", libvirt.ProcDomainCreate, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainCreate(ctx, s.dom2)
		return r(v), err
	})
	add("running vcpus", libvirt.ProcDomainGetVCPUs, func(ctx context.Context, s *side) ([]any, error) {
		a, b, err := s.c.DomainGetVCPUs(ctx, s.dom2, 2, 2)
		return r(a, b), err
	})
	add("running block stats", libvirt.ProcDomainBlockStats, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainBlockStats(ctx, s.dom2, "vdb")
		return r(v), err
	})
	add("running block stats by path", libvirt.ProcDomainBlockStats, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainBlockStats(ctx, s.dom2, "/guest/difft.img")
		return r(v), err
	})
	add("running block stats flags", libvirt.ProcDomainBlockStatsFlags, func(ctx context.Context, s *side) ([]any, error) {
		a, err := s.c.DomainBlockStatsFlags(ctx, s.dom2, "vdb", 0)
		return r(a), err
	})
	add("running iface stats", libvirt.ProcDomainInterfaceStats, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainInterfaceStats(ctx, s.dom2, "52:54:00:11:22:33")
		return r(v), err
	})
	add("running iface addresses", libvirt.ProcDomainInterfaceAddresses, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainInterfaceAddresses(ctx, s.dom2, 0, 0)
		return r(v), err
	})
	add("running block info", libvirt.ProcDomainGetBlockInfo, func(ctx context.Context, s *side) ([]any, error) {
		a, b, c, err := s.c.DomainGetBlockInfo(ctx, s.dom2, "vdb", 0)
		return r(a, b, c), err
	})
	add("suspend", libvirt.ProcDomainSuspend, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSuspend(ctx, s.dom2)
	})
	add("suspend again", libvirt.ProcDomainSuspend, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSuspend(ctx, s.dom2)
	})
	add("resume", libvirt.ProcDomainResume, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainResume(ctx, s.dom2)
	})
	add("resume again", libvirt.ProcDomainResume, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainResume(ctx, s.dom2)
	})
	add("shutdown bogus", libvirt.ProcDomainShutdownFlags, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainShutdownFlags(ctx, s.dom2, bogus)
	})
	add("reboot bogus", libvirt.ProcDomainReboot, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainReboot(ctx, s.dom2, bogus)
	})
	add("reboot", libvirt.ProcDomainReboot, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainReboot(ctx, s.dom2, 0)
	})
	add("destroy bogus", libvirt.ProcDomainDestroyFlags, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainDestroyFlags(ctx, s.dom2, bogus)
	})
	add("undefine bogus", libvirt.ProcDomainUndefineFlags, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainUndefineFlags(ctx, s.dom2, bogus)
	})
	add("running still", libvirt.ProcDomainIsActive, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainIsActive(ctx, s.dom2)
		return r(v), err
	})
	add("set memory", libvirt.ProcDomainSetMemoryFlags, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetMemoryFlags(ctx, s.dom2, 262144, libvirt.DomainMemLive)
	})
	add("set memory too much", libvirt.ProcDomainSetMemory, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetMemory(ctx, s.dom2, 1<<40)
	})
	add("set vcpus bogus", libvirt.ProcDomainSetVCPUsFlags, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetVCPUsFlags(ctx, s.dom2, 1, bogus)
	})
	add("managed save", libvirt.ProcDomainManagedSave, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainManagedSave(ctx, s.dom2, 0)
	})
	add("has managed save after", libvirt.ProcDomainHasManagedSaveImage, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainHasManagedSaveImage(ctx, s.dom2, 0)
		return r(v), err
	})
	add("state after managed save", libvirt.ProcDomainGetState, func(ctx context.Context, s *side) ([]any, error) {
		a, b, err := s.c.DomainGetState(ctx, s.dom2, 0)
		return r(a, b), err
	})
	add("managed save remove", libvirt.ProcDomainManagedSaveRemove, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainManagedSaveRemove(ctx, s.dom2, 0)
	})
	add("undefine", libvirt.ProcDomainUndefineFlags, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainUndefineFlags(ctx, s.dom2, 0)
	})
	add("undefine gone", libvirt.ProcDomainUndefine, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainUndefine(ctx, s.dom2)
	})

	// Networks.
	add("net lookup", libvirt.ProcNetworkLookupByName, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NetworkLookupByName(ctx, "default")
		s.net = v
		return r(v), err
	})
	add("net lookup missing", libvirt.ProcNetworkLookupByName, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NetworkLookupByName(ctx, "nope")
		return r(v), err
	})
	add("net list bogus", libvirt.ProcConnectListAllNetworks, func(ctx context.Context, s *side) ([]any, error) {
		a, err := s.c.ConnectListAllNetworks(ctx, bogus)
		return r(a, len(a)), err
	})
	add("net xml bogus", libvirt.ProcNetworkGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NetworkGetXMLDesc(ctx, s.net, bogus)
		return r(v), err
	})
	add("net define malformed", libvirt.ProcNetworkDefineXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NetworkDefineXML(ctx, "<network><name>x</name")
		return r(v), err
	})
	add("net define", libvirt.ProcNetworkDefineXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NetworkDefineXML(ctx, difftNetXML)
		s.net2 = v
		return r(v), err
	})
	add("net destroy inactive", libvirt.ProcNetworkDestroy, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.NetworkDestroy(ctx, s.net2)
	})
	add("net create", libvirt.ProcNetworkCreate, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.NetworkCreate(ctx, s.net2)
	})
	add("net create again", libvirt.ProcNetworkCreate, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.NetworkCreate(ctx, s.net2)
	})
	add("net destroy", libvirt.ProcNetworkDestroy, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.NetworkDestroy(ctx, s.net2)
	})
	add("net undefine", libvirt.ProcNetworkUndefine, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.NetworkUndefine(ctx, s.net2)
	})

	// Storage.
	add("pool lookup", libvirt.ProcStoragePoolLookupByName, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StoragePoolLookupByName(ctx, "default-pool")
		return r(v), err
	})
	add("pool lookup missing", libvirt.ProcStoragePoolLookupByName, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StoragePoolLookupByName(ctx, "nope")
		return r(v), err
	})
	add("pool list bogus", libvirt.ProcConnectListAllStoragePools, func(ctx context.Context, s *side) ([]any, error) {
		a, err := s.c.ConnectListAllStoragePools(ctx, bogus)
		return r(a, len(a)), err
	})
	add("pool define malformed", libvirt.ProcStoragePoolDefineXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StoragePoolDefineXML(ctx, "<pool type='dir'><name>x</name", 0)
		return r(v), err
	})
	add("pool define", libvirt.ProcStoragePoolDefineXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StoragePoolDefineXML(ctx, difftPoolXML, 0)
		s.pool = v
		return r(v), err
	})
	add("pool build bogus", libvirt.ProcStoragePoolBuild, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.StoragePoolBuild(ctx, s.pool, bogus)
	})
	add("pool build", libvirt.ProcStoragePoolBuild, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.StoragePoolBuild(ctx, s.pool, 0)
	})
	add("pool refresh inactive", libvirt.ProcStoragePoolRefresh, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.StoragePoolRefresh(ctx, s.pool, 0)
	})
	add("vol create inactive", libvirt.ProcStorageVolCreateXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StorageVolCreateXML(ctx, s.pool, difftVolXML, 0)
		return r(v), err
	})
	add("pool create", libvirt.ProcStoragePoolCreate, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.StoragePoolCreate(ctx, s.pool, 0)
	})
	add("pool create again", libvirt.ProcStoragePoolCreate, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.StoragePoolCreate(ctx, s.pool, 0)
	})
	add("pool info", libvirt.ProcStoragePoolGetInfo, func(ctx context.Context, s *side) ([]any, error) {
		a, b, c, d, err := s.c.StoragePoolGetInfo(ctx, s.pool)
		return r(a, b, c, d), err
	})
	add("vol create malformed", libvirt.ProcStorageVolCreateXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StorageVolCreateXML(ctx, s.pool, "<volume><name>x</name", 0)
		return r(v), err
	})
	add("vol create bogus", libvirt.ProcStorageVolCreateXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StorageVolCreateXML(ctx, s.pool, difftVolXML, bogus)
		return r(v), err
	})
	add("vol create", libvirt.ProcStorageVolCreateXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StorageVolCreateXML(ctx, s.pool, difftVolXML, 0)
		s.vol = v
		return r(v), err
	})
	add("vol info", libvirt.ProcStorageVolGetInfo, func(ctx context.Context, s *side) ([]any, error) {
		a, b, c, err := s.c.StorageVolGetInfo(ctx, s.vol)
		return r(a, b, c), err
	})
	add("vol path", libvirt.ProcStorageVolGetPath, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StorageVolGetPath(ctx, s.vol)
		return r(v), err
	})
	add("vol xml bogus", libvirt.ProcStorageVolGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StorageVolGetXMLDesc(ctx, s.vol, bogus)
		return r(v), err
	})
	add("vol lookup missing", libvirt.ProcStorageVolLookupByName, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StorageVolLookupByName(ctx, s.pool, "nope")
		return r(v), err
	})
	add("vol delete bogus", libvirt.ProcStorageVolDelete, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.StorageVolDelete(ctx, s.vol, bogus)
	})
	add("vol delete", libvirt.ProcStorageVolDelete, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.StorageVolDelete(ctx, s.vol, 0)
	})
	add("pool refresh", libvirt.ProcStoragePoolRefresh, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.StoragePoolRefresh(ctx, s.pool, 0)
	})
	add("pool delete active", libvirt.ProcStoragePoolDelete, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.StoragePoolDelete(ctx, s.pool, 0)
	})
	add("pool destroy", libvirt.ProcStoragePoolDestroy, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.StoragePoolDestroy(ctx, s.pool)
	})
	add("pool delete", libvirt.ProcStoragePoolDelete, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.StoragePoolDelete(ctx, s.pool, 0)
	})
	add("pool undefine", libvirt.ProcStoragePoolUndefine, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.StoragePoolUndefine(ctx, s.pool)
	})
	add("find pool sources logical", libvirt.ProcConnectFindStoragePoolSources, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.ConnectFindStoragePoolSources(ctx, "logical", nil, 0)
		return r(v), err
	})
	add("find pool sources dir", libvirt.ProcConnectFindStoragePoolSources, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.ConnectFindStoragePoolSources(ctx, "dir", nil, 0)
		return r(v), err
	})

	// Interfaces and node devices.
	add("iface list", libvirt.ProcConnectListAllInterfaces, func(ctx context.Context, s *side) ([]any, error) {
		a, err := s.c.ConnectListAllInterfaces(ctx, 0)
		return r(a, len(a)), err
	})
	add("iface lookup", libvirt.ProcInterfaceLookupByName, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.InterfaceLookupByName(ctx, "eth1")
		return r(v), err
	})
	add("iface lookup missing", libvirt.ProcInterfaceLookupByName, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.InterfaceLookupByName(ctx, "nope")
		return r(v), err
	})
	add("iface num", libvirt.ProcConnectNumOfInterfaces, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.ConnectNumOfInterfaces(ctx)
		return r(v), err
	})
	// libvirtd lists node devices in its hash table's order, which
	// changes from run to run: those lists are compared sorted.
	add("nodedev list", libvirt.ProcConnectListAllNodeDevices, func(ctx context.Context, s *side) ([]any, error) {
		a, err := s.c.ConnectListAllNodeDevices(ctx, 0)
		sort.Slice(a, func(i, j int) bool { return a[i].Name < a[j].Name })
		return r(a, len(a)), err
	})
	add("nodedev num", libvirt.ProcNodeNumOfDevices, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NodeNumOfDevices(ctx, nil, 0)
		return r(v), err
	})
	add("nodedev lookup missing", libvirt.ProcNodeDeviceLookupByName, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NodeDeviceLookupByName(ctx, "nope")
		return r(v), err
	})
	add("iface xml", libvirt.ProcInterfaceGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.InterfaceGetXMLDesc(ctx, libvirt.Interface{Name: "eth1", MAC: "aa:bb:cc:dd:ee:ff"}, 0)
		return r(v), err
	})
	add("iface by mac", libvirt.ProcInterfaceLookupByMACString, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.InterfaceLookupByMACString(ctx, "aa:bb:cc:dd:ee:ff")
		return r(v), err
	})
	add("iface active", libvirt.ProcInterfaceIsActive, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.InterfaceIsActive(ctx, libvirt.Interface{Name: "eth1", MAC: "aa:bb:cc:dd:ee:ff"})
		return r(v), err
	})
	add("iface names", libvirt.ProcConnectListInterfaces, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.ConnectListInterfaces(ctx, 10)
		return r(v), err
	})
	add("iface defined names", libvirt.ProcConnectListDefinedInterfaces, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.ConnectListDefinedInterfaces(ctx, 10)
		return r(v), err
	})
	add("nodedev parent", libvirt.ProcNodeDeviceGetParent, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NodeDeviceGetParent(ctx, "scsi_host11")
		return r(v), err
	})
	add("nodedev caps", libvirt.ProcNodeDeviceListCaps, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NodeDeviceListCaps(ctx, "scsi_host1", 10)
		return r(v), err
	})
	add("nodedev num caps", libvirt.ProcNodeDeviceNumOfCaps, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NodeDeviceNumOfCaps(ctx, "computer")
		return r(v), err
	})
	add("nodedev names scsi", libvirt.ProcNodeListDevices, func(ctx context.Context, s *side) ([]any, error) {
		c := "scsi_host"
		v, err := s.c.NodeListDevices(ctx, &c, 10, 0)
		sort.Strings(v)
		return r(v), err
	})
	add("snapshot current none", libvirt.ProcDomainSnapshotCurrent, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotCurrent(ctx, s.dom, 0)
		return r(v), err
	})
	add("snapshot names", libvirt.ProcDomainSnapshotListNames, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotListNames(ctx, s.dom, 10, 0)
		return r(v), err
	})
	add("find pool sources netfs", libvirt.ProcConnectFindStoragePoolSources, func(ctx context.Context, s *side) ([]any, error) {
		spec := "<source><host name='nfs.example'/></source>"
		v, err := s.c.ConnectFindStoragePoolSources(ctx, "netfs", &spec, 0)
		return r(v), err
	})
	add("find pool sources netfs no host", libvirt.ProcConnectFindStoragePoolSources, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.ConnectFindStoragePoolSources(ctx, "netfs", nil, 0)
		return r(v), err
	})
	add("find pool sources iscsi", libvirt.ProcConnectFindStoragePoolSources, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.ConnectFindStoragePoolSources(ctx, "iscsi", nil, 0)
		return r(v), err
	})
	steps = append(steps, moreSteps()...)
	steps = append(steps, snapSteps()...)
	steps = append(steps, xmlSteps()...)
	steps = append(steps, deviceSteps()...)
	steps = append(steps, guestSteps()...)
	steps = append(steps, saveSteps()...)
	steps = append(steps, ioThreadSteps()...)
	steps = append(steps, checkpointSteps()...)
	steps = append(steps, tunableSteps()...)
	steps = append(steps, tunXMLSteps()...)
	steps = append(steps, ifaceSteps()...)
	steps = append(steps, nodeDevSteps()...)
	steps = append(steps, baselineSteps()...)
	steps = append(steps, badUUIDSteps()...)
	steps = append(steps, netMetadataSteps()...)
	steps = append(steps, readOnlySteps()...)
	steps = append(steps, qemuMonitorDeregisterSteps()...)
	steps = append(steps, netUpdateSteps()...)
	steps = append(steps, metaXMLSteps()...)
	steps = append(steps, redefineSteps()...)
	steps = append(steps, liveConfigSteps()...)
	steps = append(steps, legacyEventSteps()...)
	// Screenshots: the picture differs (libvirt streams the PNG it
	// installs, the fake draws its own), so what is compared is the
	// MIME type, that the stream carries a PNG, and how it ends.
	shot := func(name string, dom func(s *side) libvirt.Domain, flags uint32) {
		add("screenshot "+name, libvirt.ProcDomainScreenshot, func(ctx context.Context, s *side) ([]any, error) {
			st, mime, err := s.c.DomainScreenshot(ctx, dom(s), 0, flags)
			if err != nil {
				return r(mime), err
			}
			data, rerr := io.ReadAll(st)
			ferr := st.Finish()
			_, format, derr := image.DecodeConfig(bytes.NewReader(data))
			return r(mime, format, derr == nil, rerr, ferr), nil
		})
	}
	domcaps := func(name string, emu, arch, machine, virt *string, flags uint32) {
		add("domcaps "+name, libvirt.ProcConnectGetDomainCapabilities, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.ConnectGetDomainCapabilities(ctx, emu, arch, machine, virt, libvirt.ConnectGetDomainCapabilitiesFlags(flags))
			return r(v), err
		})
	}
	sp := func(v string) *string { return &v }
	domcaps("default", nil, nil, nil, nil, 0)
	domcaps("kvm x86_64", sp("/usr/bin/emu"), sp("x86_64"), sp("pc"), sp("kvm"), 0)
	domcaps("unknown arch", nil, sp("nope"), nil, nil, 0)
	domcaps("unknown type", nil, nil, nil, sp("nope"), 0)
	domcaps("bogus flags", nil, nil, nil, nil, bogus)
	shot("test", func(s *side) libvirt.Domain { return s.dom }, 0)
	shot("missing domain", func(s *side) libvirt.Domain {
		return libvirt.Domain{Name: "nope", UUID: libvirt.UUID{1, 2, 3}, ID: -1}
	}, 0)
	shot("bogus flags", func(s *side) libvirt.Domain { return s.dom }, bogus)
	add("connection open and close", libvirt.ProcConnectOpen, func(ctx context.Context, s *side) ([]any, error) {
		c, err := s.dial(ctx) // ConnectOpen
		if err != nil {
			return nil, err
		}
		n, err := c.ConnectNumOfDomains(ctx)
		if err != nil {
			c.Close()
			return nil, err
		}
		return r(n), c.Close() // ConnectClose
	})
	add("connection open twice", libvirt.ProcConnectOpen, func(ctx context.Context, s *side) ([]any, error) {
		uri := "test:///default"
		return nil, s.c2.ConnectOpen(ctx, &uri, 0)
	})
	add("connection close", libvirt.ProcConnectClose, func(ctx context.Context, s *side) ([]any, error) {
		c, err := s.dial(ctx)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		return nil, c.ConnectClose(ctx)
	})
	// Procedures the test driver lacks: "not supported" under the API's
	// error domain.
	add("node memory stats (unserved)", libvirt.ProcNodeGetMemoryStats, func(ctx context.Context, s *side) ([]any, error) {
		a, err := s.c.NodeGetMemoryStats(ctx, -1, 0)
		return r(a), err
	})
	add("block resize (unserved)", libvirt.ProcDomainBlockResize, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainBlockResize(ctx, s.dom, "vda", 1<<20, 0)
	})
	return steps
}

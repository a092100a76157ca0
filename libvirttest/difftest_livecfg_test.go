//go:build integration

package libvirttest_test

import (
	"context"
	"fmt"

	"github.com/virtwire/libvirt"
)

// difftlcXML is the persistent domain whose memory and vCPUs the live
// and persistent steps change: less current memory and fewer vCPUs than
// its maximums.
const difftlcXML = `<domain type='test'>
  <name>difftlc</name>
  <uuid>3c4d5e6f-7081-4293-a4b5-c6d7e8f90a1b</uuid>
  <memory unit='KiB'>524288</memory>
  <currentMemory unit='KiB'>262144</currentMemory>
  <vcpu placement='static' current='2'>4</vcpu>
  <os><type arch='i686'>hvm</type></os>
</domain>`

// difftlchXML has a <maxMemory> for memory hotplug.
const difftlchXML = `<domain type='test'>
  <name>difftlch</name>
  <uuid>5e6f7081-92a3-44b5-86d7-e8f90a1b2c3d</uuid>
  <maxMemory slots='4' unit='MiB'>1024</maxMemory>
  <memory unit='KiB'>524288</memory>
  <vcpu placement='static'>1</vcpu>
  <os><type arch='i686'>hvm</type></os>
</domain>`

// difftlctXML is a transient domain for the persistent-definition errors.
const difftlctXML = `<domain type='test'>
  <name>difftlct</name>
  <uuid>4d5e6f70-8192-43a4-b5c6-d7e8f90a1b2c</uuid>
  <memory unit='KiB'>131072</memory>
  <vcpu placement='static' current='1'>2</vcpu>
  <os><type arch='i686'>hvm</type></os>
</domain>`

// liveConfigSteps change memory and vCPUs with LIVE, CONFIG, both and
// CURRENT on a shut-off, a running and a transient domain, and read
// back both definitions (XML, info, vCPU counts, pinning) before and
// after the domain restarts, when the persistent values take effect.
func liveConfigSteps() []step {
	var steps []step
	add := func(name string, proc libvirt.Procedure, call func(ctx context.Context, s *side) ([]any, error)) {
		steps = append(steps, step{"livecfg " + name, proc, call})
	}
	doms := map[*side]libvirt.Domain{}
	trans := map[*side]libvirt.Domain{}
	const live, config = libvirt.DomainAffectLive, libvirt.DomainAffectConfig
	const memLive, memConfig, memMax = libvirt.DomainMemLive, libvirt.DomainMemConfig, libvirt.DomainMemMaximum
	const vLive, vConfig, vMax = libvirt.DomainVCPULive, libvirt.DomainVCPUConfig, libvirt.DomainVCPUMaximum

	setMem := func(tag string, kib uint64, f libvirt.DomainMemoryModFlags) {
		add(fmt.Sprintf("%s set memory %d flags %d", tag, kib, f), libvirt.ProcDomainSetMemoryFlags, func(ctx context.Context, s *side) ([]any, error) {
			return nil, s.c.DomainSetMemoryFlags(ctx, doms[s], kib, f)
		})
	}
	setVCPUs := func(tag string, n uint32, f libvirt.DomainVCPUFlags) {
		add(fmt.Sprintf("%s set vcpus %d flags %d", tag, n, f), libvirt.ProcDomainSetVCPUsFlags, func(ctx context.Context, s *side) ([]any, error) {
			return nil, s.c.DomainSetVCPUsFlags(ctx, doms[s], n, f)
		})
	}
	// reads compare everything that shows the two definitions.
	reads := func(tag string, pick map[*side]libvirt.Domain) {
		add(tag+" info", libvirt.ProcDomainGetInfo, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainGetInfo(ctx, pick[s])
			return r(v.State, v.MaxMem, v.Memory, v.NrVirtCPU), err
		})
		add(tag+" max memory", libvirt.ProcDomainGetMaxMemory, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainGetMaxMemory(ctx, pick[s])
			return r(v), err
		})
		add(tag+" max vcpus", libvirt.ProcDomainGetMaxVCPUs, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainGetMaxVCPUs(ctx, pick[s])
			return r(v), err
		})
		for _, f := range []libvirt.DomainVCPUFlags{0, vLive, vConfig, vMax, vMax | vLive, vMax | vConfig, vLive | vConfig} {
			add(fmt.Sprintf("%s vcpus flags %d", tag, f), libvirt.ProcDomainGetVCPUsFlags, func(ctx context.Context, s *side) ([]any, error) {
				v, err := s.c.DomainGetVCPUsFlags(ctx, pick[s], f)
				return r(v), err
			})
		}
		for _, f := range []libvirt.DomainModificationImpact{0, live, config} {
			add(fmt.Sprintf("%s pin info flags %d", tag, f), libvirt.ProcDomainGetVCPUPinInfo, func(ctx context.Context, s *side) ([]any, error) {
				m, n, err := s.c.DomainGetVCPUPinInfo(ctx, pick[s], 8, 1, f)
				return r(m, n), err
			})
		}
		for _, f := range []libvirt.DomainXMLFlags{0, libvirt.DomainXMLInactive} {
			add(fmt.Sprintf("%s xml flags %d", tag, f), libvirt.ProcDomainGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
				return xmlDoc(s.c.DomainGetXMLDesc(ctx, pick[s], f))
			})
		}
	}

	add("define", libvirt.ProcDomainDefineXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainDefineXML(ctx, difftlcXML)
		doms[s] = v
		return r(v), err
	})

	// Shut off: only the persistent definition exists.
	setMem("off", 200000, 0)
	setMem("off", 210000, memConfig)
	setMem("off", 220000, memLive)
	setMem("off", 230000, memLive|memConfig)
	setMem("off", 9000000, memConfig)
	setMem("off", 600000, memMax)
	setMem("off", 610000, memMax|memLive)
	setMem("off", 620000, memMax|memConfig)
	add("off set max memory", libvirt.ProcDomainSetMaxMemory, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetMaxMemory(ctx, doms[s], 700000)
	})
	add("off set memory", libvirt.ProcDomainSetMemory, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetMemory(ctx, doms[s], 100000)
	})
	setVCPUs("off", 3, 0)
	setVCPUs("off", 1, vConfig)
	setVCPUs("off", 2, vLive)
	setVCPUs("off", 2, vLive|vConfig)
	setVCPUs("off", 5, vConfig)
	setVCPUs("off", 33, vConfig)
	setVCPUs("off", 0, vConfig)
	setVCPUs("off", 0, vMax)
	setVCPUs("off", 70000, vConfig)
	setVCPUs("off", 6, vMax|vConfig)
	setVCPUs("off", 8, vMax)
	setVCPUs("off", 3, 0)
	add("off set vcpus", libvirt.ProcDomainSetVCPUs, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetVCPUs(ctx, doms[s], 2)
	})
	add("off pin vcpu", libvirt.ProcDomainPinVCPUFlags, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainPinVCPUFlags(ctx, doms[s], 0, []byte{1}, 0)
	})
	reads("off", doms)

	add("start", libvirt.ProcDomainCreate, func(ctx context.Context, s *side) ([]any, error) {
		_, err := s.c.DomainCreate(ctx, doms[s])
		return nil, err
	})
	reads("started", doms)

	// Running: LIVE changes the running definition, CONFIG the
	// persistent one.
	setMem("run", 300000, memConfig)
	setMem("run", 150000, memLive)
	setMem("run", 160000, 0)
	setMem("run", 170000, memLive|memConfig)
	setMem("run", 800000, memLive)
	setMem("run", 800000, memConfig)
	setMem("run", 900000, memMax|memConfig)
	setMem("run", 800000, memConfig)
	setMem("run", 910000, memMax)
	setMem("run", 920000, memMax|memLive)
	add("run set max memory", libvirt.ProcDomainSetMaxMemory, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetMaxMemory(ctx, doms[s], 930000)
	})
	add("run set memory", libvirt.ProcDomainSetMemory, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetMemory(ctx, doms[s], 180000)
	})
	reads("run mem", doms)
	setVCPUs("run", 5, vConfig)
	setVCPUs("run", 1, vLive)
	setVCPUs("run", 2, 0)
	setVCPUs("run", 4, vLive|vConfig)
	setVCPUs("run", 7, vConfig)
	setVCPUs("run", 9, vLive)
	setVCPUs("run", 7, vMax|vConfig)
	setVCPUs("run", 7, vConfig)
	setVCPUs("run", 5, vMax)
	setVCPUs("run", 6, vMax|vLive)
	setVCPUs("run", 3, vMax|vLive|vConfig)
	setVCPUs("run", 0, vLive)
	add("run set vcpus", libvirt.ProcDomainSetVCPUs, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetVCPUs(ctx, doms[s], 2)
	})
	for i, f := range []libvirt.DomainModificationImpact{0, live, config} {
		add(fmt.Sprintf("run pin vcpu %d flags %d", i, f), libvirt.ProcDomainPinVCPUFlags, func(ctx context.Context, s *side) ([]any, error) {
			return nil, s.c.DomainPinVCPUFlags(ctx, doms[s], uint32(i), []byte{byte(1 << i)}, f)
		})
	}
	add("run pin vcpu absent", libvirt.ProcDomainPinVCPU, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainPinVCPU(ctx, doms[s], 5, []byte{1})
	})
	reads("run", doms)

	add("destroy", libvirt.ProcDomainDestroy, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainDestroy(ctx, doms[s])
	})
	reads("destroyed", doms)
	add("restart", libvirt.ProcDomainCreate, func(ctx context.Context, s *side) ([]any, error) {
		_, err := s.c.DomainCreate(ctx, doms[s])
		return nil, err
	})
	reads("restarted", doms)
	// A snapshot of the running domain keeps its live memory and vCPUs,
	// which a revert makes the definition's.
	setMem("snap", 123456, memLive)
	setVCPUs("snap", 1, vLive)
	snaps := map[*side]libvirt.DomainSnapshot{}
	add("snapshot", libvirt.ProcDomainSnapshotCreateXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotCreateXML(ctx, doms[s], "<domainsnapshot><name>lc1</name></domainsnapshot>", 0)
		snaps[s] = v
		return nil, err
	})
	add("shutdown", libvirt.ProcDomainShutdown, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainShutdown(ctx, doms[s])
	})
	add("revert", libvirt.ProcDomainRevertToSnapshot, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainRevertToSnapshot(ctx, snaps[s], 0)
	})
	reads("reverted", doms)
	add("destroy reverted", libvirt.ProcDomainDestroy, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainDestroy(ctx, doms[s])
	})
	reads("reverted destroyed", doms)
	add("undefine", libvirt.ProcDomainUndefineFlags, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainUndefineFlags(ctx, doms[s], libvirt.DomainUndefineSnapshotsMetadata)
	})

	// A <maxMemory> (for memory hotplug) bounds the initial memory.
	hot := map[*side]libvirt.Domain{}
	add("define hotplug", libvirt.ProcDomainDefineXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainDefineXML(ctx, difftlchXML)
		hot[s] = v
		return r(v), err
	})
	for _, kib := range []uint64{2000000, 1048577, 1048576} {
		add(fmt.Sprintf("hotplug set max memory %d", kib), libvirt.ProcDomainSetMemoryFlags, func(ctx context.Context, s *side) ([]any, error) {
			return nil, s.c.DomainSetMemoryFlags(ctx, hot[s], kib, memMax|memConfig)
		})
	}
	reads("hotplug", hot)
	add("undefine hotplug", libvirt.ProcDomainUndefine, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainUndefine(ctx, hot[s])
	})

	// A transient domain has no persistent definition.
	add("create transient", libvirt.ProcDomainCreateXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainCreateXML(ctx, difftlctXML, 0)
		trans[s] = v
		return r(v), err
	})
	tr := func(name string, proc libvirt.Procedure, call func(ctx context.Context, s *side, d libvirt.Domain) error) {
		add("transient "+name, proc, func(ctx context.Context, s *side) ([]any, error) { return nil, call(ctx, s, trans[s]) })
	}
	tr("set memory config", libvirt.ProcDomainSetMemoryFlags, func(ctx context.Context, s *side, d libvirt.Domain) error {
		return s.c.DomainSetMemoryFlags(ctx, d, 100000, memConfig)
	})
	tr("set memory", libvirt.ProcDomainSetMemoryFlags, func(ctx context.Context, s *side, d libvirt.Domain) error {
		return s.c.DomainSetMemoryFlags(ctx, d, 100000, 0)
	})
	tr("set max memory config", libvirt.ProcDomainSetMemoryFlags, func(ctx context.Context, s *side, d libvirt.Domain) error {
		return s.c.DomainSetMemoryFlags(ctx, d, 200000, memMax|memConfig)
	})
	tr("set vcpus config", libvirt.ProcDomainSetVCPUsFlags, func(ctx context.Context, s *side, d libvirt.Domain) error {
		return s.c.DomainSetVCPUsFlags(ctx, d, 2, vConfig)
	})
	tr("set vcpus live and config", libvirt.ProcDomainSetVCPUsFlags, func(ctx context.Context, s *side, d libvirt.Domain) error {
		return s.c.DomainSetVCPUsFlags(ctx, d, 2, vLive|vConfig)
	})
	tr("set vcpus", libvirt.ProcDomainSetVCPUsFlags, func(ctx context.Context, s *side, d libvirt.Domain) error {
		return s.c.DomainSetVCPUsFlags(ctx, d, 2, 0)
	})
	reads("transient", trans)
	tr("destroy", libvirt.ProcDomainDestroy, func(ctx context.Context, s *side, d libvirt.Domain) error {
		return s.c.DomainDestroy(ctx, d)
	})
	return steps
}

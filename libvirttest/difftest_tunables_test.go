//go:build integration

package libvirttest_test

import (
	"context"

	"github.com/virtwire/libvirt"
)

// tunableSteps set and read back memory limits, NUMA placement, block
// I/O weights, interface bandwidth, disk throttling and lifecycle
// actions on the running "test" and a shut-off domain, with the
// drivers' checks on values, flags and device names.
func tunableSteps() []step {
	var steps []step
	add := func(name string, proc libvirt.Procedure, call func(ctx context.Context, s *side) ([]any, error)) {
		steps = append(steps, step{name, proc, call})
	}
	P := func() libvirt.TypedParams { return libvirt.TypedParams{} }
	type getter func(ctx context.Context, s *side, flags libvirt.DomainModificationImpact) (libvirt.TypedParams, error)
	type setter func(ctx context.Context, s *side, ps libvirt.TypedParams, flags libvirt.DomainModificationImpact) error
	pair := func(kind string, getProc, setProc libvirt.Procedure, get getter, set setter) (func(string, libvirt.DomainModificationImpact), func(string, libvirt.TypedParams, libvirt.DomainModificationImpact)) {
		return func(name string, flags libvirt.DomainModificationImpact) {
				add(kind+" get "+name, getProc, func(ctx context.Context, s *side) ([]any, error) {
					v, err := get(ctx, s, flags)
					return r(v), err
				})
			}, func(name string, ps libvirt.TypedParams, flags libvirt.DomainModificationImpact) {
				add(kind+" set "+name, setProc, func(ctx context.Context, s *side) ([]any, error) {
					return nil, set(ctx, s, ps, flags)
				})
			}
	}
	const live, config = libvirt.DomainAffectLive, libvirt.DomainAffectConfig
	bogusF := libvirt.DomainModificationImpact(bogus)

	add("tunables define difftpar", libvirt.ProcDomainDefineXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainDefineXML(ctx, difftSaveXML)
		s.dom3 = v
		return r(v), err
	})

	// Memory limits.
	memGet, memSet := pair("memory params", libvirt.ProcDomainGetMemoryParameters, libvirt.ProcDomainSetMemoryParameters,
		func(ctx context.Context, s *side, f libvirt.DomainModificationImpact) (libvirt.TypedParams, error) {
			return s.c.DomainGetMemoryParameters(ctx, s.dom, f)
		},
		func(ctx context.Context, s *side, ps libvirt.TypedParams, f libvirt.DomainModificationImpact) error {
			return s.c.DomainSetMemoryParameters(ctx, s.dom, ps, f)
		})
	memSet("limits", P().AddUint64("hard_limit", 1048576).AddUint64("soft_limit", 524288), 0)
	memGet("after limits", 0)
	memSet("hard above swap", P().AddUint64("swap_hard_limit", 2048).AddUint64("hard_limit", 4096), 0)
	memSet("swap below hard", P().AddUint64("swap_hard_limit", 1024), live)
	memSet("swap", P().AddUint64("swap_hard_limit", 2097152), config)
	memGet("after swap", config)
	memSet("wrong type", P().AddUint("hard_limit", 1), 0)
	memSet("unknown", P().AddUint64("min_guarantee", 1), 0)
	memSet("both flags", P().AddUint64("soft_limit", 1), live|config)
	memSet("bogus flags", P().AddUint64("soft_limit", 1), bogusF)
	add("memory params set live on shut off", libvirt.ProcDomainSetMemoryParameters, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetMemoryParameters(ctx, s.dom3, P().AddUint64("soft_limit", 1), live)
	})
	add("memory params get live on shut off", libvirt.ProcDomainGetMemoryParameters, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainGetMemoryParameters(ctx, s.dom3, live)
		return r(v), err
	})

	// NUMA placement.
	numaGet, numaSet := pair("numa params", libvirt.ProcDomainGetNUMAParameters, libvirt.ProcDomainSetNUMAParameters,
		func(ctx context.Context, s *side, f libvirt.DomainModificationImpact) (libvirt.TypedParams, error) {
			return s.c.DomainGetNUMAParameters(ctx, s.dom, f)
		},
		func(ctx context.Context, s *side, ps libvirt.TypedParams, f libvirt.DomainModificationImpact) error {
			return s.c.DomainSetNUMAParameters(ctx, s.dom, ps, f)
		})
	numaSet("interleave", P().AddInt("numa_mode", 2).AddString("numa_nodeset", "0-1"), 0)
	numaGet("after interleave", 0)
	numaSet("change mode live", P().AddInt("numa_mode", 1), 0)
	numaSet("same mode live", P().AddInt("numa_mode", 2).AddString("numa_nodeset", "1"), live)
	numaGet("after nodeset", 0)
	numaSet("bad mode", P().AddInt("numa_mode", 7), 0)
	numaSet("bad nodeset", P().AddString("numa_nodeset", "x-y"), 0)
	numaSet("wrong type", P().AddUint("numa_mode", 1), 0)
	numaSet("bogus flags", P().AddInt("numa_mode", 2), bogusF)

	// Block I/O weights.
	blkGet, blkSet := pair("blkio params", libvirt.ProcDomainGetBlkioParameters, libvirt.ProcDomainSetBlkioParameters,
		func(ctx context.Context, s *side, f libvirt.DomainModificationImpact) (libvirt.TypedParams, error) {
			return s.c.DomainGetBlkioParameters(ctx, s.dom, f)
		},
		func(ctx context.Context, s *side, ps libvirt.TypedParams, f libvirt.DomainModificationImpact) error {
			return s.c.DomainSetBlkioParameters(ctx, s.dom, ps, f)
		})
	blkSet("weight", P().AddUint("weight", 500), 0)
	blkSet("device weight", P().AddString("device_weight", "/dev/sda,300"), 0)
	blkSet("device iops", P().AddString("device_read_iops_sec", "/dev/sda,100,/dev/sdb,200"), live)
	blkGet("after set", 0)
	blkSet("device weight zero", P().AddString("device_weight", "/dev/sda,0"), 0)
	blkGet("after zero", 0)
	blkSet("odd list", P().AddString("device_weight", "/dev/sda"), 0)
	blkSet("wrong type", P().AddInt("weight", 5), 0)
	blkSet("bogus flags", P().AddUint("weight", 5), bogusF)

	// Interface bandwidth on the default domain's NIC.
	ifGet := func(name, dev string, flags libvirt.DomainModificationImpact) {
		add("iface params get "+name, libvirt.ProcDomainGetInterfaceParameters, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainGetInterfaceParameters(ctx, s.dom, dev, flags)
			return r(v), err
		})
	}
	ifSet := func(name, dev string, ps libvirt.TypedParams, flags libvirt.DomainModificationImpact) {
		add("iface params set "+name, libvirt.ProcDomainSetInterfaceParameters, func(ctx context.Context, s *side) ([]any, error) {
			return nil, s.c.DomainSetInterfaceParameters(ctx, s.dom, dev, ps, flags)
		})
	}
	ifGet("initial", "aa:bb:cc:dd:ee:ff", 0)
	ifSet("inbound", "aa:bb:cc:dd:ee:ff", P().AddUint("inbound.average", 1000).AddUint("inbound.peak", 2000).AddUint("outbound.average", 500), 0)
	ifGet("after inbound", "testnet0", 0)
	ifSet("clear outbound", "testnet0", P().AddUint("outbound.average", 0).AddUint("inbound.burst", 7), 0)
	ifGet("after clear", "aa:bb:cc:dd:ee:ff", 0)
	ifSet("floor only", "aa:bb:cc:dd:ee:ff", P().AddUint("inbound.floor", 10), 0)
	ifGet("after floor", "aa:bb:cc:dd:ee:ff", 0)
	ifGet("unknown mac", "52:54:00:00:00:01", 0)
	ifGet("unknown name", "vnet9", 0)
	ifSet("unknown name", "vnet9", P().AddUint("inbound.average", 1), 0)
	ifSet("wrong type", "testnet0", P().AddUint64("inbound.average", 1), 0)
	ifSet("bogus flags", "testnet0", P().AddUint("inbound.average", 1), bogusF)
	ifGet("bogus flags", "testnet0", bogusF)

	// Disk throttling.
	ioGet := func(name, disk string, flags libvirt.DomainModificationImpact) {
		add("block iotune get "+name, libvirt.ProcDomainGetBlockIOTune, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainGetBlockIOTune(ctx, s.dom, &disk, flags)
			return r(v), err
		})
	}
	ioSet := func(name, disk string, ps libvirt.TypedParams, flags libvirt.DomainModificationImpact) {
		add("block iotune set "+name, libvirt.ProcDomainSetBlockIOTune, func(ctx context.Context, s *side) ([]any, error) {
			return nil, s.c.DomainSetBlockIOTune(ctx, s.dom, disk, ps, flags)
		})
	}
	ioGet("initial", "vda", 0)
	ioSet("limits", "vda", P().AddUint64("read_bytes_sec", 1000).AddUint64("read_bytes_sec_max", 2000).AddString("group_name", "g1"), 0)
	ioGet("after limits", "/guest/diskimage1", 0)
	ioSet("total and read", "vda", P().AddUint64("total_bytes_sec", 10), 0)
	ioSet("above max", "vda", P().AddUint64("write_iops_sec", 10).AddUint64("write_iops_sec_max", 5), 0)
	ioSet("too large", "vda", P().AddUint64("size_iops_sec", 1<<60), 0)
	ioSet("unknown disk", "vdz", P().AddUint64("size_iops_sec", 1), 0)
	ioSet("wrong type", "vda", P().AddUint("size_iops_sec", 1), 0)
	ioSet("bogus flags", "vda", P().AddUint64("size_iops_sec", 1), bogusF)
	ioGet("unknown disk", "vdz", 0)
	ioGet("bogus flags", "vda", bogusF)
	ioGet("after errors", "vda", 0)

	// Lifecycle actions.
	lc := func(name string, typ libvirt.DomainLifecycle, act libvirt.DomainLifecycleAction, flags libvirt.DomainModificationImpact, on func(s *side) libvirt.Domain) {
		add("lifecycle "+name, libvirt.ProcDomainSetLifecycleAction, func(ctx context.Context, s *side) ([]any, error) {
			return nil, s.c.DomainSetLifecycleAction(ctx, on(s), typ, act, flags)
		})
	}
	test := func(s *side) libvirt.Domain { return s.dom }
	shutOff := func(s *side) libvirt.Domain { return s.dom3 }
	lc("poweroff restart", libvirt.DomainLifecyclePoweroff, libvirt.DomainLifecycleActionRestart, 0, test)
	lc("crash coredump", libvirt.DomainLifecycleCrash, libvirt.DomainLifecycleActionCoredumpRestart, config, test)
	lc("reboot coredump", libvirt.DomainLifecycleReboot, libvirt.DomainLifecycleActionCoredumpDestroy, 0, test)
	lc("bad type", 5, libvirt.DomainLifecycleActionDestroy, 0, test)
	lc("bad action", libvirt.DomainLifecycleReboot, 9, 0, test)
	lc("live on shut off", libvirt.DomainLifecycleReboot, libvirt.DomainLifecycleActionDestroy, live, shutOff)
	lc("both on shut off", libvirt.DomainLifecycleReboot, libvirt.DomainLifecycleActionDestroy, live|config, shutOff)
	lc("bogus flags", libvirt.DomainLifecycleReboot, libvirt.DomainLifecycleActionDestroy, bogusF, test)

	steps = append(steps, xmlDumpSteps("tunables test", onTestDom)...)
	steps = append(steps, xmlDumpSteps("tunables difftpar", onDom3)...)
	add("tunables undefine difftpar", libvirt.ProcDomainUndefine, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainUndefine(ctx, s.dom3)
	})
	return steps
}

package libvirttest

import (
	"context"
	"strconv"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// A domain's memory and vCPU counts, as the test driver keeps them: the
// persistent definition (dom.def) holds the maximum and current memory
// and vCPUs the domain boots with; a running domain's current values
// are dom.memKiB and dom.vcpus and its maximums those of the definition
// it runs with (dom.running()). A change to the persistent definition
// of a running domain separates the two definitions, so the live ones
// stay until the domain stops (domain.go's stop), when the persistent
// ones take effect. While shut off, dom.memKiB and dom.vcpus equal the
// definition's (syncSizes).

// maxGuestVCPUs is the test driver's limit for any domain's vCPUs
// (its ConnectGetMaxVcpus).
const maxGuestVCPUs = 32

// configForChange returns the persistent definition to change: a copy
// that replaces dom.def, so that a running domain keeps the definition
// it runs with. The caller has checked that dom is persistent.
func (dom *domain) configForChange() *domainDef {
	if dom.active() && dom.live == nil {
		dom.live = dom.def
	}
	dom.def = dom.def.clone()
	return dom.def
}

// syncSizes gives a shut-off domain the current memory and vCPUs of its
// definition.
func (dom *domain) syncSizes() {
	if !dom.active() {
		dom.memKiB, dom.vcpus = dom.def.memKiB, dom.def.vcpus
	}
}

// addressesConfig reports whether flags (checked by oneDef) address the
// persistent definition: CONFIG is given or the domain is shut off.
// Otherwise they address the running one.
func (dom *domain) addressesConfig(flags uint32) bool {
	return !dom.active() || flags&uint32(libvirt.DomainAffectConfig) != 0
}

// sizes are the maximum and current memory and vCPUs of the definition
// flags address (addressesConfig).
func (dom *domain) sizes(flags uint32) (maxKiB, memKiB uint64, maxCPUs, vcpus int) {
	if dom.addressesConfig(flags) {
		return dom.def.maxKiB, dom.def.memKiB, dom.def.maxCPUs, dom.def.vcpus
	}
	return dom.running().maxKiB, dom.memKiB, dom.running().maxCPUs, dom.vcpus
}

// maxMemoryKiB is a definition's <maxMemory> (the memory hotplug
// limit) in KiB, rounded up as libvirt stores it.
func maxMemoryKiB(def *domainDef) (uint64, bool) {
	mm := def.doc.MaximumMemory
	if mm == nil {
		return 0, false
	}
	b, ok, err := scaled{Value: strconv.FormatUint(uint64(mm.Value), 10), Unit: mm.Unit}.bytes("kib")
	if err != nil || !ok {
		return 0, false
	}
	return (b + 1023) / 1024, true
}

// DomainGetMaxMemory reports the running (or shut-off) definition's
// maximum memory in KiB.
func (d *driver) DomainGetMaxMemory(ctx context.Context, args *protocol.DomainGetMaxMemoryArgs) (*protocol.DomainGetMaxMemoryRet, error) {
	var ret protocol.DomainGetMaxMemoryRet
	err := d.withDomain(args.Dom, func(dom *domain) error {
		ret.Memory = dom.running().maxKiB
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// DomainSetMemory sets a running domain's current memory (KiB).
func (d *driver) DomainSetMemory(ctx context.Context, args *protocol.DomainSetMemoryArgs) error {
	return d.setMemory(args.Dom, args.Memory, uint32(libvirt.DomainMemLive))
}

// DomainSetMaxMemory sets the maximum memory (KiB) of a shut-off domain.
func (d *driver) DomainSetMaxMemory(ctx context.Context, args *protocol.DomainSetMaxMemoryArgs) error {
	return d.setMemory(args.Dom, args.Memory, uint32(libvirt.DomainMemMaximum))
}

// DomainSetMemoryFlags sets the current memory, or with
// VIR_DOMAIN_MEM_MAXIMUM the maximum of the persistent definition, in
// KiB.
func (d *driver) DomainSetMemoryFlags(ctx context.Context, args *protocol.DomainSetMemoryFlagsArgs) error {
	if args.Flags&libvirt.DomainMemLive != 0 && args.Flags&libvirt.DomainMemConfig != 0 {
		// The public API's check.
		return apiError("Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive")
	}
	return d.setMemory(args.Dom, args.Memory, uint32(args.Flags))
}

// setMemory changes the one definition flags address, as
// testDomainSetMemoryFlags.
func (d *driver) setMemory(ref libvirt.Domain, kib uint64, flags uint32) error {
	return d.withDomain(ref, func(dom *domain) error {
		f, err := dom.modificationImpact(flags & uint32(libvirt.DomainAffectLive|libvirt.DomainAffectConfig))
		if err != nil {
			return err
		}
		live := f&uint32(libvirt.DomainAffectLive) != 0
		if flags&uint32(libvirt.DomainMemMaximum) != 0 {
			if live {
				return lvError(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "cannot resize the maximum memory on an active domain")
			}
			if cpu := dom.def.doc.CPU; cpu != nil && cpu.Numa != nil && len(cpu.Numa.Cell) > 0 {
				return lvError(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "initial memory size of a domain with NUMA nodes cannot be modified with this API")
			}
			if limit, ok := maxMemoryKiB(dom.def); ok && limit > 0 && limit < kib {
				return lvError(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "cannot set initial memory size greater than the maximum memory size")
			}
			def := dom.configForChange()
			def.maxKiB = kib
			def.memKiB = min(def.memKiB, kib)
			dom.syncSizes()
			return nil
		}
		maxKiB, _, _, _ := dom.sizes(f)
		if kib > maxKiB {
			return lvError(libvirt.ErrInvalidArg, libvirt.FromTest, prefixInvArg, "cannot set memory higher than max memory")
		}
		if live {
			dom.memKiB = kib
		} else {
			dom.configForChange().memKiB = kib
			dom.syncSizes()
		}
		return nil
	})
}

// DomainGetMaxVCPUs reports the running domain's maximum vCPU count.
func (d *driver) DomainGetMaxVCPUs(ctx context.Context, args *protocol.DomainGetMaxVCPUsArgs) (*protocol.DomainGetMaxVCPUsRet, error) {
	n, err := d.getVCPUs(args.Dom, uint32(libvirt.DomainAffectLive)|uint32(libvirt.DomainVCPUMaximum))
	if err != nil {
		return nil, err
	}
	return &protocol.DomainGetMaxVCPUsRet{Num: n}, nil
}

// DomainGetVCPUsFlags reports the current (or, with
// VIR_DOMAIN_VCPU_MAXIMUM, the maximum) vCPU count of the running or the
// persistent definition.
func (d *driver) DomainGetVCPUsFlags(ctx context.Context, args *protocol.DomainGetVCPUsFlagsArgs) (*protocol.DomainGetVCPUsFlagsRet, error) {
	n, err := d.getVCPUs(args.Dom, uint32(args.Flags))
	if err != nil {
		return nil, err
	}
	return &protocol.DomainGetVCPUsFlagsRet{Num: n}, nil
}

func (d *driver) getVCPUs(ref libvirt.Domain, flags uint32) (int32, error) {
	var n int32
	err := d.withDomain(ref, func(dom *domain) error {
		if err := oneDef(dom, flags); err != nil {
			return err
		}
		_, _, maxCPUs, vcpus := dom.sizes(flags)
		n = int32(vcpus)
		if flags&uint32(libvirt.DomainVCPUMaximum) != 0 {
			n = int32(maxCPUs)
		}
		return nil
	})
	return n, err
}

// DomainSetVCPUs sets a running domain's vCPU count.
func (d *driver) DomainSetVCPUs(ctx context.Context, args *protocol.DomainSetVCPUsArgs) error {
	return d.setVCPUs(args.Dom, args.Nvcpus, uint32(libvirt.DomainAffectLive))
}

// DomainSetVCPUsFlags sets the vCPU count of the running and/or the
// persistent definition, or with VIR_DOMAIN_VCPU_MAXIMUM the persistent
// maximum.
func (d *driver) DomainSetVCPUsFlags(ctx context.Context, args *protocol.DomainSetVCPUsFlagsArgs) error {
	// The public API's checks.
	if args.Flags&libvirt.DomainVCPUMaximum != 0 && args.Flags&libvirt.DomainVCPUConfig == 0 {
		return apiError("Flag 'VIR_DOMAIN_AFFECT_CONFIG' is required by flag 'VIR_DOMAIN_VCPU_MAXIMUM'")
	}
	if args.Nvcpus == 0 {
		return argError(libvirt.FromDomain, "virDomainSetVcpusFlags", "nvcpus", "nvcpus in virDomainSetVcpusFlags must not be zero")
	}
	return d.setVCPUs(args.Dom, args.Nvcpus, uint32(args.Flags))
}

// setVCPUs is testDomainSetVcpusFlags: the running definition's count
// changes with LIVE (even with MAXIMUM, which only the persistent
// definition's maximum honours).
func (d *driver) setVCPUs(ref libvirt.Domain, n uint32, flags uint32) error {
	if n > maxGuestVCPUs {
		return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromTest, prefixInvArg,
			"requested cpu amount exceeds maximum supported amount (%d > %d)", n, maxGuestVCPUs)
	}
	return d.withDomain(ref, func(dom *domain) error {
		f, err := dom.modificationImpact(flags & uint32(libvirt.DomainAffectLive|libvirt.DomainAffectConfig))
		if err != nil {
			return err
		}
		live, config := f&uint32(libvirt.DomainAffectLive) != 0, f&uint32(libvirt.DomainAffectConfig) != 0
		maximum := flags&uint32(libvirt.DomainVCPUMaximum) != 0
		exceeds := func(limit int) error {
			return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromTest, prefixInvArg,
				"requested cpu amount exceeds maximum (%d > %d)", n, limit)
		}
		if live && int(n) > dom.running().maxCPUs {
			return exceeds(dom.running().maxCPUs)
		}
		if config && !maximum && int(n) > dom.def.maxCPUs {
			return exceeds(dom.def.maxCPUs)
		}
		if live {
			dom.vcpus = int(n)
		}
		if config {
			def := dom.configForChange()
			if maximum {
				def.maxCPUs = int(n)
				def.vcpus = min(def.vcpus, int(n))
			} else {
				def.vcpus = int(n)
			}
			dom.syncSizes()
		}
		return nil
	})
}

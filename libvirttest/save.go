package libvirttest

import (
	"context"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// DomainManagedSave stops a running persistent domain, keeping a managed
// save image (only a flag here: the fake has no guest memory to save).
func (d *driver) DomainManagedSave(ctx context.Context, args *protocol.DomainManagedSaveArgs) error {
	return d.activeDomain(args.Dom, func(dom *domain) error {
		if !dom.persistent {
			return lvError(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "cannot do managed save for transient domain")
		}
		d.stop(ctx, dom, libvirt.DomainShutoffSaved, libvirt.DomainEventStoppedSaved)
		dom.managedSave = true
		return nil
	})
}

// DomainHasManagedSaveImage tells whether a managed save image exists.
func (d *driver) DomainHasManagedSaveImage(ctx context.Context, args *protocol.DomainHasManagedSaveImageArgs) (*protocol.DomainHasManagedSaveImageRet, error) {
	var ret protocol.DomainHasManagedSaveImageRet
	err := d.withDomain(args.Dom, func(dom *domain) error {
		if dom.managedSave {
			ret.Result = 1
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// DomainManagedSaveRemove discards the managed save image, if any.
func (d *driver) DomainManagedSaveRemove(ctx context.Context, args *protocol.DomainManagedSaveRemoveArgs) error {
	return d.withDomain(args.Dom, func(dom *domain) error {
		dom.managedSave = false
		return nil
	})
}

// DomainSetMemoryFlags sets the current memory, or with
// VIR_DOMAIN_MEM_MAXIMUM the maximum of a shut-off domain, in KiB.
func (d *driver) DomainSetMemoryFlags(ctx context.Context, args *protocol.DomainSetMemoryFlagsArgs) error {
	live, config := args.Flags&libvirt.DomainMemLive != 0, args.Flags&libvirt.DomainMemConfig != 0
	if live && config {
		return lvError(libvirt.ErrInvalidArg, libvirt.FromDomain, prefixInvArg, "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive")
	}
	if args.Flags&libvirt.DomainMemMaximum != 0 {
		if live {
			return d.withDomain(args.Dom, func(dom *domain) error {
				if !dom.active() {
					return notActive()
				}
				return lvError(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "cannot resize the maximum memory on an active domain")
			})
		}
		return d.DomainSetMaxMemory(ctx, &protocol.DomainSetMaxMemoryArgs{Dom: args.Dom, Memory: args.Memory})
	}
	return d.withDomain(args.Dom, func(dom *domain) error {
		if live && !dom.active() {
			return notActive()
		}
		if args.Memory > dom.def.maxKiB {
			return lvError(libvirt.ErrInvalidArg, libvirt.FromTest, prefixInvArg, "cannot set memory higher than max memory")
		}
		dom.memKiB = args.Memory
		return nil
	})
}

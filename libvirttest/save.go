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

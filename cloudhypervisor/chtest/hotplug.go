package chtest

import (
	"context"

	ch "github.com/virtwire/libvirt/cloudhypervisor"
	"github.com/virtwire/libvirt/cloudhypervisor/internal/chapi"
)

// add registers a device for an add-* call: a booted VM gets it with a
// PCI address (200 + PciDeviceInfo), a VM that is not booted only in its
// configuration (204). The boolean result is true for the 200 case.
//
// op is the operation's ApiError message. A duplicate id fails the
// config validation the real VMM runs first: ValidationError::
// IdentifierNotUnique (409 on main, 500 before).
func (h *handlers) add(op, event string, id *string, prefix string, store func(id string)) (ch.PciDeviceInfo, bool, error) {
	m := h.m()
	if m.cfg == nil {
		return ch.PciDeviceInfo{}, false, notCreated(op)
	}
	devID := m.deviceID(id, prefix)
	if _, dup := m.devices[devID]; dup {
		return ch.PciDeviceInfo{}, false, apiFailure(kindDuplicate, op, "Failed to validate config", "Identifier "+devID+" is not unique")
	}
	store(devID)
	bdf := m.plug(devID)
	m.event("%s %s", event, devID)
	return ch.PciDeviceInfo{Id: devID, Bdf: bdf}, bdf != "", nil
}

// PutVmAddDisk adds a disk.
func (h *handlers) PutVmAddDisk(_ context.Context, req chapi.PutVmAddDiskRequestObject) (chapi.PutVmAddDiskResponseObject, error) {
	d := *req.Body
	info, hot, err := h.add("The disk could not be added to the VM", "add-disk", d.Id, "disk", func(id string) { d.Id = &id; h.m().cfg.Disks = append(h.m().cfg.Disks, d) })
	if err != nil {
		return nil, err
	}
	if hot {
		return chapi.PutVmAddDisk200JSONResponse(info), nil
	}
	return chapi.PutVmAddDisk204Response{}, nil
}

// PutVmAddFs adds a virtio-fs device.
func (h *handlers) PutVmAddFs(_ context.Context, req chapi.PutVmAddFsRequestObject) (chapi.PutVmAddFsResponseObject, error) {
	d := *req.Body
	info, hot, err := h.add("The fs could not be added to the VM", "add-fs", d.Id, "fs", func(id string) { d.Id = &id; h.m().cfg.Fs = append(h.m().cfg.Fs, d) })
	if err != nil {
		return nil, err
	}
	if hot {
		return chapi.PutVmAddFs200JSONResponse(info), nil
	}
	return chapi.PutVmAddFs204Response{}, nil
}

// PutVmAddGenericVhostUser adds a generic vhost-user device.
func (h *handlers) PutVmAddGenericVhostUser(_ context.Context, req chapi.PutVmAddGenericVhostUserRequestObject) (chapi.PutVmAddGenericVhostUserResponseObject, error) {
	d := *req.Body
	info, hot, err := h.add("The generic vhost-user device could not be added to the VM", "add-generic-vhost-user", d.Id, "generic_vhost_user", func(id string) {
		d.Id = &id
		h.m().cfg.GenericVhostUser = append(h.m().cfg.GenericVhostUser, d)
	})
	if err != nil {
		return nil, err
	}
	if hot {
		return chapi.PutVmAddGenericVhostUser200JSONResponse(info), nil
	}
	return chapi.PutVmAddGenericVhostUser204Response{}, nil
}

// PutVmAddPmem adds a persistent-memory device.
func (h *handlers) PutVmAddPmem(_ context.Context, req chapi.PutVmAddPmemRequestObject) (chapi.PutVmAddPmemResponseObject, error) {
	d := *req.Body
	info, hot, err := h.add("The pmem device could not be added to the VM", "add-pmem", d.Id, "pmem", func(id string) { d.Id = &id; h.m().cfg.Pmem = append(h.m().cfg.Pmem, d) })
	if err != nil {
		return nil, err
	}
	if hot {
		return chapi.PutVmAddPmem200JSONResponse(info), nil
	}
	return chapi.PutVmAddPmem204Response{}, nil
}

// PutVmAddVsock adds the (single) vsock device.
func (h *handlers) PutVmAddVsock(_ context.Context, req chapi.PutVmAddVsockRequestObject) (chapi.PutVmAddVsockResponseObject, error) {
	if c := h.m().cfg; c != nil && c.Vsock != nil {
		return nil, apiFailure(kindInvalidConfig, "The vsock device could not be added to the VM", "Failed to validate config", "the VM already has a vsock device")
	}
	d := *req.Body
	info, hot, err := h.add("The vsock device could not be added to the VM", "add-vsock", d.Id, "vsock", func(id string) { d.Id = &id; h.m().cfg.Vsock = &d })
	if err != nil {
		return nil, err
	}
	if hot {
		return chapi.PutVmAddVsock200JSONResponse(info), nil
	}
	return chapi.PutVmAddVsock204Response{}, nil
}

// PutVmAddVdpa adds a vDPA device.
func (h *handlers) PutVmAddVdpa(_ context.Context, req chapi.PutVmAddVdpaRequestObject) (chapi.PutVmAddVdpaResponseObject, error) {
	d := *req.Body
	info, hot, err := h.add("The vDPA device could not be added to the VM", "add-vdpa", d.Id, "vdpa", func(id string) { d.Id = &id; h.m().cfg.Vdpa = append(h.m().cfg.Vdpa, d) })
	if err != nil {
		return nil, err
	}
	if hot {
		return chapi.PutVmAddVdpa200JSONResponse(info), nil
	}
	return chapi.PutVmAddVdpa204Response{}, nil
}

// PutVmAddUserDevice adds a vfio-user device.
func (h *handlers) PutVmAddUserDevice(_ context.Context, req chapi.PutVmAddUserDeviceRequestObject) (chapi.PutVmAddUserDeviceResponseObject, error) {
	b := *req.Body
	info, hot, err := h.add("The user device could not be added to the VM", "add-user-device", nil, "user_device", func(id string) {
		h.m().cfg.UserDevices = append(h.m().cfg.UserDevices, ch.UserDeviceConfig{
			Id: &id, Socket: b.Socket, PciSegment: b.PciSegment, PciDeviceId: b.PciDeviceId,
		})
	})
	if err != nil {
		return nil, err
	}
	if hot {
		return chapi.PutVmAddUserDevice200JSONResponse(info), nil
	}
	return chapi.PutVmAddUserDevice204Response{}, nil
}

// PutVmAddNet adds a network device; every descriptor received with the
// request belongs to it (as in the real VMM).
func (h *handlers) PutVmAddNet(ctx context.Context, req chapi.PutVmAddNetRequestObject) (chapi.PutVmAddNetResponseObject, error) {
	d := *req.Body
	fds := len(fdsFrom(ctx))
	info, hot, err := h.add("The network device could not be added to the VM", "add-net", d.Id, "net", func(id string) { d.Id = &id; h.m().cfg.Net = append(h.m().cfg.Net, d) })
	if err != nil {
		return nil, err
	}
	h.m().event("add-net %s fds=%d", info.Id, fds)
	if hot {
		return chapi.PutVmAddNet200JSONResponse(info), nil
	}
	return chapi.PutVmAddNet204Response{}, nil
}

// PutVmAddDevice adds a VFIO device given by exactly one of path or a
// cdev descriptor passed with SCM_RIGHTS.
func (h *handlers) PutVmAddDevice(ctx context.Context, req chapi.PutVmAddDeviceRequestObject) (chapi.PutVmAddDeviceResponseObject, error) {
	const action = "add-device"
	d := *req.Body
	fds := len(fdsFrom(ctx))
	hasPath := d.Path != nil && *d.Path != ""
	if fds > 1 {
		// The real handler takes at most one descriptor.
		return nil, badRequest()
	}
	// ValidationError (vmm/src/config.rs, v53.0): 500 before main, 400 on main.
	const op = "The device could not be added to the VM"
	switch {
	case !hasPath && fds == 0:
		return nil, apiFailure(kindInvalidConfig, op, "Failed to validate config", "VFIO device config must specify `path=` or `fd=`")
	case hasPath && fds > 0:
		return nil, apiFailure(kindInvalidConfig, op, "Failed to validate config", "VFIO device config must specify at most one of `path=` or `fd=`")
	}
	info, hot, err := h.add("The device could not be added to the VM", action, d.Id, "vfio", func(id string) { d.Id = &id; h.m().cfg.Devices = append(h.m().cfg.Devices, d) })
	if err != nil {
		return nil, err
	}
	if hot {
		return chapi.PutVmAddDevice200JSONResponse(info), nil
	}
	return chapi.PutVmAddDevice204Response{}, nil
}

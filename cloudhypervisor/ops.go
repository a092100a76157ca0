package cloudhypervisor

import (
	"context"
	"errors"
	"net/http"
)

// sendFn adapts a generated client method without a body.
type sendFn func(ctx context.Context, reqEditors ...RequestEditorFn) (*http.Response, error)

func (v *VMM) action(ctx context.Context, op string, f sendFn) error {
	_, err := v.call(ctx, op, func(ctx context.Context) (*http.Response, error) { return f(ctx) }, answer{})
	return err
}

func withBody[T any](ctx context.Context, v *VMM, op string, f func(context.Context, T, ...RequestEditorFn) (*http.Response, error), body T, ans answer) (int, error) {
	return v.call(ctx, op, func(ctx context.Context) (*http.Response, error) { return f(ctx, body) }, ans)
}

// deviceAnswer is what an add-* call promises: 200 with the new device's
// PciDeviceInfo (the real server sends 200 only with a body), or 204.
func deviceAnswer(info *PciDeviceInfo) answer {
	return answer{
		out:      info,
		needBody: func(status int) bool { return status == http.StatusOK },
		check: func() error {
			if info.Id == "" {
				return errors.New("PciDeviceInfo without id")
			}
			return nil
		},
	}
}

// hotplug runs an add-* call. The VMM answers 200 with the new device's
// PCI address when the VM is running and 204 when the device is only
// added to the configuration of a VM that is not booted; the latter
// returns (nil, nil). A 200 without a body, or with null, is an error.
func hotplug[T any](ctx context.Context, v *VMM, op string, f func(context.Context, T, ...RequestEditorFn) (*http.Response, error), body T) (*PciDeviceInfo, error) {
	var info PciDeviceInfo
	status, err := withBody(ctx, v, op, f, body, deviceAnswer(&info))
	if err != nil || status != http.StatusOK {
		return nil, err
	}
	return &info, nil
}

// Ping checks that the VMM answers and reports its version (for example
// "53.0.0", with BuildVersion "v53.0"). An answer without a version is an
// error wrapping ErrUnexpectedAnswer.
func (v *VMM) Ping(ctx context.Context) (*VmmPingResponse, error) {
	var out VmmPingResponse
	ans := answer{out: &out, needBody: always, check: func() error {
		if out.Version == "" {
			return errors.New("ping answer without version")
		}
		return nil
	}}
	if _, err := v.call(ctx, "GET /vmm.ping", func(ctx context.Context) (*http.Response, error) { return v.gen.GetVmmPing(ctx) }, ans); err != nil {
		return nil, err
	}
	return &out, nil
}

// ShutdownVMM stops the VMM process (the VMM answers 200, not the 204 the
// spec declares; both are accepted).
func (v *VMM) ShutdownVMM(ctx context.Context) error {
	return v.action(ctx, "PUT /vmm.shutdown", v.gen.ShutdownVMM)
}

// Info returns the VM's configuration and state. Without a VM,
// v53.0 and later answer 404 (IsStatus(err, http.StatusNotFound)); v52
// and older answer 500. An answer without a state is an error wrapping
// ErrUnexpectedAnswer.
func (v *VMM) Info(ctx context.Context) (*VmInfo, error) {
	var out VmInfo
	ans := answer{out: &out, needBody: always, check: func() error {
		if out.State == "" {
			return errors.New("vm.info answer without state")
		}
		return nil
	}}
	if _, err := v.call(ctx, "GET /vm.info", func(ctx context.Context) (*http.Response, error) { return v.gen.GetVmInfo(ctx) }, ans); err != nil {
		return nil, err
	}
	return &out, nil
}

// Counters returns the per-device counters of a running VM.
func (v *VMM) Counters(ctx context.Context) (VmCounters, error) {
	var out VmCounters
	if _, err := v.call(ctx, "GET /vm.counters", func(ctx context.Context) (*http.Response, error) { return v.gen.GetVmCounters(ctx) }, answer{out: &out, needBody: always}); err != nil {
		return nil, err
	}
	return out, nil
}

// BalloonStats returns the statistics of the VM's virtio-balloon device.
//
// Only the newest spec describes this operation: neither v53.0 nor main
// at ae44c297 serves it, and both answer 404 ["Not Found"]
// (IsStatus(err, http.StatusNotFound)).
func (v *VMM) BalloonStats(ctx context.Context) (*BalloonStatsResponse, error) {
	var out BalloonStatsResponse
	if _, err := v.call(ctx, "GET /vm.balloon-stats", func(ctx context.Context) (*http.Response, error) { return v.gen.GetVmBalloonStats(ctx) }, answer{out: &out, needBody: always}); err != nil {
		return nil, err
	}
	return &out, nil
}

// Create defines the VM from cfg without booting it.
func (v *VMM) Create(ctx context.Context, cfg VmConfig) error {
	_, err := withBody(ctx, v, "PUT /vm.create", v.gen.CreateVM, cfg, answer{})
	return err
}

// Delete removes the VM (shutting it down first if needed).
func (v *VMM) Delete(ctx context.Context) error {
	return v.action(ctx, "PUT /vm.delete", v.gen.DeleteVM)
}

// Boot starts a created VM.
func (v *VMM) Boot(ctx context.Context) error { return v.action(ctx, "PUT /vm.boot", v.gen.BootVM) }

// Pause pauses a running VM.
func (v *VMM) Pause(ctx context.Context) error { return v.action(ctx, "PUT /vm.pause", v.gen.PauseVM) }

// Resume resumes a paused VM.
func (v *VMM) Resume(ctx context.Context) error {
	return v.action(ctx, "PUT /vm.resume", v.gen.ResumeVM)
}

// Shutdown stops the VM; its configuration stays, so it can be booted again.
func (v *VMM) Shutdown(ctx context.Context) error {
	return v.action(ctx, "PUT /vm.shutdown", v.gen.ShutdownVM)
}

// Reboot restarts the VM.
func (v *VMM) Reboot(ctx context.Context) error {
	return v.action(ctx, "PUT /vm.reboot", v.gen.RebootVM)
}

// PowerButton presses the VM's virtual power button (ACPI event).
func (v *VMM) PowerButton(ctx context.Context) error {
	return v.action(ctx, "PUT /vm.power-button", v.gen.PowerButtonVM)
}

// NMI injects a non-maskable interrupt into the VM.
func (v *VMM) NMI(ctx context.Context) error { return v.action(ctx, "PUT /vm.nmi", v.gen.PutVmNmi) }

// Resize changes the number of vCPUs, the memory size or the balloon size.
func (v *VMM) Resize(ctx context.Context, r VmResize) error {
	_, err := withBody(ctx, v, "PUT /vm.resize", v.gen.PutVmResize, r, answer{})
	return err
}

// ResizeDisk changes the size of a disk.
func (v *VMM) ResizeDisk(ctx context.Context, r VmResizeDisk) error {
	_, err := withBody(ctx, v, "PUT /vm.resize-disk", v.gen.PutVmResizeDisk, r, answer{})
	return err
}

// ResizeZone changes the size of a memory zone.
func (v *VMM) ResizeZone(ctx context.Context, r VmResizeZone) error {
	_, err := withBody(ctx, v, "PUT /vm.resize-zone", v.gen.PutVmResizeZone, r, answer{})
	return err
}

// AddDisk hot-plugs a disk (or adds it to a VM that is not booted).
func (v *VMM) AddDisk(ctx context.Context, cfg DiskConfig) (*PciDeviceInfo, error) {
	return hotplug(ctx, v, "PUT /vm.add-disk", v.gen.PutVmAddDisk, cfg)
}

// AddFs adds a virtio-fs device.
func (v *VMM) AddFs(ctx context.Context, cfg FsConfig) (*PciDeviceInfo, error) {
	return hotplug(ctx, v, "PUT /vm.add-fs", v.gen.PutVmAddFs, cfg)
}

// AddGenericVhostUser adds a generic vhost-user device.
func (v *VMM) AddGenericVhostUser(ctx context.Context, cfg GenericVhostUserConfig) (*PciDeviceInfo, error) {
	return hotplug(ctx, v, "PUT /vm.add-generic-vhost-user", v.gen.PutVmAddGenericVhostUser, cfg)
}

// AddPmem adds a persistent-memory device.
func (v *VMM) AddPmem(ctx context.Context, cfg PmemConfig) (*PciDeviceInfo, error) {
	return hotplug(ctx, v, "PUT /vm.add-pmem", v.gen.PutVmAddPmem, cfg)
}

// AddVsock adds the vsock device.
func (v *VMM) AddVsock(ctx context.Context, cfg VsockConfig) (*PciDeviceInfo, error) {
	return hotplug(ctx, v, "PUT /vm.add-vsock", v.gen.PutVmAddVsock, cfg)
}

// AddVdpa adds a vDPA device.
func (v *VMM) AddVdpa(ctx context.Context, cfg VdpaConfig) (*PciDeviceInfo, error) {
	return hotplug(ctx, v, "PUT /vm.add-vdpa", v.gen.PutVmAddVdpa, cfg)
}

// AddUserDevice adds a vfio-user device.
func (v *VMM) AddUserDevice(ctx context.Context, cfg VmAddUserDevice) (*PciDeviceInfo, error) {
	return hotplug(ctx, v, "PUT /vm.add-user-device", v.gen.PutVmAddUserDevice, cfg)
}

// RemoveDevice unplugs the device with the given id.
func (v *VMM) RemoveDevice(ctx context.Context, id string) error {
	_, err := withBody(ctx, v, "PUT /vm.remove-device", v.gen.PutVmRemoveDevice, VmRemoveDevice{Id: &id}, answer{})
	return err
}

// Snapshot writes a snapshot of a paused VM to cfg.DestinationUrl.
func (v *VMM) Snapshot(ctx context.Context, cfg VmSnapshotConfig) error {
	_, err := withBody(ctx, v, "PUT /vm.snapshot", v.gen.PutVmSnapshot, cfg, answer{})
	return err
}

// Coredump writes a guest core dump of a paused VM (x86_64 VMMs built
// with the guest_debug feature only).
func (v *VMM) Coredump(ctx context.Context, cfg VmCoredumpData) error {
	_, err := withBody(ctx, v, "PUT /vm.coredump", v.gen.PutVmCoredump, cfg, answer{})
	return err
}

// ReceiveMigration prepares this VMM to receive a migrating VM.
// cfg.MemoryMode is accepted by v53.0 and main (Precopy or Postcopy;
// the newest spec dropped the field and added MemFDs, which those
// servers refuse with 400).
func (v *VMM) ReceiveMigration(ctx context.Context, cfg ReceiveMigrationData) error {
	_, err := withBody(ctx, v, "PUT /vm.receive-migration", v.gen.PutVmReceiveMigration, cfg, answer{})
	return err
}

// SendMigration migrates the running VM to another VMM.
func (v *VMM) SendMigration(ctx context.Context, cfg SendMigrationData) error {
	_, err := withBody(ctx, v, "PUT /vm.send-migration", v.gen.PutVmSendMigration, cfg, answer{})
	return err
}

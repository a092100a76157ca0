package chtest

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"time"

	ch "github.com/virtwire/libvirt/cloudhypervisor"
	"github.com/virtwire/libvirt/cloudhypervisor/internal/chapi"
)

// handlers implements the generated strict server interface on the
// model. Server.front holds the API lock while any of these runs.
type handlers struct{ s *Server }

var _ chapi.StrictServerInterface = (*handlers)(nil)

func (h *handlers) m() *vmModel { return &h.s.vm }

var (
	errNotCreated = func(action string) error { return failure(kindNotCreated, action, "VM is not created") }
	errNotRunning = func(action string) error { return failure(kindConflict, action, "VM is not running") }
)

// requireBooted checks that a VM exists and runs (or is paused).
func (h *handlers) requireBooted(action string) error {
	m := h.m()
	if m.cfg == nil {
		return errNotCreated(action)
	}
	if !m.booted() {
		return errNotRunning(action)
	}
	return nil
}

// GetVmmPing reports the fake's version.
func (h *handlers) GetVmmPing(_ context.Context, _ chapi.GetVmmPingRequestObject) (chapi.GetVmmPingResponseObject, error) {
	pid := int64(os.Getpid())
	return jsonWithExtra{ch.VmmPingResponse{
		Version:      h.s.opts.Version,
		BuildVersion: ptr(h.s.opts.Version + "-chtest"),
		Pid:          &pid,
		Features:     []string{"kvm"},
	}}, nil
}

// ShutdownVMM answers 200 and then stops the fake, like the VMM exiting.
func (h *handlers) ShutdownVMM(_ context.Context, _ chapi.ShutdownVMMRequestObject) (chapi.ShutdownVMMResponseObject, error) {
	h.m().event("vmm.shutdown")
	s := h.s
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = s.http.Shutdown(ctx)
		_ = s.stop()
	}()
	return shutdownVMM200{}, nil
}

// GetVmInfo returns the configuration and state.
func (h *handlers) GetVmInfo(_ context.Context, _ chapi.GetVmInfoRequestObject) (chapi.GetVmInfoResponseObject, error) {
	m := h.m()
	if m.cfg == nil {
		return nil, errNotCreated("Error getting VM information")
	}
	return jsonWithExtra{m.info()}, nil
}

// GetVmCounters returns zeroed counters for each disk and net device.
func (h *handlers) GetVmCounters(_ context.Context, _ chapi.GetVmCountersRequestObject) (chapi.GetVmCountersResponseObject, error) {
	if err := h.requireBooted("Error getting VM counters"); err != nil {
		return nil, err
	}
	out := chapi.GetVmCounters200JSONResponse{}
	for _, d := range h.m().cfg.Disks {
		out[*d.Id] = map[string]int64{"read_bytes": 0, "read_ops": 0, "write_bytes": 0, "write_ops": 0}
	}
	for _, n := range h.m().cfg.Net {
		out[*n.Id] = map[string]int64{"rx_bytes": 0, "rx_frames": 0, "tx_bytes": 0, "tx_frames": 0}
	}
	return out, nil
}

// GetVmBalloonStats needs a running VM with a balloon device.
func (h *handlers) GetVmBalloonStats(_ context.Context, _ chapi.GetVmBalloonStatsRequestObject) (chapi.GetVmBalloonStatsResponseObject, error) {
	const action = "Error getting balloon statistics"
	if err := h.requireBooted(action); err != nil {
		return nil, err
	}
	b := h.m().cfg.Balloon
	if b == nil {
		return nil, failure(kindInternal, action, "No balloon device")
	}
	avail := h.m().cfg.Memory.Size - b.Size
	return chapi.GetVmBalloonStats200JSONResponse{
		BalloonActual: b.Size,
		LastUpdate:    time.Now().UnixMilli(),
		Stats:         ch.BalloonStats{AvailableMemory: &avail},
	}, nil
}

// CreateVM stores the configuration; the VM is not booted.
func (h *handlers) CreateVM(ctx context.Context, req chapi.CreateVMRequestObject) (chapi.CreateVMResponseObject, error) {
	const action = "Error creating the VM"
	m := h.m()
	if m.cfg != nil {
		return nil, failure(kindConflict, action, "VM is already created")
	}
	cfg := cloneConfig(*req.Body)
	if cfg.Cpus != nil && cfg.Cpus.BootVcpus > cfg.Cpus.MaxVcpus {
		return nil, failure(kindBadRequest, action, "invalid VM configuration", "boot_vcpus is above max_vcpus")
	}
	if cfg.Memory == nil {
		cfg.Memory = &ch.MemoryConfig{Size: 512 << 20}
	}
	if cfg.Cpus == nil {
		cfg.Cpus = &ch.CpusConfig{BootVcpus: 1, MaxVcpus: 1}
	}
	m.cfg = &cfg
	m.state = ch.VmStateCreated
	m.registerConfigDevices()
	m.event("create fds=%d", len(fdsFrom(ctx)))
	return chapi.CreateVM204Response{}, nil
}

// DeleteVM forgets the VM; it succeeds when there is none.
func (h *handlers) DeleteVM(_ context.Context, _ chapi.DeleteVMRequestObject) (chapi.DeleteVMResponseObject, error) {
	h.m().reset()
	h.m().event("delete")
	return chapi.DeleteVM204Response{}, nil
}

// BootVM starts a created (or shut down) VM.
func (h *handlers) BootVM(_ context.Context, _ chapi.BootVMRequestObject) (chapi.BootVMResponseObject, error) {
	const action = "Error booting the VM"
	m := h.m()
	if m.cfg == nil {
		return nil, errNotCreated(action)
	}
	if m.booted() {
		return nil, failure(kindConflict, action, "VM is already booted")
	}
	m.state = ch.VmStateRunning
	m.bootDevices()
	m.event("boot")
	return chapi.BootVM204Response{}, nil
}

// PauseVM pauses a running VM.
func (h *handlers) PauseVM(_ context.Context, _ chapi.PauseVMRequestObject) (chapi.PauseVMResponseObject, error) {
	const action = "Error pausing the VM"
	m := h.m()
	if m.cfg == nil {
		return nil, errNotCreated(action)
	}
	if m.state != ch.VmStateRunning {
		return nil, failure(kindConflict, action, "invalid state transition from "+string(m.state)+" to Paused")
	}
	m.state = ch.VmStatePaused
	m.event("pause")
	return chapi.PauseVM204Response{}, nil
}

// ResumeVM resumes a paused VM.
func (h *handlers) ResumeVM(_ context.Context, _ chapi.ResumeVMRequestObject) (chapi.ResumeVMResponseObject, error) {
	const action = "Error resuming the VM"
	m := h.m()
	if m.cfg == nil {
		return nil, errNotCreated(action)
	}
	if m.state != ch.VmStatePaused {
		return nil, failure(kindConflict, action, "invalid state transition from "+string(m.state)+" to Running")
	}
	m.state = ch.VmStateRunning
	m.event("resume")
	return chapi.ResumeVM204Response{}, nil
}

// ShutdownVM stops the VM. As in the real VMM the configuration stays
// and vm.info reports Created, so the VM can be booted again.
func (h *handlers) ShutdownVM(_ context.Context, _ chapi.ShutdownVMRequestObject) (chapi.ShutdownVMResponseObject, error) {
	if err := h.requireBooted("Error shutting down the VM"); err != nil {
		return nil, err
	}
	m := h.m()
	m.state = ch.VmStateCreated
	for id := range m.devices {
		m.devices[id] = ""
	}
	m.nextSlot = 1
	m.event("shutdown")
	return chapi.ShutdownVM204Response{}, nil
}

// RebootVM restarts a booted VM; it is running afterwards.
func (h *handlers) RebootVM(_ context.Context, _ chapi.RebootVMRequestObject) (chapi.RebootVMResponseObject, error) {
	if err := h.requireBooted("Error rebooting the VM"); err != nil {
		return nil, err
	}
	h.m().state = ch.VmStateRunning
	h.m().event("reboot")
	return chapi.RebootVM204Response{}, nil
}

// PowerButtonVM records the ACPI power button press; no guest reacts.
func (h *handlers) PowerButtonVM(_ context.Context, _ chapi.PowerButtonVMRequestObject) (chapi.PowerButtonVMResponseObject, error) {
	if err := h.requireBooted("Error triggering the power button"); err != nil {
		return nil, err
	}
	h.m().event("power-button")
	return chapi.PowerButtonVM204Response{}, nil
}

// PutVmNmi records the NMI.
func (h *handlers) PutVmNmi(_ context.Context, _ chapi.PutVmNmiRequestObject) (chapi.PutVmNmiResponseObject, error) {
	if err := h.requireBooted("Error injecting an NMI"); err != nil {
		return nil, err
	}
	h.m().event("nmi")
	return chapi.PutVmNmi204Response{}, nil
}

// PutVmResize changes vCPUs, memory or balloon size of a booted VM.
func (h *handlers) PutVmResize(_ context.Context, req chapi.PutVmResizeRequestObject) (chapi.PutVmResizeResponseObject, error) {
	const action = "Error resizing the VM"
	if err := h.requireBooted(action); err != nil {
		return nil, err
	}
	r, c := req.Body, h.m().cfg
	if r.DesiredVcpus == nil && r.DesiredRam == nil && r.DesiredBalloon == nil {
		return nil, failure(kindBadRequest, action, "nothing to resize")
	}
	if r.DesiredVcpus != nil {
		if *r.DesiredVcpus < 1 || *r.DesiredVcpus > c.Cpus.MaxVcpus {
			return nil, failure(kindBadRequest, action, "desired vCPUs outside 1..max_vcpus")
		}
		c.Cpus.BootVcpus = *r.DesiredVcpus
	}
	if r.DesiredRam != nil {
		c.Memory.Size = *r.DesiredRam
	}
	if r.DesiredBalloon != nil {
		if c.Balloon == nil {
			return nil, failure(kindBadRequest, action, "No balloon device")
		}
		c.Balloon.Size = *r.DesiredBalloon
	}
	h.m().event("resize")
	return chapi.PutVmResize204Response{}, nil
}

// PutVmResizeDisk resizes a disk by id.
func (h *handlers) PutVmResizeDisk(_ context.Context, req chapi.PutVmResizeDiskRequestObject) (chapi.PutVmResizeDiskResponseObject, error) {
	const action = "Error resizing the disk"
	m := h.m()
	if m.cfg == nil {
		return nil, errNotCreated(action)
	}
	if req.Body.Id == nil || req.Body.DesiredSize == nil {
		return nil, failure(kindBadRequest, action, "id and desired_size are required")
	}
	for _, d := range m.cfg.Disks {
		if d.Id != nil && *d.Id == *req.Body.Id {
			m.event("resize-disk %s %d", *req.Body.Id, *req.Body.DesiredSize)
			return chapi.PutVmResizeDisk204Response{}, nil
		}
	}
	return nil, failure(kindInternal, action, "no disk with id "+*req.Body.Id)
}

// PutVmResizeZone resizes a memory zone by id.
func (h *handlers) PutVmResizeZone(_ context.Context, req chapi.PutVmResizeZoneRequestObject) (chapi.PutVmResizeZoneResponseObject, error) {
	const action = "Error resizing the memory zone"
	if err := h.requireBooted(action); err != nil {
		return nil, err
	}
	if req.Body.Id == nil || req.Body.DesiredRam == nil {
		return nil, failure(kindBadRequest, action, "id and desired_ram are required")
	}
	zones := h.m().cfg.Memory.Zones
	for i := range zones {
		if zones[i].Id == *req.Body.Id {
			zones[i].Size = *req.Body.DesiredRam
			h.m().event("resize-zone %s", zones[i].Id)
			return chapi.PutVmResizeZone204Response{}, nil
		}
	}
	return nil, failure(kindInternal, action, "no memory zone with id "+*req.Body.Id)
}

// PutVmRemoveDevice unplugs a device by id.
func (h *handlers) PutVmRemoveDevice(_ context.Context, req chapi.PutVmRemoveDeviceRequestObject) (chapi.PutVmRemoveDeviceResponseObject, error) {
	const action = "Error removing the device"
	m := h.m()
	if m.cfg == nil {
		return nil, errNotCreated(action)
	}
	if req.Body.Id == nil {
		return nil, failure(kindBadRequest, action, "id is required")
	}
	id := *req.Body.Id
	if _, ok := m.devices[id]; !ok {
		return nil, failure(kindInternal, action, "no device with id "+id)
	}
	delete(m.devices, id)
	m.removeFromConfig(id)
	m.event("remove-device %s", id)
	return chapi.PutVmRemoveDevice204Response{}, nil
}

// PutVmSnapshot snapshots a paused VM to a file:// URL.
func (h *handlers) PutVmSnapshot(_ context.Context, req chapi.PutVmSnapshotRequestObject) (chapi.PutVmSnapshotResponseObject, error) {
	const action = "Error taking the snapshot"
	m := h.m()
	if m.cfg == nil {
		return nil, errNotCreated(action)
	}
	if m.state != ch.VmStatePaused {
		return nil, failure(kindConflict, action, "VM is not paused")
	}
	url := req.Body.DestinationUrl
	if url == nil || !strings.HasPrefix(*url, "file://") {
		return nil, failure(kindBadRequest, action, "destination_url must be a file:// URL")
	}
	m.snapshots[*url] = cloneConfig(*m.cfg)
	m.event("snapshot %s", *url)
	return chapi.PutVmSnapshot204Response{}, nil
}

// PutVmCoredump dumps a paused VM to a file:// URL.
func (h *handlers) PutVmCoredump(_ context.Context, req chapi.PutVmCoredumpRequestObject) (chapi.PutVmCoredumpResponseObject, error) {
	const action = "Error taking the coredump"
	m := h.m()
	if m.cfg == nil {
		return nil, errNotCreated(action)
	}
	if m.state != ch.VmStatePaused {
		return nil, failure(kindConflict, action, "VM is not paused")
	}
	url := req.Body.DestinationUrl
	if url == nil || !strings.HasPrefix(*url, "file://") {
		return nil, failure(kindBadRequest, action, "destination_url must be a file:// URL")
	}
	m.event("coredump %s", *url)
	return chapi.PutVmCoredump204Response{}, nil
}

// restoredNet is the net_fds entry of the real RestoreConfig.
type restoredNet struct {
	ID     string `json:"id"`
	NumFDs int    `json:"num_fds"`
}

// PutVmRestore restores a snapshot taken by this fake. The descriptors
// received must match the net_fds entries (a field the spec lacks).
func (h *handlers) PutVmRestore(ctx context.Context, req chapi.PutVmRestoreRequestObject) (chapi.PutVmRestoreResponseObject, error) {
	const action = "Error restoring the VM"
	m := h.m()
	if m.cfg != nil {
		return nil, failure(kindConflict, action, "VM is already created")
	}
	var extra struct {
		NetFDs []restoredNet `json:"net_fds"`
	}
	if err := json.Unmarshal(bodyFrom(ctx), &extra); err != nil {
		return nil, failure(kindBadRequest, action, err.Error())
	}
	want := 0
	for _, n := range extra.NetFDs {
		want += n.NumFDs
	}
	if got := len(fdsFrom(ctx)); got != want {
		return nil, failure(kindBadRequest, "Bad Request", "net_fds expects "+itoa(want)+" descriptors, received "+itoa(got))
	}
	snap, ok := m.snapshots[req.Body.SourceUrl]
	if !ok {
		return nil, failure(kindInternal, action, "no snapshot at "+req.Body.SourceUrl)
	}
	m.cfg = &snap
	m.registerConfigDevices()
	m.state = ch.VmStatePaused
	m.bootDevices()
	if req.Body.Resume != nil && *req.Body.Resume {
		m.state = ch.VmStateRunning
	}
	m.event("restore %s net_fds=%d", req.Body.SourceUrl, want)
	return chapi.PutVmRestore204Response{}, nil
}

// PutVmReceiveMigration records the request; no migration happens.
func (h *handlers) PutVmReceiveMigration(_ context.Context, req chapi.PutVmReceiveMigrationRequestObject) (chapi.PutVmReceiveMigrationResponseObject, error) {
	const action = "Error receiving the migration"
	if h.m().cfg != nil {
		return nil, failure(kindConflict, action, "VM is already created")
	}
	if !validMigrationURL(req.Body.ReceiverUrl) {
		return nil, failure(kindBadRequest, action, "receiver_url must be unix:<path> or tcp:<host>:<port>")
	}
	h.m().event("receive-migration %s", req.Body.ReceiverUrl)
	return chapi.PutVmReceiveMigration204Response{}, nil
}

// PutVmSendMigration "migrates" the VM away: it is gone afterwards
// unless preserve_source keeps it paused.
func (h *handlers) PutVmSendMigration(_ context.Context, req chapi.PutVmSendMigrationRequestObject) (chapi.PutVmSendMigrationResponseObject, error) {
	const action = "Error sending the migration"
	if err := h.requireBooted(action); err != nil {
		return nil, err
	}
	if !validMigrationURL(req.Body.DestinationUrl) {
		return nil, failure(kindBadRequest, action, "destination_url must be unix:<path> or tcp:<host>:<port>")
	}
	m := h.m()
	m.event("send-migration %s", req.Body.DestinationUrl)
	if req.Body.PreserveSource != nil && *req.Body.PreserveSource {
		m.state = ch.VmStatePaused
	} else {
		m.reset()
	}
	return chapi.PutVmSendMigration204Response{}, nil
}

func validMigrationURL(u string) bool {
	return strings.HasPrefix(u, "unix:") || strings.HasPrefix(u, "tcp:")
}

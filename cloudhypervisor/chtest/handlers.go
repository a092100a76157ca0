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
//
// Error chains follow the real server: "Error from API", the ApiError
// message of the operation, then the VmError causes, as read at v53.0
// (vmm/src/api/mod.rs, vmm/src/vm.rs, vmm/src/lib.rs). Where the fake
// checks something the real VMM checks deeper down (URL formats, vCPU
// limits), the last element is the fake's own wording.
type handlers struct{ s *Server }

var _ chapi.StrictServerInterface = (*handlers)(nil)

func (h *handlers) m() *vmModel { return &h.s.vm }

// ApiError messages of the operations (vmm/src/api/mod.rs, v53.0).
const (
	opInfo         = "The VM info is not available" // vm.info and vm.counters
	opCreate       = "The VM could not be created"
	opBoot         = "The VM could not boot"
	opPause        = "The VM could not be paused"
	opResume       = "The VM could not resume"
	opShutdown     = "The VM could not shutdown"
	opReboot       = "The VM could not reboot"
	opSnapshot     = "The VM could not be snapshotted"
	opRestore      = "The VM could not be restored"
	opCoredump     = "The VM could not be coredumped"
	opResize       = "The VM could not be resized"
	opResizeDisk   = "The disk could not be resized"
	opResizeZone   = "The memory zone could not be resized"
	opRemoveDevice = "The device could not be removed from the VM"
	opPowerButton  = "Error triggering power button"
	opNMI          = "Error triggering NMI"
	opReceive      = "Error receiving migration"
	opSend         = "Error dispatching the migration worker"
)

// VmError messages (vmm/src/vm.rs, v53.0).
const (
	errNotCreatedMsg    = "VM is not created"
	errMissingConfigMsg = "VM config is missing"
	errAlreadyMsg       = "VM is already created"
	errNotRunningMsg    = "VM is not running"
)

// notRunning is VmError::VmNotRunning for op (500 in every release).
func notRunning(op string) error { return apiFailure(kindInternal, op, errNotRunningMsg) }

// notCreated is VmError::VmNotCreated for op (404 from v53.0).
func notCreated(op string) error { return apiFailure(kindNotCreated, op, errNotCreatedMsg) }

// requireBooted is the check of the operations that need a running (or
// paused) VM: without one the real VMM answers VmNotRunning, whether or
// not a VM was created.
func (h *handlers) requireBooted(op string) error {
	if !h.m().booted() {
		return notRunning(op)
	}
	return nil
}

// GetVmmPing reports the release's versions.
func (h *handlers) GetVmmPing(_ context.Context, _ chapi.GetVmmPingRequestObject) (chapi.GetVmmPingResponseObject, error) {
	pid := int64(os.Getpid())
	return jsonWithExtra{ch.VmmPingResponse{
		Version:      h.s.opts.Release.cargoVersion(),
		BuildVersion: ptr(h.s.opts.Version),
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

// GetVmInfo returns the configuration and state; without a VM it is
// VmNotCreated (404 from v53.0, 500 before).
func (h *handlers) GetVmInfo(_ context.Context, _ chapi.GetVmInfoRequestObject) (chapi.GetVmInfoResponseObject, error) {
	m := h.m()
	if m.cfg == nil {
		return nil, apiFailure(kindNotCreated, opInfo, errNotCreatedMsg)
	}
	return jsonWithExtra{m.info()}, nil
}

// GetVmCounters returns zeroed counters for each disk and net device.
func (h *handlers) GetVmCounters(_ context.Context, _ chapi.GetVmCountersRequestObject) (chapi.GetVmCountersResponseObject, error) {
	if err := h.requireBooted(opInfo); err != nil {
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

// GetVmBalloonStats is never reached: no server release has the route,
// so Server.front answers 404 ["Not Found"] first.
func (h *handlers) GetVmBalloonStats(_ context.Context, _ chapi.GetVmBalloonStatsRequestObject) (chapi.GetVmBalloonStatsResponseObject, error) {
	return nil, &apiErr{kind: kindNotFound, chain: []string{"Not Found"}}
}

// CreateVM stores the configuration; the VM is not booted. Like the real
// VMM it does not check the configuration here, and descriptors sent
// with the request are not used (Server.front closes them).
func (h *handlers) CreateVM(_ context.Context, req chapi.CreateVMRequestObject) (chapi.CreateVMResponseObject, error) {
	m := h.m()
	if m.cfg != nil {
		return nil, apiFailure(kindInternal, opCreate, errAlreadyMsg)
	}
	cfg := cloneConfig(*req.Body)
	if cfg.Memory == nil {
		cfg.Memory = &ch.MemoryConfig{Size: 512 << 20}
	}
	if cfg.Cpus == nil {
		cfg.Cpus = &ch.CpusConfig{BootVcpus: 1, MaxVcpus: 1}
	}
	m.cfg = &cfg
	m.state = ch.VmStateCreated
	m.registerConfigDevices()
	m.event("create")
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
	m := h.m()
	if m.cfg == nil {
		return nil, apiFailure(kindNotCreated, opBoot, errMissingConfigMsg)
	}
	if m.booted() {
		return nil, apiFailure(kindInternal, opBoot, errAlreadyMsg)
	}
	m.state = ch.VmStateRunning
	m.bootDevices()
	m.event("boot")
	return chapi.BootVM204Response{}, nil
}

// invalidTransition is the cause chain of Vm::pause/resume refusing a
// state change (vmm/src/vm.rs, v53.0).
func invalidTransition(op, what, verb string, from, to ch.VmState) error {
	return apiFailure(kindInternal, op, "Cannot "+what+" VM", "Failed to "+verb+" migratable component",
		"Invalid transition: InvalidStateTransition("+string(from)+", "+string(to)+")")
}

// PauseVM pauses a running VM.
func (h *handlers) PauseVM(_ context.Context, _ chapi.PauseVMRequestObject) (chapi.PauseVMResponseObject, error) {
	m := h.m()
	if err := h.requireBooted(opPause); err != nil {
		return nil, err
	}
	if m.state != ch.VmStateRunning {
		return nil, invalidTransition(opPause, "pause", "pause", m.state, ch.VmStatePaused)
	}
	m.state = ch.VmStatePaused
	m.event("pause")
	return chapi.PauseVM204Response{}, nil
}

// ResumeVM resumes a paused VM.
func (h *handlers) ResumeVM(_ context.Context, _ chapi.ResumeVMRequestObject) (chapi.ResumeVMResponseObject, error) {
	m := h.m()
	if err := h.requireBooted(opResume); err != nil {
		return nil, err
	}
	if m.state != ch.VmStatePaused {
		return nil, invalidTransition(opResume, "resume", "resume", m.state, ch.VmStateRunning)
	}
	m.state = ch.VmStateRunning
	m.event("resume")
	return chapi.ResumeVM204Response{}, nil
}

// ShutdownVM stops the VM. As in the real VMM the configuration stays
// and vm.info reports Created, so the VM can be booted again.
func (h *handlers) ShutdownVM(_ context.Context, _ chapi.ShutdownVMRequestObject) (chapi.ShutdownVMResponseObject, error) {
	if err := h.requireBooted(opShutdown); err != nil {
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

// RebootVM restarts a booted VM; it is running afterwards. Without a
// booted VM the real VMM reports VmNotCreated (so 404 from v53.0).
func (h *handlers) RebootVM(_ context.Context, _ chapi.RebootVMRequestObject) (chapi.RebootVMResponseObject, error) {
	if !h.m().booted() {
		return nil, notCreated(opReboot)
	}
	h.m().state = ch.VmStateRunning
	h.m().event("reboot")
	return chapi.RebootVM204Response{}, nil
}

// PowerButtonVM records the ACPI power button press; no guest reacts.
func (h *handlers) PowerButtonVM(_ context.Context, _ chapi.PowerButtonVMRequestObject) (chapi.PowerButtonVMResponseObject, error) {
	if err := h.requireBooted(opPowerButton); err != nil {
		return nil, err
	}
	h.m().event("power-button")
	return chapi.PowerButtonVM204Response{}, nil
}

// PutVmNmi records the NMI.
func (h *handlers) PutVmNmi(_ context.Context, _ chapi.PutVmNmiRequestObject) (chapi.PutVmNmiResponseObject, error) {
	if err := h.requireBooted(opNMI); err != nil {
		return nil, err
	}
	h.m().event("nmi")
	return chapi.PutVmNmi204Response{}, nil
}

// PutVmResize changes vCPUs, memory or balloon size. A VM that is not
// booted gets the new values in its configuration, as in the real VMM.
func (h *handlers) PutVmResize(_ context.Context, req chapi.PutVmResizeRequestObject) (chapi.PutVmResizeResponseObject, error) {
	m := h.m()
	if m.cfg == nil {
		return nil, notCreated(opResize)
	}
	r, c := req.Body, m.cfg
	if r.DesiredVcpus != nil {
		if *r.DesiredVcpus < 1 || *r.DesiredVcpus > c.Cpus.MaxVcpus {
			return nil, apiFailure(kindInternal, opResize, "desired vCPUs outside 1..max_vcpus")
		}
		c.Cpus.BootVcpus = *r.DesiredVcpus
	}
	if r.DesiredRam != nil {
		c.Memory.Size = *r.DesiredRam
	}
	if r.DesiredBalloon != nil {
		if c.Balloon == nil {
			return nil, apiFailure(kindInternal, opResize, "no balloon device")
		}
		c.Balloon.Size = *r.DesiredBalloon
	}
	m.event("resize")
	return chapi.PutVmResize204Response{}, nil
}

// unknownDevice is DeviceManagerError::UnknownDeviceId under
// VmError::DeviceManager (404 on main, 500 before).
func unknownDevice(op, id string) error {
	return apiFailure(kindNoDevice, op, "Error from device manager",
		"Failed to find device corresponding to the given identifier: "+id)
}

// PutVmResizeDisk resizes a disk of a booted VM by id.
func (h *handlers) PutVmResizeDisk(_ context.Context, req chapi.PutVmResizeDiskRequestObject) (chapi.PutVmResizeDiskResponseObject, error) {
	m := h.m()
	if m.cfg == nil {
		return nil, notCreated(opResizeDisk)
	}
	if !m.booted() {
		return nil, apiFailure(kindInternal, opResizeDisk, "Failed resizing a disk image")
	}
	if req.Body.Id == nil || req.Body.DesiredSize == nil {
		return nil, badJSON("missing field `id` or `desired_size`")
	}
	for _, d := range m.cfg.Disks {
		if d.Id != nil && *d.Id == *req.Body.Id {
			m.event("resize-disk %s %d", *req.Body.Id, *req.Body.DesiredSize)
			return chapi.PutVmResizeDisk204Response{}, nil
		}
	}
	return nil, unknownDevice(opResizeDisk, *req.Body.Id)
}

// PutVmResizeZone resizes a memory zone by id.
func (h *handlers) PutVmResizeZone(_ context.Context, req chapi.PutVmResizeZoneRequestObject) (chapi.PutVmResizeZoneResponseObject, error) {
	m := h.m()
	if m.cfg == nil {
		return nil, notCreated(opResizeZone)
	}
	if req.Body.Id == nil || req.Body.DesiredRam == nil {
		return nil, badJSON("missing field `id` or `desired_ram`")
	}
	zones := m.cfg.Memory.Zones
	for i := range zones {
		if zones[i].Id == *req.Body.Id {
			zones[i].Size = *req.Body.DesiredRam
			m.event("resize-zone %s", zones[i].Id)
			return chapi.PutVmResizeZone204Response{}, nil
		}
	}
	return nil, apiFailure(kindInternal, opResizeZone, "Failed resizing a memory zone")
}

// PutVmRemoveDevice unplugs a device by id.
func (h *handlers) PutVmRemoveDevice(_ context.Context, req chapi.PutVmRemoveDeviceRequestObject) (chapi.PutVmRemoveDeviceResponseObject, error) {
	m := h.m()
	if m.cfg == nil {
		return nil, notCreated(opRemoveDevice)
	}
	if req.Body.Id == nil {
		return nil, badJSON("missing field `id`")
	}
	id := *req.Body.Id
	if _, ok := m.devices[id]; !ok {
		if m.booted() {
			return nil, unknownDevice(opRemoveDevice, id)
		}
		return nil, apiFailure(kindNoDevice, opRemoveDevice, "No device with id \""+id+"\" to remove")
	}
	delete(m.devices, id)
	m.removeFromConfig(id)
	m.event("remove-device %s", id)
	return chapi.PutVmRemoveDevice204Response{}, nil
}

// PutVmSnapshot snapshots a paused VM to a file:// URL.
func (h *handlers) PutVmSnapshot(_ context.Context, req chapi.PutVmSnapshotRequestObject) (chapi.PutVmSnapshotResponseObject, error) {
	m := h.m()
	if err := h.requireBooted(opSnapshot); err != nil {
		return nil, err
	}
	if m.state != ch.VmStatePaused {
		return nil, apiFailure(kindInternal, opSnapshot, "Cannot snapshot VM", "Failed to snapshot migratable component",
			"Trying to snapshot while VM is running")
	}
	url := req.Body.DestinationUrl
	if url == nil || !strings.HasPrefix(*url, "file://") {
		return nil, apiFailure(kindInternal, opSnapshot, "destination_url must be a file:// URL")
	}
	m.snapshots[*url] = cloneConfig(*m.cfg)
	m.event("snapshot %s", *url)
	return chapi.PutVmSnapshot204Response{}, nil
}

// PutVmCoredump dumps a paused VM to a file:// URL. Only reached when
// Options.GuestDebug is set, like a VMM built with guest_debug.
func (h *handlers) PutVmCoredump(_ context.Context, req chapi.PutVmCoredumpRequestObject) (chapi.PutVmCoredumpResponseObject, error) {
	m := h.m()
	if err := h.requireBooted(opCoredump); err != nil {
		return nil, err
	}
	if m.state != ch.VmStatePaused {
		return nil, apiFailure(kindInternal, opCoredump, "VM is not paused")
	}
	url := req.Body.DestinationUrl
	if url == nil || !strings.HasPrefix(*url, "file://") {
		return nil, apiFailure(kindInternal, opCoredump, "destination_url must be a file:// URL")
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
// received must match the net_fds entries (a field the spec lacks); a
// mismatch is ["Bad Request"], as in the real handler.
func (h *handlers) PutVmRestore(ctx context.Context, req chapi.PutVmRestoreRequestObject) (chapi.PutVmRestoreResponseObject, error) {
	m := h.m()
	var extra struct {
		NetFDs []restoredNet `json:"net_fds"`
	}
	if err := json.Unmarshal(bodyFrom(ctx), &extra); err != nil {
		return nil, badJSON(err.Error())
	}
	want := 0
	for _, n := range extra.NetFDs {
		want += n.NumFDs
	}
	if got := len(fdsFrom(ctx)); got != want {
		return nil, badRequest()
	}
	if m.cfg != nil {
		return nil, apiFailure(kindInternal, opRestore, errAlreadyMsg)
	}
	snap, ok := m.snapshots[req.Body.SourceUrl]
	if !ok {
		return nil, apiFailure(kindInternal, opRestore, "no snapshot at "+req.Body.SourceUrl)
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
// memory_mode is checked like the real server's serde enum: v53.0 and
// main know Precopy and Postcopy only.
func (h *handlers) PutVmReceiveMigration(_ context.Context, req chapi.PutVmReceiveMigrationRequestObject) (chapi.PutVmReceiveMigrationResponseObject, error) {
	mode := ch.MigrationModePrecopy
	if req.Body.MemoryMode != nil {
		mode = *req.Body.MemoryMode
	}
	if mode != ch.MigrationModePrecopy && mode != ch.MigrationModePostcopy {
		return nil, badJSON("unknown variant `" + string(mode) + "`, expected `Precopy` or `Postcopy`")
	}
	if h.m().booted() {
		return nil, apiFailure(kindInternal, opReceive, "Failed to receive migratable component snapshot",
			"Can't receive a migration when a VM is already created")
	}
	if !validMigrationURL(req.Body.ReceiverUrl) {
		return nil, apiFailure(kindInternal, opReceive, "receiver_url must be unix:<path> or tcp:<host>:<port>")
	}
	h.m().event("receive-migration %s memory_mode=%s", req.Body.ReceiverUrl, mode)
	return chapi.PutVmReceiveMigration204Response{}, nil
}

// PutVmSendMigration "migrates" the VM away: it is gone afterwards
// unless preserve_source keeps it paused.
func (h *handlers) PutVmSendMigration(_ context.Context, req chapi.PutVmSendMigrationRequestObject) (chapi.PutVmSendMigrationResponseObject, error) {
	if !h.m().booted() {
		return nil, apiFailure(kindInternal, opSend, "Failed to send migratable component snapshot", errNotRunningMsg)
	}
	if !validMigrationURL(req.Body.DestinationUrl) {
		return nil, apiFailure(kindInternal, opSend, "destination_url must be unix:<path> or tcp:<host>:<port>")
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

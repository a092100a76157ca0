package cloudhypervisor_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	ch "github.com/virtwire/libvirt/cloudhypervisor"
	"github.com/virtwire/libvirt/cloudhypervisor/chtest"
)

func ptr[T any](v T) *T { return &v }

func testConfig() ch.VmConfig {
	return ch.VmConfig{
		Cpus:    &ch.CpusConfig{BootVcpus: 2, MaxVcpus: 4},
		Memory:  &ch.MemoryConfig{Size: 1 << 30, Zones: []ch.MemoryZoneConfig{{Id: "zone0", Size: 1 << 30}}},
		Payload: ch.PayloadConfig{Kernel: ptr("/boot/vmlinux"), Cmdline: ptr("console=hvc0")},
		Disks:   []ch.DiskConfig{{Id: ptr("root"), Path: ptr("/images/root.raw")}},
		Net:     []ch.NetConfig{{Id: ptr("net0"), Tap: ptr("tap0")}},
		Balloon: &ch.BalloonConfig{Size: 128 << 20},
	}
}

func newClient(t *testing.T, fake *chtest.Server, opts ...ch.Option) *ch.VMM {
	t.Helper()
	v, err := ch.New(fake.SocketPath(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = v.Close() })
	return v
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func wantState(t *testing.T, v *ch.VMM, want ch.VmState) *ch.VmInfo {
	t.Helper()
	info, err := v.Info(ctxT(t))
	must(t, "info", err)
	if info.State != want {
		t.Fatalf("state = %s, want %s", info.State, want)
	}
	return info
}

// TestAllOperations calls each of the spec's operations through the
// hand-written client against the fake (as v53.0 built with guest_debug,
// so vm.coredump exists), checks the decoded answers, and checks that the
// fake validated every request body against the spec.
func TestAllOperations(t *testing.T) {
	fake := chtest.New(t, chtest.Options{GuestDebug: true})
	v := newClient(t, fake)
	ctx := ctxT(t)

	ping, err := v.Ping(ctx)
	must(t, "ping", err)
	if ping.Version != "53.0.0" || ping.BuildVersion == nil || *ping.BuildVersion != "v53.0" || ping.Pid == nil || *ping.Pid != int64(os.Getpid()) {
		t.Fatalf("ping = %+v", ping)
	}
	must(t, "receive-migration", v.ReceiveMigration(ctx, ch.ReceiveMigrationData{ReceiverUrl: "unix:/tmp/migrate.sock", MemoryMode: ptr(ch.MigrationModePostcopy)}))

	must(t, "create", v.Create(ctx, testConfig()))
	info := wantState(t, v, ch.VmStateCreated)
	if info.Config.Cpus.BootVcpus != 2 || len(info.Config.Disks) != 1 || *info.Config.Disks[0].Path != "/images/root.raw" {
		t.Fatalf("info config = %+v", info.Config)
	}

	// Cold plug: 204, no PCI address.
	cold, err := v.AddDisk(ctx, ch.DiskConfig{Id: ptr("data0"), Path: ptr("/images/data0.raw")})
	must(t, "add-disk (cold)", err)
	if cold != nil {
		t.Fatalf("cold add-disk returned %+v, want nil (204)", cold)
	}

	must(t, "boot", v.Boot(ctx))
	if _, err := v.WaitForState(ctx, ch.VmStateRunning, time.Millisecond); err != nil {
		t.Fatal(err)
	}

	// Hot plug: 200 with PciDeviceInfo.
	disk, err := v.AddDisk(ctx, ch.DiskConfig{Path: ptr("/images/data1.raw")})
	must(t, "add-disk", err)
	if disk == nil || disk.Id != "_disk0" || disk.Bdf == "" {
		t.Fatalf("add-disk = %+v", disk)
	}
	checkAdd := func(name string, info *ch.PciDeviceInfo, err error) {
		t.Helper()
		must(t, name, err)
		if info == nil || info.Id == "" || info.Bdf == "" {
			t.Fatalf("%s = %+v, want id and bdf", name, info)
		}
	}
	info1, err := v.AddFs(ctx, ch.FsConfig{Tag: "shared", Socket: "/run/virtiofsd.sock", NumQueues: 1, QueueSize: 1024})
	checkAdd("add-fs", info1, err)
	info1, err = v.AddGenericVhostUser(ctx, ch.GenericVhostUserConfig{Socket: "/run/vu.sock", DeviceType: 26, QueueSizes: []uint16{256, 256}})
	checkAdd("add-generic-vhost-user", info1, err)
	info1, err = v.AddPmem(ctx, ch.PmemConfig{File: "/images/pmem.img", Size: ptr(int64(64 << 20))})
	checkAdd("add-pmem", info1, err)
	info1, err = v.AddVsock(ctx, ch.VsockConfig{Cid: 3, Socket: "/run/vsock.sock"})
	checkAdd("add-vsock", info1, err)
	info1, err = v.AddVdpa(ctx, ch.VdpaConfig{Path: "/dev/vhost-vdpa-0", NumQueues: 2})
	checkAdd("add-vdpa", info1, err)
	info1, err = v.AddUserDevice(ctx, ch.VmAddUserDevice{Socket: "/run/vfio-user.sock"})
	checkAdd("add-user-device", info1, err)
	info1, err = v.AddNet(ctx, ch.NetConfig{Id: ptr("net1"), Tap: ptr("tap1")})
	checkAdd("add-net", info1, err)
	info1, err = v.AddDevice(ctx, ch.DeviceConfig{Id: ptr("gpu0"), Path: ptr("/sys/bus/pci/devices/0000:01:00.0")}, nil)
	checkAdd("add-device", info1, err)

	counters, err := v.Counters(ctx)
	must(t, "counters", err)
	if _, ok := counters["root"]["read_bytes"]; !ok {
		t.Fatalf("counters = %v, want read_bytes for disk root", counters)
	}
	// In the newest spec, but no server serves it (v53.0, main ae44c297).
	if stats, err := v.BalloonStats(ctx); !ch.IsStatus(err, http.StatusNotFound) {
		t.Fatalf("balloon-stats = %+v, %v; want 404", stats, err)
	}

	must(t, "resize", v.Resize(ctx, ch.VmResize{DesiredVcpus: ptr(4), DesiredRam: ptr(int64(2 << 30))}))
	must(t, "resize-disk", v.ResizeDisk(ctx, ch.VmResizeDisk{Id: ptr("root"), DesiredSize: ptr(int64(20 << 30))}))
	must(t, "resize-zone", v.ResizeZone(ctx, ch.VmResizeZone{Id: ptr("zone0"), DesiredRam: ptr(int64(2 << 30))}))
	info = wantState(t, v, ch.VmStateRunning)
	if info.Config.Cpus.BootVcpus != 4 || info.Config.Memory.Size != 2<<30 {
		t.Fatalf("after resize: cpus %d memory %d", info.Config.Cpus.BootVcpus, info.Config.Memory.Size)
	}
	if _, ok := info.DeviceTree["gpu0"]; !ok {
		t.Fatalf("device tree lacks gpu0: %v", info.DeviceTree)
	}
	must(t, "remove-device", v.RemoveDevice(ctx, "gpu0"))
	if info = wantState(t, v, ch.VmStateRunning); len(info.Config.Devices) != 0 {
		t.Fatalf("devices after remove = %+v", info.Config.Devices)
	}

	must(t, "power-button", v.PowerButton(ctx))
	must(t, "nmi", v.NMI(ctx))
	must(t, "reboot", v.Reboot(ctx))
	must(t, "pause", v.Pause(ctx))
	wantState(t, v, ch.VmStatePaused)
	must(t, "snapshot", v.Snapshot(ctx, ch.VmSnapshotConfig{DestinationUrl: ptr("file:///tmp/snap")}))
	must(t, "coredump", v.Coredump(ctx, ch.VmCoredumpData{DestinationUrl: ptr("file:///tmp/core")}))
	must(t, "resume", v.Resume(ctx))
	must(t, "send-migration", v.SendMigration(ctx, ch.SendMigrationData{DestinationUrl: "unix:/tmp/dst.sock", PreserveSource: ptr(true)}))
	wantState(t, v, ch.VmStatePaused)
	must(t, "resume", v.Resume(ctx))
	must(t, "shutdown", v.Shutdown(ctx))
	wantState(t, v, ch.VmStateCreated)
	must(t, "delete", v.Delete(ctx))
	if _, err := v.Info(ctx); !ch.IsStatus(err, http.StatusNotFound) {
		t.Fatalf("info after delete: %v, want 404 (v53.0)", err)
	}

	must(t, "restore", v.Restore(ctx, ch.RestoreConfig{SourceUrl: "file:///tmp/snap", Resume: ptr(true)}))
	info = wantState(t, v, ch.VmStateRunning)
	if info.Config.Cpus.BootVcpus != 4 {
		t.Fatalf("restored config = %+v", info.Config.Cpus)
	}

	must(t, "vmm.shutdown", v.ShutdownVMM(ctx))
	select {
	case <-fake.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("fake did not stop after vmm.shutdown")
	}
	if _, err := v.Ping(ctx); err == nil {
		t.Fatal("ping after vmm.shutdown succeeded")
	}

	st := fake.Stats()
	ops := fake.Operations()
	var missing []string
	for _, op := range ops {
		if st.Requests[op] == 0 {
			missing = append(missing, op)
		}
	}
	t.Logf("spec operations: %d, called: %d, requests: %d, validation failures: %d, PUTs without Content-Length: %d",
		len(ops), len(ops)-len(missing), sum(st.Requests), len(st.ValidationFailures), st.WithoutContentLength)
	if len(ops) != 32 {
		t.Errorf("spec has %d operations, want 32", len(ops))
	}
	if len(missing) > 0 {
		t.Errorf("operations never called: %v", missing)
	}
	if len(st.ValidationFailures) > 0 {
		t.Errorf("requests failing spec validation: %v", st.ValidationFailures)
	}
	if st.WithoutContentLength != 0 {
		t.Errorf("%d PUT requests without Content-Length", st.WithoutContentLength)
	}
	for _, ev := range []string{"receive-migration unix:/tmp/migrate.sock memory_mode=Postcopy", "boot", "reboot", "power-button", "nmi", "snapshot file:///tmp/snap", "restore file:///tmp/snap net_fds=0"} {
		if !slices.Contains(fake.Events(), ev) {
			t.Errorf("event %q missing from %v", ev, fake.Events())
		}
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// TestLifecycleErrors checks state errors surface as *Error.
func TestLifecycleErrors(t *testing.T) {
	fake := chtest.New(t, chtest.Options{})
	v := newClient(t, fake)
	ctx := ctxT(t)
	must(t, "create", v.Create(ctx, testConfig()))
	err := v.Create(ctx, testConfig())
	var e *ch.Error
	if !errors.As(err, &e) || e.StatusCode != 500 || !slices.Equal(e.Chain, []string{"Error from API", "The VM could not be created", "VM is already created"}) {
		t.Fatalf("second create: %#v", err)
	}
	if err := v.Pause(ctx); !ch.IsStatus(err, 500) {
		t.Fatalf("pause of a created VM: %v", err)
	}
	if _, err := v.Counters(ctx); !ch.IsStatus(err, 500) {
		t.Fatalf("counters of a created VM: %v", err)
	}
}

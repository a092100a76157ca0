package cloudhypervisor_test

import (
	"io"
	"net/http"
	"os"
	"slices"
	"syscall"
	"testing"

	ch "github.com/virtwire/libvirt/cloudhypervisor"
	"github.com/virtwire/libvirt/cloudhypervisor/chtest"
)

// sameFile reports whether two files refer to the same open object.
func sameFile(t *testing.T, a, b *os.File) bool {
	t.Helper()
	var sa, sb syscall.Stat_t
	if err := syscall.Fstat(int(a.Fd()), &sa); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Fstat(int(b.Fd()), &sb); err != nil {
		t.Fatal(err)
	}
	return sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

func pipe(t *testing.T) (r, w *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

// TestAddNetPassesFDs: AddNet sends two descriptors with SCM_RIGHTS; the
// fake receives them, and writing through the received copy of a pipe's
// write end reaches our read end.
func TestAddNetPassesFDs(t *testing.T) {
	fake := chtest.New(t, chtest.Options{})
	v := newClient(t, fake)
	ctx := ctxT(t)
	must(t, "create", v.Create(ctx, testConfig()))
	must(t, "boot", v.Boot(ctx))

	r1, w1 := pipe(t)
	_, w2 := pipe(t)
	info, err := v.AddNet(ctx, ch.NetConfig{Id: ptr("tapfd0"), NumQueues: ptr(4)}, w1, w2)
	must(t, "add-net with fds", err)
	if info == nil || info.Id != "tapfd0" {
		t.Fatalf("add-net = %+v", info)
	}
	recs := fake.ReceivedFDs()
	if len(recs) != 1 || recs[0].Path != "/vm.add-net" || len(recs[0].Files) != 2 {
		t.Fatalf("received = %+v", recs)
	}
	if !sameFile(t, recs[0].Files[0], w1) || !sameFile(t, recs[0].Files[1], w2) {
		t.Fatal("received descriptors are not the ones sent, in order")
	}
	if _, err := recs[0].Files[0].Write([]byte("via SCM_RIGHTS")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 14)
	if _, err := io.ReadFull(r1, buf); err != nil || string(buf) != "via SCM_RIGHTS" {
		t.Fatalf("read %q, %v", buf, err)
	}
	if !slices.Contains(fake.Events(), "add-net tapfd0 fds=2") {
		t.Fatalf("events = %v", fake.Events())
	}
	st := fake.Stats()
	if len(st.ValidationFailures) != 0 || st.WithoutContentLength != 0 {
		t.Fatalf("stats = %+v", st)
	}
}

// TestAddDeviceWithFD: a VFIO cdev descriptor instead of a path.
func TestAddDeviceWithFD(t *testing.T) {
	fake := chtest.New(t, chtest.Options{})
	v := newClient(t, fake)
	ctx := ctxT(t)
	must(t, "create", v.Create(ctx, testConfig()))

	f, err := os.CreateTemp(t.TempDir(), "vfio-cdev")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, err := v.AddDevice(ctx, ch.DeviceConfig{Id: ptr("vfio0")}, f)
	must(t, "add-device with fd", err)
	if info != nil {
		t.Fatalf("cold add-device = %+v, want nil (204)", info)
	}
	recs := fake.ReceivedFDs()
	if len(recs) != 1 || recs[0].Path != "/vm.add-device" || len(recs[0].Files) != 1 || !sameFile(t, recs[0].Files[0], f) {
		t.Fatalf("received = %+v", recs)
	}
	// Neither path nor fd: refused with 400.
	if _, err := v.AddDevice(ctx, ch.DeviceConfig{Id: ptr("vfio1")}, nil); !ch.IsStatus(err, http.StatusBadRequest) {
		t.Fatalf("add-device without path or fd: %v", err)
	}
}

// TestCreateAndRestoreWithFDs: descriptors on vm.create and on
// vm.restore (matched against net_fds, a field the spec lacks).
func TestCreateAndRestoreWithFDs(t *testing.T) {
	fake := chtest.New(t, chtest.Options{})
	v := newClient(t, fake)
	ctx := ctxT(t)
	_, w := pipe(t)
	must(t, "create with fds", v.CreateWithNetFDs(ctx, testConfig(), []*os.File{w}))
	must(t, "boot", v.Boot(ctx))
	must(t, "pause", v.Pause(ctx))
	must(t, "snapshot", v.Snapshot(ctx, ch.VmSnapshotConfig{DestinationUrl: ptr("file:///tmp/s1")}))
	must(t, "delete", v.Delete(ctx))

	_, a := pipe(t)
	_, b := pipe(t)
	_, c := pipe(t)
	must(t, "restore with fds", v.Restore(ctx, ch.RestoreConfig{SourceUrl: "file:///tmp/s1"},
		ch.RestoredNet{ID: "net0", Files: []*os.File{a, b}}, ch.RestoredNet{ID: "net1", Files: []*os.File{c}}))
	recs := fake.ReceivedFDs()
	if len(recs) != 2 || recs[0].Path != "/vm.create" || len(recs[0].Files) != 1 ||
		recs[1].Path != "/vm.restore" || len(recs[1].Files) != 3 {
		t.Fatalf("received = %+v", recs)
	}
	for i, f := range []*os.File{a, b, c} {
		if !sameFile(t, recs[1].Files[i], f) {
			t.Fatalf("restore fd %d is not the one sent", i)
		}
	}
	ev := fake.Events()
	if !slices.Contains(ev, "create fds=1") || !slices.Contains(ev, "restore file:///tmp/s1 net_fds=3") {
		t.Fatalf("events = %v", ev)
	}
	if st, _, _ := fake.VM(); st != ch.VmStatePaused {
		t.Fatalf("restored state %s, want Paused", st)
	}
	if n := len(fake.Stats().ValidationFailures); n != 0 {
		t.Fatalf("%d validation failures", n)
	}
}

package cloudhypervisor_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"

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
	// Neither path nor fd: a config validation error, 500 on v53.0.
	_, err = v.AddDevice(ctx, ch.DeviceConfig{Id: ptr("vfio1")}, nil)
	var e *ch.Error
	if !errors.As(err, &e) || e.StatusCode != 500 || e.Chain[len(e.Chain)-1] != "VFIO device config must specify `path=` or `fd=`" {
		t.Fatalf("add-device without path or fd: %v", err)
	}
}

// TestCreateIgnoresFDs: descriptors sent with vm.create are not used by
// the real server (v35 to v53.0 and main); the fake closes them too.
func TestCreateIgnoresFDs(t *testing.T) {
	fake := chtest.New(t, chtest.Options{})
	_, w := pipe(t)
	c, err := net.Dial("unix", fake.SocketPath())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	body := `{"payload":{"kernel":"/boot/vmlinux"}}`
	req := fmt.Sprintf("PUT /api/v1/vm.create HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	if _, _, err := c.(*net.UnixConn).WriteMsgUnix([]byte(req), syscall.UnixRights(int(w.Fd())), nil); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("create with an fd = %d", resp.StatusCode)
	}
	if recs, ign := fake.ReceivedFDs(), fake.Stats().IgnoredFDs; len(recs) != 0 || ign["/vm.create"] != 1 {
		t.Fatalf("received %+v, ignored %v; want none used, 1 ignored", recs, ign)
	}
}

// TestCreateWithNets: create, then vm.add-net with the tap descriptors,
// which is how the real server takes them for a VM not yet booted.
func TestCreateWithNets(t *testing.T) {
	fake := chtest.New(t, chtest.Options{})
	v := newClient(t, fake)
	ctx := ctxT(t)
	_, a := pipe(t)
	_, b := pipe(t)
	cfg := testConfig()
	cfg.Net = nil
	must(t, "create with nets", v.CreateWithNets(ctx, cfg, ch.NetWithFiles{Config: ch.NetConfig{Id: ptr("tap0")}, Files: []*os.File{a, b}}))
	recs := fake.ReceivedFDs()
	if len(recs) != 1 || recs[0].Path != "/vm.add-net" || len(recs[0].Files) != 2 || !sameFile(t, recs[0].Files[1], b) {
		t.Fatalf("received = %+v", recs)
	}
	_, got, _ := fake.VM()
	if len(got.Net) != 1 || *got.Net[0].Id != "tap0" {
		t.Fatalf("config nets = %+v", got.Net)
	}
	must(t, "boot", v.Boot(ctx))

	// A failing add-net leaves no half-created VM behind.
	must(t, "delete", v.Delete(ctx))
	dup := ch.NetWithFiles{Config: ch.NetConfig{Id: ptr("root")}, Files: []*os.File{a}}
	if err := v.CreateWithNets(ctx, testConfig(), dup); !ch.IsStatus(err, http.StatusInternalServerError) {
		t.Fatalf("create with a duplicate net id: %v, want the add-net 500", err)
	}
	if _, _, ok := fake.VM(); ok {
		t.Fatal("VM left behind after a failed CreateWithNets")
	}
}

// TestRestoreWithFDs: descriptors on vm.restore are matched against
// net_fds (a field the spec lacks).
func TestRestoreWithFDs(t *testing.T) {
	fake := chtest.New(t, chtest.Options{})
	v := newClient(t, fake)
	ctx := ctxT(t)
	must(t, "create", v.Create(ctx, testConfig()))
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
	if len(recs) != 1 || recs[0].Path != "/vm.restore" || len(recs[0].Files) != 3 {
		t.Fatalf("received = %+v", recs)
	}
	for i, f := range []*os.File{a, b, c} {
		if !sameFile(t, recs[0].Files[i], f) {
			t.Fatalf("restore fd %d is not the one sent", i)
		}
	}
	if ev := fake.Events(); !slices.Contains(ev, "restore file:///tmp/s1 net_fds=3") {
		t.Fatalf("events = %v", ev)
	}
	if st, _, _ := fake.VM(); st != ch.VmStatePaused {
		t.Fatalf("restored state %s, want Paused", st)
	}
	if n := len(fake.Stats().ValidationFailures); n != 0 {
		t.Fatalf("%d validation failures", n)
	}
}

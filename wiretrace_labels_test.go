package libvirt

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/virtwire/libvirt/internal/wire"
)

// TestWireTraceProcLabels: the wire trace names every frame, including
// keepalives and procedures or programs this client does not know.
func TestWireTraceProcLabels(t *testing.T) {
	for _, c := range []struct {
		prog uint32
		proc int32
		want string
	}{
		{wire.KeepaliveProgram, int32(wire.ProcKeepalivePing), "keepalive.Ping"},
		{wire.KeepaliveProgram, int32(wire.ProcKeepalivePong), "keepalive.Pong"},
		{wire.KeepaliveProgram, 99, "keepalive.?"},
		{Program, int32(ProcConnectOpen), "remote.ConnectOpen"},
		{Program, -1, "remote.?"},
		{Program, 1 << 20, "remote.?"},
		{Program, int32(len(remoteProcs())), "remote.?"}, // one past the last
		{Program, int32(len(remoteProcs())) - 1, "remote." + remoteProcs()[len(remoteProcs())-1].method},
		{Program, 0, "remote.?"}, // libvirt numbers procedures from 1
		{0x1234, 1, "program(0x1234).?"},
	} {
		if got := procLabel(c.prog, c.proc); got != c.want {
			t.Errorf("procLabel(%#x, %d) = %q, want %q", c.prog, c.proc, got, c.want)
		}
	}
}

// remoteProcs is the remote program's procedure table.
func remoteProcs() []procInfo {
	t, _ := procTable(Program)
	return t
}

// TestWireTraceFromEnv: VIRTWIRE_WIRE_TRACE names a file the trace is
// appended to, or stderr; unset means no trace.
func TestWireTraceFromEnv(t *testing.T) {
	t.Setenv(WireTraceEnv, "")
	if w := wireTraceFromEnv(); w != nil {
		t.Fatalf("unset: trace goes to %v", w)
	}
	t.Setenv(WireTraceEnv, "stderr")
	if w := wireTraceFromEnv(); w != os.Stderr {
		t.Fatalf("stderr: trace goes to %v", w)
	}
	if envTraceFile != nil {
		t.Skip("the trace file was opened earlier in this process")
	}
	p := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv(WireTraceEnv, p)
	w := wireTraceFromEnv()
	f, ok := w.(*os.File)
	if !ok || f.Name() != p {
		t.Fatalf("file: trace goes to %v, want %s", w, p)
	}
	if w2 := wireTraceFromEnv(); w2 != w {
		t.Fatal("a second client opened the trace file again")
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("trace file %v, %v; want it created with mode 0600", fi, err)
	}
}

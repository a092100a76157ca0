package libvirt_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	libvirt "github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/libvirttest"
	"github.com/virtwire/libvirt/protocol"
)

// What the connect sequence sends: the name and flags of ConnectOpen and
// the keepalive probe, as seen by the daemon.

// openRecorder records what a client sends during its connect sequence
// and can deny keepalive support.
type openRecorder struct {
	libvirttest.RemoteHandler
	noKeepalive bool

	mu       sync.Mutex
	opens    []protocol.ConnectOpenArgs
	features []int32
}

func (r *openRecorder) ConnectOpen(ctx context.Context, args *protocol.ConnectOpenArgs) error {
	r.mu.Lock()
	r.opens = append(r.opens, *args)
	r.mu.Unlock()
	return r.RemoteHandler.ConnectOpen(ctx, args)
}

func (r *openRecorder) ConnectSupportsFeature(ctx context.Context, args *protocol.ConnectSupportsFeatureArgs) (*protocol.ConnectSupportsFeatureRet, error) {
	r.mu.Lock()
	r.features = append(r.features, args.Feature)
	r.mu.Unlock()
	if r.noKeepalive && args.Feature == 10 { // VIR_DRV_FEATURE_PROGRAM_KEEPALIVE
		return &protocol.ConnectSupportsFeatureRet{Supported: 0}, nil
	}
	return r.RemoteHandler.ConnectSupportsFeature(ctx, args)
}

func (r *openRecorder) seen() ([]protocol.ConnectOpenArgs, []int32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]protocol.ConnectOpenArgs(nil), r.opens...), append([]int32(nil), r.features...)
}

func recordingServer(t *testing.T, rec *openRecorder) *libvirttest.Server {
	return libvirttest.New(t, libvirttest.WithUnixSocket(""), libvirttest.WithRemoteHandler(func(h libvirttest.RemoteHandler) libvirttest.RemoteHandler {
		rec.RemoteHandler = h
		return rec
	}))
}

func openCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestDialSendsTheURIsNameAndFlags(t *testing.T) {
	for _, c := range []struct {
		name  string
		opts  []libvirt.Option
		flags libvirt.ConnectFlags
	}{
		{"read-write", nil, 0},
		{"read-only", []libvirt.Option{libvirt.WithReadOnly()}, libvirt.ConnectRo},
	} {
		rec := &openRecorder{}
		srv := recordingServer(t, rec)
		c2, err := libvirt.Dial(openCtx(t), srv.URI(), c.opts...)
		if err != nil {
			t.Fatalf("%s: Dial: %v", c.name, err)
		}
		c2.Close()
		opens, _ := rec.seen()
		if len(opens) != 1 || opens[0].Name == nil || *opens[0].Name != "test:///default" || opens[0].Flags != c.flags {
			t.Errorf("%s: ConnectOpen calls %+v, want one with name test:///default and flags %v", c.name, opens, c.flags)
		}
	}
}

// NewClient with an empty name lets the daemon choose: the name is sent
// absent (NULL), as libvirt's client does, not as an empty string.
func TestNewClientWithoutNameSendsNoName(t *testing.T) {
	rec := &openRecorder{}
	srv := recordingServer(t, rec)
	nc, err := srv.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	c, err := libvirt.NewClient(openCtx(t), nc, "")
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	c.Close()
	opens, _ := rec.seen()
	if len(opens) != 1 || opens[0].Name != nil {
		t.Fatalf("ConnectOpen calls %+v, want one without a name", opens)
	}
}

// The connection named by $LIBVIRT_DEFAULT_URI is the one Dial("") opens.
func TestDialEmptyURIUsesTheEnvironment(t *testing.T) {
	rec := &openRecorder{}
	srv := recordingServer(t, rec)
	t.Setenv("LIBVIRT_DEFAULT_URI", srv.URI())
	c, err := libvirt.Dial(openCtx(t), "")
	if err != nil {
		t.Fatalf("Dial(\"\") with LIBVIRT_DEFAULT_URI=%s: %v", srv.URI(), err)
	}
	c.Close()
	if opens, _ := rec.seen(); len(opens) != 1 {
		t.Fatalf("ConnectOpen calls %+v, want one", opens)
	}
	t.Setenv("LIBVIRT_DEFAULT_URI", "")
	if _, err := libvirt.Dial(openCtx(t), ""); err == nil || !strings.Contains(err.Error(), "LIBVIRT_DEFAULT_URI") {
		t.Fatalf("Dial(\"\") without LIBVIRT_DEFAULT_URI: err = %v, want one naming the variable", err)
	}
}

// Keepalive is negotiated as libvirt's client does it: asked for only
// when enabled, and started only when the daemon supports it.
func TestDialKeepaliveNegotiation(t *testing.T) {
	for _, c := range []struct {
		name        string
		interval    time.Duration
		noKeepalive bool
		asked, ping bool
	}{
		{"enabled and supported", 5 * time.Millisecond, false, true, true},
		{"enabled, daemon without keepalive", 5 * time.Millisecond, true, true, false},
		{"disabled", 0, false, false, false},
		{"negative interval disables", -time.Second, false, false, false},
	} {
		rec := &openRecorder{noKeepalive: c.noKeepalive}
		srv := recordingServer(t, rec)
		var trace syncBuffer
		cl, err := libvirt.Dial(openCtx(t), srv.URI(), libvirt.WithKeepalive(c.interval, 3), libvirt.WithWireTrace(&trace))
		if err != nil {
			t.Fatalf("%s: Dial: %v", c.name, err)
		}
		// An idle connection pings after one interval: 40 intervals
		// without a ping mean the client never started keepalive.
		deadline := time.Now().Add(40 * 5 * time.Millisecond)
		for !strings.Contains(trace.String(), "keepalive.Ping") && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		cl.Close()
		_, features := rec.seen()
		if asked := len(features) == 1 && features[0] == 10; asked != c.asked || (!c.asked && len(features) != 0) {
			t.Errorf("%s: features asked %v, want keepalive asked: %v", c.name, features, c.asked)
		}
		if ping := strings.Contains(trace.String(), "keepalive.Ping"); ping != c.ping {
			t.Errorf("%s: client sent a keepalive ping: %v, want %v", c.name, ping, c.ping)
		}
	}
}

package libvirt_test

import (
	"context"
	"sync"
	"testing"

	libvirt "github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/libvirttest"
	"github.com/virtwire/libvirt/protocol"
)

// stringParamsDaemon answers the typed-parameter-string feature probe as
// told and records the probes and the getter's flags.
type stringParamsDaemon struct {
	libvirttest.RemoteHandler
	answer int32 // 1 supported, 0 not, -1 the probe fails

	mu     sync.Mutex
	probes int
	flags  []libvirt.DomainModificationImpact
}

func (d *stringParamsDaemon) ConnectSupportsFeature(ctx context.Context, args *protocol.ConnectSupportsFeatureArgs) (*protocol.ConnectSupportsFeatureRet, error) {
	if args.Feature != 9 { // VIR_DRV_FEATURE_TYPED_PARAM_STRING
		return d.RemoteHandler.ConnectSupportsFeature(ctx, args)
	}
	d.mu.Lock()
	d.probes++
	d.mu.Unlock()
	if d.answer < 0 {
		return nil, &libvirt.Error{Code: libvirt.ErrInternalError, Domain: libvirt.FromRPC, Message: "probe failed"}
	}
	return &protocol.ConnectSupportsFeatureRet{Supported: d.answer}, nil
}

func (d *stringParamsDaemon) DomainGetBlkioParameters(ctx context.Context, args *protocol.DomainGetBlkioParametersArgs) (*protocol.DomainGetBlkioParametersRet, error) {
	d.mu.Lock()
	d.flags = append(d.flags, args.Flags)
	d.mu.Unlock()
	return d.RemoteHandler.DomainGetBlkioParameters(ctx, args)
}

// Getters whose parameters may be strings ask for them (flag
// VIR_TYPED_PARAM_STRING_OKAY) only when the daemon supports them, as
// libvirt's C library does; the answer is kept per connection, a failed
// probe is not.
func TestTypedParamStringOkayFollowsTheDaemon(t *testing.T) {
	for _, c := range []struct {
		name       string
		answer     int32
		wantFlag   bool
		wantProbes int
	}{
		{"supported", 1, true, 1},
		{"not supported", 0, false, 1},
		{"probe fails", -1, false, 4}, // each getter makes two calls (count, values)
	} {
		d := &stringParamsDaemon{answer: c.answer}
		srv := libvirttest.New(t, libvirttest.WithRemoteHandler(func(h libvirttest.RemoteHandler) libvirttest.RemoteHandler {
			d.RemoteHandler = h
			return d
		}))
		ctx := openCtx(t)
		cl, err := srv.Client(ctx)
		if err != nil {
			t.Fatal(err)
		}
		dom, err := cl.DomainLookupByName(ctx, "test")
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := cl.DomainGetBlkioParameters(ctx, dom, 0); err != nil {
				t.Fatalf("%s: DomainGetBlkioParameters: %v", c.name, err)
			}
		}
		cl.Close()
		d.mu.Lock()
		probes, flags := d.probes, d.flags
		d.mu.Unlock()
		if probes != c.wantProbes {
			t.Errorf("%s: daemon asked %d times, want %d", c.name, probes, c.wantProbes)
		}
		if len(flags) == 0 {
			t.Fatalf("%s: the getter never reached the daemon", c.name)
		}
		for i, f := range flags {
			if got := f&libvirt.DomainModificationImpact(libvirt.TypedParamStringOkay) != 0; got != c.wantFlag {
				t.Errorf("%s: call %d flags %#x, string flag %v, want %v", c.name, i, uint32(f), got, c.wantFlag)
			}
		}
	}
}

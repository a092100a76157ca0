package cloudhypervisor_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	ch "github.com/virtwire/libvirt/cloudhypervisor"
	"github.com/virtwire/libvirt/cloudhypervisor/chtest"
)

// TestRealServerStatuses checks the fake against what each release's
// HTTP layer answers, as read from cloud-hypervisor's source:
// v52.0 (every VMM failure 500), v53.0 (tag 9ed824d6: VmNotCreated and
// VmMissingConfig 404) and main ae44c297 (also 404 for unknown device
// ids, 409 for duplicate ids, 400 for other invalid configs). The chain
// is the real one: "Error from API", the operation's ApiError message,
// then the VmError causes.
func TestRealServerStatuses(t *testing.T) {
	type step func(context.Context, *ch.VMM) error
	create := func(ctx context.Context, v *ch.VMM) error { return v.Create(ctx, testConfig()) }
	boot := func(ctx context.Context, v *ch.VMM) error { return v.Boot(ctx) }
	pause := func(ctx context.Context, v *ch.VMM) error { return v.Pause(ctx) }
	cases := []struct {
		name  string
		setup []step
		call  step
		// statuses for v52.0, v53.0, main
		v52, v53, main int
		chain          []string
	}{
		{"vm.info without a VM", nil, func(ctx context.Context, v *ch.VMM) error { _, err := v.Info(ctx); return err },
			500, 404, 404, []string{"Error from API", "The VM info is not available", "VM is not created"}},
		{"vm.boot without a VM", nil, boot,
			500, 404, 404, []string{"Error from API", "The VM could not boot", "VM config is missing"}},
		{"vm.create twice", []step{create}, create,
			500, 500, 500, []string{"Error from API", "The VM could not be created", "VM is already created"}},
		{"vm.boot of a running VM", []step{create, boot}, boot,
			500, 500, 500, []string{"Error from API", "The VM could not boot", "VM is already created"}},
		{"vm.pause of a created VM", []step{create}, pause,
			500, 500, 500, []string{"Error from API", "The VM could not be paused", "VM is not running"}},
		{"vm.pause of a paused VM", []step{create, boot, pause}, pause,
			500, 500, 500, []string{"Error from API", "The VM could not be paused", "Cannot pause VM",
				"Failed to pause migratable component", "Invalid transition: InvalidStateTransition(Paused, Paused)"}},
		{"vm.reboot without a VM", nil, func(ctx context.Context, v *ch.VMM) error { return v.Reboot(ctx) },
			500, 404, 404, []string{"Error from API", "The VM could not reboot", "VM is not created"}},
		{"vm.add-disk with a duplicate id", []step{create}, func(ctx context.Context, v *ch.VMM) error {
			_, err := v.AddDisk(ctx, ch.DiskConfig{Id: ptr("root"), Path: ptr("/images/other.raw")})
			return err
		}, 500, 500, 409, []string{"Error from API", "The disk could not be added to the VM", "Failed to validate config", "Identifier root is not unique"}},
		{"vm.remove-device of an unknown id", []step{create}, func(ctx context.Context, v *ch.VMM) error { return v.RemoveDevice(ctx, "nope") },
			500, 500, 404, []string{"Error from API", "The device could not be removed from the VM", `No device with id "nope" to remove`}},
		{"vm.counters of a created VM", []step{create}, func(ctx context.Context, v *ch.VMM) error { _, err := v.Counters(ctx); return err },
			500, 500, 500, []string{"Error from API", "The VM info is not available", "VM is not running"}},
		{"vm.send-migration without a VM", nil, func(ctx context.Context, v *ch.VMM) error {
			return v.SendMigration(ctx, ch.SendMigrationData{DestinationUrl: "unix:/tmp/x"})
		}, 500, 500, 500, []string{"Error from API", "Error dispatching the migration worker", "Failed to send migratable component snapshot", "VM is not running"}},
		// Only the newest spec has it; no server has the route.
		{"vm.balloon-stats", []step{create, boot}, func(ctx context.Context, v *ch.VMM) error { _, err := v.BalloonStats(ctx); return err },
			404, 404, 404, []string{"Not Found"}},
		// Default builds lack the guest_debug feature.
		{"vm.coredump", []step{create, boot, pause}, func(ctx context.Context, v *ch.VMM) error {
			return v.Coredump(ctx, ch.VmCoredumpData{DestinationUrl: ptr("file:///tmp/core")})
		}, 404, 404, 404, []string{"Not Found"}},
		// The servers' MigrationMode has Precopy and Postcopy only.
		{"vm.receive-migration with MemFDs", nil, func(ctx context.Context, v *ch.VMM) error {
			return v.ReceiveMigration(ctx, ch.ReceiveMigrationData{ReceiverUrl: "unix:/tmp/r", MemoryMode: ptr(ch.MigrationModeMemFDs)})
		}, 400, 400, 400, []string{"Failed to deserialize JSON", "unknown variant `MemFDs`, expected `Precopy` or `Postcopy`"}},
	}
	for _, rel := range []chtest.Release{chtest.ReleaseV52, chtest.ReleaseV53, chtest.ReleaseMain} {
		t.Run(rel.String(), func(t *testing.T) {
			fake := chtest.New(t, chtest.Options{Release: rel})
			v := newClient(t, fake)
			ctx := ctxT(t)
			for _, c := range cases {
				must(t, c.name+": delete", v.Delete(ctx))
				for i, s := range c.setup {
					if err := s(ctx, v); err != nil {
						t.Fatalf("%s: setup step %d: %v", c.name, i, err)
					}
				}
				want := map[chtest.Release]int{chtest.ReleaseV52: c.v52, chtest.ReleaseV53: c.v53, chtest.ReleaseMain: c.main}[rel]
				err := c.call(ctx, v)
				var e *ch.Error
				if !errors.As(err, &e) || e.StatusCode != want || !slices.Equal(e.Chain, c.chain) {
					t.Errorf("%s: got %v, want %d %q", c.name, err, want, c.chain)
				}
			}
		})
	}
}

// TestPingVersions: vmm.ping reports the crate version as "version" and
// git describe as "build_version" (cloud-hypervisor/build.rs, v53.0).
func TestPingVersions(t *testing.T) {
	for rel, want := range map[chtest.Release][2]string{
		chtest.ReleaseV53:  {"53.0.0", "v53.0"},
		chtest.ReleaseMain: {"54.0.0", "v53.0-246-gae44c2971"},
	} {
		fake := chtest.New(t, chtest.Options{Release: rel})
		p, err := newClient(t, fake).Ping(ctxT(t))
		must(t, "ping", err)
		if p.Version != want[0] || p.BuildVersion == nil || *p.BuildVersion != want[1] {
			t.Errorf("%s: ping = %s / %v, want %s / %s", rel, p.Version, p.BuildVersion, want[0], want[1])
		}
	}
}

// TestBaseURLWithGeneratedBuilders: the generated request builders,
// given BaseURL, produce /api/v1/<op> paths the server routes.
func TestBaseURLWithGeneratedBuilders(t *testing.T) {
	req, err := ch.NewGetVmInfoRequest(ch.BaseURL)
	must(t, "build vm.info request", err)
	if req.URL.Path != "/api/v1/vm.info" {
		t.Fatalf("vm.info request path %q, want /api/v1/vm.info", req.URL.Path)
	}
	fake := chtest.New(t, chtest.Options{})
	v := newClient(t, fake)
	req, err = ch.NewGetVmmPingRequest(ch.BaseURL)
	must(t, "build ping request", err)
	resp, err := v.Generated().Client.Do(req.WithContext(ctxT(t)))
	must(t, "ping via the builder", err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ping via the builder = %d", resp.StatusCode)
	}
	if !strings.HasSuffix(ch.BaseURL, "/") {
		t.Fatalf("BaseURL %q lacks the trailing slash", ch.BaseURL)
	}
}

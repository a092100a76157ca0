package libvirt_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/internal/fleettest"
	"github.com/virtwire/libvirt/libvirttest"
)

// TestFleetFanOut holds many connections to libvirttest, each with a
// lifecycle subscription, and fans a burst of events out to all of them:
// every subscriber must see every event. N is 1000 (200 under the race
// detector, whose goroutine limit and cost a thousand connections with
// their server sides would strain), or VIRTWIRE_FLEET_N. Memory and
// goroutines per connection include the in-process server's side of the
// connection; see benchmarks/golibvirt's TestFleetFootprint for the
// client alone.
func TestFleetFanOut(t *testing.T) {
	n := fleetDefaultN
	if v, err := strconv.Atoi(os.Getenv("VIRTWIRE_FLEET_N")); err == nil && v > 0 {
		n = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	srv := libvirttest.New(t, libvirttest.WithUnixSocket(""))
	res := fleettest.Run(ctx, t, n, 50, "test", func(ctx context.Context) (*libvirt.Client, error) {
		return libvirt.Dial(ctx, srv.URI())
	})
	t.Log(res)
	if res.Lost != 0 || res.Dropped != 0 {
		t.Errorf("events lost: %d, dropped: %d", res.Lost, res.Dropped)
	}
}

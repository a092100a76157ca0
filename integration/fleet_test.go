//go:build integration

package integration_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/internal/fleettest"
)

// TestFleetFanOutLibvirtd holds VIRTWIRE_FLEET_DAEMON_N connections
// (unset: the test is skipped, since it takes tens of seconds) to the
// private libvirtd's test driver, each with a domain lifecycle
// subscription, and fans a burst of 100 events out to all of them: every
// subscriber must see every event. libvirtd's default max_clients (5000)
// and the daemon's open-file limit bound N.
func TestFleetFanOutLibvirtd(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("VIRTWIRE_FLEET_DAEMON_N"))
	if n <= 0 {
		t.Skip("set VIRTWIRE_FLEET_DAEMON_N to the number of connections")
	}
	d := requireDaemon(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	uri := "test+unix:///default?socket=" + d.socket
	res := fleettest.Run(ctx, t, n, 50, "test", func(ctx context.Context) (*libvirt.Client, error) {
		return libvirt.Dial(ctx, uri)
	})
	t.Log(res)
	if res.Lost != 0 || res.Dropped != 0 {
		t.Errorf("events lost: %d, dropped: %d", res.Lost, res.Dropped)
	}
}

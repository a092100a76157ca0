//go:build integration

package integration_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/admin"
)

// TestAdminInterface talks to the private daemon's admin socket, as
// virt-admin does: version, servers, clients, client limits, and an error.
func TestAdminInterface(t *testing.T) {
	d := requireDaemon(t)
	ctx := ctxFor(t, time.Minute)
	sock := filepath.Join(filepath.Dir(d.socket), "libvirt-admin-sock")
	a, err := admin.Dial(ctx, sock)
	require.NoError(t, err)
	defer a.Close()

	ver, err := a.ConnectGetLibVersion(ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, ver, uint64(9000000))

	servers, err := a.ConnectListServers(ctx, 0)
	require.NoError(t, err)
	var names []string
	for _, s := range servers {
		names = append(names, s.Name)
	}
	require.ElementsMatch(t, []string{"libvirtd", "admin"}, names)

	// A client connected to the main server shows up in its client list.
	c := dial(t, "test+unix:///default?socket="+d.socket)
	_, err = c.ConnectGetLibVersion(ctx)
	require.NoError(t, err)
	srv, err := a.ConnectLookupServer(ctx, "libvirtd", 0)
	require.NoError(t, err)
	clients, err := a.ServerListClients(ctx, srv, 0)
	require.NoError(t, err)
	require.NotEmpty(t, clients)

	limits, err := a.ServerGetClientLimits(ctx, srv, 0)
	require.NoError(t, err)
	got := map[string]any{}
	for _, p := range limits {
		got[p.Field] = p.Value.Value()
	}
	require.Contains(t, got, "nclients_max")

	_, err = a.ConnectLookupServer(ctx, "no-such-server", 0)
	var lerr *libvirt.Error
	require.True(t, errors.As(err, &lerr), "want *libvirt.Error, got %v", err)
	require.True(t, errors.Is(err, libvirt.ErrNoServer), "%v", err)
}

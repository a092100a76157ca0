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
	// This test's own connections are on the unix socket; the info of a
	// client comes back as TypedParams with the usual lookups.
	require.Equal(t, admin.ClientTransUnix, clients[0].Transport)
	info, err := a.ClientGetInfo(ctx, clients[0], 0)
	require.NoError(t, err)
	readonly, ok := info.Bool("readonly")
	require.True(t, ok, "readonly in %v", info)
	require.False(t, readonly)

	limits, err := a.ServerGetClientLimits(ctx, srv, 0)
	require.NoError(t, err)
	maxClients, ok := limits.Uint64("nclients_max")
	require.True(t, ok, "nclients_max in %v", limits)
	require.Positive(t, maxClients)

	_, err = a.ConnectLookupServer(ctx, "no-such-server", 0)
	var lerr *libvirt.Error
	require.True(t, errors.As(err, &lerr), "want *libvirt.Error, got %v", err)
	require.True(t, errors.Is(err, libvirt.ErrNoServer), "%v", err)
}

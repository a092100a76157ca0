//go:build integration

package integration_test

import (
	"encoding/xml"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
)

// listNetworkNames lists the names of the networks matching flags.
func listNetworkNames(t *testing.T, c *libvirt.Client, flags libvirt.ConnectListAllNetworksFlags) []string {
	t.Helper()
	nets, err := c.ConnectListAllNetworks(ctxFor(t, callTimeout), flags)
	require.NoError(t, err)
	names := make([]string, len(nets))
	for i, nw := range nets {
		names[i] = nw.Name
	}
	return names
}

func TestNetworkLifecycle(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport) {
		c := dial(t, tr.uri("test", "default"))
		ctx := ctxFor(t, callTimeout)
		name := uniqueName("net")
		// Bridge names are limited to 15 bytes; the test driver only
		// records them.
		bridge := fmt.Sprintf("vwbr%d", rand.IntN(1e9))
		subnet := fmt.Sprintf("10.%d.%d", rand.IntN(250)+1, rand.IntN(250)+1)
		def := fmt.Sprintf(`<network>
  <name>%s</name>
  <bridge name='%s'/>
  <ip address='%s.1' netmask='255.255.255.0'/>
</network>`, name, bridge, subnet)

		nw, err := c.NetworkDefineXML(ctx, def)
		require.NoError(t, err)
		t.Cleanup(func() {
			ctx := ctxFor(t, callTimeout)
			if n, err := c.NetworkLookupByName(ctx, name); err == nil {
				_ = c.NetworkDestroy(ctx, n)
				_ = c.NetworkUndefine(ctx, n)
			}
		})
		assert.Equal(t, name, nw.Name)
		assert.NotEqual(t, libvirt.UUID{}, nw.UUID)

		active, err := c.NetworkIsActive(ctx, nw)
		require.NoError(t, err)
		assert.Equal(t, int32(0), active)
		assert.Contains(t, listNetworkNames(t, c, libvirt.ConnectListNetworksInactive), name)
		assert.NotContains(t, listNetworkNames(t, c, libvirt.ConnectListNetworksActive), name)

		require.NoError(t, c.NetworkCreate(ctx, nw))
		active, err = c.NetworkIsActive(ctx, nw)
		require.NoError(t, err)
		assert.Equal(t, int32(1), active)
		assert.Contains(t, listNetworkNames(t, c, libvirt.ConnectListNetworksActive), name)
		assert.NotContains(t, listNetworkNames(t, c, libvirt.ConnectListNetworksInactive), name)

		br, err := c.NetworkGetBridgeName(ctx, nw)
		require.NoError(t, err)
		assert.Equal(t, bridge, br)

		raw, err := c.NetworkGetXMLDesc(ctx, nw, 0)
		require.NoError(t, err)
		var x struct {
			Name   string `xml:"name"`
			UUID   string `xml:"uuid"`
			Bridge struct {
				Name string `xml:"name,attr"`
			} `xml:"bridge"`
			IP struct {
				Address string `xml:"address,attr"`
				Netmask string `xml:"netmask,attr"`
			} `xml:"ip"`
		}
		require.NoError(t, xml.Unmarshal([]byte(raw), &x), "network XML:\n%s", raw)
		assert.Equal(t, name, x.Name)
		assert.Equal(t, uuidString(nw.UUID), x.UUID)
		assert.Equal(t, bridge, x.Bridge.Name)
		assert.Equal(t, subnet+".1", x.IP.Address)
		assert.Equal(t, "255.255.255.0", x.IP.Netmask)

		looked, err := c.NetworkLookupByName(ctx, name)
		require.NoError(t, err)
		assert.Equal(t, nw, looked)

		require.NoError(t, c.NetworkDestroy(ctx, nw))
		active, err = c.NetworkIsActive(ctx, nw)
		require.NoError(t, err)
		assert.Equal(t, int32(0), active)

		require.NoError(t, c.NetworkUndefine(ctx, nw))
		_, err = c.NetworkLookupByName(ctx, name)
		assert.True(t, errors.Is(err, libvirt.ErrNoNetwork), "lookup after undefine: %v", err)
		assert.NotContains(t, listNetworkNames(t, c, 0), name)
	})
}

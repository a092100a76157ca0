//go:build integration

package integration_test

import (
	"encoding/xml"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
)

// The test driver's storage is in memory: a pool's target path is only
// recorded, and each pool offers a fixed 100 GiB.
const testPoolCapacity = 100 << 30

func TestStoragePoolAndVolume(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport) {
		c := dial(t, tr.uri("test", "default"))
		ctx := ctxFor(t, callTimeout)
		name := uniqueName("pool")
		target := t.TempDir()

		pool, err := c.StoragePoolDefineXML(ctx, fmt.Sprintf(`<pool type='dir'>
  <name>%s</name>
  <target><path>%s</path></target>
</pool>`, name, target), 0)
		require.NoError(t, err)
		t.Cleanup(func() {
			ctx := ctxFor(t, callTimeout)
			if p, err := c.StoragePoolLookupByName(ctx, name); err == nil {
				_ = c.StoragePoolDestroy(ctx, p)
				_ = c.StoragePoolUndefine(ctx, p)
			}
		})
		assert.Equal(t, name, pool.Name)

		state, _, _, _, err := c.StoragePoolGetInfo(ctx, pool)
		require.NoError(t, err)
		assert.Equal(t, libvirt.StoragePoolInactive, libvirt.StoragePoolState(state))
		pools, err := c.ConnectListAllStoragePools(ctx, libvirt.ConnectListStoragePoolsInactive)
		require.NoError(t, err)
		assert.Contains(t, pools, pool)

		require.NoError(t, c.StoragePoolCreate(ctx, pool, 0))
		state, capacity, alloc0, avail0, err := c.StoragePoolGetInfo(ctx, pool)
		require.NoError(t, err)
		assert.Equal(t, libvirt.StoragePoolRunning, libvirt.StoragePoolState(state))
		assert.Equal(t, uint64(testPoolCapacity), capacity)
		assert.Equal(t, capacity, alloc0+avail0)
		pools, err = c.ConnectListAllStoragePools(ctx, libvirt.ConnectListStoragePoolsActive)
		require.NoError(t, err)
		assert.Contains(t, pools, pool)

		raw, err := c.StoragePoolGetXMLDesc(ctx, pool, 0)
		require.NoError(t, err)
		var px struct {
			Type   string `xml:"type,attr"`
			Name   string `xml:"name"`
			UUID   string `xml:"uuid"`
			Target string `xml:"target>path"`
		}
		require.NoError(t, xml.Unmarshal([]byte(raw), &px), "pool XML:\n%s", raw)
		assert.Equal(t, "dir", px.Type)
		assert.Equal(t, name, px.Name)
		assert.Equal(t, uuidString(pool.UUID), px.UUID)
		assert.Equal(t, target, px.Target)

		// A volume.
		const volSize = 8 << 20
		volName := "disk0.raw"
		vol, err := c.StorageVolCreateXML(ctx, pool, fmt.Sprintf(`<volume>
  <name>%s</name>
  <capacity unit='bytes'>%d</capacity>
  <target><format type='raw'/></target>
</volume>`, volName, volSize), 0)
		require.NoError(t, err)
		assert.Equal(t, name, vol.Pool)
		assert.Equal(t, volName, vol.Name)
		assert.Equal(t, target+"/"+volName, vol.Key, "the test driver keys volumes by path")

		typ, vcap, valloc, err := c.StorageVolGetInfo(ctx, vol)
		require.NoError(t, err)
		assert.Equal(t, libvirt.StorageVolFile, libvirt.StorageVolType(typ))
		assert.Equal(t, uint64(volSize), vcap)
		assert.Equal(t, uint64(volSize), valloc, "the test driver allocates volumes fully")

		_, _, alloc1, avail1, err := c.StoragePoolGetInfo(ctx, pool)
		require.NoError(t, err)
		assert.Equal(t, alloc0+volSize, alloc1, "pool allocation grows by the volume")
		assert.Equal(t, avail0-volSize, avail1, "pool availability shrinks by the volume")

		raw, err = c.StorageVolGetXMLDesc(ctx, vol, 0)
		require.NoError(t, err)
		var vx struct {
			Name     string `xml:"name"`
			Key      string `xml:"key"`
			Capacity uint64 `xml:"capacity"`
			Path     string `xml:"target>path"`
			Format   struct {
				Type string `xml:"type,attr"`
			} `xml:"target>format"`
		}
		require.NoError(t, xml.Unmarshal([]byte(raw), &vx), "volume XML:\n%s", raw)
		assert.Equal(t, volName, vx.Name)
		assert.Equal(t, vol.Key, vx.Key)
		assert.Equal(t, uint64(volSize), vx.Capacity)
		assert.Equal(t, target+"/"+volName, vx.Path)
		assert.Equal(t, "raw", vx.Format.Type)

		vols, err := c.StoragePoolListAllVolumes(ctx, pool, 0)
		require.NoError(t, err)
		assert.Equal(t, []libvirt.StorageVol{vol}, vols)
		looked, err := c.StorageVolLookupByName(ctx, pool, volName)
		require.NoError(t, err)
		assert.Equal(t, vol, looked)

		require.NoError(t, c.StorageVolDelete(ctx, vol, 0))
		_, err = c.StorageVolLookupByName(ctx, pool, volName)
		assert.True(t, errors.Is(err, libvirt.ErrNoStorageVol), "lookup after delete: %v", err)
		_, _, alloc2, _, err := c.StoragePoolGetInfo(ctx, pool)
		require.NoError(t, err)
		assert.Equal(t, alloc0, alloc2, "allocation back to where it was")

		require.NoError(t, c.StoragePoolDestroy(ctx, pool))
		state, _, _, _, err = c.StoragePoolGetInfo(ctx, pool)
		require.NoError(t, err)
		assert.Equal(t, libvirt.StoragePoolInactive, libvirt.StoragePoolState(state))
		require.NoError(t, c.StoragePoolUndefine(ctx, pool))
		_, err = c.StoragePoolLookupByName(ctx, name)
		assert.True(t, errors.Is(err, libvirt.ErrNoStoragePool), "lookup after undefine: %v", err)
	})
}

package libvirttest

import (
	"context"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// defaultPoolCapacity is the size the test driver gives every pool.
const defaultPoolCapacity = 100 << 30

// pool is one storage pool. Its XML is generated from these fields, with
// the source element kept as given.
type pool struct {
	name       string
	uuid       libvirt.UUID
	typ        string
	source     string // the lines inside <source>, in libvirt's layout
	perms      string // the target's <permissions> lines
	target     string
	capacity   uint64
	allocation uint64
	active     bool
	persistent bool
	autostart  bool
	vols       []*volume
}

func (p *pool) ref() libvirt.StoragePool { return libvirt.StoragePool{Name: p.name, UUID: p.uuid} }

func (p *pool) xml() string {
	return fmt.Sprintf(`<pool type='%s'>
  <name>%s</name>
  <uuid>%s</uuid>
  <capacity unit='bytes'>%d</capacity>
  <allocation unit='bytes'>%d</allocation>
  <available unit='bytes'>%d</available>
  <source>
%s  </source>
  <target>
    <path>%s</path>
%s  </target>
</pool>
`, p.typ, xmlText(p.name), p.uuid, p.capacity, p.allocation, p.capacity-p.allocation, p.source, xmlText(p.target), p.perms)
}

// volume is one storage volume of a pool. Its content lives in data;
// allocation is the larger of what its definition asked for and what the
// stored data takes.
type volume struct {
	pool       *pool
	name       string
	capacity   uint64
	allocation uint64
	declared   uint64 // the allocation of the definition
	format     string
	perms      string // the target's <permissions> lines, in libvirt's layout
	data       volData
	gone       bool // deleted; streams still open on it write nowhere
}

func (v *volume) path() string { return v.pool.target + "/" + v.name }

func (v *volume) ref() libvirt.StorageVol {
	return libvirt.StorageVol{Pool: v.pool.name, Name: v.name, Key: v.path()}
}

func (v *volume) xml() string {
	return fmt.Sprintf(`<volume type='file'>
  <name>%s</name>
  <key>%s</key>
  <capacity unit='bytes'>%d</capacity>
  <allocation unit='bytes'>%d</allocation>
  <target>
    <path>%s</path>
    <format type='%s'/>
%s  </target>
</volume>
`, xmlText(v.name), xmlText(v.path()), v.capacity, v.allocation, xmlText(v.path()), xmlText(v.format), v.perms)
}

func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func (d *driver) addDefaultPool() {
	d.pools = append(d.pools, &pool{
		name: "default-pool", uuid: mustUUID("dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566"), typ: "dir",
		target: "/default-pool", capacity: defaultPoolCapacity, active: true, persistent: true,
	})
}

func mustUUID(s string) libvirt.UUID {
	u, err := libvirt.ParseUUID(s)
	if err != nil {
		panic(err)
	}
	return u
}

// parsePool reads a pool definition.
func parsePool(doc string) (*pool, error) {
	var v struct {
		XMLName xml.Name
		Type    string `xml:"type,attr"`
		Name    string `xml:"name"`
		UUID    string `xml:"uuid"`
		Target  struct {
			Path string `xml:"path"`
		} `xml:"target"`
	}
	if err := parseXML(doc, "storage_pool_definition", &v); err != nil {
		return nil, err
	}
	if v.XMLName.Local != "pool" {
		return nil, xmlErrorIn(libvirt.FromStorage, "unknown root element for storage pool")
	}
	p := &pool{name: strings.TrimSpace(v.Name), typ: v.Type,
		target: strings.TrimRight(strings.TrimSpace(v.Target.Path), "/"), capacity: defaultPoolCapacity}
	if p.typ == "" {
		return nil, xmlErrorIn(libvirt.FromStorage, "storage pool missing type attribute")
	}
	if p.name == "" {
		return nil, xmlErrorIn(libvirt.FromStorage, "missing pool source name element")
	}
	if p.target == "" {
		return nil, xmlErrorIn(libvirt.FromStorage, "missing storage pool target path")
	}
	u, err := uuidOrNew(v.UUID, libvirt.FromStorage)
	if err != nil {
		return nil, err
	}
	p.uuid = u
	p.source, p.perms = poolParts(doc, p.typ)
	return p, nil
}

// parseVolume reads a volume definition.
func parseVolume(doc string) (*volume, error) {
	var v struct {
		XMLName    xml.Name
		Name       string `xml:"name"`
		Capacity   scaled `xml:"capacity"`
		Allocation scaled `xml:"allocation"`
		Target     struct {
			Format struct {
				Type string `xml:"type,attr"`
			} `xml:"format"`
		} `xml:"target"`
	}
	if err := parseXML(doc, "storage_volume_definition", &v); err != nil {
		return nil, err
	}
	if v.XMLName.Local != "volume" {
		return nil, xmlErrorIn(libvirt.FromStorage, "unknown root element for storage vol")
	}
	vol := &volume{name: strings.TrimSpace(v.Name), format: v.Target.Format.Type}
	if vol.name == "" {
		return nil, xmlErrorIn(libvirt.FromStorage, "missing volume name element")
	}
	c, ok, err := v.Capacity.bytes("bytes")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, xmlErrorIn(libvirt.FromStorage, "missing capacity element")
	}
	vol.capacity = c
	// Like libvirt, a volume without an allocation is fully allocated.
	a, ok, err := v.Allocation.bytes("bytes")
	if err != nil {
		return nil, err
	}
	if !ok {
		a = c
	}
	vol.allocation, vol.declared = a, a
	vol.perms = volumePerms(doc)
	if vol.format == "" {
		vol.format = "raw"
	}
	return vol, nil
}

func (d *driver) poolOf(ref libvirt.StoragePool) (*pool, error) {
	for _, p := range d.pools {
		if p.uuid == ref.UUID {
			return p, nil
		}
	}
	return nil, lvErrorf(libvirt.ErrNoStoragePool, libvirt.FromTest, "Storage pool not found: ",
		"no storage pool with matching uuid '%s' (%s)", ref.UUID, ref.Name)
}

func (d *driver) withPool(ref libvirt.StoragePool, f func(p *pool) error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, err := d.poolOf(ref)
	if err != nil {
		return err
	}
	return f(p)
}

func poolNotActive(p *pool) error {
	return lvErrorf(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "storage pool '%s' is not active", p.name)
}

func (d *driver) emitPool(ctx context.Context, p *pool, ev libvirt.StoragePoolEventLifecycleType) {
	ref := p.ref()
	d.emit(ctx, famPool, int32(libvirt.StoragePoolEventIDLifecycle), p.uuid, libvirt.ProcStoragePoolEventLifecycle,
		func(cb int32) encodable {
			return &libvirt.StoragePoolEventLifecycleMsg{CallbackID: cb, Pool: ref, Event: ev}
		})
}

func (d *driver) removePool(p *pool) {
	for _, v := range p.vols {
		d.dropVolumeData(v)
	}
	for i, o := range d.pools {
		if o == p {
			d.pools = append(d.pools[:i], d.pools[i+1:]...)
			return
		}
	}
}

// addPool stores a new pool; d.mu is held.
func (d *driver) addPool(ctx context.Context, p *pool, persistent bool) error {
	for _, o := range d.pools {
		if o.name == p.name {
			return lvErrorf(libvirt.ErrOperationFailed, libvirt.FromStorage, prefixFailed, "pool '%s' already exists with uuid %s", o.name, o.uuid)
		}
		if o.uuid == p.uuid {
			return lvErrorf(libvirt.ErrOperationFailed, libvirt.FromStorage, prefixFailed, "pool '%s' is already defined with uuid %s", o.name, o.uuid)
		}
	}
	p.persistent = persistent
	d.pools = append(d.pools, p)
	if persistent {
		d.emitPool(ctx, p, libvirt.StoragePoolEventDefined)
	} else {
		p.active = true
		d.emitPool(ctx, p, libvirt.StoragePoolEventStarted)
	}
	return nil
}

// StoragePoolDefineXML defines a persistent pool.
func (d *driver) StoragePoolDefineXML(ctx context.Context, args *protocol.StoragePoolDefineXMLArgs) (*protocol.StoragePoolDefineXMLRet, error) {
	p, err := parsePool(args.XML)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.addPool(ctx, p, true); err != nil {
		return nil, err
	}
	return &protocol.StoragePoolDefineXMLRet{Pool: p.ref()}, nil
}

// StoragePoolCreateXML starts a transient pool.
func (d *driver) StoragePoolCreateXML(ctx context.Context, args *protocol.StoragePoolCreateXMLArgs) (*protocol.StoragePoolCreateXMLRet, error) {
	p, err := parsePool(args.XML)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.addPool(ctx, p, false); err != nil {
		return nil, err
	}
	return &protocol.StoragePoolCreateXMLRet{Pool: p.ref()}, nil
}

// StoragePoolCreate starts a defined pool.
func (d *driver) StoragePoolCreate(ctx context.Context, args *protocol.StoragePoolCreateArgs) error {
	return d.withPool(args.Pool, func(p *pool) error {
		if p.active {
			return lvErrorf(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "storage pool '%s' is active", p.name)
		}
		p.active = true
		d.emitPool(ctx, p, libvirt.StoragePoolEventStarted)
		return nil
	})
}

// StoragePoolBuild has no storage to prepare; like the test driver it
// only announces the pool as created.
func (d *driver) StoragePoolBuild(ctx context.Context, args *protocol.StoragePoolBuildArgs) error {
	return d.withPool(args.Pool, func(p *pool) error {
		if p.active {
			return lvErrorf(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "storage pool '%s' is active", p.name)
		}
		d.emitPool(ctx, p, libvirt.StoragePoolEventCreated)
		return nil
	})
}

// StoragePoolDelete does nothing on an inactive pool, like the test
// driver.
func (d *driver) StoragePoolDelete(ctx context.Context, args *protocol.StoragePoolDeleteArgs) error {
	return d.withPool(args.Pool, func(p *pool) error {
		if p.active {
			return lvErrorf(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "storage pool '%s' is active", p.name)
		}
		d.emitPool(ctx, p, libvirt.StoragePoolEventDeleted)
		return nil
	})
}

// StoragePoolDestroy stops a pool; a transient one disappears.
func (d *driver) StoragePoolDestroy(ctx context.Context, args *protocol.StoragePoolDestroyArgs) error {
	return d.withPool(args.Pool, func(p *pool) error {
		if !p.active {
			return poolNotActive(p)
		}
		p.active = false
		d.emitPool(ctx, p, libvirt.StoragePoolEventStopped)
		if !p.persistent {
			d.removePool(p)
		}
		return nil
	})
}

// StoragePoolUndefine removes an inactive pool's definition.
func (d *driver) StoragePoolUndefine(ctx context.Context, args *protocol.StoragePoolUndefineArgs) error {
	return d.withPool(args.Pool, func(p *pool) error {
		if p.active {
			return lvErrorf(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "storage pool '%s' is still active", p.name)
		}
		d.emitPool(ctx, p, libvirt.StoragePoolEventUndefined)
		d.removePool(p)
		return nil
	})
}

// StoragePoolRefresh sends a refresh event; there is nothing to rescan.
func (d *driver) StoragePoolRefresh(ctx context.Context, args *protocol.StoragePoolRefreshArgs) error {
	return d.withPool(args.Pool, func(p *pool) error {
		if !p.active {
			return poolNotActive(p)
		}
		ref := p.ref()
		d.emit(ctx, famPool, int32(libvirt.StoragePoolEventIDRefresh), p.uuid, libvirt.ProcStoragePoolEventRefresh,
			func(cb int32) encodable { return &libvirt.StoragePoolEventRefreshMsg{CallbackID: cb, Pool: ref} })
		return nil
	})
}

// StoragePoolLookupByName finds a pool by name.
func (d *driver) StoragePoolLookupByName(ctx context.Context, args *protocol.StoragePoolLookupByNameArgs) (*protocol.StoragePoolLookupByNameRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.pools {
		if p.name == args.Name {
			return &protocol.StoragePoolLookupByNameRet{Pool: p.ref()}, nil
		}
	}
	return nil, lvErrorf(libvirt.ErrNoStoragePool, libvirt.FromTest, "Storage pool not found: ", "no storage pool with matching name '%s'", args.Name)
}

// StoragePoolLookupByUUID finds a pool by UUID.
func (d *driver) StoragePoolLookupByUUID(ctx context.Context, args *protocol.StoragePoolLookupByUUIDArgs) (*protocol.StoragePoolLookupByUUIDRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.pools {
		if p.uuid == args.UUID {
			return &protocol.StoragePoolLookupByUUIDRet{Pool: p.ref()}, nil
		}
	}
	return nil, lvErrorf(libvirt.ErrNoStoragePool, libvirt.FromTest, "Storage pool not found: ", "no storage pool with matching uuid '%s'", args.UUID)
}

// StoragePoolLookupByVolume finds the pool a volume belongs to.
func (d *driver) StoragePoolLookupByVolume(ctx context.Context, args *protocol.StoragePoolLookupByVolumeArgs) (*protocol.StoragePoolLookupByVolumeRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.pools {
		if p.name == args.Vol.Pool {
			return &protocol.StoragePoolLookupByVolumeRet{Pool: p.ref()}, nil
		}
	}
	return nil, lvErrorf(libvirt.ErrNoStoragePool, libvirt.FromTest, "Storage pool not found: ", "no storage pool with matching name '%s'", args.Vol.Pool)
}

// StoragePoolGetInfo reports state and sizes.
func (d *driver) StoragePoolGetInfo(ctx context.Context, args *protocol.StoragePoolGetInfoArgs) (*protocol.StoragePoolGetInfoRet, error) {
	var ret protocol.StoragePoolGetInfoRet
	err := d.withPool(args.Pool, func(p *pool) error {
		ret.State = libvirt.StoragePoolInactive
		if p.active {
			ret.State = libvirt.StoragePoolRunning
		}
		ret.Capacity, ret.Allocation, ret.Available = p.capacity, p.allocation, p.capacity-p.allocation
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// StoragePoolGetXMLDesc returns the pool's XML.
func (d *driver) StoragePoolGetXMLDesc(ctx context.Context, args *protocol.StoragePoolGetXMLDescArgs) (*protocol.StoragePoolGetXMLDescRet, error) {
	var ret protocol.StoragePoolGetXMLDescRet
	err := d.withPool(args.Pool, func(p *pool) error { ret.XML = p.xml(); return nil })
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// StoragePoolGetAutostart reports the autostart flag.
func (d *driver) StoragePoolGetAutostart(ctx context.Context, args *protocol.StoragePoolGetAutostartArgs) (*protocol.StoragePoolGetAutostartRet, error) {
	var ret protocol.StoragePoolGetAutostartRet
	err := d.withPool(args.Pool, func(p *pool) error { ret.Autostart = b2i(p.autostart); return nil })
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// StoragePoolSetAutostart sets the autostart flag of a persistent pool.
func (d *driver) StoragePoolSetAutostart(ctx context.Context, args *protocol.StoragePoolSetAutostartArgs) error {
	return d.withPool(args.Pool, func(p *pool) error {
		if !p.persistent {
			return lvError(libvirt.ErrInvalidArg, libvirt.FromTest, prefixInvArg, "pool has no config file")
		}
		p.autostart = args.Autostart != 0
		return nil
	})
}

// StoragePoolIsActive tells whether the pool is started.
func (d *driver) StoragePoolIsActive(ctx context.Context, args *protocol.StoragePoolIsActiveArgs) (*protocol.StoragePoolIsActiveRet, error) {
	var ret protocol.StoragePoolIsActiveRet
	err := d.withPool(args.Pool, func(p *pool) error { ret.Active = b2i(p.active); return nil })
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// StoragePoolIsPersistent tells whether the pool has a persistent
// definition.
func (d *driver) StoragePoolIsPersistent(ctx context.Context, args *protocol.StoragePoolIsPersistentArgs) (*protocol.StoragePoolIsPersistentRet, error) {
	var ret protocol.StoragePoolIsPersistentRet
	err := d.withPool(args.Pool, func(p *pool) error { ret.Persistent = b2i(p.persistent); return nil })
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// ConnectListAllStoragePools lists the pools that pass flags' filters.
func (d *driver) ConnectListAllStoragePools(ctx context.Context, args *protocol.ConnectListAllStoragePoolsArgs) (*protocol.ConnectListAllStoragePoolsRet, error) {
	f := uint32(args.Flags)
	d.mu.Lock()
	defer d.mu.Unlock()
	ret := &protocol.ConnectListAllStoragePoolsRet{}
	for _, p := range d.pools {
		if !listFilter(f, uint32(libvirt.ConnectListStoragePoolsActive), uint32(libvirt.ConnectListStoragePoolsInactive), p.active) ||
			!listFilter(f, uint32(libvirt.ConnectListStoragePoolsPersistent), uint32(libvirt.ConnectListStoragePoolsTransient), p.persistent) ||
			!listFilter(f, uint32(libvirt.ConnectListStoragePoolsAutostart), uint32(libvirt.ConnectListStoragePoolsNoAutostart), p.autostart) {
			continue
		}
		if types := f &^ 63; types != 0 && (p.typ != "dir" || types&uint32(libvirt.ConnectListStoragePoolsDir) == 0) {
			continue
		}
		ret.Ret++
		if args.NeedResults != 0 {
			ret.Pools = append(ret.Pools, p.ref())
		}
	}
	return ret, nil
}

// poolNames lists up to max (all if negative) names of pools whose
// active state is active.
func (d *driver) poolNames(active bool, max int32) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	names := []string{}
	for _, p := range d.pools {
		if p.active == active && (max < 0 || len(names) < int(max)) {
			names = append(names, p.name)
		}
	}
	return names
}

// ConnectNumOfStoragePools counts active pools.
func (d *driver) ConnectNumOfStoragePools(ctx context.Context) (*protocol.ConnectNumOfStoragePoolsRet, error) {
	return &protocol.ConnectNumOfStoragePoolsRet{Num: int32(len(d.poolNames(true, -1)))}, nil
}

// ConnectListStoragePools lists the names of active pools.
func (d *driver) ConnectListStoragePools(ctx context.Context, args *protocol.ConnectListStoragePoolsArgs) (*protocol.ConnectListStoragePoolsRet, error) {
	return &protocol.ConnectListStoragePoolsRet{Names: d.poolNames(true, args.Maxnames)}, nil
}

// ConnectNumOfDefinedStoragePools counts inactive pools.
func (d *driver) ConnectNumOfDefinedStoragePools(ctx context.Context) (*protocol.ConnectNumOfDefinedStoragePoolsRet, error) {
	return &protocol.ConnectNumOfDefinedStoragePoolsRet{Num: int32(len(d.poolNames(false, -1)))}, nil
}

// ConnectListDefinedStoragePools lists the names of inactive pools.
func (d *driver) ConnectListDefinedStoragePools(ctx context.Context, args *protocol.ConnectListDefinedStoragePoolsArgs) (*protocol.ConnectListDefinedStoragePoolsRet, error) {
	return &protocol.ConnectListDefinedStoragePoolsRet{Names: d.poolNames(false, args.Maxnames)}, nil
}

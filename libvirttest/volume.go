package libvirttest

import (
	"context"
	"slices"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// volumeOf finds the volume a handle refers to; d.mu is held.
func (d *driver) volumeOf(ref libvirt.StorageVol) (*volume, error) {
	for _, p := range d.pools {
		if p.name != ref.Pool {
			continue
		}
		for _, v := range p.vols {
			if v.name == ref.Name {
				return v, nil
			}
		}
	}
	return nil, lvErrorf(libvirt.ErrNoStorageVol, libvirt.FromTest, "Storage volume not found: ", "no storage vol with matching name '%s'", ref.Name)
}

func (d *driver) withVolume(ref libvirt.StorageVol, f func(v *volume) error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	v, err := d.volumeOf(ref)
	if err != nil {
		return err
	}
	return f(v)
}

// StorageVolCreateXML creates a volume in an active pool.
func (d *driver) StorageVolCreateXML(ctx context.Context, args *protocol.StorageVolCreateXMLArgs) (*protocol.StorageVolCreateXMLRet, error) {
	vol, err := parseVolume(args.XML)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	p, err := d.poolForNewVolume(args.Pool, vol)
	if err != nil {
		return nil, err
	}
	if err := p.add(vol); err != nil {
		return nil, err
	}
	return &protocol.StorageVolCreateXMLRet{Vol: vol.ref()}, nil
}

// poolForNewVolume returns the pool ref names when vol can be created in
// it: the pool exists, is active and has no volume of vol's name, checked
// in that order as the test driver does. d.mu is held.
func (d *driver) poolForNewVolume(ref libvirt.StoragePool, vol *volume) (*pool, error) {
	p, err := d.poolOf(ref)
	if err != nil {
		return nil, err
	}
	if !p.active {
		return nil, poolNotActive(p)
	}
	if err := p.checkNewName(vol.name); err != nil {
		return nil, err
	}
	return p, nil
}

// checkNewName fails when the pool already has a volume called name.
func (p *pool) checkNewName(name string) error {
	for _, o := range p.vols {
		if o.name == name {
			return lvError(libvirt.ErrOperationFailed, libvirt.FromTest, prefixFailed, "storage vol already exists")
		}
	}
	return nil
}

// add puts vol in the pool when the pool has room for its allocation.
func (p *pool) add(vol *volume) error {
	if p.allocation+vol.allocation > p.capacity {
		return lvErrorf(libvirt.ErrInternalError, libvirt.FromTest, prefixInternal, "Not enough free space in pool for volume '%s'", vol.name)
	}
	vol.pool = p
	p.vols = append(p.vols, vol)
	p.allocation += vol.allocation
	return nil
}

// StorageVolCreateXMLFrom creates a volume as a clone of another of the
// same pool; like the test driver, it takes the new volume's sizes from
// its XML and copies no content.
func (d *driver) StorageVolCreateXMLFrom(ctx context.Context, args *protocol.StorageVolCreateXMLFromArgs) (*protocol.StorageVolCreateXMLFromRet, error) {
	vol, err := parseVolume(args.XML)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	p, err := d.poolForNewVolume(args.Pool, vol)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(p.vols, func(o *volume) bool { return o.name == args.Clonevol.Name }) {
		return nil, lvErrorf(libvirt.ErrNoStorageVol, libvirt.FromTest, "Storage volume not found: ", "no storage vol with matching name '%s'", args.Clonevol.Name)
	}
	if err := p.add(vol); err != nil {
		return nil, err
	}
	return &protocol.StorageVolCreateXMLFromRet{Vol: vol.ref()}, nil
}

// StorageVolDelete removes a volume.
func (d *driver) StorageVolDelete(ctx context.Context, args *protocol.StorageVolDeleteArgs) error {
	return d.withVolume(args.Vol, func(v *volume) error {
		p := v.pool
		if !p.active {
			return poolNotActive(p)
		}
		for i, o := range p.vols {
			if o == v {
				p.vols = append(p.vols[:i], p.vols[i+1:]...)
				break
			}
		}
		p.allocation -= v.allocation
		d.dropVolumeData(v)
		return nil
	})
}

// StorageVolLookupByName finds a volume of a pool by name.
func (d *driver) StorageVolLookupByName(ctx context.Context, args *protocol.StorageVolLookupByNameArgs) (*protocol.StorageVolLookupByNameRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, err := d.poolOf(args.Pool)
	if err != nil {
		return nil, err
	}
	if !p.active {
		return nil, poolNotActive(p)
	}
	v, err := d.volumeOf(libvirt.StorageVol{Pool: p.name, Name: args.Name})
	if err != nil {
		return nil, err
	}
	return &protocol.StorageVolLookupByNameRet{Vol: v.ref()}, nil
}

// findVolume searches the active pools for a volume with the given path
// (which is also its key).
func (d *driver) findVolume(path string) *volume {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.pools {
		if !p.active {
			continue
		}
		for _, v := range p.vols {
			if v.path() == path {
				return v
			}
		}
	}
	return nil
}

// StorageVolLookupByKey finds a volume by key.
func (d *driver) StorageVolLookupByKey(ctx context.Context, args *protocol.StorageVolLookupByKeyArgs) (*protocol.StorageVolLookupByKeyRet, error) {
	v := d.findVolume(args.Key)
	if v == nil {
		return nil, lvErrorf(libvirt.ErrNoStorageVol, libvirt.FromTest, "Storage volume not found: ", "no storage vol with matching key '%s'", args.Key)
	}
	return &protocol.StorageVolLookupByKeyRet{Vol: v.ref()}, nil
}

// StorageVolLookupByPath finds a volume by path.
func (d *driver) StorageVolLookupByPath(ctx context.Context, args *protocol.StorageVolLookupByPathArgs) (*protocol.StorageVolLookupByPathRet, error) {
	v := d.findVolume(args.Path)
	if v == nil {
		return nil, lvErrorf(libvirt.ErrNoStorageVol, libvirt.FromTest, "Storage volume not found: ", "no storage vol with matching path '%s'", args.Path)
	}
	return &protocol.StorageVolLookupByPathRet{Vol: v.ref()}, nil
}

// StorageVolGetInfo reports a volume's type and sizes.
func (d *driver) StorageVolGetInfo(ctx context.Context, args *protocol.StorageVolGetInfoArgs) (*protocol.StorageVolGetInfoRet, error) {
	var ret protocol.StorageVolGetInfoRet
	err := d.withVolume(args.Vol, func(v *volume) error {
		ret = protocol.StorageVolGetInfoRet{Type: libvirt.StorageVolFile, Capacity: v.capacity, Allocation: v.allocation}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// StorageVolGetInfoFlags reports a volume's type and sizes.
func (d *driver) StorageVolGetInfoFlags(ctx context.Context, args *protocol.StorageVolGetInfoFlagsArgs) (*protocol.StorageVolGetInfoFlagsRet, error) {
	ret, err := d.StorageVolGetInfo(ctx, &protocol.StorageVolGetInfoArgs{Vol: args.Vol})
	if err != nil {
		return nil, err
	}
	return &protocol.StorageVolGetInfoFlagsRet{Type: ret.Type, Capacity: ret.Capacity, Allocation: ret.Allocation}, nil
}

// StorageVolGetXMLDesc returns a volume's XML.
func (d *driver) StorageVolGetXMLDesc(ctx context.Context, args *protocol.StorageVolGetXMLDescArgs) (*protocol.StorageVolGetXMLDescRet, error) {
	var ret protocol.StorageVolGetXMLDescRet
	err := d.withVolume(args.Vol, func(v *volume) error { ret.XML = v.xml(); return nil })
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// StorageVolGetPath reports a volume's path.
func (d *driver) StorageVolGetPath(ctx context.Context, args *protocol.StorageVolGetPathArgs) (*protocol.StorageVolGetPathRet, error) {
	var ret protocol.StorageVolGetPathRet
	err := d.withVolume(args.Vol, func(v *volume) error { ret.Name = v.path(); return nil })
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// StoragePoolNumOfVolumes counts a pool's volumes.
func (d *driver) StoragePoolNumOfVolumes(ctx context.Context, args *protocol.StoragePoolNumOfVolumesArgs) (*protocol.StoragePoolNumOfVolumesRet, error) {
	var ret protocol.StoragePoolNumOfVolumesRet
	err := d.withPool(args.Pool, func(p *pool) error {
		if !p.active {
			return poolNotActive(p)
		}
		ret.Num = int32(len(p.vols))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// StoragePoolListVolumes lists the names of a pool's volumes.
func (d *driver) StoragePoolListVolumes(ctx context.Context, args *protocol.StoragePoolListVolumesArgs) (*protocol.StoragePoolListVolumesRet, error) {
	ret := &protocol.StoragePoolListVolumesRet{Names: []string{}}
	err := d.withPool(args.Pool, func(p *pool) error {
		if !p.active {
			return poolNotActive(p)
		}
		for _, v := range p.vols {
			if len(ret.Names) < int(args.Maxnames) {
				ret.Names = append(ret.Names, v.name)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ret, nil
}

// StoragePoolListAllVolumes lists a pool's volumes.
func (d *driver) StoragePoolListAllVolumes(ctx context.Context, args *protocol.StoragePoolListAllVolumesArgs) (*protocol.StoragePoolListAllVolumesRet, error) {
	ret := &protocol.StoragePoolListAllVolumesRet{}
	err := d.withPool(args.Pool, func(p *pool) error {
		if !p.active {
			return poolNotActive(p)
		}
		for _, v := range p.vols {
			ret.Ret++
			if args.NeedResults != 0 {
				ret.Vols = append(ret.Vols, v.ref())
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ret, nil
}

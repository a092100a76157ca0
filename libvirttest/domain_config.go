package libvirttest

import (
	"context"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// ConnectListAllDomains lists the domains that pass flags' filters.
func (d *driver) ConnectListAllDomains(ctx context.Context, args *protocol.ConnectListAllDomainsArgs) (*protocol.ConnectListAllDomainsRet, error) {
	f := uint32(args.Flags)
	d.mu.Lock()
	defer d.mu.Unlock()
	ret := &protocol.ConnectListAllDomainsRet{}
	for _, dom := range d.domains {
		ok := d.listAllMatch(dom, f)
		if !ok {
			continue
		}
		ret.Ret++
		if args.NeedResults != 0 {
			ret.Domains = append(ret.Domains, dom.ref())
		}
	}
	return ret, nil
}

// listAllMatch tells whether dom passes the filters of ListAllDomains
// flags f; d.mu is held.
func (d *driver) listAllMatch(dom *domain, f uint32) bool {
	st := dom.state
	other := st != libvirt.DomainRunning && st != libvirt.DomainPaused && st != libvirt.DomainShutoff
	ok := listFilter(f, uint32(libvirt.ConnectListDomainsActive), uint32(libvirt.ConnectListDomainsInactive), dom.active()) &&
		listFilter(f, uint32(libvirt.ConnectListDomainsPersistent), uint32(libvirt.ConnectListDomainsTransient), dom.persistent) &&
		listFilter(f, uint32(libvirt.ConnectListDomainsAutostart), uint32(libvirt.ConnectListDomainsNoAutostart), dom.autostart) &&
		listFilter(f, uint32(libvirt.ConnectListDomainsManagedsave), uint32(libvirt.ConnectListDomainsNoManagedsave), dom.managedSave) &&
		listFilter(f, uint32(libvirt.ConnectListDomainsHasSnapshot), uint32(libvirt.ConnectListDomainsNoSnapshot), len(dom.snaps) > 0) &&
		listFilter(f, uint32(libvirt.ConnectListDomainsHasCheckpoint), uint32(libvirt.ConnectListDomainsNoCheckpoint), false)
	states := f & uint32(libvirt.ConnectListDomainsRunning|libvirt.ConnectListDomainsPaused|libvirt.ConnectListDomainsShutoff|libvirt.ConnectListDomainsOther)
	if states != 0 {
		ok = ok && ((st == libvirt.DomainRunning && states&uint32(libvirt.ConnectListDomainsRunning) != 0) ||
			(st == libvirt.DomainPaused && states&uint32(libvirt.ConnectListDomainsPaused) != 0) ||
			(st == libvirt.DomainShutoff && states&uint32(libvirt.ConnectListDomainsShutoff) != 0) ||
			(other && states&uint32(libvirt.ConnectListDomainsOther) != 0))
	}
	return ok
}

// ConnectNumOfDomains counts running domains.
func (d *driver) ConnectNumOfDomains(ctx context.Context) (*protocol.ConnectNumOfDomainsRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var n int32
	for _, dom := range d.domains {
		n += b2i(dom.active())
	}
	return &protocol.ConnectNumOfDomainsRet{Num: n}, nil
}

// ConnectListDomains lists the IDs of running domains.
func (d *driver) ConnectListDomains(ctx context.Context, args *protocol.ConnectListDomainsArgs) (*protocol.ConnectListDomainsRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	ret := &protocol.ConnectListDomainsRet{IDs: []int32{}}
	for _, dom := range d.domains {
		if dom.active() && len(ret.IDs) < int(args.Maxids) {
			ret.IDs = append(ret.IDs, dom.id)
		}
	}
	return ret, nil
}

// ConnectNumOfDefinedDomains counts shut-off domains.
func (d *driver) ConnectNumOfDefinedDomains(ctx context.Context) (*protocol.ConnectNumOfDefinedDomainsRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var n int32
	for _, dom := range d.domains {
		n += b2i(!dom.active())
	}
	return &protocol.ConnectNumOfDefinedDomainsRet{Num: n}, nil
}

// ConnectListDefinedDomains lists the names of shut-off domains.
func (d *driver) ConnectListDefinedDomains(ctx context.Context, args *protocol.ConnectListDefinedDomainsArgs) (*protocol.ConnectListDefinedDomainsRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	ret := &protocol.ConnectListDefinedDomainsRet{Names: []string{}}
	for _, dom := range d.domains {
		if !dom.active() && len(ret.Names) < int(args.Maxnames) {
			ret.Names = append(ret.Names, dom.name)
		}
	}
	return ret, nil
}

// DomainGetSchedulerType reports the "fair" scheduler with one parameter.
func (d *driver) DomainGetSchedulerType(ctx context.Context, args *protocol.DomainGetSchedulerTypeArgs) (*protocol.DomainGetSchedulerTypeRet, error) {
	if err := d.withDomain(args.Dom, func(*domain) error { return nil }); err != nil {
		return nil, err
	}
	return &protocol.DomainGetSchedulerTypeRet{Type: "fair", Nparams: 1}, nil
}

// DomainGetSchedulerParameters reports the "weight" parameter.
func (d *driver) DomainGetSchedulerParameters(ctx context.Context, args *protocol.DomainGetSchedulerParametersArgs) (*protocol.DomainGetSchedulerParametersRet, error) {
	params, err := d.schedParams(args.Dom, args.Nparams)
	if err != nil {
		return nil, err
	}
	return &protocol.DomainGetSchedulerParametersRet{Params: params}, nil
}

// DomainGetSchedulerParametersFlags reports the "weight" parameter.
func (d *driver) DomainGetSchedulerParametersFlags(ctx context.Context, args *protocol.DomainGetSchedulerParametersFlagsArgs) (*protocol.DomainGetSchedulerParametersFlagsRet, error) {
	params, err := d.schedParams(args.Dom, args.Nparams)
	if err != nil {
		return nil, err
	}
	return &protocol.DomainGetSchedulerParametersFlagsRet{Params: params}, nil
}

func (d *driver) schedParams(ref libvirt.Domain, n int32) ([]libvirt.TypedParam, error) {
	var params []libvirt.TypedParam
	err := d.withDomain(ref, func(dom *domain) error {
		if n > 0 {
			params = append(params, libvirt.TypedParam{Field: "weight", Value: libvirt.NewTypedParamValueUint(dom.weight)})
		}
		return nil
	})
	return params, err
}

// DomainSetSchedulerParameters sets the "weight" parameter.
func (d *driver) DomainSetSchedulerParameters(ctx context.Context, args *protocol.DomainSetSchedulerParametersArgs) error {
	return d.setSchedParams(args.Dom, args.Params)
}

// DomainSetSchedulerParametersFlags sets the "weight" parameter.
func (d *driver) DomainSetSchedulerParametersFlags(ctx context.Context, args *protocol.DomainSetSchedulerParametersFlagsArgs) error {
	return d.setSchedParams(args.Dom, args.Params)
}

func (d *driver) setSchedParams(ref libvirt.Domain, params []libvirt.TypedParam) error {
	return d.withDomain(ref, func(dom *domain) error {
		w := dom.weight
		for _, p := range params {
			if p.Field != "weight" {
				return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromNone, prefixInvArg, "parameter '%s' not supported", p.Field)
			}
			v, ok := p.Value.AsUint()
			if !ok {
				return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromNone, prefixInvArg, "invalid type for parameter '%s', expected 'uint'", p.Field)
			}
			w = v
		}
		dom.weight = w
		return nil
	})
}

// DomainSetMetadata sets or (nil metadata) removes a title, description
// or namespaced element, and sends a metadata-change event.
func (d *driver) DomainSetMetadata(ctx context.Context, args *protocol.DomainSetMetadataArgs) error {
	key, err := metadataKey(int32(args.Type), args.URI, "virDomainSetMetadata")
	if err != nil {
		return err
	}
	if key.typ == int32(libvirt.DomainMetadataElement) && args.Metadata != nil && (args.Key == nil || *args.Key == "") {
		return lvError(libvirt.ErrInvalidArg, libvirt.FromDomain, prefixInvArg, "key in virDomainSetMetadata must not be NULL")
	}
	return d.withDomain(args.Dom, func(dom *domain) error {
		flags, err := dom.modificationImpact(uint32(args.Flags))
		if err != nil {
			return err
		}
		key, val, err := newMetaVal(key, args.Metadata, args.Key, libvirt.FromDomain)
		if err != nil {
			return err
		}
		for _, m := range dom.metadataFor(flags) {
			if args.Metadata == nil || *args.Metadata == "" {
				delete(m, key)
			} else {
				m[key] = val
			}
		}
		msg := libvirt.DomainEventCallbackMetadataChangeMsg{Dom: dom.ref(), Type: libvirt.DomainMetadataType(key.typ)}
		if args.URI != nil {
			uri := *args.URI
			msg.Nsuri = &uri
		}
		d.emit(ctx, famDomain, int32(libvirt.DomainEventIDMetadataChange), dom.uuid, libvirt.ProcDomainEventCallbackMetadataChange,
			func(cb int32) encodable { m := msg; m.CallbackID = cb; return &m })
		return nil
	})
}

// DomainGetMetadata returns a title, description or namespaced element.
func (d *driver) DomainGetMetadata(ctx context.Context, args *protocol.DomainGetMetadataArgs) (*protocol.DomainGetMetadataRet, error) {
	key, err := metadataKey(int32(args.Type), args.URI, "virDomainGetMetadata")
	if err != nil {
		return nil, err
	}
	var ret protocol.DomainGetMetadataRet
	err = d.withDomain(args.Dom, func(dom *domain) error {
		flags, err := dom.modificationImpact(uint32(args.Flags))
		if err != nil {
			return err
		}
		v, ok := dom.metadataFor(flags)[0][key]
		if !ok {
			return lvError(libvirt.ErrNoDomainMetadata, libvirt.FromDomain, "metadata not found: ", "Requested metadata element is not present")
		}
		ret.Metadata = v.get()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// metadataKey checks a metadata type and URI the way libvirt does.
func metadataKey(typ int32, uri *string, fn string) (metaKey, error) {
	switch libvirt.DomainMetadataType(typ) {
	case libvirt.DomainMetadataDescription, libvirt.DomainMetadataTitle:
		return metaKey{typ: typ}, nil
	case libvirt.DomainMetadataElement:
		if uri == nil || *uri == "" {
			return metaKey{}, &libvirt.Error{Code: libvirt.ErrInvalidArg, Domain: libvirt.FromDomain, Level: libvirt.ErrError,
				Message: "uri in " + fn + " must not be NULL", Str1: fn, Str2: "uri"}
		}
		return metaKey{typ: typ, uri: *uri}, nil
	}
	return metaKey{}, lvErrorf(libvirt.ErrInvalidArg, libvirt.FromDomain, prefixInvArg, "unknown metadata type '%d'", typ)
}

// metadataFor returns the metadata maps that flags (resolved by
// modificationImpact) address: the running domain's and, apart from it
// once they differ, the persistent definition's (cfgMeta).
func (dom *domain) metadataFor(flags uint32) []metaSet {
	var out []metaSet
	if !dom.active() {
		return []metaSet{dom.metadata}
	}
	if flags&uint32(libvirt.DomainAffectLive) != 0 {
		if dom.cfgMeta == nil && dom.persistent {
			dom.cfgMeta = dom.metadata.reparsed()
		}
		out = append(out, dom.metadata)
	}
	if flags&uint32(libvirt.DomainAffectConfig) != 0 {
		if dom.cfgMeta == nil {
			dom.cfgMeta = dom.metadata.reparsed()
		}
		out = append(out, dom.cfgMeta)
	}
	return out
}

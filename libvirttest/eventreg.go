package libvirttest

import (
	"context"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/internal/xdr"
	"github.com/virtwire/libvirt/protocol"
)

// family is a kind of object events are about; each has its own
// registration procedures.
type family int

const (
	famDomain family = iota + 1
	famNetwork
	famPool
	famSecret
	famNodeDev
)

// String names the family as libvirt does in its messages.
func (f family) String() string {
	switch f {
	case famDomain:
		return "domain"
	case famNetwork:
		return "network"
	case famPool:
		return "storage pool"
	case famSecret:
		return "secret"
	case famNodeDev:
		return "node device"
	}
	return "unknown"
}

// Highest event IDs of each family this server knows (libvirt 9.x).
var maxEventID = map[family]int32{
	famDomain:  int32(libvirt.DomainEventIDMemoryDeviceSizeChange),
	famNetwork: int32(libvirt.NetworkEventIDMetadataChange),
	famPool:    int32(libvirt.StoragePoolEventIDRefresh),
	famSecret:  int32(libvirt.SecretEventIDValueChanged),
	famNodeDev: int32(libvirt.NodeDeviceEventIDUpdate),
}

// eventReg is one callback a client registered.
type eventReg struct {
	conn   *conn
	fam    family
	id     int32
	filter *libvirt.UUID // nil: every object of the family
	cb     int32
}

// eventRegistry holds every connection's registrations. The driver's
// mutex guards it.
type eventRegistry struct {
	next   int32
	regs   map[int32]*eventReg
	legacy map[*conn]bool // legacy domain lifecycle registrations
	// legacyIDs are the other event IDs registered the legacy way (no
	// callback ID); their events go out by the legacy procedures
	// (emitLegacy).
	legacyIDs map[*conn]map[int32]bool
}

func (r *eventRegistry) init() {
	r.regs = map[int32]*eventReg{}
	r.legacy = map[*conn]bool{}
	r.legacyIDs = map[*conn]map[int32]bool{}
}

func (r *eventRegistry) dropConn(c *conn) {
	for cb, reg := range r.regs {
		if reg.conn == c {
			delete(r.regs, cb)
		}
	}
	delete(r.legacy, c)
	delete(r.legacyIDs, c)
}

// add registers a callback, refusing a second registration of the same
// event and filter on one connection as libvirtd does.
func (r *eventRegistry) add(c *conn, fam family, id int32, filter *libvirt.UUID) (int32, error) {
	if id < 0 || id > maxEventID[fam] {
		return 0, lvErrorf(libvirt.ErrInvalidArg, libvirt.FromRPC, prefixInvArg, "unsupported event ID %d", id)
	}
	for _, reg := range r.regs {
		if reg.conn != c || reg.fam != fam || reg.id != id {
			continue
		}
		if (reg.filter == nil) == (filter == nil) && (filter == nil || *reg.filter == *filter) {
			return 0, lvError(libvirt.ErrInvalidArg, libvirt.FromNone, prefixInvArg, "event callback already tracked")
		}
	}
	var f *libvirt.UUID
	if filter != nil {
		u := *filter
		f = &u
	}
	cb := r.next
	r.next++
	r.regs[cb] = &eventReg{conn: c, fam: fam, id: id, filter: f, cb: cb}
	return cb, nil
}

func (r *eventRegistry) remove(c *conn, fam family, cb int32) error {
	reg := r.regs[cb]
	if reg == nil || reg.conn != c || reg.fam != fam {
		return lvErrorf(libvirt.ErrInternalError, libvirt.FromRPC, prefixInternal, "%s event callback %d not registered", fam, cb)
	}
	delete(r.regs, cb)
	return nil
}

// NumEventCallbacks returns how many event callbacks clients have
// registered (all families, legacy domain registrations included). Tests
// use it to wait until a subscriber is in place.
func (s *Server) NumEventCallbacks() int {
	s.drv.mu.Lock()
	defer s.drv.mu.Unlock()
	return len(s.drv.events.regs) + len(s.drv.events.legacy)
}

type encodable interface{ EncodeXDR(*xdr.Encoder) }

// emit queues an event for every matching registration; d.mu is held.
// build makes the message for a callback ID. Events reach each client
// after the reply to the call that caused them.
func (d *driver) emit(ctx context.Context, fam family, id int32, obj libvirt.UUID, proc libvirt.Procedure, build func(cb int32) encodable) {
	var ready <-chan struct{}
	if ci := callFrom(ctx); ci != nil {
		ready = ci.ready
	}
	for _, reg := range d.events.regs {
		if reg.fam != fam || reg.id != id || (reg.filter != nil && *reg.filter != obj) {
			continue
		}
		reg.conn.queueEvent(eventFrame(libvirt.Program, libvirt.ProtocolVersion, int32(proc), build(reg.cb)), ready)
	}
}

// emitLifecycle sends a domain lifecycle event, to callback and legacy
// registrations.
func (d *driver) emitLifecycle(ctx context.Context, dom *domain, ev libvirt.DomainEventType, detail int32) {
	msg := libvirt.DomainEventLifecycleMsg{Dom: dom.ref(), Event: ev, Detail: detail}
	d.emit(ctx, famDomain, int32(libvirt.DomainEventIDLifecycle), dom.uuid, libvirt.ProcDomainEventCallbackLifecycle,
		func(cb int32) encodable { return &libvirt.DomainEventCallbackLifecycleMsg{CallbackID: cb, Msg: msg} })
	if len(d.events.legacy) == 0 {
		return
	}
	var ready <-chan struct{}
	if ci := callFrom(ctx); ci != nil {
		ready = ci.ready
	}
	frame := eventFrame(libvirt.Program, libvirt.ProtocolVersion, int32(libvirt.ProcDomainEventLifecycle), &msg)
	for c := range d.events.legacy {
		c.queueEvent(frame, ready)
	}
}

// emitLegacy sends a domain event by its legacy procedure (one without
// a callback ID) to the connections that registered event id the legacy
// way; d.mu is held.
func (d *driver) emitLegacy(ctx context.Context, id int32, proc libvirt.Procedure, msg encodable) {
	var ready <-chan struct{}
	if ci := callFrom(ctx); ci != nil {
		ready = ci.ready
	}
	var frame []byte
	for c, ids := range d.events.legacyIDs {
		if !ids[id] {
			continue
		}
		if frame == nil {
			frame = eventFrame(libvirt.Program, libvirt.ProtocolVersion, int32(proc), msg)
		}
		c.queueEvent(frame, ready)
	}
}

// ConnectDomainEventCallbackRegisterAny registers a domain event
// callback, optionally for one domain.
func (d *driver) ConnectDomainEventCallbackRegisterAny(ctx context.Context, args *protocol.ConnectDomainEventCallbackRegisterAnyArgs) (*protocol.ConnectDomainEventCallbackRegisterAnyRet, error) {
	var filter *libvirt.UUID
	if args.Dom != nil {
		filter = &args.Dom.UUID
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	cb, err := d.events.add(connOf(ctx), famDomain, int32(args.EventID), filter)
	if err != nil {
		return nil, err
	}
	return &protocol.ConnectDomainEventCallbackRegisterAnyRet{CallbackID: cb}, nil
}

// ConnectDomainEventCallbackDeregisterAny removes a domain event callback.
func (d *driver) ConnectDomainEventCallbackDeregisterAny(ctx context.Context, args *protocol.ConnectDomainEventCallbackDeregisterAnyArgs) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.events.remove(connOf(ctx), famDomain, args.CallbackID)
}

// libvirtd keeps a connection's legacy and callback registrations in one
// list: a legacy registration is refused when the connection already has
// one for the same event on every domain, and a legacy deregistration
// removes the first registration of that event, of either kind.

// maxLegacyEventID is the last domain event that can be registered
// without a callback ID: libvirtd serves newer ones only to callback
// registrations.
const maxLegacyEventID = int32(libvirt.DomainEventIDDeviceRemoved)

// legacyID checks an event ID of a legacy registration or
// deregistration as libvirtd does.
func legacyID(id int32) error {
	if id < 0 || id > maxLegacyEventID {
		return lvErrorf(libvirt.ErrInternalError, libvirt.FromRPC, prefixInternal, "unsupported event ID %d", id)
	}
	return nil
}

// legacyAdd registers event id the legacy way on c; d.mu is held.
func (d *driver) legacyAdd(c *conn, id int32) error {
	if err := legacyID(id); err != nil {
		return err
	}
	tracked := d.events.legacyIDs[c][id] || (id == int32(libvirt.DomainEventIDLifecycle) && d.events.legacy[c])
	for _, reg := range d.events.regs {
		tracked = tracked || (reg.conn == c && reg.fam == famDomain && reg.id == id && reg.filter == nil)
	}
	if tracked {
		return lvError(libvirt.ErrInvalidArg, libvirt.FromNone, prefixInvArg, "event callback already tracked")
	}
	if id == int32(libvirt.DomainEventIDLifecycle) {
		d.events.legacy[c] = true
		return nil
	}
	if d.events.legacyIDs[c] == nil {
		d.events.legacyIDs[c] = map[int32]bool{}
	}
	d.events.legacyIDs[c][id] = true
	return nil
}

// legacyRemove removes c's first registration of event id; d.mu is held.
func (d *driver) legacyRemove(c *conn, id int32) error {
	if err := legacyID(id); err != nil {
		return err
	}
	first := int32(-1)
	for cb, reg := range d.events.regs {
		if reg.conn == c && reg.fam == famDomain && reg.id == id && (first < 0 || cb < first) {
			first = cb
		}
	}
	switch {
	case first >= 0:
		delete(d.events.regs, first)
	case id == int32(libvirt.DomainEventIDLifecycle) && d.events.legacy[c]:
		delete(d.events.legacy, c)
	case d.events.legacyIDs[c][id]:
		delete(d.events.legacyIDs[c], id)
	default:
		return lvErrorf(libvirt.ErrInternalError, libvirt.FromRPC, prefixInternal, "domain event %d not registered", id)
	}
	return nil
}

// ConnectDomainEventRegister is the oldest registration: lifecycle events
// without callback IDs.
func (d *driver) ConnectDomainEventRegister(ctx context.Context) (*protocol.ConnectDomainEventRegisterRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.legacyAdd(connOf(ctx), int32(libvirt.DomainEventIDLifecycle)); err != nil {
		return nil, err
	}
	// libvirtd leaves cb_registered 0.
	return &protocol.ConnectDomainEventRegisterRet{}, nil
}

// ConnectDomainEventDeregister cancels ConnectDomainEventRegister.
func (d *driver) ConnectDomainEventDeregister(ctx context.Context) (*protocol.ConnectDomainEventDeregisterRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.legacyRemove(connOf(ctx), int32(libvirt.DomainEventIDLifecycle)); err != nil {
		return nil, err
	}
	return &protocol.ConnectDomainEventDeregisterRet{CbRegistered: 0}, nil
}

// ConnectDomainEventRegisterAny is the legacy registration without
// callback IDs, one per event ID and connection, for the events older
// than callback IDs; they are sent by the legacy procedures.
func (d *driver) ConnectDomainEventRegisterAny(ctx context.Context, args *protocol.ConnectDomainEventRegisterAnyArgs) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.legacyAdd(connOf(ctx), args.EventID)
}

// ConnectDomainEventDeregisterAny cancels ConnectDomainEventRegisterAny.
func (d *driver) ConnectDomainEventDeregisterAny(ctx context.Context, args *protocol.ConnectDomainEventDeregisterAnyArgs) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.legacyRemove(connOf(ctx), args.EventID)
}

// ConnectNodeDeviceEventRegisterAny registers a node device event
// callback (the fake's node devices never change, so none fire).
func (d *driver) ConnectNodeDeviceEventRegisterAny(ctx context.Context, args *protocol.ConnectNodeDeviceEventRegisterAnyArgs) (*protocol.ConnectNodeDeviceEventRegisterAnyRet, error) {
	var filter *libvirt.UUID
	if args.Dev != nil {
		// Node devices have no UUID: filter by name, kept in a UUID's bytes.
		var u libvirt.UUID
		copy(u[:], args.Dev.Name)
		filter = &u
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	cb, err := d.events.add(connOf(ctx), famNodeDev, int32(args.EventID), filter)
	if err != nil {
		return nil, err
	}
	return &protocol.ConnectNodeDeviceEventRegisterAnyRet{CallbackID: cb}, nil
}

// ConnectNodeDeviceEventDeregisterAny removes a node device event
// callback.
func (d *driver) ConnectNodeDeviceEventDeregisterAny(ctx context.Context, args *protocol.ConnectNodeDeviceEventDeregisterAnyArgs) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.events.remove(connOf(ctx), famNodeDev, args.CallbackID)
}

// ConnectNetworkEventRegisterAny registers a network event callback.
func (d *driver) ConnectNetworkEventRegisterAny(ctx context.Context, args *protocol.ConnectNetworkEventRegisterAnyArgs) (*protocol.ConnectNetworkEventRegisterAnyRet, error) {
	var filter *libvirt.UUID
	if args.Net != nil {
		filter = &args.Net.UUID
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	cb, err := d.events.add(connOf(ctx), famNetwork, int32(args.EventID), filter)
	if err != nil {
		return nil, err
	}
	return &protocol.ConnectNetworkEventRegisterAnyRet{CallbackID: cb}, nil
}

// ConnectNetworkEventDeregisterAny removes a network event callback.
func (d *driver) ConnectNetworkEventDeregisterAny(ctx context.Context, args *protocol.ConnectNetworkEventDeregisterAnyArgs) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.events.remove(connOf(ctx), famNetwork, args.CallbackID)
}

// ConnectStoragePoolEventRegisterAny registers a storage pool event
// callback.
func (d *driver) ConnectStoragePoolEventRegisterAny(ctx context.Context, args *protocol.ConnectStoragePoolEventRegisterAnyArgs) (*protocol.ConnectStoragePoolEventRegisterAnyRet, error) {
	var filter *libvirt.UUID
	if args.Pool != nil {
		filter = &args.Pool.UUID
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	cb, err := d.events.add(connOf(ctx), famPool, int32(args.EventID), filter)
	if err != nil {
		return nil, err
	}
	return &protocol.ConnectStoragePoolEventRegisterAnyRet{CallbackID: cb}, nil
}

// ConnectStoragePoolEventDeregisterAny removes a storage pool event
// callback.
func (d *driver) ConnectStoragePoolEventDeregisterAny(ctx context.Context, args *protocol.ConnectStoragePoolEventDeregisterAnyArgs) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.events.remove(connOf(ctx), famPool, args.CallbackID)
}

// ConnectSecretEventRegisterAny registers a secret event callback.
func (d *driver) ConnectSecretEventRegisterAny(ctx context.Context, args *protocol.ConnectSecretEventRegisterAnyArgs) (*protocol.ConnectSecretEventRegisterAnyRet, error) {
	var filter *libvirt.UUID
	if args.Secret != nil {
		filter = &args.Secret.UUID
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	cb, err := d.events.add(connOf(ctx), famSecret, int32(args.EventID), filter)
	if err != nil {
		return nil, err
	}
	return &protocol.ConnectSecretEventRegisterAnyRet{CallbackID: cb}, nil
}

// ConnectSecretEventDeregisterAny removes a secret event callback.
func (d *driver) ConnectSecretEventDeregisterAny(ctx context.Context, args *protocol.ConnectSecretEventDeregisterAnyArgs) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.events.remove(connOf(ctx), famSecret, args.CallbackID)
}

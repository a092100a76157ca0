package libvirt

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/virtwire/libvirt/internal/event"
	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
)

// Event is a message the daemon sends on its own. The concrete types are
// the generated *Msg types of event procedures; which one a subscription
// delivers follows from what it subscribed to (for example
// DomainEventIDLifecycle delivers *DomainEventCallbackLifecycleMsg). Use a
// type switch.
type Event interface {
	isEvent()
}

// eventFamily groups event procedures that share a registration procedure
// and a space of callback IDs on the daemon.
type eventFamily uint8

const (
	familyDomain eventFamily = iota + 1
	familyNetwork
	familyStoragePool
	familyNodeDevice
	familySecret
	familyQEMUMonitor
	familyConnectionClosed
)

// eventKey identifies an event message on the wire.
type eventKey struct {
	prog uint32
	proc int32
}

// eventInfo is what the generated eventTable knows about an event message.
type eventInfo struct {
	family eventFamily
	id     int32 // the family's event ID, or -1
	decode func(d *xdr.Decoder) (ev Event, callbackID int32)
}

// Orphans are events for callback IDs not (yet) known: the daemon may
// send an event for a new registration before the caller that registered
// it has recorded the callback ID. At most orphanLimit of them, and at
// most orphanBytes bytes of them, are kept; the oldest make way, and an
// event larger than orphanBytes is not kept at all. Discarded orphans are
// counted (Client.DroppedEvents).
const (
	orphanLimit = 64
	orphanBytes = 4 << 20
)

// eventOverhead is added to an event's wire size to account for the
// decoded value's own memory.
const eventOverhead = 64

type routeKey struct {
	family     eventFamily
	callbackID int32
}

type orphan struct {
	key  routeKey
	ev   Event
	size int64
}

// router delivers decoded events to subscriptions. handle runs on
// whichever goroutine is reading the connection (one at a time: a caller
// reading its own reply, or the background reader) and never blocks.
type router struct {
	mu       sync.Mutex
	dec      xdr.Decoder // the reading goroutine's only
	subs     map[routeKey][]*Subscription
	legacy   map[*Subscription]bool // domain subscriptions, for events without callback ID
	closers  map[*Subscription]bool // connection-closed subscriptions
	orphans  []orphan
	orphanN  int64 // bytes of orphans
	closed   bool
	unrouted atomic.Uint64 // unknown or undecodable event messages
	lost     atomic.Uint64 // orphans discarded (see orphanLimit)

	// Observability (trace_event.go, logging.go), set before the first
	// message; tracer and log nil when off.
	client *Client
	tracer EventTracer
	log    *slog.Logger
}

func newRouter() *router {
	return &router{subs: map[routeKey][]*Subscription{}, legacy: map[*Subscription]bool{}, closers: map[*Subscription]bool{}}
}

// handle decodes one event message and queues it for its subscriber(s).
func (r *router) handle(h *wire.MessageHeader, body []byte) {
	if r.tracer != nil {
		r.handleTraced(h, body)
		return
	}
	r.route(h, body)
}

// route decodes and queues one event message. It returns the event, its
// callback ID, how many subscriptions it was queued for, how many older
// events they dropped for it, and whether it was unrouted.
func (r *router) route(h *wire.MessageHeader, body []byte) (ev Event, cb int32, delivered, dropped int, ok bool) {
	info, ok := eventTable[eventKey{h.Prog, h.Proc}]
	if !ok {
		r.unrouted.Add(1)
		return nil, -1, 0, 0, false
	}
	r.dec.Reset(body)
	ev, cb = info.decode(&r.dec)
	bad := r.dec.Finish() != nil
	r.dec.Reset(nil) // body is the reader's buffer: do not keep it alive
	if bad {
		r.unrouted.Add(1)
		return nil, -1, 0, 0, false
	}
	size := int64(len(body)) + eventOverhead
	r.mu.Lock()
	defer r.mu.Unlock()
	push := func(s *Subscription) {
		before := s.q.Dropped()
		if s.q.Push(ev, size) {
			delivered++
		}
		if after := s.q.Dropped(); after != before {
			dropped += int(after - before)
			r.logDropped(s, before, after)
		}
	}
	switch {
	case info.family == familyConnectionClosed:
		for s := range r.closers {
			push(s)
		}
	case cb < 0:
		// Legacy domain events (registered without callback IDs) go to
		// every domain subscription for that event ID.
		for s := range r.legacy {
			if s.id == info.id {
				push(s)
			}
		}
	default:
		k := routeKey{info.family, cb}
		if subs, ok := r.subs[k]; ok {
			for _, s := range subs {
				push(s)
			}
			return ev, cb, delivered, dropped, true
		}
		r.keepOrphan(orphan{k, ev, size})
	}
	return ev, cb, delivered, dropped, true
}

// keepOrphan keeps o until its subscription shows up, within the orphan
// limits; r.mu is held.
func (r *router) keepOrphan(o orphan) {
	if o.size > orphanBytes {
		r.lost.Add(1)
		return
	}
	drop := 0
	for n := r.orphanN; len(r.orphans)-drop >= orphanLimit || n+o.size > orphanBytes; drop++ {
		n -= r.orphans[drop].size
	}
	if drop > 0 {
		for _, d := range r.orphans[:drop] {
			r.orphanN -= d.size
		}
		r.lost.Add(uint64(drop))
		// Copy down rather than reslice, so that the dropped events are
		// not kept alive by the backing array.
		n := copy(r.orphans, r.orphans[drop:])
		clear(r.orphans[n:])
		r.orphans = r.orphans[:n]
	}
	r.orphans = append(r.orphans, o)
	r.orphanN += o.size
}

// add registers s and hands it any orphaned events for its callback ID.
func (r *router) add(s *Subscription) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	switch s.family {
	case familyConnectionClosed:
		r.closers[s] = true
		return true
	case familyDomain:
		r.legacy[s] = true
	}
	k := routeKey{s.family, s.callbackID}
	r.subs[k] = append(r.subs[k], s)
	kept := r.orphans[:0]
	for _, o := range r.orphans {
		if o.key == k {
			s.q.Push(o.ev, o.size)
			r.orphanN -= o.size
		} else {
			kept = append(kept, o)
		}
	}
	clear(r.orphans[len(kept):])
	r.orphans = kept
	return true
}

// remove unregisters s and closes its channel.
func (r *router) remove(s *Subscription) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s.family == familyConnectionClosed {
		delete(r.closers, s)
	} else {
		k := routeKey{s.family, s.callbackID}
		r.subs[k] = slices.DeleteFunc(r.subs[k], func(o *Subscription) bool { return o == s })
		if len(r.subs[k]) == 0 {
			delete(r.subs, k)
		}
	}
	delete(r.legacy, s)
	s.q.Close()
}

// closeAll closes every subscription: the connection has ended.
func (r *router) closeAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	for _, subs := range r.subs {
		for _, s := range subs {
			s.q.Close()
		}
	}
	for s := range r.closers {
		s.q.Close()
	}
}

// Subscription is a stream of events from the daemon. Receive from Events
// until it is closed: by Close, by cancelling the context given when
// subscribing, or when the connection ends.
type Subscription struct {
	c          *Client
	family     eventFamily
	id         int32
	callbackID int32
	q          *event.Queue[Event]
	stop       func() bool
	once       sync.Once
	deregister func(ctx context.Context) error
	err        error
}

// Events returns the channel events arrive on. It holds at most the
// number of events given with WithEventBuffer (256 by default) and at
// most the bytes given with WithEventBufferBytes (32 MiB by default, or
// one event if a single one is larger); when the subscriber falls behind,
// the oldest queued events are dropped (see Dropped), so a slow subscriber
// never delays replies, other subscriptions or Close, and never makes the
// client hold more memory than that.
func (s *Subscription) Events() <-chan Event { return s.q.C() }

// Dropped returns how many events were discarded because the subscriber
// did not keep up.
func (s *Subscription) Dropped() uint64 { return s.q.Dropped() }

// CallbackID is the daemon's identifier for this registration.
func (s *Subscription) CallbackID() int32 { return s.callbackID }

// Close stops the subscription: it closes the channel and deregisters the
// callback on the daemon (waiting at most a second for the daemon). It is
// safe to call more than once and returns the deregistration's error.
func (s *Subscription) Close() error {
	s.once.Do(func() {
		s.stop()
		s.c.events.remove(s)
		select {
		case <-s.c.conn.Done():
			return // nothing to deregister on a closed connection
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		s.err = s.deregister(ctx)
	})
	return s.err
}

// SubscribeOption configures a subscription.
type SubscribeOption func(*subConfig)

type subConfig struct {
	buffer int
	bytes  int64
}

// WithEventBuffer sets how many events a subscription queues for a slow
// reader before dropping the oldest (256 by default).
func WithEventBuffer(n int) SubscribeOption { return func(c *subConfig) { c.buffer = n } }

// WithEventBufferBytes sets how many bytes of events (counted as their
// size on the wire) a subscription queues for a slow reader before
// dropping the oldest (DefaultEventBufferBytes by default). An event
// larger than n is still delivered when the queue is otherwise empty.
func WithEventBufferBytes(n int64) SubscribeOption { return func(c *subConfig) { c.bytes = n } }

// DefaultEventBufferBytes is the default byte bound of a subscription's
// queue (see WithEventBufferBytes).
const DefaultEventBufferBytes = event.DefaultMaxBytes

// DroppedEvents returns how many events the client discarded before any
// subscription saw them: events for a callback ID that no subscription
// claimed while they were kept (at most 64 events and 4 MiB are kept for
// a registration still being recorded). Events dropped by a slow
// subscriber are counted by its Dropped instead.
func (c *Client) DroppedEvents() uint64 { return c.events.lost.Load() }

// registration is one callback registered on the daemon, shared by the
// subscriptions with the same family, event ID and filter: libvirtd
// refuses to register the same event and filter twice on a connection
// ("event callback already tracked"), so, like libvirt's own client,
// subscriptions share it and events are fanned out locally.
type registration struct {
	callbackID int32
	refs       int
}

type regKey struct {
	family eventFamily
	id     int32
	filter string
}

// subscribe registers with the daemon (or joins an existing registration
// when share is true) and starts routing.
func (c *Client) subscribe(ctx context.Context, key regKey, share bool, opts []SubscribeOption,
	register func(ctx context.Context) (int32, error), deregister func(ctx context.Context, cb int32) error) (*Subscription, error) {
	cfg := subConfig{buffer: event.DefaultCapacity, bytes: event.DefaultMaxBytes}
	for _, o := range opts {
		o(&cfg)
	}
	c.regMu.Lock()
	defer c.regMu.Unlock()
	reg := c.regs[key]
	if reg == nil || !share {
		cb, err := register(ctx)
		if err != nil {
			return nil, err
		}
		reg = &registration{callbackID: cb}
		if share {
			c.regs[key] = reg
		}
	}
	reg.refs++
	s := &Subscription{c: c, family: key.family, id: key.id, callbackID: reg.callbackID, q: event.NewQueue[Event](cfg.buffer, cfg.bytes)}
	s.deregister = func(ctx context.Context) error {
		c.regMu.Lock()
		defer c.regMu.Unlock()
		if reg.refs--; reg.refs > 0 {
			return nil
		}
		if share {
			delete(c.regs, key)
		}
		return deregister(ctx, reg.callbackID)
	}
	if !c.events.add(s) {
		reg.refs--
		return nil, ErrClosed
	}
	s.stop = context.AfterFunc(ctx, func() { s.Close() })
	return s, nil
}

// filterKey names a filter object for sharing registrations.
func filterKey(name *string, uuid *UUID) string {
	if uuid == nil {
		return ""
	}
	return string(uuid[:]) + *name
}

// SubscribeDomainEvents subscribes to the domain event id, for one domain
// or (dom nil) all of them; the daemon does the filtering. It calls
// virConnectDomainEventRegisterAny. Subscriptions with the same event ID
// and filter share one registration on the daemon (which refuses
// duplicates) and each receive every event.
//
// See https://libvirt.org/html/libvirt-libvirt-domain.html#virConnectDomainEventRegisterAny
func (c *Client) SubscribeDomainEvents(ctx context.Context, id DomainEventID, dom *Domain, opts ...SubscribeOption) (*Subscription, error) {
	var f string
	if dom != nil {
		f = filterKey(&dom.Name, &dom.UUID)
	}
	return c.subscribe(ctx, regKey{familyDomain, int32(id), f}, true, opts,
		func(ctx context.Context) (int32, error) { return c.ConnectDomainEventCallbackRegisterAny(ctx, id, dom) },
		c.ConnectDomainEventCallbackDeregisterAny)
}

// SubscribeNetworkEvents subscribes to the network event id, for one
// network or (net nil) all of them.
//
// See https://libvirt.org/html/libvirt-libvirt-network.html#virConnectNetworkEventRegisterAny
func (c *Client) SubscribeNetworkEvents(ctx context.Context, id NetworkEventID, net *Network, opts ...SubscribeOption) (*Subscription, error) {
	var f string
	if net != nil {
		f = filterKey(&net.Name, &net.UUID)
	}
	return c.subscribe(ctx, regKey{familyNetwork, int32(id), f}, true, opts,
		func(ctx context.Context) (int32, error) { return c.ConnectNetworkEventRegisterAny(ctx, id, net) },
		c.ConnectNetworkEventDeregisterAny)
}

// SubscribeStoragePoolEvents subscribes to the storage pool event id, for
// one pool or (pool nil) all of them.
//
// See https://libvirt.org/html/libvirt-libvirt-storage.html#virConnectStoragePoolEventRegisterAny
func (c *Client) SubscribeStoragePoolEvents(ctx context.Context, id StoragePoolEventID, pool *StoragePool, opts ...SubscribeOption) (*Subscription, error) {
	var f string
	if pool != nil {
		f = filterKey(&pool.Name, &pool.UUID)
	}
	return c.subscribe(ctx, regKey{familyStoragePool, int32(id), f}, true, opts,
		func(ctx context.Context) (int32, error) { return c.ConnectStoragePoolEventRegisterAny(ctx, id, pool) },
		c.ConnectStoragePoolEventDeregisterAny)
}

// SubscribeNodeDeviceEvents subscribes to the node device event id, for
// one device or (dev nil) all of them.
//
// See https://libvirt.org/html/libvirt-libvirt-nodedev.html#virConnectNodeDeviceEventRegisterAny
func (c *Client) SubscribeNodeDeviceEvents(ctx context.Context, id NodeDeviceEventID, dev *NodeDevice, opts ...SubscribeOption) (*Subscription, error) {
	var f string
	if dev != nil {
		f = "\x00" + dev.Name
	}
	return c.subscribe(ctx, regKey{familyNodeDevice, int32(id), f}, true, opts,
		func(ctx context.Context) (int32, error) { return c.ConnectNodeDeviceEventRegisterAny(ctx, id, dev) },
		c.ConnectNodeDeviceEventDeregisterAny)
}

// SubscribeSecretEvents subscribes to the secret event id, for one secret
// or (secret nil) all of them.
//
// See https://libvirt.org/html/libvirt-libvirt-secret.html#virConnectSecretEventRegisterAny
func (c *Client) SubscribeSecretEvents(ctx context.Context, id SecretEventID, secret *Secret, opts ...SubscribeOption) (*Subscription, error) {
	var f string
	if secret != nil {
		f = filterKey(&secret.UsageID, &secret.UUID)
	}
	return c.subscribe(ctx, regKey{familySecret, int32(id), f}, true, opts,
		func(ctx context.Context) (int32, error) { return c.ConnectSecretEventRegisterAny(ctx, id, secret) },
		c.ConnectSecretEventDeregisterAny)
}

// SubscribeQEMUMonitorEvents subscribes to QEMU monitor (QMP) events of one
// domain or (dom nil) all of them, delivered as
// *QEMUDomainMonitorEventMsg. name filters by event name ("" for all);
// flags make it a regular expression or case-insensitive.
//
// See https://libvirt.org/html/libvirt-libvirt-qemu.html#virConnectDomainQemuMonitorEventRegister
func (c *Client) SubscribeQEMUMonitorEvents(ctx context.Context, dom *Domain, name string, flags ConnectDomainQEMUMonitorEventRegisterFlags, opts ...SubscribeOption) (*Subscription, error) {
	var np *string
	if name != "" {
		np = &name
	}
	// The daemon filters QEMU monitor events itself and accepts
	// duplicate registrations, so each subscription registers its own.
	return c.subscribe(ctx, regKey{familyQEMUMonitor, -1, ""}, false, opts,
		func(ctx context.Context) (int32, error) {
			return c.QEMUConnectDomainMonitorEventRegister(ctx, dom, np, flags)
		},
		c.QEMUConnectDomainMonitorEventDeregister)
}

// SubscribeConnectionClosed delivers *ConnectEventConnectionClosedMsg when
// the daemon closes the connection on its side (its Reason says why).
//
// See https://libvirt.org/html/libvirt-libvirt-host.html#virConnectRegisterCloseCallback
func (c *Client) SubscribeConnectionClosed(ctx context.Context, opts ...SubscribeOption) (*Subscription, error) {
	return c.subscribe(ctx, regKey{familyConnectionClosed, -1, ""}, true, opts,
		func(ctx context.Context) (int32, error) { return -1, c.ConnectRegisterCloseCallback(ctx) },
		func(ctx context.Context, _ int32) error { return c.ConnectUnregisterCloseCallback(ctx) })
}

// Time returns when QEMU emitted the event.
func (m *QEMUDomainMonitorEventMsg) Time() time.Time {
	return time.Unix(m.Seconds, int64(m.Micros)*1000)
}

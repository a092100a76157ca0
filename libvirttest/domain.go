package libvirttest

import (
	"context"
	"time"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// domain is one guest of the fake hypervisor.
type domain struct {
	def         *domainDef // the persistent definition (or a transient domain's only one)
	live        *domainDef // while running, the definition it runs with if changed since (devices.go)
	name        string
	uuid        libvirt.UUID
	id          int32 // -1 while shut off
	persistent  bool
	autostart   bool
	state       libvirt.DomainState
	reason      int32
	memKiB      uint64
	vcpus       int
	weight      uint32 // the "fair" scheduler's only parameter
	metadata    metaSet
	cfgMeta     metaSet        // while running, the persistent definition's metadata once it differs
	pins        map[int][]byte // vCPU pinning of the running domain
	managedSave bool           // a managed save image exists
	snaps       []*snapshot    // in creation order
	currentSnap string         // the current snapshot's name, or ""

	guest             guestState    // what the guest-facing calls change
	io                *ioThreads    // I/O threads, read from def on first use
	checkpoints       []*checkpoint // in creation order
	currentCheckpoint string        // the current checkpoint's name, or ""
	tunables          *tunables     // resource settings, created on first use
	liveTunables      *tunables     // those of the running domain
	liveTunablesID    int32         // the domain ID liveTunables belong to
}

func (dom *domain) ref() libvirt.Domain {
	return libvirt.Domain{Name: dom.name, UUID: dom.uuid, ID: dom.id}
}

func (dom *domain) active() bool { return dom.id >= 0 }

// The test driver's default domain, as its dumpxml shows it.
const defaultDomainXML = `<domain type='test'>
  <name>test</name>
  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
  <memory unit='KiB'>8388608</memory>
  <currentMemory unit='KiB'>2097152</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <os>
    <type arch='i686'>hvm</type>
    <boot dev='hd'/>
  </os>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <source file='/guest/diskimage1'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </disk>
    <interface type='network'>
      <mac address='aa:bb:cc:dd:ee:ff'/>
      <source network='default'/>
      <target dev='testnet0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </interface>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </memballoon>
  </devices>
</domain>
`

// addDefaults creates the objects test:///default starts with.
func (d *driver) addDefaults() {
	def, err := parseDomain(defaultDomainXML)
	if err != nil {
		panic("libvirttest: built-in domain XML: " + err.Error())
	}
	dom := d.newDomain(def, true)
	d.start(context.Background(), dom, libvirt.DomainRunningUnknown, false)
	d.addDefaultNetwork()
	d.addDefaultPool()
}

func (d *driver) newDomain(def *domainDef, persistent bool) *domain {
	dom := &domain{id: -1, persistent: persistent, weight: 50, metadata: metaSet{}}
	dom.guest.seconds = guestClockSecs
	dom.setDef(def)
	dom.state, dom.reason = libvirt.DomainShutoff, int32(libvirt.DomainShutoffUnknown)
	d.domains = append(d.domains, dom)
	return dom
}

// setConfigMetadata gives a running domain's persistent definition the
// metadata of def.
func (dom *domain) setConfigMetadata(def *domainDef) {
	dom.cfgMeta = defMeta(def)
}

// defMeta is the metadata a definition's XML holds.
func defMeta(def *domainDef) metaSet {
	s := metaSet{}
	md := ""
	if def.doc.Metadata != nil {
		md = def.doc.Metadata.XML
	}
	s.setFromDef(def.doc.Title, def.doc.Description, md)
	return s
}

func (dom *domain) setDef(def *domainDef) {
	dom.def, dom.name, dom.uuid, dom.memKiB, dom.vcpus = def, def.name, def.uuid, def.memKiB, def.vcpus
	// The metadata is the definition's until changed through the
	// metadata calls.
	dom.metadata = defMeta(def)
}

// start boots dom with the given running reason; d.mu is held.
func (d *driver) start(ctx context.Context, dom *domain, reason libvirt.DomainRunningReason, event bool) {
	dom.id = d.nextDomID
	d.nextDomID++
	dom.state, dom.reason = libvirt.DomainRunning, int32(reason)
	if event {
		detail := libvirt.DomainEventStartedBooted
		if reason == libvirt.DomainRunningRestored {
			detail = libvirt.DomainEventStartedRestored
		}
		d.emitLifecycle(ctx, dom, libvirt.DomainEventStarted, int32(detail))
	}
}

// stop shuts dom off; a transient domain disappears. d.mu is held.
func (d *driver) stop(ctx context.Context, dom *domain, reason libvirt.DomainShutoffReason, detail libvirt.DomainEventStoppedDetailType) {
	id := dom.id
	dom.id = -1
	dom.pins = nil // pinning is part of the live state
	dom.live = nil
	// The persistent definition's memory and vCPUs take effect
	// (sizing.go).
	dom.memKiB, dom.vcpus = dom.def.memKiB, dom.def.vcpus
	if dom.cfgMeta != nil {
		dom.metadata, dom.cfgMeta = dom.cfgMeta, nil
	} else if dom.persistent {
		dom.metadata = dom.metadata.reparsed()
	}
	dom.state, dom.reason = libvirt.DomainShutoff, int32(reason)
	// libvirt builds the event from the stopped domain: its ID is -1,
	// but a transient domain keeps its ID until it is gone.
	if !dom.persistent {
		dom.id = id
	}
	d.emitLifecycle(ctx, dom, libvirt.DomainEventStopped, int32(detail))
	dom.id = -1
	if !dom.persistent {
		d.removeDomain(dom)
	}
}

func (d *driver) removeDomain(dom *domain) {
	for i, o := range d.domains {
		if o == dom {
			d.domains = append(d.domains[:i], d.domains[i+1:]...)
			return
		}
	}
}

// noDomain is the test driver's bare error for a failed lookup.
func noDomain() error {
	return &libvirt.Error{Code: libvirt.ErrNoDomain, Domain: libvirt.FromTest, Level: libvirt.ErrError,
		Message: "Domain not found", Str1: "Domain not found", Int1: -1, Int2: -1}
}

// domainOf finds the domain a handle refers to (by UUID, as libvirt
// does); d.mu is held.
func (d *driver) domainOf(ref libvirt.Domain) (*domain, error) {
	for _, dom := range d.domains {
		if dom.uuid == ref.UUID {
			return dom, nil
		}
	}
	return nil, lvErrorf(libvirt.ErrNoDomain, libvirt.FromTest, "Domain not found: ",
		"no domain with matching uuid '%s' (%s)", ref.UUID, ref.Name)
}

// withDomain runs f on the domain ref names, under the driver's lock.
func (d *driver) withDomain(ref libvirt.Domain, f func(dom *domain) error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	dom, err := d.domainOf(ref)
	if err != nil {
		return err
	}
	return f(dom)
}

func notRunning(dom *domain) error {
	return lvErrorf(libvirt.ErrInternalError, libvirt.FromTest, prefixInternal, "domain '%s' not running", dom.name)
}

func notActive() error {
	return lvError(libvirt.ErrOperationInvalid, libvirt.FromDomain, prefixInvalid, "domain is not running")
}

// DomainLookupByName finds a domain by name.
func (d *driver) DomainLookupByName(ctx context.Context, args *protocol.DomainLookupByNameArgs) (*protocol.DomainLookupByNameRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, dom := range d.domains {
		if dom.name == args.Name {
			return &protocol.DomainLookupByNameRet{Dom: dom.ref()}, nil
		}
	}
	return nil, noDomain()
}

// DomainLookupByUUID finds a domain by UUID.
func (d *driver) DomainLookupByUUID(ctx context.Context, args *protocol.DomainLookupByUUIDArgs) (*protocol.DomainLookupByUUIDRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, dom := range d.domains {
		if dom.uuid == args.UUID {
			return &protocol.DomainLookupByUUIDRet{Dom: dom.ref()}, nil
		}
	}
	return nil, noDomain()
}

// DomainLookupByID finds a running domain by ID.
func (d *driver) DomainLookupByID(ctx context.Context, args *protocol.DomainLookupByIDArgs) (*protocol.DomainLookupByIDRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, dom := range d.domains {
		if dom.active() && dom.id == args.ID {
			return &protocol.DomainLookupByIDRet{Dom: dom.ref()}, nil
		}
	}
	return nil, noDomain()
}

// define adds or replaces a persistent definition; d.mu is held.
func (d *driver) define(ctx context.Context, def *domainDef) (*domain, error) {
	for _, dom := range d.domains {
		switch {
		case dom.name == def.name && dom.uuid != def.uuid:
			// A definition without <uuid> got a new one, so it cannot
			// replace an existing domain of that name: as in libvirt.
			return nil, lvErrorf(libvirt.ErrOperationFailed, libvirt.FromDomain, prefixFailed,
				"domain '%s' already exists with uuid %s", dom.name, dom.uuid)
		case dom.uuid == def.uuid && dom.name == def.name:
			if dom.active() && dom.persistent {
				// The new definition takes effect at the next boot.
				if dom.live == nil {
					dom.live = dom.def
				}
				dom.setConfigMetadata(def)
			}
			dom.redefineTunables() // tunexml.go
			dom.def = def
			if !dom.active() {
				dom.setDef(def)
			}
			dom.persistent = true
			d.emitLifecycle(ctx, dom, libvirt.DomainEventDefined, int32(libvirt.DomainEventDefinedUpdated))
			return dom, nil
		case dom.uuid == def.uuid:
			return nil, lvErrorf(libvirt.ErrOperationFailed, libvirt.FromDomain, prefixFailed,
				"domain '%s' is already defined with uuid %s", dom.name, dom.uuid)
		}
	}
	dom := d.newDomain(def, true)
	d.emitLifecycle(ctx, dom, libvirt.DomainEventDefined, int32(libvirt.DomainEventDefinedAdded))
	return dom, nil
}

// DomainDefineXML defines (or redefines) a persistent domain.
func (d *driver) DomainDefineXML(ctx context.Context, args *protocol.DomainDefineXMLArgs) (*protocol.DomainDefineXMLRet, error) {
	ret, err := d.DomainDefineXMLFlags(ctx, &protocol.DomainDefineXMLFlagsArgs{XML: args.XML})
	if err != nil {
		return nil, err
	}
	return &protocol.DomainDefineXMLRet{Dom: ret.Dom}, nil
}

// DomainDefineXMLFlags defines (or redefines) a persistent domain.
func (d *driver) DomainDefineXMLFlags(ctx context.Context, args *protocol.DomainDefineXMLFlagsArgs) (*protocol.DomainDefineXMLFlagsRet, error) {
	def, err := parseDomain(args.XML)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	dom, err := d.define(ctx, def)
	if err != nil {
		return nil, err
	}
	return &protocol.DomainDefineXMLFlagsRet{Dom: dom.ref()}, nil
}

// DomainCreateXML starts a transient domain (or boots a defined one with
// a new configuration).
func (d *driver) DomainCreateXML(ctx context.Context, args *protocol.DomainCreateXMLArgs) (*protocol.DomainCreateXMLRet, error) {
	def, err := parseDomain(args.XMLDesc)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	dom, err := d.liveDomain(def)
	if err != nil {
		return nil, err
	}
	// The test driver accepts no start flags but VALIDATE (checkFlags
	// refused the others), so the domain always boots running.
	d.start(ctx, dom, libvirt.DomainRunningBooted, true)
	return &protocol.DomainCreateXMLRet{Dom: dom.ref()}, nil
}

// liveDomain finds the domain a definition to start belongs to, checking
// it as libvirt's domain list does for a live addition, or adds a
// transient one; d.mu is held.
func (d *driver) liveDomain(def *domainDef) (*domain, error) {
	var dom *domain
	for _, o := range d.domains {
		// libvirt looks the UUID up first, then the name.
		if o.uuid == def.uuid && o.active() {
			return nil, lvErrorf(libvirt.ErrOperationInvalid, libvirt.FromDomain, prefixInvalid, "domain '%s' is already active", o.name)
		}
		if o.uuid == def.uuid && o.name != def.name {
			return nil, lvErrorf(libvirt.ErrOperationFailed, libvirt.FromDomain, prefixFailed,
				"domain '%s' is already defined with uuid %s", o.name, o.uuid)
		}
		if o.name == def.name && o.uuid != def.uuid {
			return nil, lvErrorf(libvirt.ErrOperationFailed, libvirt.FromDomain, prefixFailed,
				"domain '%s' already exists with uuid %s", o.name, o.uuid)
		}
		if o.uuid == def.uuid {
			o.redefineTunables() // tunexml.go
			o.setDef(def)
			dom = o
		}
	}
	if dom == nil {
		dom = d.newDomain(def, false)
	}
	return dom, nil
}

// DomainCreate boots a defined domain.
func (d *driver) DomainCreate(ctx context.Context, args *protocol.DomainCreateArgs) error {
	return d.createDomain(ctx, args.Dom, 0)
}

// DomainCreateWithFlags boots a defined domain; the test driver accepts
// no flags (checkFlags refuses START_PAUSED and the others).
func (d *driver) DomainCreateWithFlags(ctx context.Context, args *protocol.DomainCreateWithFlagsArgs) (*protocol.DomainCreateWithFlagsRet, error) {
	if err := d.createDomain(ctx, args.Dom, args.Flags); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	dom, err := d.domainOf(args.Dom)
	if err != nil {
		return nil, err
	}
	return &protocol.DomainCreateWithFlagsRet{Dom: dom.ref()}, nil
}

// createDomain is the common part of the create procedures.
func (d *driver) createDomain(ctx context.Context, ref libvirt.Domain, flags libvirt.DomainCreateFlags) error {
	return d.withDomain(ref, func(dom *domain) error {
		if dom.active() {
			return lvErrorf(libvirt.ErrInternalError, libvirt.FromTest, prefixInternal, "Domain '%s' is already running", dom.name)
		}
		meta := dom.metadata // SetMetadata changed the stopped definition
		dom.setDef(dom.def)
		dom.metadata = meta
		// Like the test driver, starting boots afresh and drops any
		// managed save image.
		dom.managedSave = false
		d.start(ctx, dom, libvirt.DomainRunningBooted, true)
		return nil
	})
}

func (d *driver) pause(ctx context.Context, dom *domain) {
	dom.state, dom.reason = libvirt.DomainPaused, int32(libvirt.DomainPausedUser)
	d.emitLifecycle(ctx, dom, libvirt.DomainEventSuspended, int32(libvirt.DomainEventSuspendedPaused))
}

// DomainDestroy powers a domain off.
func (d *driver) DomainDestroy(ctx context.Context, args *protocol.DomainDestroyArgs) error {
	return d.DomainDestroyFlags(ctx, &protocol.DomainDestroyFlagsArgs{Dom: args.Dom})
}

// DomainDestroyFlags powers a domain off.
func (d *driver) DomainDestroyFlags(ctx context.Context, args *protocol.DomainDestroyFlagsArgs) error {
	return d.withDomain(args.Dom, func(dom *domain) error {
		if !dom.active() {
			return notActive()
		}
		d.stop(ctx, dom, libvirt.DomainShutoffDestroyed, libvirt.DomainEventStoppedDestroyed)
		return nil
	})
}

// DomainShutdown shuts a domain down; on the fake it is off at once.
func (d *driver) DomainShutdown(ctx context.Context, args *protocol.DomainShutdownArgs) error {
	return d.DomainShutdownFlags(ctx, &protocol.DomainShutdownFlagsArgs{Dom: args.Dom})
}

// DomainShutdownFlags shuts a domain down; on the fake it is off at once.
func (d *driver) DomainShutdownFlags(ctx context.Context, args *protocol.DomainShutdownFlagsArgs) error {
	return d.withDomain(args.Dom, func(dom *domain) error {
		if !dom.active() {
			return notRunning(dom)
		}
		d.stop(ctx, dom, libvirt.DomainShutoffShutdown, libvirt.DomainEventStoppedShutdown)
		return nil
	})
}

// DomainReboot restarts a running domain; like the test driver it keeps
// its ID and sends no lifecycle event.
func (d *driver) DomainReboot(ctx context.Context, args *protocol.DomainRebootArgs) error {
	return d.withDomain(args.Dom, func(dom *domain) error {
		if !dom.active() {
			return notActive()
		}
		dom.state, dom.reason = libvirt.DomainRunning, int32(libvirt.DomainRunningBooted)
		return nil
	})
}

// DomainSuspend pauses a running domain.
func (d *driver) DomainSuspend(ctx context.Context, args *protocol.DomainSuspendArgs) error {
	return d.withDomain(args.Dom, func(dom *domain) error {
		if !dom.active() || dom.state == libvirt.DomainPaused {
			return notRunning(dom)
		}
		d.pause(ctx, dom)
		return nil
	})
}

// DomainResume unpauses a paused domain.
func (d *driver) DomainResume(ctx context.Context, args *protocol.DomainResumeArgs) error {
	return d.withDomain(args.Dom, func(dom *domain) error {
		if dom.state != libvirt.DomainPaused {
			return lvErrorf(libvirt.ErrInternalError, libvirt.FromTest, prefixInternal, "domain '%s' not paused", dom.name)
		}
		dom.state, dom.reason = libvirt.DomainRunning, int32(libvirt.DomainRunningUnpaused)
		d.emitLifecycle(ctx, dom, libvirt.DomainEventResumed, int32(libvirt.DomainEventResumedUnpaused))
		return nil
	})
}

// DomainUndefine removes a domain's persistent definition.
func (d *driver) DomainUndefine(ctx context.Context, args *protocol.DomainUndefineArgs) error {
	return d.DomainUndefineFlags(ctx, &protocol.DomainUndefineFlagsArgs{Dom: args.Dom})
}

// DomainUndefineFlags removes a domain's persistent definition; a running
// domain goes on as a transient one.
func (d *driver) DomainUndefineFlags(ctx context.Context, args *protocol.DomainUndefineFlagsArgs) error {
	return d.withDomain(args.Dom, func(dom *domain) error {
		if !dom.persistent {
			return lvError(libvirt.ErrOperationInvalid, libvirt.FromDomain, prefixInvalid, "cannot undefine transient domain")
		}
		if dom.managedSave && args.Flags&libvirt.DomainUndefineManagedSave == 0 {
			return lvError(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "Refusing to undefine while domain managed save image exists")
		}
		if n := len(dom.snaps); !dom.active() && n > 0 && args.Flags&libvirt.DomainUndefineSnapshotsMetadata == 0 {
			return lvErrorf(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "cannot delete inactive domain with %d snapshots", n)
		}
		dom.managedSave = false
		d.emitLifecycle(ctx, dom, libvirt.DomainEventUndefined, int32(libvirt.DomainEventUndefinedRemoved))
		dom.persistent, dom.autostart = false, false
		if !dom.active() {
			d.removeDomain(dom)
		}
		return nil
	})
}

// DomainGetXMLDesc formats the domain's definition as libvirt does: its
// ID while running (unless VIR_DOMAIN_XML_INACTIVE), its current memory
// and vCPUs, passwords only with VIR_DOMAIN_XML_SECURE.
func (d *driver) DomainGetXMLDesc(ctx context.Context, args *protocol.DomainGetXMLDescArgs) (*protocol.DomainGetXMLDescRet, error) {
	var doc string
	err := d.withDomain(args.Dom, func(dom *domain) error {
		doc = dom.formatXML(libvirt.DomainXMLFlags(args.Flags))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &protocol.DomainGetXMLDescRet{XML: doc}, nil
}

// DomainGetInfo reports state, memory and vCPUs. Like the test driver it
// reports the wall clock as CPU time.
func (d *driver) DomainGetInfo(ctx context.Context, args *protocol.DomainGetInfoArgs) (*libvirt.DomainGetInfoRet, error) {
	var ret libvirt.DomainGetInfoRet
	err := d.withDomain(args.Dom, func(dom *domain) error {
		ret = libvirt.DomainGetInfoRet{State: dom.state, MaxMem: dom.running().maxKiB, Memory: dom.memKiB,
			NrVirtCPU: uint16(dom.vcpus), CPUTime: uint64(time.Now().UnixNano())}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// DomainGetState reports the state and its reason.
func (d *driver) DomainGetState(ctx context.Context, args *protocol.DomainGetStateArgs) (*protocol.DomainGetStateRet, error) {
	var ret protocol.DomainGetStateRet
	err := d.withDomain(args.Dom, func(dom *domain) error {
		ret = protocol.DomainGetStateRet{State: dom.state, Reason: dom.reason}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// DomainGetOSType reports "linux", as the test driver does.
func (d *driver) DomainGetOSType(ctx context.Context, args *protocol.DomainGetOSTypeArgs) (*protocol.DomainGetOSTypeRet, error) {
	if err := d.withDomain(args.Dom, func(*domain) error { return nil }); err != nil {
		return nil, err
	}
	return &protocol.DomainGetOSTypeRet{Type: "linux"}, nil
}

// DomainIsActive tells whether the domain runs.
func (d *driver) DomainIsActive(ctx context.Context, args *protocol.DomainIsActiveArgs) (*protocol.DomainIsActiveRet, error) {
	var ret protocol.DomainIsActiveRet
	err := d.withDomain(args.Dom, func(dom *domain) error {
		ret.Active = b2i(dom.active())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// DomainIsPersistent tells whether the domain has a persistent definition.
func (d *driver) DomainIsPersistent(ctx context.Context, args *protocol.DomainIsPersistentArgs) (*protocol.DomainIsPersistentRet, error) {
	var ret protocol.DomainIsPersistentRet
	err := d.withDomain(args.Dom, func(dom *domain) error {
		ret.Persistent = b2i(dom.persistent)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// DomainIsUpdated reports no pending configuration change.
func (d *driver) DomainIsUpdated(ctx context.Context, args *protocol.DomainIsUpdatedArgs) (*protocol.DomainIsUpdatedRet, error) {
	if err := d.withDomain(args.Dom, func(*domain) error { return nil }); err != nil {
		return nil, err
	}
	return &protocol.DomainIsUpdatedRet{}, nil
}

// DomainGetAutostart reports the autostart flag.
func (d *driver) DomainGetAutostart(ctx context.Context, args *protocol.DomainGetAutostartArgs) (*protocol.DomainGetAutostartRet, error) {
	var ret protocol.DomainGetAutostartRet
	err := d.withDomain(args.Dom, func(dom *domain) error {
		ret.Autostart = b2i(dom.autostart)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// DomainSetAutostart sets the autostart flag of a persistent domain.
func (d *driver) DomainSetAutostart(ctx context.Context, args *protocol.DomainSetAutostartArgs) error {
	return d.withDomain(args.Dom, func(dom *domain) error {
		if !dom.persistent {
			return lvError(libvirt.ErrOperationInvalid, libvirt.FromDomain, prefixInvalid, "cannot set autostart for transient domain")
		}
		dom.autostart = args.Autostart != 0
		return nil
	})
}

// DomainGetMessages reports no messages.
func (d *driver) DomainGetMessages(ctx context.Context, args *protocol.DomainGetMessagesArgs) (*protocol.DomainGetMessagesRet, error) {
	if err := d.withDomain(args.Dom, func(*domain) error { return nil }); err != nil {
		return nil, err
	}
	return &protocol.DomainGetMessagesRet{}, nil
}

// DomainGetSecurityLabel reports the test driver's label.
func (d *driver) DomainGetSecurityLabel(ctx context.Context, args *protocol.DomainGetSecurityLabelArgs) (*libvirt.DomainGetSecurityLabelRet, error) {
	if err := d.withDomain(args.Dom, func(*domain) error { return nil }); err != nil {
		return nil, err
	}
	return &libvirt.DomainGetSecurityLabelRet{Label: cString("libvirt-test"), Enforcing: 1}, nil
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

package libvirttest

import (
	"context"
	"strings"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// guestState is what the test driver keeps per domain for the calls that
// talk to a guest (agent, keyboard, clock, file systems). Like the test
// driver's private data, it lives as long as the domain.
type guestState struct {
	seconds  int64   // the guest clock DomainSetTime sets
	nseconds uint32  //
	frozen   [2]bool // "/" and "/boot" frozen by DomainFSFreeze
}

// fsMounts are the test guest's mount points, in the order of
// guestState.frozen.
var fsMounts = [2]string{"/", "/boot"}

func mountIndex(mp string) (int, error) {
	for i, m := range fsMounts {
		if m == mp {
			return i, nil
		}
	}
	return 0, lvErrorf(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "mount point not found: %s", mp)
}

// fsFreeze marks the named mount points (all without names) frozen or
// thawed and reports how many changed; nothing changes on an error.
func (g *guestState) fsFreeze(mounts []string, freeze bool) (int32, error) {
	next := g.frozen
	if len(mounts) == 0 {
		next = [2]bool{freeze, freeze}
	}
	for _, mp := range mounts {
		i, err := mountIndex(mp)
		if err != nil {
			return 0, err
		}
		next[i] = freeze
	}
	var n int32
	for i := range next {
		if next[i] != g.frozen[i] {
			n++
		}
	}
	g.frozen = next
	return n, nil
}

// DomainFSFreeze freezes the guest's file systems ("/" and "/boot").
func (d *driver) DomainFSFreeze(ctx context.Context, args *protocol.DomainFSFreezeArgs) (*protocol.DomainFSFreezeRet, error) {
	var ret protocol.DomainFSFreezeRet
	err := d.activeDomain(args.Dom, func(dom *domain) error {
		n, err := dom.guest.fsFreeze(args.Mountpoints, true)
		ret.Filesystems = n
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// DomainFSThaw thaws file systems DomainFSFreeze froze.
func (d *driver) DomainFSThaw(ctx context.Context, args *protocol.DomainFSThawArgs) (*protocol.DomainFSThawRet, error) {
	var ret protocol.DomainFSThawRet
	err := d.activeDomain(args.Dom, func(dom *domain) error {
		n, err := dom.guest.fsFreeze(args.Mountpoints, false)
		ret.Filesystems = n
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// DomainFSTrim accepts a trim of a known mount point (or of all).
func (d *driver) DomainFSTrim(ctx context.Context, args *protocol.DomainFSTrimArgs) error {
	return d.activeDomain(args.Dom, func(dom *domain) error {
		if args.MountPoint != nil {
			_, err := mountIndex(*args.MountPoint)
			return err
		}
		return nil
	})
}

// DomainInjectNMI accepts an NMI for a running domain.
func (d *driver) DomainInjectNMI(ctx context.Context, args *protocol.DomainInjectNMIArgs) error {
	return d.activeDomain(args.Dom, func(*domain) error { return nil })
}

// DomainReset accepts a reset of a running domain; nothing else happens,
// as with the test driver (no event).
func (d *driver) DomainReset(ctx context.Context, args *protocol.DomainResetArgs) error {
	return d.activeDomain(args.Dom, func(*domain) error { return nil })
}

// DomainSendKey accepts key presses for a running domain. The key codes
// are not checked against libvirt's key maps (see the package doc).
func (d *driver) DomainSendKey(ctx context.Context, args *protocol.DomainSendKeyArgs) error {
	return d.activeDomain(args.Dom, func(*domain) error { return nil })
}

// processSignalLast is VIR_DOMAIN_PROCESS_SIGNAL_LAST.
const processSignalLast = 65

// DomainSendProcessSignal accepts a signal for the guest's init; the
// test driver checks its arguments before it looks the domain up.
func (d *driver) DomainSendProcessSignal(ctx context.Context, args *protocol.DomainSendProcessSignalArgs) error {
	if args.PidValue != 1 {
		return lvError(libvirt.ErrInvalidArg, libvirt.FromTest, prefixInvArg, "only sending a signal to pid 1 is supported")
	}
	if args.Signum >= processSignalLast {
		return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromTest, prefixInvArg, "signum value %d is out of range", args.Signum)
	}
	return d.withDomain(args.Dom, func(*domain) error { return nil })
}

// DomainSetTime sets the guest clock DomainGetTime and
// DomainGetControlInfo read.
func (d *driver) DomainSetTime(ctx context.Context, args *protocol.DomainSetTimeArgs) error {
	return d.activeDomain(args.Dom, func(dom *domain) error {
		dom.guest.seconds, dom.guest.nseconds = args.Seconds, args.Nseconds
		return nil
	})
}

// DomainSetUserPassword accepts a password change in a running guest.
func (d *driver) DomainSetUserPassword(ctx context.Context, args *protocol.DomainSetUserPasswordArgs) error {
	return d.activeDomain(args.Dom, func(*domain) error { return nil })
}

// DomainGetLaunchSecurityInfo fails as it does through libvirtd: the
// daemon adds VIR_TYPED_PARAM_STRING_OKAY to the caller's flags and the
// test driver's entry point, which accepts no flags, refuses it. (Called
// in-process it would report no parameters.) Its flags are therefore
// checked here, with that bit, and not in driverFlags.
func (d *driver) DomainGetLaunchSecurityInfo(ctx context.Context, args *protocol.DomainGetLaunchSecurityInfoArgs) (*protocol.DomainGetLaunchSecurityInfoRet, error) {
	return nil, lvErrorf(libvirt.ErrInvalidArg, libvirt.FromTest, "",
		"unsupported flags (0x%x) in function testDomainGetLaunchSecurityInfo", args.Flags|uint32(libvirt.TypedParamStringOkay))
}

// DomainGetDiskErrors reports, as the test driver does, an error on each
// disk in turn (I/O error, then no space), or with maxerrors 0 the number
// of disks.
func (d *driver) DomainGetDiskErrors(ctx context.Context, args *protocol.DomainGetDiskErrorsArgs) (*protocol.DomainGetDiskErrorsRet, error) {
	if args.Maxerrors > libvirt.DomainDiskErrorsMax {
		return nil, lvError(libvirt.ErrRPC, libvirt.FromRPC, "", "maxerrors > REMOTE_DOMAIN_DISK_ERRORS_MAX")
	}
	var ret protocol.DomainGetDiskErrorsRet
	err := d.activeDomain(args.Dom, func(dom *domain) error {
		ret.Errors = []libvirt.DomainDiskError{}
		if args.Maxerrors == 0 {
			ret.Nerrors = int32(len(dom.def.disks))
			return nil
		}
		for i, dk := range dom.def.disks {
			if uint32(i) >= args.Maxerrors {
				break
			}
			ret.Errors = append(ret.Errors, libvirt.DomainDiskError{Disk: dk.target, Error: libvirt.DomainDiskErrorCode(i%2 + 1)})
		}
		ret.Nerrors = int32(len(ret.Errors))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// DomainMemoryPeek returns the test driver's guest memory: each byte is
// the low byte of its address.
func (d *driver) DomainMemoryPeek(ctx context.Context, args *protocol.DomainMemoryPeekArgs) (*protocol.DomainMemoryPeekRet, error) {
	if args.Size > libvirt.DomainMemoryPeekBufferMax {
		return nil, lvError(libvirt.ErrRPC, libvirt.FromRPC, "", "size > maximum buffer size")
	}
	if args.Flags == libvirt.MemoryVirtual|libvirt.MemoryPhysical {
		return nil, apiError("Flags 'VIR_MEMORY_VIRTUAL' and 'VIR_MEMORY_PHYSICAL' are mutually exclusive")
	}
	if args.Flags != libvirt.MemoryVirtual && args.Flags != libvirt.MemoryPhysical {
		return nil, lvError(libvirt.ErrInvalidArg, libvirt.FromTest, prefixInvArg, "flags parameter must be VIR_MEMORY_VIRTUAL or VIR_MEMORY_PHYSICAL")
	}
	var ret protocol.DomainMemoryPeekRet
	err := d.activeDomain(args.Dom, func(*domain) error {
		ret.Buffer = make([]byte, args.Size)
		for i := range ret.Buffer {
			ret.Buffer[i] = byte(args.Offset + uint64(i))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// oneDef checks the LIVE/CONFIG flags as virDomainObjGetOneDef does:
// not both, LIVE needs a running domain and CONFIG a persistent one.
func oneDef(dom *domain, flags uint32) error {
	live, config := flags&uint32(libvirt.DomainAffectLive) != 0, flags&uint32(libvirt.DomainAffectConfig) != 0
	if live && config {
		return apiError("Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive")
	}
	if live && !dom.active() {
		return notActive()
	}
	if config && !dom.persistent {
		return lvError(libvirt.ErrOperationInvalid, libvirt.FromDomain, prefixInvalid, "transient domains do not have any persistent config")
	}
	return nil
}

// DomainPinEmulator pins the emulator threads to host CPUs;
// DomainGetEmulatorPinInfo reports it.
func (d *driver) DomainPinEmulator(ctx context.Context, args *protocol.DomainPinEmulatorArgs) error {
	return d.withDomain(args.Dom, func(dom *domain) error {
		if err := oneDef(dom, uint32(args.Flags)); err != nil {
			return err
		}
		empty := true
		for _, b := range args.CPUMap {
			empty = empty && b == 0
		}
		if empty {
			return lvError(libvirt.ErrInvalidArg, libvirt.FromTest, prefixInvArg, "Empty cpu list for pinning")
		}
		m := make([]byte, (hostCPUs+7)/8)
		copy(m, args.CPUMap)
		dom.tun(uint32(args.Flags)).emulatorPin = m
		return nil
	})
}

// DomainSetMemoryStatsPeriod sets the balloon's statistics period.
func (d *driver) DomainSetMemoryStatsPeriod(ctx context.Context, args *protocol.DomainSetMemoryStatsPeriodArgs) error {
	return d.withDomain(args.Dom, func(dom *domain) error {
		if err := oneDef(dom, uint32(args.Flags)); err != nil {
			return err
		}
		if !dom.def.balloon {
			return lvError(libvirt.ErrInternalError, libvirt.FromTest, prefixInternal, "No memory balloon device configured, can not set the collection period")
		}
		dom.tun(uint32(args.Flags)).period = args.Period
		return nil
	})
}

// DomainRename renames a persistent shut-off domain, emitting the
// undefined/renamed and defined/renamed events the driver sends.
func (d *driver) DomainRename(ctx context.Context, args *protocol.DomainRenameArgs) (*protocol.DomainRenameRet, error) {
	err := d.withDomain(args.Dom, func(dom *domain) error {
		switch {
		case dom.active():
			return lvError(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "cannot rename active domain")
		case !dom.persistent:
			return lvError(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "cannot rename a transient domain")
		}
		name := ""
		if args.NewName != nil {
			name = *args.NewName
		}
		for _, o := range d.domains {
			if o.name == name {
				return lvErrorf(libvirt.ErrOperationInvalid, libvirt.FromDomain, prefixInvalid, "domain with name '%s' already exists", name)
			}
		}
		if strings.Contains(name, "/") {
			return lvErrorf(libvirt.ErrXMLError, libvirt.FromTest, prefixXML, "name %s cannot contain '/'", name)
		}
		d.emitLifecycle(ctx, dom, libvirt.DomainEventUndefined, int32(libvirt.DomainEventUndefinedRenamed))
		dom.name = name
		dom.def.name = name
		d.emitLifecycle(ctx, dom, libvirt.DomainEventDefined, int32(libvirt.DomainEventDefinedRenamed))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &protocol.DomainRenameRet{Retcode: 0}, nil
}

// perfEvents are the perf event names libvirt knows, in its order.
var perfEvents = []string{
	"cmt", "mbmt", "mbml", "cpu_cycles", "instructions", "cache_references",
	"cache_misses", "branch_instructions", "branch_misses", "bus_cycles",
	"stalled_cycles_frontend", "stalled_cycles_backend", "ref_cpu_cycles",
	"cpu_clock", "task_clock", "page_faults", "context_switches",
	"cpu_migrations", "page_faults_min", "page_faults_maj",
	"alignment_faults", "emulation_faults",
}

// DomainGetPerfEvents reports every perf event and whether it is on.
func (d *driver) DomainGetPerfEvents(ctx context.Context, args *protocol.DomainGetPerfEventsArgs) (*protocol.DomainGetPerfEventsRet, error) {
	var ret protocol.DomainGetPerfEventsRet
	err := d.withDomain(args.Dom, func(dom *domain) error {
		if err := oneDef(dom, uint32(args.Flags)&^uint32(libvirt.TypedParamStringOkay)); err != nil {
			return err
		}
		perf := dom.tun(uint32(args.Flags) &^ uint32(libvirt.TypedParamStringOkay)).perf
		for _, ev := range perfEvents {
			ret.Params = append(ret.Params, libvirt.TypedParam{Field: ev, Value: libvirt.NewTypedParamValueBoolean(b2i(perf[ev]))})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// DomainSetPerfEvents turns perf events on or off.
func (d *driver) DomainSetPerfEvents(ctx context.Context, args *protocol.DomainSetPerfEventsArgs) error {
	if len(args.Params) == 0 {
		return apiError("params in virDomainSetPerfEvents must not be NULL")
	}
	if err := validateParams(args.Params, boolParams(perfEvents...)); err != nil {
		return err
	}
	return d.withDomain(args.Dom, func(dom *domain) error {
		if err := oneDef(dom, uint32(args.Flags)); err != nil {
			return err
		}
		t := dom.tun(uint32(args.Flags))
		if t.perf == nil {
			t.perf = map[string]bool{}
		}
		for _, p := range args.Params {
			v, _ := p.Value.AsBoolean()
			t.perf[p.Field] = v != 0
		}
		return nil
	})
}

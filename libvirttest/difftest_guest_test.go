//go:build integration

package libvirttest_test

import (
	"context"

	"github.com/virtwire/libvirt"
)

const difftgDomainXML = `<domain type='test'>
  <name>difftg</name>
  <uuid>3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f</uuid>
  <memory unit='KiB'>262144</memory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='i686'>hvm</type>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/guest/difftg-a.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <source file='/guest/difftg-b.img'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <source file='/guest/difftg-c.img'/>
      <target dev='vdc' bus='virtio'/>
    </disk>
    <memballoon model='none'/>
  </devices>
</domain>`

// guestSteps exercise the calls that talk to a guest (file systems,
// keys, signals, clock, passwords, memory peeks), emulator pinning, perf
// events and renaming, on the running "test" and on the shut-off
// "difftg".
func guestSteps() []step {
	var steps []step
	add := func(name string, proc libvirt.Procedure, call func(ctx context.Context, s *side) ([]any, error)) {
		steps = append(steps, step{name, proc, call})
	}
	str := func(v string) *string { return &v }
	add("guest define difftg", libvirt.ProcDomainDefineXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainDefineXML(ctx, difftgDomainXML)
		s.dom3 = v
		return r(v), err
	})

	// File systems: "/" and "/boot".
	freeze := func(name string, mounts []string, flags uint32, on func(s *side) libvirt.Domain) {
		add("fsfreeze "+name, libvirt.ProcDomainFSFreeze, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainFSFreeze(ctx, on(s), mounts, flags)
			return r(v), err
		})
	}
	thaw := func(name string, mounts []string, flags uint32, on func(s *side) libvirt.Domain) {
		add("fsthaw "+name, libvirt.ProcDomainFSThaw, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainFSThaw(ctx, on(s), mounts, flags)
			return r(v), err
		})
	}
	test := func(s *side) libvirt.Domain { return s.dom }
	off := func(s *side) libvirt.Domain { return s.dom3 }
	freeze("root", []string{"/"}, 0, test)
	freeze("root again", []string{"/"}, 0, test)
	freeze("all", nil, 0, test)
	freeze("unknown mount", []string{"/boot", "/srv"}, 0, test)
	freeze("bogus flags", nil, bogus, test)
	freeze("shut off", nil, 0, off)
	thaw("boot", []string{"/boot"}, 0, test)
	thaw("unknown mount", []string{"/", "/nope"}, 0, test)
	thaw("all", nil, 0, test)
	thaw("all again", nil, 0, test)
	thaw("shut off", nil, 0, off)
	add("fstrim root", libvirt.ProcDomainFSTrim, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainFSTrim(ctx, s.dom, str("/"), 0, 0)
	})
	add("fstrim all", libvirt.ProcDomainFSTrim, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainFSTrim(ctx, s.dom, nil, 1024, 0)
	})
	add("fstrim unknown", libvirt.ProcDomainFSTrim, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainFSTrim(ctx, s.dom, str("/var"), 0, 0)
	})
	add("fstrim shut off", libvirt.ProcDomainFSTrim, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainFSTrim(ctx, s.dom3, nil, 0, 0)
	})
	add("fstrim bogus flags", libvirt.ProcDomainFSTrim, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainFSTrim(ctx, s.dom, nil, 0, bogus)
	})

	// NMI, reset, keys, signals, passwords.
	add("inject nmi", libvirt.ProcDomainInjectNMI, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainInjectNMI(ctx, s.dom, 0)
	})
	add("inject nmi shut off", libvirt.ProcDomainInjectNMI, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainInjectNMI(ctx, s.dom3, 0)
	})
	add("inject nmi bogus flags", libvirt.ProcDomainInjectNMI, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainInjectNMI(ctx, s.dom, bogus)
	})
	add("reset", libvirt.ProcDomainReset, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainReset(ctx, s.dom, 0)
	})
	add("reset shut off", libvirt.ProcDomainReset, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainReset(ctx, s.dom3, 0)
	})
	add("reset bogus flags", libvirt.ProcDomainReset, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainReset(ctx, s.dom, bogus)
	})
	add("send key", libvirt.ProcDomainSendKey, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSendKey(ctx, s.dom, libvirt.KeycodeSetLinux, 50, []uint32{29, 56, 111}, 0)
	})
	add("send key shut off", libvirt.ProcDomainSendKey, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSendKey(ctx, s.dom3, libvirt.KeycodeSetLinux, 0, []uint32{28}, 0)
	})
	add("send key bogus flags", libvirt.ProcDomainSendKey, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSendKey(ctx, s.dom, libvirt.KeycodeSetLinux, 0, []uint32{28}, bogus)
	})
	signal := func(name string, pid int64, sig libvirt.DomainProcessSignal, flags uint32, on func(s *side) libvirt.Domain) {
		add("process signal "+name, libvirt.ProcDomainSendProcessSignal, func(ctx context.Context, s *side) ([]any, error) {
			return nil, s.c.DomainSendProcessSignal(ctx, on(s), pid, sig, flags)
		})
	}
	signal("term", 1, libvirt.DomainProcessSignalTerm, 0, test)
	signal("shut off", 1, libvirt.DomainProcessSignalKill, 0, off)
	signal("pid 2", 2, libvirt.DomainProcessSignalTerm, 0, test)
	signal("out of range", 1, 65, 0, test)
	signal("bogus flags", 1, libvirt.DomainProcessSignalTerm, bogus, test)
	add("set password", libvirt.ProcDomainSetUserPassword, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetUserPassword(ctx, s.dom, str("root"), str("secret"), libvirt.DomainPasswordEncrypted)
	})
	add("set password shut off", libvirt.ProcDomainSetUserPassword, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetUserPassword(ctx, s.dom3, str("root"), str("secret"), 0)
	})
	add("set password bogus flags", libvirt.ProcDomainSetUserPassword, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetUserPassword(ctx, s.dom, str("root"), str("secret"), bogus)
	})

	// The guest clock drives the control info.
	setTime := func(name string, secs int64, ns uint32, flags libvirt.DomainSetTimeFlags, on func(s *side) libvirt.Domain) {
		add("set time "+name, libvirt.ProcDomainSetTime, func(ctx context.Context, s *side) ([]any, error) {
			return nil, s.c.DomainSetTime(ctx, on(s), secs, ns, flags)
		})
		add("time after "+name, libvirt.ProcDomainGetTime, func(ctx context.Context, s *side) ([]any, error) {
			a, b, err := s.c.DomainGetTime(ctx, on(s), 0)
			return r(a, b), err
		})
		add("control info after "+name, libvirt.ProcDomainGetControlInfo, func(ctx context.Context, s *side) ([]any, error) {
			a, b, c, err := s.c.DomainGetControlInfo(ctx, on(s), 0)
			return r(a, b, c), err
		})
	}
	setTime("job", 1234, 5, 0, test)
	setTime("occupied", 12345, 0, libvirt.DomainTimeSync, test)
	setTime("error", 30003, 0, 0, test)
	setTime("error 2", 45002, 0, 0, test)
	setTime("shut off", 100, 0, 0, off)
	setTime("bogus flags", 100, 0, bogus, test)
	setTime("back", 627319920, 0, 0, test)

	// Read-only probes.
	add("launch security", libvirt.ProcDomainGetLaunchSecurityInfo, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainGetLaunchSecurityInfo(ctx, s.dom, 0)
		return r(v), err
	})
	add("launch security bogus flags", libvirt.ProcDomainGetLaunchSecurityInfo, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainGetLaunchSecurityInfo(ctx, s.dom, bogus)
		return r(v), err
	})
	diskErrs := func(name string, max uint32, flags uint32, on func(s *side) libvirt.Domain) {
		add("disk errors "+name, libvirt.ProcDomainGetDiskErrors, func(ctx context.Context, s *side) ([]any, error) {
			a, b, err := s.c.DomainGetDiskErrors(ctx, on(s), max, flags)
			return r(a, b), err
		})
	}
	diskErrs("count", 0, 0, test)
	diskErrs("list", 4, 0, test)
	diskErrs("shut off", 4, 0, off)
	diskErrs("bogus flags", 4, bogus, test)
	peek := func(name string, off uint64, size uint32, flags libvirt.DomainMemoryFlags, on func(s *side) libvirt.Domain) {
		add("memory peek "+name, libvirt.ProcDomainMemoryPeek, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainMemoryPeek(ctx, on(s), off, size, flags)
			return r(v), err
		})
	}
	peek("virtual", 250, 16, libvirt.MemoryVirtual, test)
	peek("physical", 0x1000, 8, libvirt.MemoryPhysical, test)
	peek("no flags", 0, 8, 0, test)
	peek("both flags", 0, 8, libvirt.MemoryVirtual|libvirt.MemoryPhysical, test)
	peek("shut off", 0, 8, libvirt.MemoryVirtual, off)
	peek("bogus flags", 0, 8, libvirt.DomainMemoryFlags(bogus), test)

	// Emulator pinning.
	pinEmu := func(name string, m []byte, flags libvirt.DomainModificationImpact, on func(s *side) libvirt.Domain) {
		add("pin emulator "+name, libvirt.ProcDomainPinEmulator, func(ctx context.Context, s *side) ([]any, error) {
			return nil, s.c.DomainPinEmulator(ctx, on(s), m, flags)
		})
		add("emulator pin info after "+name, libvirt.ProcDomainGetEmulatorPinInfo, func(ctx context.Context, s *side) ([]any, error) {
			a, b, err := s.c.DomainGetEmulatorPinInfo(ctx, on(s), 2, 0)
			return r(a, b), err
		})
	}
	pinEmu("0-3", []byte{0x0f}, 0, test)
	pinEmu("empty", []byte{0, 0}, 0, test)
	pinEmu("live and config", []byte{1}, libvirt.DomainAffectLive|libvirt.DomainAffectConfig, test)
	pinEmu("live on shut off", []byte{1}, libvirt.DomainAffectLive, off)
	pinEmu("bogus flags", []byte{1}, libvirt.DomainModificationImpact(bogus), test)

	// Memory statistics period: "test" has a balloon, "difftg" none.
	period := func(name string, p int32, flags libvirt.DomainMemoryModFlags, on func(s *side) libvirt.Domain) {
		add("memory stats period "+name, libvirt.ProcDomainSetMemoryStatsPeriod, func(ctx context.Context, s *side) ([]any, error) {
			return nil, s.c.DomainSetMemoryStatsPeriod(ctx, on(s), p, flags)
		})
	}
	period("test", 10, 0, test)
	period("live", 5, libvirt.DomainMemLive, test)
	period("no balloon", 10, libvirt.DomainMemConfig, off)
	period("bogus flags", 10, libvirt.DomainMemoryModFlags(bogus), test)

	// Perf events.
	perf := func(name string, flags libvirt.DomainModificationImpact, on func(s *side) libvirt.Domain) {
		add("perf events "+name, libvirt.ProcDomainGetPerfEvents, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainGetPerfEvents(ctx, on(s), flags)
			return r(v), err
		})
	}
	setPerf := func(name string, ps libvirt.TypedParams, flags libvirt.DomainModificationImpact, on func(s *side) libvirt.Domain) {
		add("set perf events "+name, libvirt.ProcDomainSetPerfEvents, func(ctx context.Context, s *side) ([]any, error) {
			return nil, s.c.DomainSetPerfEvents(ctx, on(s), ps, flags)
		})
	}
	perf("initial", 0, test)
	setPerf("cycles on", libvirt.TypedParams{}.AddBool("cpu_cycles", true).AddBool("cmt", false), 0, test)
	perf("after set", 0, test)
	setPerf("unknown", libvirt.TypedParams{}.AddBool("warp_drive", true), 0, test)
	setPerf("wrong type", libvirt.TypedParams{}.AddInt("cpu_cycles", 1), 0, test)
	setPerf("twice", libvirt.TypedParams{}.AddBool("cpu_cycles", true).AddBool("cpu_cycles", false), 0, test)
	setPerf("config on shut off", libvirt.TypedParams{}.AddBool("instructions", true), libvirt.DomainAffectConfig, off)
	perf("config of shut off", libvirt.DomainAffectConfig, off)
	perf("live of shut off", libvirt.DomainAffectLive, off)
	setPerf("bogus flags", libvirt.TypedParams{}.AddBool("cmt", true), libvirt.DomainModificationImpact(bogus), test)
	setPerf("no params", nil, 0, test)
	perf("bogus flags", libvirt.DomainModificationImpact(bogus), test)
	steps = append(steps, xmlDumpSteps("guest test", onTestDom)...)
	steps = append(steps, xmlDumpSteps("guest difftg", onDom3)...)

	// Renaming.
	rename := func(name string, to string, flags uint32, on func(s *side) libvirt.Domain) {
		add("rename "+name, libvirt.ProcDomainRename, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainRename(ctx, on(s), &to, flags)
			return r(v), err
		})
	}
	rename("running", "test2", 0, test)
	rename("bogus flags", "x", bogus, off)
	rename("to existing", "test", 0, off)
	rename("with slash", "a/b", 0, off)
	rename("difftg", "difftg2", 0, off)
	add("lookup renamed", libvirt.ProcDomainLookupByName, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainLookupByName(ctx, "difftg2")
		return r(v), err
	})
	add("lookup old name", libvirt.ProcDomainLookupByName, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainLookupByName(ctx, "difftg")
		return r(v), err
	})
	add("guest undefine difftg2", libvirt.ProcDomainUndefine, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainLookupByName(ctx, "difftg2")
		if err != nil {
			return nil, err
		}
		return nil, s.c.DomainUndefine(ctx, v)
	})
	return steps
}

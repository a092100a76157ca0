//go:build integration

package libvirttest_test

import (
	"context"
	"fmt"

	"github.com/virtwire/libvirt"
)

// xmlDumpSteps dump a domain's live and persistent (INACTIVE) XML, so
// that what the tunables, pinning, lifecycle, perf, statistics period
// and I/O thread calls change is compared where libvirt also shows it:
// in <memtune>, <blkiotune>, <numatune>, <cputune>, <on_*>, <perf>,
// <iotune>, <bandwidth>, <memballoon><stats/> and <iothreads>.
func xmlDumpSteps(prefix string, on func(s *side) libvirt.Domain) []step {
	dump := func(name string, flags libvirt.DomainXMLFlags) step {
		return step{prefix + " " + name, libvirt.ProcDomainGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
			return xmlDoc(s.c.DomainGetXMLDesc(ctx, on(s), flags))
		}}
	}
	return []step{dump("xml", 0), dump("xml inactive", libvirt.DomainXMLInactive)}
}

// onTestDom and onDom3 pick the domain a dump is of: the running "test" or
// the section's own domain.
func onTestDom(s *side) libvirt.Domain { return s.dom }
func onDom3(s *side) libvirt.Domain    { return s.dom3 }

// qemuMonitorDeregisterSteps deregister a QEMU monitor event callback
// that was never registered: libvirtd looks the ID up among the
// connection's callbacks before any driver is asked.
func qemuMonitorDeregisterSteps() []step {
	return []step{{"qemu monitor event deregister unknown", libvirt.ProcQEMUConnectDomainMonitorEventDeregister, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.QEMUConnectDomainMonitorEventDeregister(ctx, 4242)
	}}}
}

// difftxmlXML defines every setting the tunables calls change, in units
// other than libvirt's where it takes them.
const difftxmlXML = `<domain type='test'>
  <name>difftxml</name>
  <uuid>7b1c2d3e-4f50-4a61-8b72-9c8d7e6f5a4b</uuid>
  <memory unit='MiB'>256</memory>
  <blkiotune>
    <weight>700</weight>
    <device><path>/dev/sdc</path><write_bytes_sec>4096</write_bytes_sec></device>
  </blkiotune>
  <memtune>
    <hard_limit unit='MiB'>512</hard_limit>
    <min_guarantee unit='KiB'>1024</min_guarantee>
  </memtune>
  <vcpu>2</vcpu>
  <numatune><memory mode='preferred' nodeset='0'/></numatune>
  <os><type arch='i686'>hvm</type></os>
  <on_reboot>destroy</on_reboot>
  <on_crash>preserve</on_crash>
  <perf><event name='instructions' enabled='no'/><event name='cmt' enabled='yes'/></perf>
  <devices>
    <disk type='file' device='disk'>
      <source file='/guest/difftxml.img'/>
      <target dev='vda' bus='virtio'/>
      <iotune>
        <total_bytes_sec_max_length>3</total_bytes_sec_max_length>
        <group_name>gx</group_name>
        <total_bytes_sec>5000</total_bytes_sec>
        <total_bytes_sec_max>6000</total_bytes_sec_max>
        <size_iops_sec>10</size_iops_sec>
      </iotune>
    </disk>
    <interface type='network'>
      <mac address='52:54:00:aa:bb:01'/>
      <source network='default'/>
      <bandwidth><outbound average='50'/><inbound average='100' peak='200' burst='300'/></bandwidth>
    </interface>
    <memballoon model='virtio'><stats period='7'/></memballoon>
  </devices>
</domain>`

// difftxmlPlainXML redefines difftxml without any of them.
const difftxmlPlainXML = `<domain type='test'>
  <name>difftxml</name>
  <uuid>7b1c2d3e-4f50-4a61-8b72-9c8d7e6f5a4b</uuid>
  <memory unit='MiB'>256</memory>
  <os><type arch='i686'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/guest/difftxml.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='network'>
      <mac address='52:54:00:aa:bb:01'/>
      <source network='default'/>
    </interface>
  </devices>
</domain>`

// tunXMLSteps define a domain with the settings in its XML, read them
// through the calls, change them live and persistently while it runs,
// and redefine it without them, dumping the XML after each stage.
func tunXMLSteps() []step {
	var steps []step
	add := func(name string, proc fmt.Stringer, call func(ctx context.Context, s *side) ([]any, error)) {
		steps = append(steps, step{name, proc, call})
	}
	define := func(name, doc string) {
		add("tunxml define "+name, libvirt.ProcDomainDefineXML, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainDefineXML(ctx, doc)
			s.dom3 = v
			return r(v), err
		})
	}
	const config = libvirt.DomainAffectConfig
	reads := func(name string, flags libvirt.DomainModificationImpact) {
		add("tunxml memory params "+name, libvirt.ProcDomainGetMemoryParameters, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainGetMemoryParameters(ctx, s.dom3, flags)
			return r(v), err
		})
		add("tunxml numa params "+name, libvirt.ProcDomainGetNUMAParameters, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainGetNUMAParameters(ctx, s.dom3, flags)
			return r(v), err
		})
		add("tunxml blkio params "+name, libvirt.ProcDomainGetBlkioParameters, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainGetBlkioParameters(ctx, s.dom3, flags)
			return r(v), err
		})
		add("tunxml iface params "+name, libvirt.ProcDomainGetInterfaceParameters, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainGetInterfaceParameters(ctx, s.dom3, "52:54:00:aa:bb:01", flags)
			return r(v), err
		})
		add("tunxml block iotune "+name, libvirt.ProcDomainGetBlockIOTune, func(ctx context.Context, s *side) ([]any, error) {
			disk := "vda"
			v, err := s.c.DomainGetBlockIOTune(ctx, s.dom3, &disk, flags)
			return r(v), err
		})
		add("tunxml perf events "+name, libvirt.ProcDomainGetPerfEvents, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainGetPerfEvents(ctx, s.dom3, flags)
			return r(v), err
		})
	}
	define("difftxml", difftxmlXML)
	steps = append(steps, xmlDumpSteps("tunxml defined", onDom3)...)
	reads("defined", 0)
	add("tunxml start", libvirt.ProcDomainCreate, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainCreate(ctx, s.dom3)
		return r(v), err
	})
	add("tunxml set memory config", libvirt.ProcDomainSetMemoryParameters, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetMemoryParameters(ctx, s.dom3, libvirt.TypedParams{}.AddUint64("soft_limit", 2048), config)
	})
	add("tunxml set perf live", libvirt.ProcDomainSetPerfEvents, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetPerfEvents(ctx, s.dom3, libvirt.TypedParams{}.AddBool("cpu_cycles", true), libvirt.DomainAffectLive)
	})
	add("tunxml set perf config", libvirt.ProcDomainSetPerfEvents, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetPerfEvents(ctx, s.dom3, libvirt.TypedParams{}.AddBool("cmt", false), config)
	})
	add("tunxml lifecycle config", libvirt.ProcDomainSetLifecycleAction, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetLifecycleAction(ctx, s.dom3, libvirt.DomainLifecyclePoweroff, libvirt.DomainLifecycleActionRestart, config)
	})
	add("tunxml lifecycle both", libvirt.ProcDomainSetLifecycleAction, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetLifecycleAction(ctx, s.dom3, libvirt.DomainLifecycleCrash, libvirt.DomainLifecycleActionCoredumpDestroy, libvirt.DomainAffectLive|config)
	})
	add("tunxml stats period config", libvirt.ProcDomainSetMemoryStatsPeriod, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetMemoryStatsPeriod(ctx, s.dom3, 20, libvirt.DomainMemConfig)
	})
	add("tunxml iotune live", libvirt.ProcDomainSetBlockIOTune, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetBlockIOTune(ctx, s.dom3, "vda", libvirt.TypedParams{}.AddUint64("write_iops_sec", 9).AddUint64("write_iops_sec_max", 90).AddString("group_name", ""), 0)
	})
	add("tunxml iface config", libvirt.ProcDomainSetInterfaceParameters, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetInterfaceParameters(ctx, s.dom3, "52:54:00:aa:bb:01", libvirt.TypedParams{}.AddUint("outbound.average", 0), config)
	})
	pinEmu := func(name string, m []byte, flags libvirt.DomainModificationImpact) {
		add("tunxml pin emulator "+name, libvirt.ProcDomainPinEmulator, func(ctx context.Context, s *side) ([]any, error) {
			return nil, s.c.DomainPinEmulator(ctx, s.dom3, m, flags)
		})
	}
	pinInfo := func(name string, flags libvirt.DomainModificationImpact) {
		add("tunxml emulator pin info "+name, libvirt.ProcDomainGetEmulatorPinInfo, func(ctx context.Context, s *side) ([]any, error) {
			a, b, err := s.c.DomainGetEmulatorPinInfo(ctx, s.dom3, 2, flags)
			return r(a, b), err
		})
	}
	pinEmu("live", []byte{0x05}, 0)
	pinEmu("config", []byte{0x30, 0x01}, config)
	pinInfo("live", libvirt.DomainAffectLive)
	pinInfo("config", config)
	pinInfo("both", libvirt.DomainAffectLive|config)
	steps = append(steps, xmlDumpSteps("tunxml running", onDom3)...)
	reads("running config", config)
	define("again", difftxmlPlainXML)
	steps = append(steps, xmlDumpSteps("tunxml redefined", onDom3)...)
	reads("redefined config", config)
	reads("redefined live", 0)
	add("tunxml destroy", libvirt.ProcDomainDestroy, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainDestroy(ctx, s.dom3)
	})
	steps = append(steps, xmlDumpSteps("tunxml destroyed", onDom3)...)
	pinInfo("shut off", 0)
	pinInfo("live of shut off", libvirt.DomainAffectLive)
	add("tunxml undefine", libvirt.ProcDomainUndefine, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainUndefine(ctx, s.dom3)
	})
	return steps
}

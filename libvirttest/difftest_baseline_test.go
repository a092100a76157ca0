//go:build integration

package libvirttest_test

import (
	"context"
	"fmt"

	"github.com/virtwire/libvirt"
)

// versionedCPUModelsSince is the first libvirt release whose CPU map has
// versioned x86 models (Haswell-v4), which the "baseline newer" steps use.
const versionedCPUModelsSince = 10_010_000

// hostCPUXML is a host CPU definition of the kind the capabilities
// report, for baseline steps.
func hostCPUXML(arch, model, vendor string, features ...string) string {
	s := "<cpu>\n  <arch>" + arch + "</arch>\n"
	if model != "" {
		s += "  <model>" + model + "</model>\n"
	}
	if vendor != "" {
		s += "  <vendor>" + vendor + "</vendor>\n"
	}
	for _, f := range features {
		s += fmt.Sprintf("  <feature name='%s'/>\n", f)
	}
	return s + "</cpu>"
}

// capsHostCPU is a host CPU as a real host's capabilities show it
// (microcode, signature, TSC counter, topology, address bits, pages):
// the host-model style input virsh hypervisor-cpu-baseline users pass.
const capsHostCPU = `<cpu>
  <arch>x86_64</arch>
  <model>Skylake-Client-IBRS</model>
  <vendor>Intel</vendor>
  <microcode version='240'/>
  <signature family='6' model='142' stepping='10'/>
  <counter name='tsc' frequency='2112000000' scaling='no'/>
  <topology sockets='1' dies='1' cores='4' threads='2'/>
  <maxphysaddr mode='emulate' bits='39'/>
  <feature name='ds'/>
  <feature name='acpi'/>
  <feature name='ss'/>
  <feature name='ht'/>
  <feature name='tm'/>
  <feature name='pbe'/>
  <feature name='dtes64'/>
  <feature name='monitor'/>
  <feature name='ds_cpl'/>
  <feature name='vmx'/>
  <feature name='smx'/>
  <feature name='est'/>
  <feature name='tm2'/>
  <feature name='xtpr'/>
  <feature name='pdcm'/>
  <feature name='osxsave'/>
  <feature name='tsc_adjust'/>
  <feature name='clflushopt'/>
  <feature name='intel-pt'/>
  <feature name='md-clear'/>
  <feature name='stibp'/>
  <feature name='arch-capabilities'/>
  <feature name='ssbd'/>
  <feature name='xsaves'/>
  <feature name='pdpe1gb'/>
  <feature name='invtsc'/>
  <pages unit='KiB' size='4'/>
  <pages unit='KiB' size='2048'/>
</cpu>`

// baselineSteps compute baseline CPUs from the CPU map each daemon has
// installed (the fake reads the same map: see cpuMapDir): results,
// feature expansion and the parser's and the x86 driver's errors. The
// "baseline newer" steps use CPU models only libvirt 10.10's and later
// maps have (versioned models, Sapphire and Granite Rapids).
func baselineSteps() []step {
	var steps []step
	add := func(name string, flags libvirt.ConnectBaselineCPUFlags, cpus ...string) {
		steps = append(steps, step{"baseline " + name, libvirt.ProcConnectBaselineCPU, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.ConnectBaselineCPU(ctx, cpus, flags)
			return r(v), err
		}})
	}
	const x = "x86_64"
	expand := libvirt.ConnectBaselineCPUExpandFeatures
	haswellVMX := hostCPUXML(x, "Haswell", "Intel", "vmx")
	sandy := hostCPUXML(x, "SandyBridge", "Intel")

	add("identical", 0, haswellVMX, haswellVMX)
	add("one cpu", 0, haswellVMX)
	add("haswell sandybridge", 0, haswellVMX, sandy)
	add("sandybridge haswell", 0, sandy, haswellVMX)
	add("expand", expand, haswellVMX, sandy)
	add("expand one cpu", expand, haswellVMX)
	add("migratable", libvirt.ConnectBaselineCPUMigratable, haswellVMX, sandy)
	add("bogus flags", bogus, haswellVMX)
	// A host CPU's feature policies are ignored: every listed feature
	// is one the CPU has.
	add("extra and disabled features", 0,
		"<cpu><arch>x86_64</arch><model>Westmere</model><vendor>Intel</vendor><feature policy='disable' name='aes'/><feature name='avx'/><feature name='x2apic'/></cpu>",
		hostCPUXML(x, "Nehalem", "Intel", "aes", "x2apic", "rdrand"))
	add("features dropped", 0, hostCPUXML(x, "Skylake-Client", "Intel", "vmx", "pdpe1gb"), hostCPUXML(x, "Broadwell", "Intel", "vmx"), hostCPUXML(x, "IvyBridge", "Intel"))
	add("caps host cpu", 0, capsHostCPU, haswellVMX)
	add("caps host cpu alone", 0, capsHostCPU)
	add("caps host cpu expand", expand, capsHostCPU, hostCPUXML(x, "Cascadelake-Server", "Intel"))
	add("amd", 0, hostCPUXML(x, "EPYC", "AMD"), hostCPUXML(x, "Opteron_G4", "AMD", "svm"))
	add("amd expand removed feature", expand, hostCPUXML(x, "EPYC", "AMD"))
	add("no vendors", 0, hostCPUXML(x, "Haswell", ""), hostCPUXML(x, "SandyBridge", ""))
	add("second vendor only", 0, hostCPUXML(x, "Haswell", ""), sandy)
	add("i686", 0, hostCPUXML("i686", "qemu32", ""), hostCPUXML("i686", "pentium3", ""))
	add("old models", 0, hostCPUXML(x, "core2duo", "Intel"), hostCPUXML(x, "qemu64", ""), hostCPUXML(x, "Opteron_G2", ""))
	add("first vendor not the model's", 0, hostCPUXML(x, "Haswell", "AMD"))
	add("vendor of model differs", 0, haswellVMX, hostCPUXML(x, "Haswell", "AMD"))
	add("vendors differ", 0, haswellVMX, hostCPUXML(x, "EPYC", "AMD"))
	add("unknown vendor", 0, hostCPUXML(x, "Haswell", "Foo"))
	add("unknown model", 0, haswellVMX, hostCPUXML(x, "Nope", "Intel"))
	add("unknown feature", 0, hostCPUXML(x, "Haswell", "Intel", "nope"))
	add("feature twice", 0, hostCPUXML(x, "Haswell", "Intel", "vmx", "vmx"))
	add("feature without name", 0, "<cpu><arch>x86_64</arch><model>Haswell</model><feature/></cpu>")
	add("empty", 0)
	add("malformed", 0, "<cpu>")
	add("not a cpu", 0, "<cpux/>")
	add("no arch", 0, "<cpu><model>Haswell</model></cpu>")
	add("no model", 0, "<cpu><arch>x86_64</arch></cpu>")
	add("empty model", 0, "<cpu><arch>x86_64</arch><model></model></cpu>")
	add("guest mode", 0, "<cpu mode='custom'><arch>x86_64</arch><model>Haswell</model></cpu>")
	add("unknown arch", 0, hostCPUXML("bogus", "Haswell", ""))
	add("arch without cpu driver", 0, hostCPUXML("mips", "x", ""))
	add("arch without baseline", 0, hostCPUXML("s390x", "z13", ""))
	add("aarch64", 0, hostCPUXML("aarch64", "cortex-a57", ""), hostCPUXML("aarch64", "cortex-a72", ""))
	add("aarch64 expand", expand, hostCPUXML("aarch64", "cortex-a57", "", "pmu"))
	add("second cpu bad", 0, haswellVMX, "<cpu><arch>x86_64</arch></cpu>")

	add("newer versioned model", 0, hostCPUXML(x, "Haswell-v4", "Intel"), hostCPUXML(x, "Haswell-v4", "Intel"))
	add("newer versioned expand", expand, hostCPUXML(x, "Cascadelake-Server-v5", "Intel"))
	add("newer rapids", 0, hostCPUXML(x, "SapphireRapids", "Intel"), hostCPUXML(x, "GraniteRapids", "Intel", "vmx"))
	add("newer added features", expand, hostCPUXML(x, "Haswell", "Intel", "vmx-ept"))
	return steps
}

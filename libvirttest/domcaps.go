package libvirttest

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// archNames are the architectures libvirt knows (virArch).
var archNames = []string{
	"alpha", "armv6l", "armv7l", "armv7b", "aarch64", "cris", "i686", "ia64",
	"lm32", "loongarch64", "m68k", "microblaze", "microblazeel", "mips",
	"mipsel", "mips64", "mips64el", "openrisc", "parisc", "parisc64", "ppc",
	"ppcle", "ppc64", "ppc64le", "ppcemb", "riscv32", "riscv64", "s390",
	"s390x", "sh4", "sh4eb", "sparc", "sparc64", "unicore32", "x86_64",
	"xtensa", "xtensaeb",
}

// virtTypeNames are libvirt's domain types (virDomainVirtType).
var virtTypeNames = []string{
	"none", "qemu", "kqemu", "kvm", "xen", "lxc", "uml", "openvz", "test",
	"vmware", "hyperv", "vbox", "phyp", "parallels", "bhyve", "vz", "hvf",
}

// ConnectGetDomainCapabilities (libvirt 9.8 and later) describes what a
// domain of the given emulator, architecture (i686 by default), machine
// and type ("test" by default) may use: for the test driver, no CPU
// mode, no device and no launch security.
func (d *driver) ConnectGetDomainCapabilities(ctx context.Context, args *protocol.ConnectGetDomainCapabilitiesArgs) (*protocol.ConnectGetDomainCapabilitiesRet, error) {
	arch, virt := "i686", "test"
	if args.Arch != nil {
		if !slices.Contains(archNames, *args.Arch) {
			return nil, lvErrorf(libvirt.ErrInvalidArg, libvirt.FromTest, prefixInvArg, "unknown architecture: %s", *args.Arch)
		}
		arch = *args.Arch
	}
	if args.Virttype != nil {
		if !slices.Contains(virtTypeNames, *args.Virttype) {
			return nil, lvErrorf(libvirt.ErrInvalidArg, libvirt.FromTest, prefixInvArg, "unknown virttype: %s", *args.Virttype)
		}
		virt = *args.Virttype
	}
	var b strings.Builder
	b.WriteString("<domainCapabilities>\n")
	if args.Emulatorbin != nil {
		fmt.Fprintf(&b, "  <path>%s</path>\n", escapeLibvirt(*args.Emulatorbin))
	}
	fmt.Fprintf(&b, "  <domain>%s</domain>\n", virt)
	if args.Machine != nil {
		fmt.Fprintf(&b, "  <machine>%s</machine>\n", escapeLibvirt(*args.Machine))
	}
	fmt.Fprintf(&b, "  <arch>%s</arch>\n", arch)
	b.WriteString(`  <cpu>
    <mode name='host-passthrough' supported='no'/>
    <mode name='maximum' supported='no'/>
    <mode name='host-model' supported='no'/>
    <mode name='custom' supported='no'/>
  </cpu>
  <devices>
  </devices>
  <features>
    <sev supported='no'/>
    <sgx supported='no'/>
  </features>
</domainCapabilities>
`)
	return &protocol.ConnectGetDomainCapabilitiesRet{Capabilities: b.String()}, nil
}

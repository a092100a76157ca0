package libvirttest

import (
	"fmt"
	"strings"
)

// capabilitiesXML describes the test driver's fictional host: an i686
// machine with two NUMA cells of eight CPUs, and hvm and xen guests of
// type "test".
func capabilitiesXML() string {
	var b strings.Builder
	b.WriteString("<capabilities>\n\n  <host>\n    <cpu>\n      <arch>i686</arch>\n")
	b.WriteString("      <features>\n        <pae/>\n        <nonpae/>\n      </features>\n")
	for _, size := range []int{4, 8, 2048, 1048576} {
		fmt.Fprintf(&b, "      <pages unit='KiB' size='%d'/>\n", size)
	}
	b.WriteString("    </cpu>\n    <power_management/>\n    <iommu support='no'/>\n")
	b.WriteString("    <topology>\n      <cells num='2'>\n")
	cells := []struct {
		memKiB, pageKiB, pages int
	}{{2097152, 4, 524288}, {4194304, 8, 524288}}
	for id, c := range cells {
		fmt.Fprintf(&b, "        <cell id='%d'>\n", id)
		fmt.Fprintf(&b, "          <memory unit='KiB'>%d</memory>\n", c.memKiB)
		fmt.Fprintf(&b, "          <pages unit='KiB' size='%d'>%d</pages>\n", c.pageKiB, c.pages)
		b.WriteString("          <pages unit='KiB' size='2048'>0</pages>\n")
		b.WriteString("          <pages unit='KiB' size='1048576'>0</pages>\n")
		b.WriteString("          <cpus num='8'>\n")
		for core := 0; core < 8; core++ {
			cpu := id*8 + core
			fmt.Fprintf(&b, "            <cpu id='%d' socket_id='%d' die_id='0' core_id='%d' siblings='%d'/>\n", cpu, id, core, cpu)
		}
		b.WriteString("          </cpus>\n        </cell>\n")
	}
	b.WriteString("      </cells>\n    </topology>\n")
	b.WriteString("    <secmodel>\n      <model>testSecurity</model>\n      <doi></doi>\n    </secmodel>\n  </host>\n\n")
	for _, os := range []string{"hvm", "xen"} {
		fmt.Fprintf(&b, "  <guest>\n    <os_type>%s</os_type>\n    <arch name='i686'>\n", os)
		b.WriteString("      <wordsize>32</wordsize>\n      <emulator>/usr/bin/test-hv</emulator>\n")
		b.WriteString("      <domain type='test'/>\n    </arch>\n")
		b.WriteString("    <features>\n      <pae/>\n      <nonpae/>\n    </features>\n  </guest>\n\n")
	}
	b.WriteString("</capabilities>\n")
	return b.String()
}

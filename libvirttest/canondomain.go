package libvirttest

import (
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/virtwire/libvirt"
	"libvirt.org/go/libvirtxml"
)

// A domain's definition is kept as libvirtxml's parse of the document,
// with the defaults libvirt's parser and the test driver fill in applied
// once when it is defined (generated MACs stay the same afterwards), and
// formatted on every dumpxml with the live values (ID, memory, vCPUs).

// parseDomainDoc parses doc with libvirtxml and fills in the defaults.
func parseDomainDoc(doc string) (*libvirtxml.Domain, error) {
	x := &libvirtxml.Domain{}
	if err := x.Unmarshal(doc); err != nil {
		return nil, xmlError(err.Error())
	}
	domainDefaults(x)
	return x, nil
}

// domainDefaults applies what libvirt's domain parser (post-parse) and
// the test driver's callbacks add to a definition.
func domainDefaults(x *libvirtxml.Domain) {
	x.ID = nil
	if x.VCPU == nil {
		x.VCPU = &libvirtxml.DomainVCPU{Value: 1}
	}
	if x.VCPU.Placement == "" {
		x.VCPU.Placement = "static"
	}
	if x.VCPU.Placement == "auto" {
		if x.NUMATune == nil {
			x.NUMATune = &libvirtxml.DomainNUMATune{}
		}
		if x.NUMATune.Memory == nil {
			x.NUMATune.Memory = &libvirtxml.DomainNUMATuneMemory{}
		}
		if x.NUMATune.Memory.Mode == "" {
			x.NUMATune.Memory.Mode = "strict"
		}
		if x.NUMATune.Memory.Placement == "" && x.NUMATune.Memory.Nodeset == "" {
			x.NUMATune.Memory.Placement = "auto"
		}
	}
	if x.OS == nil {
		x.OS = &libvirtxml.DomainOS{}
	}
	if x.OS.Type == nil {
		x.OS.Type = &libvirtxml.DomainOSType{}
	}
	if x.OS.Type.Arch == "" {
		x.OS.Type.Arch = "i686" // the test driver's default architecture
	}
	if x.Clock == nil {
		x.Clock = &libvirtxml.DomainClock{Offset: "utc"}
	}
	if x.OnPoweroff == "" {
		x.OnPoweroff = "destroy"
	}
	if x.OnReboot == "" {
		x.OnReboot = "restart"
	}
	if x.OnCrash == "" {
		x.OnCrash = "destroy"
	}
	if x.Devices == nil {
		x.Devices = &libvirtxml.DomainDeviceList{}
	}
	devs := x.Devices
	perDeviceBoot := false
	for i := range devs.Disks {
		diskDefaults(&devs.Disks[i])
		perDeviceBoot = perDeviceBoot || devs.Disks[i].Boot != nil
	}
	for _, typ := range []string{"scsi", "fdc", "ide", "sata"} {
		addDiskControllers(devs, typ)
	}
	for i := range devs.Interfaces {
		n := &devs.Interfaces[i]
		perDeviceBoot = perDeviceBoot || n.Boot != nil
		if n.MAC == nil || n.MAC.Address == "" {
			n.MAC = &libvirtxml.DomainInterfaceMAC{Address: newMAC()}
		}
	}
	generateIfnames(devs)
	if x.OS.Type.Type == "hvm" && len(x.OS.BootDevices) == 0 && !perDeviceBoot && x.OS.Loader == nil && x.OS.Kernel == "" {
		x.OS.BootDevices = []libvirtxml.DomainBootDevice{{Dev: "hd"}}
	}
	chardevDefaults(x, devs)
	controllerDefaults(devs)
	if x.CPU != nil {
		if x.CPU.Model != nil && x.CPU.Model.Fallback == "" && (x.CPU.Mode == "" || x.CPU.Mode == "custom") {
			x.CPU.Model.Fallback = "allow"
		}
		if t := x.CPU.Topology; t != nil && t.Dies == 0 {
			t.Dies = 1
		}
	}
	for i := range devs.Watchdogs {
		if devs.Watchdogs[i].Action == "" {
			devs.Watchdogs[i].Action = "reset"
		}
	}
	for i := range devs.Graphics {
		graphicsDefaults(&devs.Graphics[i])
	}
	for i := range devs.Videos {
		videoDefaults(x, &devs.Videos[i], i == 0)
	}
}

// diskBusByPrefix is libvirt's choice of bus from a target's name.
var diskBusByPrefix = []struct{ prefix, bus string }{
	{"xvd", "xen"}, {"hd", "ide"}, {"sd", "scsi"}, {"vd", "virtio"}, {"fd", "fdc"}, {"ub", "usb"},
}

// diskIndex is virDiskNameToIndex: the letters after the prefix as a
// bijective base-26 number ("a" is 0, "z" 25, "aa" 26), or -1.
func diskIndex(name string) int {
	for _, p := range diskBusByPrefix {
		if strings.HasPrefix(name, p.prefix) {
			name = name[len(p.prefix):]
			break
		}
	}
	idx, n := 0, 0
	for _, c := range name {
		if c < 'a' || c > 'z' || n == 7 {
			break
		}
		if n > 0 {
			idx++
		}
		idx = idx*26 + int(c-'a')
		n++
	}
	if n == 0 {
		return -1
	}
	return idx
}

func diskDefaults(dk *libvirtxml.DomainDisk) {
	if dk.Device == "" {
		dk.Device = "disk"
	}
	if dk.Target == nil {
		return
	}
	if dk.Target.Bus == "" {
		if dk.Device == "floppy" {
			dk.Target.Bus = "fdc"
		} else {
			for _, p := range diskBusByPrefix {
				if strings.HasPrefix(dk.Target.Dev, p.prefix) {
					dk.Target.Bus = p.bus
					break
				}
			}
		}
	}
	if dk.Address != nil {
		return
	}
	idx := diskIndex(dk.Target.Dev)
	if idx < 0 {
		return
	}
	var ctrl, bus, unit uint
	switch dk.Target.Bus {
	case "ide":
		ctrl, bus, unit = uint(idx/4), uint(idx%4/2), uint(idx%2)
	case "scsi":
		ctrl, unit = uint(idx/7), uint(idx%7)
	case "sata":
		ctrl, unit = uint(idx/6), uint(idx%6)
	case "fdc":
		ctrl, unit = uint(idx/2), uint(idx%2)
	default:
		return
	}
	zero := uint(0)
	dk.Address = &libvirtxml.DomainAddress{Drive: &libvirtxml.DomainAddressDrive{
		Controller: &ctrl, Bus: &bus, Target: &zero, Unit: &unit}}
}

// addDiskControllers adds the controllers of type typ that the drive
// addresses of typ's disks refer to and the definition lacks.
func addDiskControllers(devs *libvirtxml.DomainDeviceList, typ string) {
	for _, dk := range devs.Disks {
		if dk.Target == nil || dk.Target.Bus != typ || dk.Address == nil || dk.Address.Drive == nil || dk.Address.Drive.Controller == nil {
			continue
		}
		idx := *dk.Address.Drive.Controller
		have := false
		for _, c := range devs.Controllers {
			if c.Type == typ && c.Index != nil && *c.Index == idx {
				have = true
			}
		}
		if !have {
			devs.Controllers = append(devs.Controllers, libvirtxml.DomainController{Type: typ, Index: &idx})
		}
	}
}

// generateIfnames names interfaces without a target testnetN, the first
// N no interface uses, as the test driver does.
func generateIfnames(devs *libvirtxml.DomainDeviceList) {
	used := func(name string) bool {
		for _, n := range devs.Interfaces {
			if n.Target != nil && n.Target.Dev == name {
				return true
			}
		}
		return false
	}
	for i := range devs.Interfaces {
		n := &devs.Interfaces[i]
		if n.Target != nil && n.Target.Dev != "" {
			continue
		}
		for ctr := 0; ctr < 1024; ctr++ {
			name := fmt.Sprintf("testnet%d", ctr)
			if !used(name) {
				if n.Target == nil {
					n.Target = &libvirtxml.DomainInterfaceTarget{}
				}
				n.Target.Dev = name
				break
			}
		}
	}
}

// controllerDefaults numbers controllers without an index (the next
// free one of their type) and adds the virtio-serial controller virtio
// channels and consoles need.
func controllerDefaults(devs *libvirtxml.DomainDeviceList) {
	for i := range devs.Controllers {
		c := &devs.Controllers[i]
		if c.Index != nil {
			continue
		}
		next := uint(0)
		for _, o := range devs.Controllers {
			if o.Type == c.Type && o.Index != nil && *o.Index >= next {
				next = *o.Index + 1
			}
		}
		c.Index = &next
	}
	needs := false
	for _, ch := range devs.Channels {
		needs = needs || (ch.Target != nil && ch.Target.VirtIO != nil)
	}
	for _, c := range devs.Consoles {
		needs = needs || (c.Target != nil && c.Target.Type == "virtio")
	}
	if !needs {
		return
	}
	for _, c := range devs.Controllers {
		if c.Type == "virtio-serial" {
			return
		}
	}
	zero := uint(0)
	devs.Controllers = append(devs.Controllers, libvirtxml.DomainController{Type: "virtio-serial", Index: &zero})
}

func chardevDefaults(x *libvirtxml.Domain, devs *libvirtxml.DomainDeviceList) {
	for i := range devs.Serials {
		s := &devs.Serials[i]
		if s.Target == nil {
			s.Target = &libvirtxml.DomainSerialTarget{}
		}
		if s.Target.Port == nil {
			p := uint(i)
			s.Target.Port = &p
		}
	}
	if len(devs.Consoles) == 0 {
		if len(devs.Serials) > 0 && x.OS.Type.Type == "hvm" {
			// libvirt shows the first serial port as the console too.
			s := devs.Serials[0]
			p := *s.Target.Port
			devs.Consoles = append(devs.Consoles, libvirtxml.DomainConsole{Source: s.Source, Protocol: s.Protocol,
				Target: &libvirtxml.DomainConsoleTarget{Type: "serial", Port: &p}, Log: s.Log})
		}
		return
	}
	c := &devs.Consoles[0]
	if c.Target == nil {
		c.Target = &libvirtxml.DomainConsoleTarget{}
	}
	if c.Target.Type == "" {
		c.Target.Type = "serial"
	}
	if c.Target.Type != "serial" {
		return
	}
	if c.Target.Port == nil {
		p := uint(0)
		c.Target.Port = &p
	}
	if len(devs.Serials) == 0 {
		// libvirt keeps a serial console as the first serial port too.
		p := *c.Target.Port
		devs.Serials = append(devs.Serials, libvirtxml.DomainSerial{Source: c.Source, Protocol: c.Protocol,
			Target: &libvirtxml.DomainSerialTarget{Port: &p}, Log: c.Log})
	}
}

func graphicsDefaults(g *libvirtxml.DomainGraphic) {
	switch {
	case g.VNC != nil && g.VNC.Socket == "":
		if len(g.VNC.Listeners) == 0 {
			g.VNC.Listeners = []libvirtxml.DomainGraphicListener{{Address: &libvirtxml.DomainGraphicListenerAddress{Address: g.VNC.Listen}}}
		}
	case g.Spice != nil:
		if len(g.Spice.Listeners) == 0 {
			g.Spice.Listeners = []libvirtxml.DomainGraphicListener{{Address: &libvirtxml.DomainGraphicListenerAddress{Address: g.Spice.Listen}}}
		}
	}
}

// videoDefaults: the test driver's default model, libvirt's default
// video RAM per model, one head, the first video primary.
func videoDefaults(x *libvirtxml.Domain, v *libvirtxml.DomainVideo, first bool) {
	m := &v.Model
	if m.Type == "" || m.Type == "default" {
		switch x.OS.Type.Type {
		case "xen", "linux":
			m.Type = "xen"
		default:
			m.Type = "cirrus"
		}
	}
	if m.VRam == 0 {
		switch m.Type {
		case "vga", "cirrus", "vmvga", "bochs":
			m.VRam = 16384
		case "qxl":
			m.VRam = 65536
		case "xen":
			m.VRam = 4096
		}
	}
	if m.Type == "qxl" {
		if m.Ram == 0 {
			m.Ram = 65536
		}
		if m.VGAMem == 0 {
			m.VGAMem = 16384
		}
	}
	if m.Heads == 0 {
		m.Heads = 1
	}
	if first {
		m.Primary = "yes"
	}
}

// newMAC generates an address in libvirt's default prefix 52:54:00.
func newMAC() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("52:54:00:%02x:%02x:%02x", b[0], b[1], b[2])
}

// formatXML formats the domain for dumpxml: with VIR_DOMAIN_XML_INACTIVE
// a running domain shows its persistent definition (the memory and vCPUs
// it was defined with, no live pinning).
func (dom *domain) formatXML(flags libvirt.DomainXMLFlags) string {
	meta := dom.metadata
	if flags&libvirt.DomainXMLInactive != 0 && dom.active() && dom.persistent {
		meta = dom.metadata.reparsed()
		if dom.cfgMeta != nil {
			meta = dom.cfgMeta
		}
		return formatDomain(dom.tunedDef(dom.def, true), -1, dom.def.memKiB, dom.def.vcpus, nil, meta, flags)
	}
	return formatDomain(dom.tunedDef(dom.running(), false), dom.id, dom.memKiB, dom.vcpus, dom.pins, meta, flags)
}

// formatDomain writes dom's definition as the test driver's dumpxml does
// with flags (VIR_DOMAIN_XML_*): the live ID unless inactive, memory in
// KiB, passwords only with VIR_DOMAIN_XML_SECURE.
func formatDomain(def *domainDef, id int32, curKiB uint64, vcpus int, pins map[int][]byte, meta metaSet, flags libvirt.DomainXMLFlags) string {
	x := *def.doc // shallow: the fields changed below are replaced, not edited
	// libvirt writes namespaced metadata with libxml2's serialiser:
	// inserted below, after restyling.
	x.Title, x.Description, x.Metadata = meta.title(), meta.description(), nil
	if len(pins) > 0 {
		tune := libvirtxml.DomainCPUTune{}
		if x.CPUTune != nil {
			tune = *x.CPUTune
		}
		tune.VCPUPin = nil
		for i := 0; i < def.maxCPUs; i++ {
			if m, ok := pins[i]; ok {
				tune.VCPUPin = append(tune.VCPUPin, libvirtxml.DomainCPUTuneVCPUPin{VCPU: uint(i), CPUSet: cpuSet(m)})
			}
		}
		x.CPUTune = &tune
	}
	if id >= 0 && flags&libvirt.DomainXMLInactive == 0 {
		v := int(id)
		x.ID = &v
	}
	x.UUID = def.uuid.String()
	x.Memory = &libvirtxml.DomainMemory{Value: uint(def.maxKiB), Unit: "KiB"}
	x.CurrentMemory = &libvirtxml.DomainCurrentMemory{Value: uint(curKiB), Unit: "KiB"}
	if kib, ok := maxMemoryKiB(def); ok {
		x.MaximumMemory = &libvirtxml.DomainMaxMemory{Value: uint(kib), Unit: "KiB", Slots: def.doc.MaximumMemory.Slots}
	}
	vcpu := *def.doc.VCPU
	vcpu.Value = uint(def.maxCPUs)
	vcpu.Current = 0
	if vcpus < def.maxCPUs {
		vcpu.Current = uint(vcpus)
	}
	x.VCPU = &vcpu
	// Aliases are formatted whatever the flags: a transient domain's
	// --inactive XML shows those of hot-plugged devices, as libvirt's.
	if flags&libvirt.DomainXMLSecure == 0 && def.doc.Devices != nil {
		devs := *x.Devices
		devs.Graphics = make([]libvirtxml.DomainGraphic, len(x.Devices.Graphics))
		for i, g := range x.Devices.Graphics {
			if g.VNC != nil {
				v := *g.VNC
				v.Passwd = ""
				g.VNC = &v
			}
			if g.Spice != nil {
				s := *g.Spice
				s.Passwd = ""
				g.Spice = &s
			}
			devs.Graphics[i] = g
		}
		x.Devices = &devs
	}
	out, err := x.Marshal()
	if err == nil {
		out, err = libvirtStyle(out)
		out = restoreEmptyGroupName(out) // tunexml.go
	}
	if err != nil {
		// Only a document libvirtxml itself parsed is marshalled.
		return "<!-- libvirttest: " + err.Error() + " -->\n"
	}
	return insertTopLevel(out, meta.block(), "name", "uuid", "genid", "title", "description")
}

// cpuSet writes a CPU bitmap as libvirt does: ranges and single CPUs
// separated by commas ("0-1,4").
func cpuSet(m []byte) string {
	var parts []string
	n := len(m) * 8
	for i := 0; i < n; {
		if m[i/8]&(1<<(i%8)) == 0 {
			i++
			continue
		}
		j := i
		for j+1 < n && m[(j+1)/8]&(1<<((j+1)%8)) != 0 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", i, j))
		} else {
			parts = append(parts, fmt.Sprint(i))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

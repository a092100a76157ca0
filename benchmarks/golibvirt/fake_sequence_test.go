package golibvirt

import (
	"errors"
	"fmt"
	"os"
	"strings"

	gl "github.com/digitalocean/go-libvirt"
)

// This file drives go-libvirt, a client this project did not write,
// through a sequence of calls whose results can be compared between
// libvirtd's test:///default and libvirttest's fake (fake_compare_test.go
// with the integration tag; fake_test.go runs it against the fake only).
// go-libvirt encodes booleans and optional-data flags as 0x01000000, so
// the sequence's first call also proves the fake decodes as leniently as
// libtirpc.

// glNorm renders values for comparison: UUIDs by order of first
// appearance (generated ones differ between daemons), the host name as
// <host>.
type glNorm struct {
	uuids map[gl.UUID]int
	host  string
}

func newGLNorm() *glNorm {
	h, _ := os.Hostname()
	return &glNorm{uuids: map[gl.UUID]int{}, host: h}
}

func (n *glNorm) uuid(u gl.UUID) string {
	if _, ok := n.uuids[u]; !ok {
		n.uuids[u] = len(n.uuids) + 1
	}
	return fmt.Sprintf("uuid#%d", n.uuids[u])
}

func (n *glNorm) dom(d gl.Domain) string {
	return fmt.Sprintf("dom{%s %s %d}", d.Name, n.uuid(d.UUID), d.ID)
}

// errText is what a go-libvirt error says: its code and message.
func (n *glNorm) errText(err error) string {
	var le gl.Error
	if errors.As(err, &le) {
		msg := le.Message
		if n.host != "" {
			msg = strings.ReplaceAll(msg, "'"+n.host+"'", "'<host>'")
		}
		return fmt.Sprintf("error %d: %s", le.Code, msg)
	}
	return "error: " + err.Error()
}

// glState is what the sequence remembers between calls.
type glState struct {
	dom, dom2 gl.Domain
	pool      gl.StoragePool
	vol       gl.StorageVol
}

// glStep is one go-libvirt call; it returns its result as text.
type glStep struct {
	name string
	run  func(l *gl.Libvirt, n *glNorm, s *glState) (string, error)
}

const glDomainXML = `<domain type='test'>
  <name>glcmp</name>
  <uuid>8c1a7e2e-4a55-4b8e-9a59-0b3f3e6c2d10</uuid>
  <memory unit='KiB'>524288</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/guest/glcmp.img'/>
      <target dev='vdc' bus='virtio'/>
    </disk>
  </devices>
</domain>`

const glVolXML = `<volume><name>glcmp.img</name><capacity unit='bytes'>4194304</capacity></volume>`

// glBogus is a flag bit no procedure of the sequence accepts.
const glBogus = 1 << 27

func glSequence() []glStep {
	var steps []glStep
	add := func(name string, run func(l *gl.Libvirt, n *glNorm, s *glState) (string, error)) {
		steps = append(steps, glStep{name, run})
	}
	str := func(v ...any) string { return fmt.Sprint(v...) }

	add("ConnectGetType", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		v, err := l.ConnectGetType()
		return str(v), err
	})
	add("ConnectGetLibVersion", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		v, err := l.ConnectGetLibVersion()
		return str(v), err
	})
	add("ConnectGetVersion", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		v, err := l.ConnectGetVersion()
		return str(v), err
	})
	add("ConnectGetMaxVcpus", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		v, err := l.ConnectGetMaxVcpus(gl.OptString{"test"})
		return str(v), err
	})
	add("NodeGetInfo", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		_, mem, cpus, mhz, nodes, sockets, cores, threads, err := l.NodeGetInfo()
		return str(mem, cpus, mhz, nodes, sockets, cores, threads), err
	})
	add("NodeGetFreeMemory", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		v, err := l.NodeGetFreeMemory()
		return str(v), err
	})
	add("NodeGetCellsFreeMemory", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		v, err := l.NodeGetCellsFreeMemory(0, 4)
		return str(v), err
	})
	add("NodeGetCPUMap", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		m, on, r, err := l.NodeGetCPUMap(1, 1, 0)
		return str(m, on, r), err
	})
	add("NodeGetCPUStats", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		v, np, err := l.NodeGetCPUStats(-1, 4, 0)
		return fmt.Sprintf("%+v %d", v, np), err
	})
	add("ConnectGetSysinfo", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		v, err := l.ConnectGetSysinfo(0)
		return v, err
	})
	add("ConnectListAllDomains", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		ds, cnt, err := l.ConnectListAllDomains(1, 0)
		var out []string
		for _, d := range ds {
			out = append(out, n.dom(d))
		}
		return str(out, cnt), err
	})
	add("ConnectListAllDomains bogus flag", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		_, cnt, err := l.ConnectListAllDomains(1, glBogus)
		return str(cnt), err
	})
	add("DomainLookupByName", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		d, err := l.DomainLookupByName("test")
		s.dom = d
		return n.dom(d), err
	})
	add("DomainLookupByName missing", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		_, err := l.DomainLookupByName("nope")
		return "", err
	})
	add("DomainLookupByID", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		d, err := l.DomainLookupByID(1)
		return n.dom(d), err
	})
	add("DomainLookupByUUID", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		d, err := l.DomainLookupByUUID(s.dom.UUID)
		return n.dom(d), err
	})
	add("DomainGetInfo", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		st, maxm, mem, nv, _, err := l.DomainGetInfo(s.dom)
		return str(st, maxm, mem, nv), err
	})
	add("DomainGetState", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		st, r, err := l.DomainGetState(s.dom, 0)
		return str(st, r), err
	})
	add("DomainGetState bogus flag", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		_, _, err := l.DomainGetState(s.dom, glBogus)
		return "", err
	})
	add("DomainGetVcpus", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		info, maps, err := l.DomainGetVcpus(s.dom, 2, 2)
		var out []string
		for _, i := range info {
			out = append(out, fmt.Sprintf("vcpu %d state %d cpu %d", i.Number, i.State, i.CPU))
		}
		return str(out, maps), err
	})
	add("DomainMemoryStats", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		v, err := l.DomainMemoryStats(s.dom, 13, 0)
		return fmt.Sprintf("%+v", v), err
	})
	add("DomainBlockStats", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		// The counters derive from the clock: only their presence is compared.
		rd, _, _, _, _, err := l.DomainBlockStats(s.dom, "vda")
		return str(rd > 0), err
	})
	add("DomainBlockStats missing disk", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		_, _, _, _, _, err := l.DomainBlockStats(s.dom, "sdz")
		return "", err
	})
	add("DomainInterfaceStats", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		rx, _, _, _, _, _, _, _, err := l.DomainInterfaceStats(s.dom, "aa:bb:cc:dd:ee:ff")
		return str(rx > 0), err
	})
	add("DomainGetBlockInfo", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		a, c, p, err := l.DomainGetBlockInfo(s.dom, "vda", 0)
		return str(a, c, p), err
	})
	add("DomainInterfaceAddresses", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		v, err := l.DomainInterfaceAddresses(s.dom, 0, 0)
		return fmt.Sprintf("%+v", v), err
	})
	add("DomainGetTime", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		sec, ns, err := l.DomainGetTime(s.dom, 0)
		return str(sec, ns), err
	})
	add("DomainGetHostname", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		v, err := l.DomainGetHostname(s.dom, 0)
		return v, err
	})
	add("DomainGetFsinfo", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		v, c, err := l.DomainGetFsinfo(s.dom, 0)
		return fmt.Sprintf("%+v %d", v, c), err
	})
	add("DomainGetControlInfo", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		a, b, c, err := l.DomainGetControlInfo(s.dom, 0)
		return str(a, b, c), err
	})
	add("DomainGetMemoryParameters", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		v, c, err := l.DomainGetMemoryParameters(s.dom, 3, 0)
		return fmt.Sprintf("%+v %d", v, c), err
	})
	add("DomainGetCPUStats", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		v, c, err := l.DomainGetCPUStats(s.dom, 3, -1, 1, 0)
		return fmt.Sprintf("%+v %d", v, c), err
	})
	add("ConnectGetAllDomainStats", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		v, err := l.ConnectGetAllDomainStats(nil, 0, 0)
		var out []string
		for _, r := range v {
			out = append(out, fmt.Sprintf("%s %+v", n.dom(r.Dom), r.Params))
		}
		return str(out), err
	})
	add("DomainGetXMLDesc bogus flag", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		_, err := l.DomainGetXMLDesc(s.dom, glBogus)
		return "", err
	})
	add("DomainDefineXML", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		d, err := l.DomainDefineXML(glDomainXML)
		s.dom2 = d
		return n.dom(d), err
	})
	add("DomainDefineXML malformed", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		_, err := l.DomainDefineXML("<domain type='test'><name>x</name></domain>")
		return "", err
	})
	add("DomainCreateWithFlags START_PAUSED", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		_, err := l.DomainCreateWithFlags(s.dom2, uint32(gl.DomainStartPaused))
		return "", err
	})
	add("DomainGetVcpus inactive", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		_, _, err := l.DomainGetVcpus(s.dom2, 1, 1)
		return "", err
	})
	add("DomainCreateWithFlags", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		d, err := l.DomainCreateWithFlags(s.dom2, 0)
		return n.dom(d), err
	})
	add("DomainGetState started", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		st, r, err := l.DomainGetState(s.dom2, 0)
		return str(st, r), err
	})
	add("DomainSuspend", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) { return "", l.DomainSuspend(s.dom2) })
	add("DomainSuspend again", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) { return "", l.DomainSuspend(s.dom2) })
	add("DomainResume", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) { return "", l.DomainResume(s.dom2) })
	add("DomainShutdownFlags bogus flag", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		return "", l.DomainShutdownFlags(s.dom2, glBogus)
	})
	add("DomainUndefineFlags bogus flag", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		return "", l.DomainUndefineFlags(s.dom2, glBogus)
	})
	add("DomainSetAutostart", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) { return "", l.DomainSetAutostart(s.dom2, 1) })
	add("DomainGetAutostart", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		v, err := l.DomainGetAutostart(s.dom2)
		return str(v), err
	})
	add("DomainManagedSave", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) { return "", l.DomainManagedSave(s.dom2, 0) })
	add("DomainHasManagedSaveImage", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		v, err := l.DomainHasManagedSaveImage(s.dom2, 0)
		return str(v), err
	})
	add("DomainUndefineFlags with image", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		return "", l.DomainUndefineFlags(s.dom2, 0)
	})
	add("DomainUndefineFlags MANAGED_SAVE", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		return "", l.DomainUndefineFlags(s.dom2, gl.DomainUndefineManagedSave)
	})
	add("DomainGetState undefined", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		_, _, err := l.DomainGetState(s.dom2, 0)
		return "", err
	})
	add("DomainCreateXML clash", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		_, err := l.DomainCreateXML("<domain type='test'><name>test</name><memory>1024</memory><os><type>hvm</type></os></domain>", 0)
		return "", err
	})
	add("NetworkLookupByName", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		v, err := l.NetworkLookupByName("default")
		return v.Name + " " + n.uuid(v.UUID), err
	})
	add("NetworkLookupByName missing", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		_, err := l.NetworkLookupByName("nope")
		return "", err
	})
	add("ConnectListAllStoragePools", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		ps, c, err := l.ConnectListAllStoragePools(1, 0)
		var out []string
		for _, p := range ps {
			out = append(out, p.Name+" "+n.uuid(p.UUID))
		}
		return str(out, c), err
	})
	add("StoragePoolLookupByName", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		p, err := l.StoragePoolLookupByName("default-pool")
		s.pool = p
		return p.Name, err
	})
	add("StoragePoolGetInfo", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		a, b, c, d, err := l.StoragePoolGetInfo(s.pool)
		return str(a, b, c, d), err
	})
	add("StorageVolCreateXML", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		v, err := l.StorageVolCreateXML(s.pool, glVolXML, 0)
		s.vol = v
		return v.Pool + " " + v.Name + " " + v.Key, err
	})
	add("StorageVolCreateXML again", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		_, err := l.StorageVolCreateXML(s.pool, glVolXML, 0)
		return "", err
	})
	add("StorageVolGetInfo", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		a, b, c, err := l.StorageVolGetInfo(s.vol)
		return str(a, b, c), err
	})
	add("StorageVolDelete", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) { return "", l.StorageVolDelete(s.vol, 0) })
	add("StoragePoolBuild active", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		return "", l.StoragePoolBuild(s.pool, 0)
	})
	add("ConnectFindStoragePoolSources", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		v, err := l.ConnectFindStoragePoolSources("logical", nil, 0)
		return v, err
	})
	add("ConnectListAllInterfaces", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		v, c, err := l.ConnectListAllInterfaces(1, 0)
		return fmt.Sprintf("%+v %d", v, c), err
	})
	add("ConnectListAllNodeDevices count", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		_, c, err := l.ConnectListAllNodeDevices(0, 0)
		return str(c), err
	})
	add("DomainListAllSnapshots", func(l *gl.Libvirt, n *glNorm, s *glState) (string, error) {
		v, c, err := l.DomainListAllSnapshots(s.dom, 1, 0)
		return fmt.Sprintf("%d %d", len(v), c), err
	})
	return steps
}

// runGLSequence runs the sequence on l and returns one line per step.
func runGLSequence(l *gl.Libvirt) []string {
	n, s := newGLNorm(), &glState{}
	var out []string
	for _, st := range glSequence() {
		v, err := st.run(l, n, s)
		if err != nil {
			v = n.errText(err)
		}
		out = append(out, st.name+": "+v)
	}
	return out
}

package chtest

import (
	"encoding/json"
	"fmt"
	"slices"

	ch "github.com/virtwire/libvirt/cloudhypervisor"
)

// vmModel is the fake's VM state. It is guarded by Server.api.
type vmModel struct {
	cfg       *ch.VmConfig // nil: no VM
	state     ch.VmState
	devices   map[string]string // device id -> PCI BDF ("" until booted)
	seq       map[string]int    // next index per generated id prefix
	nextSlot  int
	snapshots map[string]ch.VmConfig // destination URL -> config
	events    []string
}

func (m *vmModel) reset() {
	snaps := m.snapshots
	events := m.events
	*m = vmModel{devices: map[string]string{}, seq: map[string]int{}, nextSlot: 1, snapshots: snaps, events: events}
	if m.snapshots == nil {
		m.snapshots = map[string]ch.VmConfig{}
	}
}

func (m *vmModel) booted() bool {
	return m.cfg != nil && (m.state == ch.VmStateRunning || m.state == ch.VmStatePaused)
}

func (m *vmModel) event(format string, args ...any) {
	m.events = append(m.events, fmt.Sprintf(format, args...))
}

// deviceID returns id if set, else a generated "_<prefix><n>" id.
func (m *vmModel) deviceID(id *string, prefix string) string {
	if id != nil && *id != "" {
		return *id
	}
	n := m.seq[prefix]
	m.seq[prefix] = n + 1
	return fmt.Sprintf("_%s%d", prefix, n)
}

// bdf allocates the next PCI address on segment 0.
func (m *vmModel) bdf() string {
	s := fmt.Sprintf("0000:00:%02x.0", m.nextSlot)
	m.nextSlot++
	return s
}

// plug registers a device; it returns the BDF when the VM is booted and
// "" for a cold-plugged device.
func (m *vmModel) plug(id string) string {
	b := ""
	if m.booted() {
		b = m.bdf()
	}
	m.devices[id] = b
	return b
}

// bootDevices gives every cold-plugged device its PCI address.
func (m *vmModel) bootDevices() {
	ids := make([]string, 0, len(m.devices))
	for id, b := range m.devices {
		if b == "" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		m.devices[id] = m.bdf()
	}
}

// registerConfigDevices assigns ids to the devices of a new config.
func (m *vmModel) registerConfigDevices() {
	c := m.cfg
	for i := range c.Disks {
		id := m.deviceID(c.Disks[i].Id, "disk")
		c.Disks[i].Id = &id
		m.devices[id] = ""
	}
	for i := range c.Net {
		id := m.deviceID(c.Net[i].Id, "net")
		c.Net[i].Id = &id
		m.devices[id] = ""
	}
	for i := range c.Fs {
		id := m.deviceID(c.Fs[i].Id, "fs")
		c.Fs[i].Id = &id
		m.devices[id] = ""
	}
	for i := range c.Pmem {
		id := m.deviceID(c.Pmem[i].Id, "pmem")
		c.Pmem[i].Id = &id
		m.devices[id] = ""
	}
	for i := range c.Devices {
		id := m.deviceID(c.Devices[i].Id, "vfio")
		c.Devices[i].Id = &id
		m.devices[id] = ""
	}
}

// removeFromConfig drops the device id from every device list.
func (m *vmModel) removeFromConfig(id string) {
	c := m.cfg
	is := func(p *string) bool { return p != nil && *p == id }
	c.Disks = slices.DeleteFunc(c.Disks, func(d ch.DiskConfig) bool { return is(d.Id) })
	c.Net = slices.DeleteFunc(c.Net, func(d ch.NetConfig) bool { return is(d.Id) })
	c.Fs = slices.DeleteFunc(c.Fs, func(d ch.FsConfig) bool { return is(d.Id) })
	c.Pmem = slices.DeleteFunc(c.Pmem, func(d ch.PmemConfig) bool { return is(d.Id) })
	c.Devices = slices.DeleteFunc(c.Devices, func(d ch.DeviceConfig) bool { return is(d.Id) })
	c.Vdpa = slices.DeleteFunc(c.Vdpa, func(d ch.VdpaConfig) bool { return is(d.Id) })
	c.UserDevices = slices.DeleteFunc(c.UserDevices, func(d ch.UserDeviceConfig) bool { return is(d.Id) })
	c.GenericVhostUser = slices.DeleteFunc(c.GenericVhostUser, func(d ch.GenericVhostUserConfig) bool { return is(d.Id) })
	if c.Vsock != nil && is(c.Vsock.Id) {
		c.Vsock = nil
	}
}

// info builds the vm.info answer.
func (m *vmModel) info() ch.VmInfo {
	tree := map[string]ch.DeviceNode{}
	for id, b := range m.devices {
		node := ch.DeviceNode{Id: ptr(id)}
		if b != "" {
			node.PciBdf = ptr(b)
		}
		tree[id] = node
	}
	size := int64(0)
	if m.cfg.Memory != nil {
		size = m.cfg.Memory.Size
	}
	return ch.VmInfo{Config: cloneConfig(*m.cfg), State: m.state, DeviceTree: tree, MemoryActualSize: &size}
}

func ptr[T any](v T) *T { return &v }

// cloneConfig deep-copies a config through JSON.
func cloneConfig(c ch.VmConfig) ch.VmConfig {
	data, err := json.Marshal(c)
	if err != nil {
		return c
	}
	var out ch.VmConfig
	if err := json.Unmarshal(data, &out); err != nil {
		return c
	}
	return out
}

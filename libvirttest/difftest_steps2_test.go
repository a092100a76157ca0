//go:build integration

package libvirttest_test

import (
	"context"
	"sort"

	"github.com/virtwire/libvirt"
)

const difftNet2XML = `<network>
  <name>difftnet2</name>
  <uuid>2f0c1e55-8d2a-4c71-b0f4-6a3e1d9c7b42</uuid>
  <bridge name='difftbr2'/>
</network>`

const difftPool2XML = `<pool type='dir'>
  <name>difftpool2</name>
  <uuid>5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d</uuid>
  <target>
    <path>/difftpool2</path>
  </target>
</pool>`

// moreSteps are getters, setters and lists on the default objects and
// on transient networks and pools.
func moreSteps() []step {
	var steps []step
	add := func(name string, proc libvirt.Procedure, call func(ctx context.Context, s *side) ([]any, error)) {
		steps = append(steps, step{name, proc, call})
	}
	num := func(name string, proc libvirt.Procedure, f func(c *libvirt.Client, ctx context.Context) (int32, error)) {
		add(name, proc, func(ctx context.Context, s *side) ([]any, error) { v, err := f(s.c, ctx); return r(v), err })
	}
	names := func(name string, proc libvirt.Procedure, f func(c *libvirt.Client, ctx context.Context, n int32) ([]string, error)) {
		add(name, proc, func(ctx context.Context, s *side) ([]any, error) { v, err := f(s.c, ctx, 10); return r(v), err })
	}
	num("num defined domains", libvirt.ProcConnectNumOfDefinedDomains, (*libvirt.Client).ConnectNumOfDefinedDomains)
	names("defined domains", libvirt.ProcConnectListDefinedDomains, (*libvirt.Client).ConnectListDefinedDomains)
	num("num networks", libvirt.ProcConnectNumOfNetworks, (*libvirt.Client).ConnectNumOfNetworks)
	num("num defined networks", libvirt.ProcConnectNumOfDefinedNetworks, (*libvirt.Client).ConnectNumOfDefinedNetworks)
	names("networks", libvirt.ProcConnectListNetworks, (*libvirt.Client).ConnectListNetworks)
	names("defined networks", libvirt.ProcConnectListDefinedNetworks, (*libvirt.Client).ConnectListDefinedNetworks)
	num("num pools", libvirt.ProcConnectNumOfStoragePools, (*libvirt.Client).ConnectNumOfStoragePools)
	num("num defined pools", libvirt.ProcConnectNumOfDefinedStoragePools, (*libvirt.Client).ConnectNumOfDefinedStoragePools)
	names("pools", libvirt.ProcConnectListStoragePools, (*libvirt.Client).ConnectListStoragePools)
	names("defined pools", libvirt.ProcConnectListDefinedStoragePools, (*libvirt.Client).ConnectListDefinedStoragePools)
	num("num defined ifaces", libvirt.ProcConnectNumOfDefinedInterfaces, (*libvirt.Client).ConnectNumOfDefinedInterfaces)

	add("capabilities", libvirt.ProcConnectGetCapabilities, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.ConnectGetCapabilities(ctx)
		return r(v), err
	})
	// Legacy registrations on a second connection: on the first, a
	// legacy deregistration would remove the tester's own subscription,
	// as libvirtd removes a connection's first registration of the event.
	add("legacy event register", libvirt.ProcConnectDomainEventRegister, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c2.ConnectDomainEventRegister(ctx)
		return r(v), err
	})
	add("legacy event register again", libvirt.ProcConnectDomainEventRegister, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c2.ConnectDomainEventRegister(ctx)
		return r(v), err
	})
	add("legacy event deregister", libvirt.ProcConnectDomainEventDeregister, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c2.ConnectDomainEventDeregister(ctx)
		return r(v), err
	})
	add("legacy event deregister again", libvirt.ProcConnectDomainEventDeregister, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c2.ConnectDomainEventDeregister(ctx)
		return r(v), err
	})

	// The default domain.
	add("autostart", libvirt.ProcDomainGetAutostart, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainGetAutostart(ctx, s.dom)
		return r(v), err
	})
	add("set autostart", libvirt.ProcDomainSetAutostart, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetAutostart(ctx, s.dom, 1)
	})
	add("list autostart", libvirt.ProcConnectListAllDomains, func(ctx context.Context, s *side) ([]any, error) {
		a, err := s.c.ConnectListAllDomains(ctx, libvirt.ConnectListDomainsAutostart)
		return r(a, len(a)), err
	})
	add("max memory", libvirt.ProcDomainGetMaxMemory, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainGetMaxMemory(ctx, s.dom)
		return r(v), err
	})
	add("max vcpus", libvirt.ProcDomainGetMaxVCPUs, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainGetMaxVCPUs(ctx, s.dom)
		return r(v), err
	})
	add("os type", libvirt.ProcDomainGetOSType, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainGetOSType(ctx, s.dom)
		return r(v), err
	})
	add("persistent", libvirt.ProcDomainIsPersistent, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainIsPersistent(ctx, s.dom)
		return r(v), err
	})
	add("updated", libvirt.ProcDomainIsUpdated, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainIsUpdated(ctx, s.dom)
		return r(v), err
	})
	add("set title", libvirt.ProcDomainSetMetadata, func(ctx context.Context, s *side) ([]any, error) {
		t := "difft title"
		return nil, s.c.DomainSetMetadata(ctx, s.dom, libvirt.DomainMetadataTitle, &t, nil, nil, 0)
	})
	add("get title", libvirt.ProcDomainGetMetadata, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainGetMetadata(ctx, s.dom, libvirt.DomainMetadataTitle, nil, 0)
		return r(v), err
	})
	add("get description missing", libvirt.ProcDomainGetMetadata, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainGetMetadata(ctx, s.dom, libvirt.DomainMetadataDescription, nil, 0)
		return r(v), err
	})
	add("sched params flags", libvirt.ProcDomainGetSchedulerParametersFlags, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainGetSchedulerParametersFlags(ctx, s.dom, 1, 0)
		return r(v), err
	})
	add("set sched params", libvirt.ProcDomainSetSchedulerParameters, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetSchedulerParameters(ctx, s.dom, []libvirt.TypedParam{{Field: "weight", Value: libvirt.NewTypedParamValueUint(70)}})
	})
	add("set sched params flags bogus", libvirt.ProcDomainSetSchedulerParametersFlags, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetSchedulerParametersFlags(ctx, s.dom, []libvirt.TypedParam{{Field: "weight", Value: libvirt.NewTypedParamValueUint(70)}}, bogus)
	})
	add("set vcpus", libvirt.ProcDomainSetVCPUs, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetVCPUs(ctx, s.dom, 1)
	})
	add("set max memory running", libvirt.ProcDomainSetMaxMemory, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSetMaxMemory(ctx, s.dom, 1<<20)
	})
	add("shutdown transient missing", libvirt.ProcDomainShutdown, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainShutdown(ctx, libvirt.Domain{Name: "gone"})
	})
	add("messages", libvirt.ProcDomainGetMessages, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainGetMessages(ctx, s.dom, 0)
		return r(v), err
	})
	add("event register any", libvirt.ProcConnectDomainEventRegisterAny, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c2.ConnectDomainEventRegisterAny(ctx, int32(libvirt.DomainEventIDReboot))
	})
	add("event register any again", libvirt.ProcConnectDomainEventRegisterAny, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c2.ConnectDomainEventRegisterAny(ctx, int32(libvirt.DomainEventIDReboot))
	})
	add("event deregister any", libvirt.ProcConnectDomainEventDeregisterAny, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c2.ConnectDomainEventDeregisterAny(ctx, int32(libvirt.DomainEventIDReboot))
	})
	add("event deregister any again", libvirt.ProcConnectDomainEventDeregisterAny, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c2.ConnectDomainEventDeregisterAny(ctx, int32(libvirt.DomainEventIDReboot))
	})
	add("net event register", libvirt.ProcConnectNetworkEventRegisterAny, func(ctx context.Context, s *side) ([]any, error) {
		id, err := s.c.ConnectNetworkEventRegisterAny(ctx, libvirt.NetworkEventIDLifecycle, nil)
		s.cb = id
		return nil, err
	})
	add("net event deregister", libvirt.ProcConnectNetworkEventDeregisterAny, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.ConnectNetworkEventDeregisterAny(ctx, s.cb)
	})
	add("pool event register", libvirt.ProcConnectStoragePoolEventRegisterAny, func(ctx context.Context, s *side) ([]any, error) {
		id, err := s.c.ConnectStoragePoolEventRegisterAny(ctx, libvirt.StoragePoolEventIDLifecycle, nil)
		s.cb = id
		return nil, err
	})
	add("pool event deregister", libvirt.ProcConnectStoragePoolEventDeregisterAny, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.ConnectStoragePoolEventDeregisterAny(ctx, s.cb)
	})
	add("nodedev event register", libvirt.ProcConnectNodeDeviceEventRegisterAny, func(ctx context.Context, s *side) ([]any, error) {
		id, err := s.c.ConnectNodeDeviceEventRegisterAny(ctx, libvirt.NodeDeviceEventIDLifecycle, nil)
		s.cb = id
		return nil, err
	})
	add("nodedev event deregister", libvirt.ProcConnectNodeDeviceEventDeregisterAny, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.ConnectNodeDeviceEventDeregisterAny(ctx, s.cb)
	})
	add("nodedev active", libvirt.ProcNodeDeviceIsActive, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NodeDeviceIsActive(ctx, "computer")
		return r(v), err
	})
	add("nodedev persistent", libvirt.ProcNodeDeviceIsPersistent, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NodeDeviceIsPersistent(ctx, "computer")
		return r(v), err
	})

	// The default network and a transient one.
	add("net by uuid", libvirt.ProcNetworkLookupByUUID, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NetworkLookupByUUID(ctx, s.net.UUID)
		return r(v), err
	})
	add("net bridge", libvirt.ProcNetworkGetBridgeName, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NetworkGetBridgeName(ctx, s.net)
		return r(v), err
	})
	add("net active", libvirt.ProcNetworkIsActive, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NetworkIsActive(ctx, s.net)
		return r(v), err
	})
	add("net persistent", libvirt.ProcNetworkIsPersistent, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NetworkIsPersistent(ctx, s.net)
		return r(v), err
	})
	add("net autostart", libvirt.ProcNetworkGetAutostart, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NetworkGetAutostart(ctx, s.net)
		return r(v), err
	})
	add("net set autostart", libvirt.ProcNetworkSetAutostart, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.NetworkSetAutostart(ctx, s.net, 1)
	})
	add("net create xml", libvirt.ProcNetworkCreateXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NetworkCreateXML(ctx, difftNet2XML)
		s.net2 = v
		return r(v), err
	})
	add("net create xml again", libvirt.ProcNetworkCreateXMLFlags, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NetworkCreateXMLFlags(ctx, difftNet2XML, 0)
		return r(v), err
	})
	add("net transient persistent", libvirt.ProcNetworkIsPersistent, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NetworkIsPersistent(ctx, s.net2)
		return r(v), err
	})
	add("net transient undefine", libvirt.ProcNetworkUndefine, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.NetworkUndefine(ctx, s.net2)
	})
	add("net transient destroy", libvirt.ProcNetworkDestroy, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.NetworkDestroy(ctx, s.net2)
	})
	add("net define flags bogus", libvirt.ProcNetworkDefineXMLFlags, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NetworkDefineXMLFlags(ctx, difftNet2XML, bogus)
		return r(v), err
	})

	// The default pool and a transient one.
	add("pool lookup again", libvirt.ProcStoragePoolLookupByName, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StoragePoolLookupByName(ctx, "default-pool")
		s.pool = v
		return r(v), err
	})
	add("pool by uuid", libvirt.ProcStoragePoolLookupByUUID, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StoragePoolLookupByUUID(ctx, s.pool.UUID)
		return r(v), err
	})
	add("pool xml", libvirt.ProcStoragePoolGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StoragePoolGetXMLDesc(ctx, s.pool, 0)
		return r(v), err
	})
	add("pool active", libvirt.ProcStoragePoolIsActive, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StoragePoolIsActive(ctx, s.pool)
		return r(v), err
	})
	add("pool persistent", libvirt.ProcStoragePoolIsPersistent, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StoragePoolIsPersistent(ctx, s.pool)
		return r(v), err
	})
	add("pool autostart", libvirt.ProcStoragePoolGetAutostart, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StoragePoolGetAutostart(ctx, s.pool)
		return r(v), err
	})
	add("pool set autostart", libvirt.ProcStoragePoolSetAutostart, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.StoragePoolSetAutostart(ctx, s.pool, 1)
	})
	add("pool vol create", libvirt.ProcStorageVolCreateXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StorageVolCreateXML(ctx, s.pool, difftVolXML, 0)
		s.vol = v
		return r(v), err
	})
	add("pool vol clone", libvirt.ProcStorageVolCreateXMLFrom, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StorageVolCreateXMLFrom(ctx, s.pool, `<volume><name>difftclone.img</name><capacity>1048576</capacity></volume>`, s.vol, 0)
		return r(v), err
	})
	add("pool num vols", libvirt.ProcStoragePoolNumOfVolumes, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StoragePoolNumOfVolumes(ctx, s.pool)
		return r(v), err
	})
	// libvirtd keeps a pool's volumes in a hash table: its lists come in
	// an order that changes from run to run, so they are compared sorted.
	add("pool vol names", libvirt.ProcStoragePoolListVolumes, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StoragePoolListVolumes(ctx, s.pool, 10)
		sort.Strings(v)
		return r(v), err
	})
	add("pool all vols", libvirt.ProcStoragePoolListAllVolumes, func(ctx context.Context, s *side) ([]any, error) {
		a, err := s.c.StoragePoolListAllVolumes(ctx, s.pool, 0)
		sort.Slice(a, func(i, j int) bool { return a[i].Name < a[j].Name })
		return r(a, len(a)), err
	})
	add("vol by key", libvirt.ProcStorageVolLookupByKey, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StorageVolLookupByKey(ctx, s.vol.Key)
		return r(v), err
	})
	add("vol by path", libvirt.ProcStorageVolLookupByPath, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StorageVolLookupByPath(ctx, "/default-pool/difftvol.img")
		return r(v), err
	})
	add("vol by path missing", libvirt.ProcStorageVolLookupByPath, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StorageVolLookupByPath(ctx, "/nope/x.img")
		return r(v), err
	})
	add("pool by vol", libvirt.ProcStoragePoolLookupByVolume, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StoragePoolLookupByVolume(ctx, s.vol)
		return r(v), err
	})
	add("pool create xml", libvirt.ProcStoragePoolCreateXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StoragePoolCreateXML(ctx, difftPool2XML, 0)
		return r(v), err
	})
	add("pool create xml bogus", libvirt.ProcStoragePoolCreateXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.StoragePoolCreateXML(ctx, difftPool2XML, bogus)
		return r(v), err
	})
	return steps
}

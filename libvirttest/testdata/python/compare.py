# Runs one sequence of python3-libvirt calls against the URI given as
# argument and prints one line per call: its result or its error (code,
# domain, message). libvirttest's TestPythonFakeMatchesLibvirtd runs it
# against libvirtd's test:///default and the fake and compares the output.
import re
import socket
import sys

import libvirt

libvirt.registerErrorHandler(lambda ctx, err: None, None)
uri = sys.argv[1]
conn = libvirt.open(uri)
host = socket.gethostname()
uuids = {}


def norm(v):
    s = str(v)
    s = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
               lambda m: "uuid#%d" % uuids.setdefault(m.group(0), len(uuids) + 1), s)
    s = re.sub(r"\b%s\b" % re.escape(host), "<host>", s)
    return s.replace("\n", "\\n")


def call(name, f, message=True):
    """message=False leaves the error message out: XML syntax errors are
    worded by libxml2 in libvirtd (a known difference of the fake)."""
    try:
        out = norm(f())
    except libvirt.libvirtError as e:
        out = "error %d %d" % (e.get_error_code(), e.get_error_domain())
        if message:
            out += " " + norm(e.get_error_message())
    print("%s: %s" % (name, out))


BOGUS = 1 << 27
DOM = """<domain type='test'><name>pycmp</name>
<uuid>0b9a4c0e-7e39-4d0c-9f7a-2c1d3b4a5e6f</uuid>
<memory unit='KiB'>262144</memory><vcpu>2</vcpu><os><type>hvm</type></os>
<devices><disk type='file' device='disk'><source file='/guest/py.img'/><target dev='vdd'/></disk>
<interface type='network'><mac address='52:54:00:aa:bb:cc'/><source network='default'/></interface></devices>
</domain>"""

dom = conn.lookupByName("test")
call("type", conn.getType)
call("version", conn.getVersion)
call("libversion", conn.getLibVersion)
call("maxvcpus", lambda: conn.getMaxVcpus(None))
call("info", conn.getInfo)
call("freemem", conn.getFreeMemory)
call("cells", lambda: conn.getCellsFreeMemory(0, 4))
call("cpumap", lambda: conn.getCPUMap(0))
call("cpustats", lambda: sorted(conn.getCPUStats(-1, 0).items()))
call("sysinfo", lambda: conn.getSysinfo(0))
call("sysinfo bogus", lambda: conn.getSysinfo(BOGUS))
call("list", lambda: sorted(d.name() for d in conn.listAllDomains(0)))
call("list bogus", lambda: conn.listAllDomains(BOGUS))
call("lookup missing", lambda: conn.lookupByName("nope"))
call("dom info", lambda: dom.info()[:4])
call("dom state", lambda: dom.state(0))
call("dom state bogus", lambda: dom.state(BOGUS))
call("dom xml bogus", lambda: dom.XMLDesc(BOGUS))
call("vcpus", lambda: [(i[0], i[1], i[3]) for i in dom.vcpus()[0]] + [dom.vcpus()[1]])
call("vcpu pin info", lambda: dom.vcpuPinInfo(0))
call("emulator pin info", lambda: dom.emulatorPinInfo(0))
call("memory stats", lambda: sorted(dom.memoryStats().items()))
call("block stats", lambda: len(dom.blockStats("vda")))
call("block stats missing", lambda: dom.blockStats("sdz"))
call("block info", lambda: dom.blockInfo("vda", 0))
call("iface stats", lambda: len(dom.interfaceStats("aa:bb:cc:dd:ee:ff")))
call("iface stats missing", lambda: dom.interfaceStats("nope0"))
call("iface addresses", lambda: dom.interfaceAddresses(0, 0))
call("time", lambda: dom.getTime(0))
call("guest hostname", lambda: dom.hostname(0))
call("fsinfo", lambda: dom.fsInfo(0))
call("control info", lambda: dom.controlInfo(0))
call("memory params", lambda: sorted(dom.memoryParameters(0).items()))
call("blkio params", lambda: sorted(dom.blkioParameters(0).items()))
call("numa params", lambda: sorted(dom.numaParameters(0).items()))
call("cpu stats total", lambda: dom.getCPUStats(True, 0))
call("all stats", lambda: [(d.name(), sorted(s.items())) for d, s in conn.getAllDomainStats(0, 0)])
call("all stats active", lambda: [d.name() for d, s in conn.getAllDomainStats(libvirt.VIR_DOMAIN_STATS_STATE, libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE)])
call("snapshots", lambda: dom.listAllSnapshots(0))
call("has managed save", lambda: dom.hasManagedSaveImage(0))
call("define bogus", lambda: conn.defineXMLFlags(DOM, BOGUS))
d2 = conn.defineXML(DOM)
call("define", lambda: d2.name())
call("create paused", lambda: d2.createWithFlags(libvirt.VIR_DOMAIN_START_PAUSED))
call("create bogus", lambda: d2.createWithFlags(BOGUS))
call("inactive vcpus", d2.vcpus)
call("inactive memory stats", d2.memoryStats)
call("inactive time", lambda: d2.getTime(0))
call("create", lambda: d2.create())
call("create again", lambda: d2.create())
call("running iface addresses", lambda: d2.interfaceAddresses(0, 0))
call("pin", lambda: d2.pinVcpu(1, (True, False, True)))
call("vcpus after pin", lambda: [(i[0], i[3]) for i in d2.vcpus()[0]])
call("suspend", d2.suspend)
call("suspend again", d2.suspend)
call("resume", d2.resume)
call("shutdown bogus", lambda: d2.shutdownFlags(BOGUS))
call("destroy bogus", lambda: d2.destroyFlags(BOGUS))
call("undefine bogus", lambda: d2.undefineFlags(BOGUS))
# libvirtd keeps domains in a hash table: lists are compared sorted.
call("still defined", lambda: sorted(d.name() for d in conn.listAllDomains(0)))
call("setmem too much", lambda: d2.setMemory(1 << 30))
call("managed save", lambda: d2.managedSave(0))
call("state saved", lambda: d2.state(0))
call("undefine with image", lambda: d2.undefineFlags(0))
call("undefine managed save", lambda: d2.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE))
call("create clash", lambda: conn.createXML("<domain type='test'><name>test</name><memory>1024</memory><os><type>hvm</type></os></domain>", 0))
call("net lookup missing", lambda: conn.networkLookupByName("nope"))
net = conn.networkLookupByName("default")
call("net bridge", net.bridgeName)
call("net xml bogus", lambda: net.XMLDesc(BOGUS))
call("net undefine running", net.undefine)
call("pool lookup missing", lambda: conn.storagePoolLookupByName("nope"))
pool = conn.storagePoolLookupByName("default-pool")
call("pool info", pool.info)
call("pool build active", lambda: pool.build(0))
call("pool refresh bogus", lambda: pool.refresh(BOGUS))
call("vol create malformed", lambda: pool.createXML("<volume><name>x</name>", 0), message=False)
vol = pool.createXML("<volume><name>py.img</name><capacity>1048576</capacity></volume>", 0)
call("vol info", vol.info)
call("vol path", vol.path)
call("vol delete bogus", lambda: vol.delete(BOGUS))
call("vol delete", lambda: vol.delete(0))
call("pool sources logical", lambda: conn.findStoragePoolSources("logical", None, 0))
call("pool sources dir", lambda: conn.findStoragePoolSources("dir", None, 0))
call("ifaces", lambda: [i.name() for i in conn.listAllInterfaces(0)])
call("iface xml", lambda: conn.interfaceLookupByName("eth1").XMLDesc(0))
call("iface missing", lambda: conn.interfaceLookupByName("nope"))
call("nodedevs", lambda: sorted(d.name() for d in conn.listAllDevices(0)))
call("nodedev missing", lambda: conn.nodeDeviceLookupByName("nope"))
call("unsupported", lambda: dom.blockResize("vda", 1 << 20, 0))

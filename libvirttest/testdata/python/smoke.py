"""Smoke test of libvirttest's fake daemon with the Python bindings.

Usage: python3 smoke.py URI. Prints one line per check; the Go test
compares them.
"""
import sys
import threading

import libvirt

DOMAIN_XML = """<domain type='test'>
  <name>py1</name>
  <memory unit='MiB'>64</memory>
  <os><type>hvm</type></os>
</domain>"""


def main(uri):
    libvirt.virEventRegisterDefaultImpl()
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            libvirt.virEventRunDefaultImpl()

    threading.Thread(target=loop, daemon=True).start()

    conn = libvirt.open(uri)
    print("type", conn.getType())
    print("libversion", conn.getLibVersion())
    print("domains", sorted(d.name() for d in conn.listAllDomains()))
    dom = conn.lookupByName("test")
    print("test state", dom.state())
    try:
        conn.lookupByName("nosuch")
    except libvirt.libvirtError as e:
        print("lookup error", e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN)

    events = []
    got = threading.Event()

    def on_lifecycle(_conn, d, event, detail, _opaque):
        events.append((d.name(), event, detail))
        if len(events) == 4:
            got.set()

    cb = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_lifecycle, None)
    py = conn.defineXML(DOMAIN_XML)
    py.create()
    py.destroy()
    py.undefine()
    print("events arrived", got.wait(10))
    for e in events:
        print("event", *e)
    conn.domainEventDeregisterAny(cb)
    print("domains", sorted(d.name() for d in conn.listAllDomains()))
    conn.close()
    stop.set()


if __name__ == "__main__":
    main(sys.argv[1])

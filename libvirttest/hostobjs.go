package libvirttest

import (
	"context"
	"encoding/xml"
	"fmt"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// Storage pool source discovery and the snapshot lookup error (the
// host's interfaces are in iface.go, its node devices in nodedev.go).

// Storage pool types by name, numbered as libvirt's
// virStoragePoolType: 0 (dir) is what libvirt's parser cannot tell from
// "unknown", which is why the test driver reports "dir" as unknown.
var poolTypes = map[string]int{
	"dir": 0, "fs": 1, "netfs": 2, "logical": 3, "disk": 4, "iscsi": 5, "iscsi-direct": 6,
	"scsi": 7, "mpath": 8, "rbd": 9, "sheepdog": 10, "gluster": 11, "zfs": 12, "vstorage": 13,
}

const logicalPoolSources = `<sources>
  <source>
    <device path='/dev/sda20'/>
    <name>testvg1</name>
    <format type='lvm2'/>
  </source>
  <source>
    <device path='/dev/sda21'/>
    <name>testvg2</name>
    <format type='lvm2'/>
  </source>
</sources>
`

// ConnectFindStoragePoolSources answers the test driver's canned
// discovery: two volume groups for "logical", the host's /testshare for
// "netfs" (which needs a source host), and no discovery for other types.
func (d *driver) ConnectFindStoragePoolSources(ctx context.Context, args *protocol.ConnectFindStoragePoolSourcesArgs) (*protocol.ConnectFindStoragePoolSourcesRet, error) {
	t, known := poolTypes[args.Type]
	if known && t == 0 {
		return nil, lvErrorf(libvirt.ErrInternalError, libvirt.FromTest, prefixInternal, "unknown storage pool type %s", args.Type)
	}
	var host string
	if args.SrcSpec != nil {
		var src struct {
			XMLName xml.Name
			Host    struct {
				Name string `xml:"name,attr"`
			} `xml:"host"`
		}
		if err := parseXML(*args.SrcSpec, "srcSpec", &src); err != nil {
			return nil, err
		}
		host = src.Host.Name
	}
	switch args.Type {
	case "logical":
		return &protocol.ConnectFindStoragePoolSourcesRet{XML: logicalPoolSources}, nil
	case "netfs":
		if host == "" {
			return nil, inArg("hostname must be specified for netfs sources")
		}
		return &protocol.ConnectFindStoragePoolSourcesRet{XML: fmt.Sprintf(`<sources>
  <source>
    <host name='%s'/>
    <dir path='/testshare'/>
    <format type='nfs'/>
  </source>
</sources>
`, host)}, nil
	}
	return nil, lvErrorf(libvirt.ErrNoSupport, libvirt.FromTest, prefixNoSupport, "pool type '%s' does not support source discovery", args.Type)
}

func noSnapshot(name string) error {
	return lvErrorf(libvirt.ErrNoDomainSnapshot, libvirt.FromTest, "Domain snapshot not found: ", "no domain snapshot with matching name '%s'", name)
}

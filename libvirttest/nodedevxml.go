package libvirttest

import (
	"context"

	"github.com/virtwire/libvirt/protocol"
)

// nodeDevXML holds the test driver's host devices as libvirt formats
// them (identical in libvirt 9.0 and 11.3).
var nodeDevXML = map[string]string{
	"computer": `<device>
  <name>computer</name>
  <capability type='system'>
    <hardware>
      <vendor>Libvirt</vendor>
      <version>Test driver</version>
      <serial>123456</serial>
      <uuid>11111111-2222-3333-4444-555555555555</uuid>
    </hardware>
    <firmware>
      <vendor>Libvirt</vendor>
      <version>Test Driver</version>
      <release_date>01/22/2007</release_date>
    </firmware>
  </capability>
</device>
`,
	"scsi_host1": `<device>
  <name>scsi_host1</name>
  <parent>computer</parent>
  <capability type='scsi_host'>
    <host>1</host>
    <unique_id>0</unique_id>
    <capability type='fc_host'>
      <wwnn>2000000012341234</wwnn>
      <wwpn>1000000012341234</wwpn>
      <fabric_wwn>2000000043214321</fabric_wwn>
    </capability>
    <capability type='vport_ops'>
      <max_vports>0</max_vports>
      <vports>0</vports>
    </capability>
  </capability>
</device>
`,
	"scsi_host11": `<device>
  <name>scsi_host11</name>
  <parent>scsi_host1</parent>
  <capability type='scsi_host'>
    <host>11</host>
    <unique_id>10</unique_id>
    <capability type='fc_host'>
      <wwnn>2000000034563456</wwnn>
      <wwpn>1000000034563456</wwpn>
      <fabric_wwn>2000000043214321</fabric_wwn>
    </capability>
  </capability>
</device>
`,
	"scsi_host2": `<device>
  <name>scsi_host2</name>
  <parent>computer</parent>
  <capability type='scsi_host'>
    <host>2</host>
    <unique_id>1</unique_id>
    <capability type='fc_host'>
      <wwnn>2000000056785678</wwnn>
      <wwpn>1000000056785678</wwpn>
      <fabric_wwn>2000000087658765</fabric_wwn>
    </capability>
    <capability type='vport_ops'>
      <max_vports>0</max_vports>
      <vports>0</vports>
    </capability>
  </capability>
</device>
`,
}

// NodeDeviceGetXMLDesc returns a host device's definition. Every default
// device is active and persistent, so VIR_NODE_DEVICE_XML_INACTIVE
// changes nothing.
func (d *driver) NodeDeviceGetXMLDesc(ctx context.Context, args *protocol.NodeDeviceGetXMLDescArgs) (*protocol.NodeDeviceGetXMLDescRet, error) {
	n, err := nodeDevByName(args.Name)
	if err != nil {
		return nil, err
	}
	return &protocol.NodeDeviceGetXMLDescRet{XML: nodeDevXML[n.name]}, nil
}

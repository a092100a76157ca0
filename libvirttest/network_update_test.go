package libvirttest_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
)

// The default network as libvirtd 11.3's test:///default shows it after
// adding a DHCP host, a DNS TXT record and a port group (the same calls
// through virsh net-update).
const defaultNetworkUpdated = `<network>
  <name>default</name>
  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <dns>
    <txt name='t1' value='v1'/>
  </dns>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
      <host mac='52:54:00:00:00:01' name='a' ip='192.168.122.10'/>
    </dhcp>
  </ip>
  <portgroup name='pg1'>
  </portgroup>
</network>
`

func TestNetworkUpdateSections(t *testing.T) {
	_, c := client(t)
	ctx := testCtx(t)
	n, err := c.NetworkLookupByName(ctx, "default")
	require.NoError(t, err)
	up := func(cmd libvirt.NetworkUpdateCommand, sec libvirt.NetworkUpdateSection, xml string, flags libvirt.NetworkUpdateFlags) error {
		return c.NetworkUpdate(ctx, n, cmd, sec, -1, xml, flags)
	}
	require.NoError(t, up(libvirt.NetworkUpdateCommandAddLast, libvirt.NetworkSectionIPDHCPHost,
		`<host ip='192.168.122.10' name='a' mac='52:54:00:00:00:01'/>`, 0))
	require.NoError(t, up(libvirt.NetworkUpdateCommandAddLast, libvirt.NetworkSectionDNSTxt, `<txt name='t1' value='v1'/>`, 0))
	require.NoError(t, up(libvirt.NetworkUpdateCommandAddFirst, libvirt.NetworkSectionPortgroup, `<portgroup name='pg1'/>`, 0))
	// A CONFIG edit of the running network is kept apart, not shown.
	require.NoError(t, up(libvirt.NetworkUpdateCommandAddLast, libvirt.NetworkSectionIPDHCPHost,
		`<host mac='52:54:00:00:00:05' ip='192.168.122.50'/>`, libvirt.NetworkUpdateAffectConfig))
	xml, err := c.NetworkGetXMLDesc(ctx, n, 0)
	require.NoError(t, err)
	assert.Equal(t, defaultNetworkUpdated, xml)

	var le *libvirt.Error
	err = up(libvirt.NetworkUpdateCommandAddLast, libvirt.NetworkSectionIPDHCPHost,
		`<host mac='52:54:00:00:00:05' ip='192.168.122.51'/>`, libvirt.NetworkUpdateAffectConfig)
	require.True(t, errors.As(err, &le), "%v", err)
	assert.Equal(t, libvirt.ErrOperationInvalid, le.Code)
	assert.Contains(t, le.Message, "there is an existing dhcp host entry in network 'default'")

	err = up(libvirt.NetworkUpdateCommandModify, libvirt.NetworkSectionIPDHCPRange,
		`<range start='192.168.122.2' end='192.168.122.254'/>`, 0)
	require.True(t, errors.As(err, &le), "%v", err)
	assert.Equal(t, libvirt.ErrOperationUnsupported, le.Code)

	err = up(libvirt.NetworkUpdateCommandAddLast, libvirt.NetworkSectionBridge, `<bridge name='x'/>`, 0)
	require.True(t, errors.As(err, &le), "%v", err)
	assert.Equal(t, "Operation not supported: can't update 'bridge' section of network 'default'", le.Message)

	// Deleting what was added restores the definition.
	require.NoError(t, up(libvirt.NetworkUpdateCommandDelete, libvirt.NetworkSectionIPDHCPHost, `<host name='a'/>`, 0))
	require.NoError(t, up(libvirt.NetworkUpdateCommandDelete, libvirt.NetworkSectionDNSTxt, `<txt name='t1'/>`, 0))
	require.NoError(t, up(libvirt.NetworkUpdateCommandDelete, libvirt.NetworkSectionPortgroup, `<portgroup name='pg1'/>`, 0))
	xml, err = c.NetworkGetXMLDesc(ctx, n, 0)
	require.NoError(t, err)
	assert.NotContains(t, xml, "dns")
	assert.NotContains(t, xml, "portgroup")
	assert.Contains(t, xml, "<dhcp>\n      <range start='192.168.122.2' end='192.168.122.254'/>\n    </dhcp>")
}

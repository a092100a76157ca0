package libvirttest_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
)

// Redefining a snapshot from its own XML keeps it (and its children);
// under a new name it adds a snapshot as described; the parser's checks
// refuse what libvirtd refuses (messages as libvirtd 9.0 and 11.3 give
// them).
func TestSnapshotRedefine(t *testing.T) {
	_, c := client(t)
	ctx := testCtx(t)
	d, err := c.DomainLookupByName(ctx, "test")
	require.NoError(t, err)
	s1, err := c.DomainSnapshotCreateXML(ctx, d, `<domainsnapshot><name>s1</name></domainsnapshot>`, 0)
	require.NoError(t, err)
	_, err = c.DomainSnapshotCreateXML(ctx, d, `<domainsnapshot><name>s2</name></domainsnapshot>`, 0)
	require.NoError(t, err)
	x1, err := c.DomainSnapshotGetXMLDesc(ctx, s1, 0)
	require.NoError(t, err)

	_, err = c.DomainSnapshotCreateXML(ctx, d, x1, libvirt.DomainSnapshotCreateRedefine)
	require.NoError(t, err)
	cur, err := c.DomainSnapshotCurrent(ctx, d, 0)
	require.NoError(t, err)
	assert.Equal(t, "s2", cur.Name, "REDEFINE without CURRENT keeps the current snapshot")

	x3 := strings.Replace(x1, "<name>s1</name>", "<name>s3</name>", 1)
	_, err = c.DomainSnapshotCreateXML(ctx, d, x3, libvirt.DomainSnapshotCreateRedefine|libvirt.DomainSnapshotCreateCurrent)
	require.NoError(t, err)
	cur, err = c.DomainSnapshotCurrent(ctx, d, 0)
	require.NoError(t, err)
	assert.Equal(t, "s3", cur.Name)
	got, err := c.DomainSnapshotGetXMLDesc(ctx, cur, 0)
	require.NoError(t, err)
	assert.Equal(t, x3, got)

	var le *libvirt.Error
	_, err = c.DomainSnapshotCreateXML(ctx, d, `<domainsnapshot><name>s1</name><state>running</state><creationTime>1</creationTime><parent><name>s2</name></parent></domainsnapshot>`, libvirt.DomainSnapshotCreateRedefine)
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "invalid argument: parent s2 would create cycle to s1", le.Message)
	_, err = c.DomainSnapshotCreateXML(ctx, d, `<domainsnapshot><name>s4</name><state>shutoff</state><creationTime>1</creationTime></domainsnapshot>`, libvirt.DomainSnapshotCreateRedefine)
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "internal error: missing domain in snapshot", le.Message)
}

// A checkpoint redefined as a child of the current one becomes current.
func TestCheckpointRedefine(t *testing.T) {
	_, c := client(t)
	ctx := testCtx(t)
	d, err := c.DomainLookupByName(ctx, "test")
	require.NoError(t, err)
	c1, err := c.DomainCheckpointCreateXML(ctx, d, `<domaincheckpoint><name>c1</name></domaincheckpoint>`, 0)
	require.NoError(t, err)
	x1, err := c.DomainCheckpointGetXMLDesc(ctx, c1, 0)
	require.NoError(t, err)
	x2 := strings.Replace(x1, "<name>c1</name>", "<name>c2</name>\n  <parent>\n    <name>c1</name>\n  </parent>", 1)
	_, err = c.DomainCheckpointCreateXML(ctx, d, x2, libvirt.DomainCheckpointCreateRedefine)
	require.NoError(t, err)
	c3, err := c.DomainCheckpointCreateXML(ctx, d, `<domaincheckpoint><name>c3</name></domaincheckpoint>`, 0)
	require.NoError(t, err)
	p, err := c.DomainCheckpointGetParent(ctx, c3, 0)
	require.NoError(t, err)
	assert.Equal(t, "c2", p.Name)
}

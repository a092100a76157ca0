package libvirttest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
)

// What libvirtd 11.3's (and 9.0's) test:///default shows for the same
// SetMetadata calls on its "test" domain: the element with the key as
// prefix in the XML, libxml2's formatting, and GetMetadata's copy
// without the prefix.
func TestMetadataElementsInXML(t *testing.T) {
	_, c := client(t)
	ctx := testCtx(t)
	d, err := c.DomainLookupByName(ctx, "test")
	require.NoError(t, err)
	s := func(v string) *string { return &v }
	require.NoError(t, c.DomainSetMetadata(ctx, d, libvirt.DomainMetadataElement,
		s(`<app attr='x' b="y"><sub>1 &amp; 2</sub><empty/></app>`), s("d"), s("http://example.org/difft"), 0))
	require.NoError(t, c.DomainSetMetadata(ctx, d, libvirt.DomainMetadataElement,
		s(`<other>text</other>`), s("o"), s("http://example.org/other"), 0))
	x, err := c.DomainGetXMLDesc(ctx, d, 0)
	require.NoError(t, err)
	assert.Contains(t, x, `  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
  <metadata>
    <d:app xmlns:d="http://example.org/difft" attr="x" b="y">
      <d:sub>1 &amp; 2</d:sub>
      <d:empty/>
    </d:app>
    <o:other xmlns:o="http://example.org/other">text</o:other>
  </metadata>
  <memory unit='KiB'>`)
	v, err := c.DomainGetMetadata(ctx, d, libvirt.DomainMetadataElement, s("http://example.org/difft"), 0)
	require.NoError(t, err)
	assert.Equal(t, "<app attr=\"x\" b=\"y\">\n  <sub>1 &amp; 2</sub>\n  <empty/>\n</app>", v)

	err = c.DomainSetMetadata(ctx, d, libvirt.DomainMetadataElement, s(`<ok/>`), s("bad key"), s("http://example.org/b"), 0)
	var le *libvirt.Error
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "internal error: failed to validate prefix for a new XML namespace", le.Message)
}

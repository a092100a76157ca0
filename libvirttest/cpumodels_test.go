package libvirttest_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/libvirttest"
)

// A CPU map shaped like libvirt's (an index naming per-architecture
// files, directly and in groups), written for the test.
func writeCPUMap(t *testing.T) string {
	dir := t.TempDir()
	files := map[string]string{
		"index.xml": `<cpus>
  <arch name='x86'>
    <include filename='x86_features.xml'/>
    <include filename='x86_a.xml'/>
    <group name='g'>
      <include filename='x86_b.xml'/>
    </group>
  </arch>
  <arch name='ppc64'>
    <include filename='ppc64_p.xml'/>
  </arch>
</cpus>`,
		"x86_features.xml": `<cpus><feature name='f'><cpuid eax_in='0x01' ecx='0x1'/></feature></cpus>`,
		"x86_a.xml":        `<cpus><model name='Alpha'><feature name='f'/></model></cpus>`,
		"x86_b.xml":        `<cpus><model name='Beta'/><model name='Beta-v1'/></cpus>`,
		"ppc64_p.xml":      `<cpus><model name='P1'/></cpus>`,
	}
	for name, body := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	return dir
}

func TestCPUModelNamesFromTheCPUMap(t *testing.T) {
	ctx := testCtx(t)
	srv := libvirttest.New(t, libvirttest.WithCPUMap(writeCPUMap(t)))
	c, err := srv.Client(ctx)
	require.NoError(t, err)
	defer c.Close()
	m, err := c.ConnectGetCPUModelNames(ctx, "x86_64", 0)
	require.NoError(t, err)
	assert.Equal(t, []string{"Alpha", "Beta", "Beta-v1"}, m)
	m, err = c.ConnectGetCPUModelNames(ctx, "ppc64le", 0)
	require.NoError(t, err)
	assert.Equal(t, []string{"P1"}, m)
	m, err = c.ConnectGetCPUModelNames(ctx, "aarch64", 0)
	require.NoError(t, err)
	assert.Empty(t, m)

	var le *libvirt.Error
	_, err = c.ConnectGetCPUModelNames(ctx, "mips", 0)
	require.ErrorAs(t, err, &le)
	assert.Equal(t, libvirt.ErrNoSupport, le.Code)
	_, err = c.ConnectGetCPUModelNames(ctx, "nope", 0)
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "invalid argument: cannot find architecture nope", le.Message)
}

func TestCPUModelNamesWithoutACPUMap(t *testing.T) {
	ctx := testCtx(t)
	dir := filepath.Join(t.TempDir(), "absent")
	srv := libvirttest.New(t, libvirttest.WithCPUMap(dir))
	c, err := srv.Client(ctx)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.ConnectGetCPUModelNames(ctx, "x86_64", 0)
	var le *libvirt.Error
	require.ErrorAs(t, err, &le)
	assert.Equal(t, libvirt.ErrXMLError, le.Code)
	assert.Equal(t, libvirt.FromCPU, le.Domain)
	assert.Equal(t, "XML error: failed to parse xml document '"+filepath.Join(dir, "index.xml")+"'", le.Message)
}

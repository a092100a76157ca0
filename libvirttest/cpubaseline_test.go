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

// writeBaselineMap writes a small x86 CPU map: two vendors, features
// in CPUID leaf 1 and in an MSR, a vendor-less model, an Intel model
// with a later-added feature, a versioned alias the map keeps from
// guest definitions, and an AMD model that drops a feature.
func writeBaselineMap(t *testing.T) string {
	dir := t.TempDir()
	files := map[string]string{
		"index.xml": `<cpus><arch name='x86'>
  <include filename='x86_vendors.xml'/>
  <include filename='x86_features.xml'/>
  <group name='models'>
    <include filename='x86_Base.xml'/>
    <include filename='x86_Fast.xml'/>
  </group>
  <include filename='x86_Amd1.xml'/>
</arch></cpus>`,
		"x86_vendors.xml": `<cpus><vendor name='Intel' string='GenuineIntel'/><vendor name='AMD' string='AuthenticAMD'/></cpus>`,
		"x86_features.xml": `<cpus>
  <feature name='fpu'><cpuid eax_in='0x01' edx='0x00000001'/></feature>
  <feature name='sse'><cpuid eax_in='0x01' edx='0x00000002'/></feature>
  <feature name='avx'><cpuid eax_in='0x01' ecx='0x00000004'/></feature>
  <feature name='aes'><cpuid eax_in='0x01' ecx='0x00000008'/></feature>
  <feature name='mon'><cpuid eax_in='0x01' ecx='0x00000010'/></feature>
  <feature name='ept'><msr index='0x48c' edx='0x0' eax='0x1'/></feature>
</cpus>`,
		"x86_Base.xml": `<cpus><model name='Base'><decode host='on' guest='on'/>
  <feature name='fpu'/><feature name='sse'/></model></cpus>`,
		"x86_Fast.xml": `<cpus>
  <model name='Fast'><decode host='on' guest='on'/><vendor name='Intel'/>
    <feature name='fpu'/><feature name='sse'/><feature name='avx'/><feature name='aes'/><feature name='ept' added='yes'/></model>
  <model name='Fast-v1'><decode host='on' guest='off'/><model name='Fast'/></model>
</cpus>`,
		"x86_Amd1.xml": `<cpus><model name='Amd1'><decode host='on' guest='on'/><vendor name='AMD'/>
  <feature name='fpu'/><feature name='sse'/><feature name='aes'/><feature name='mon' removed='yes'/></model></cpus>`,
	}
	for name, body := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	return dir
}

func TestBaselineCPUFromTheCPUMap(t *testing.T) {
	ctx := testCtx(t)
	srv := libvirttest.New(t, libvirttest.WithCPUMap(writeBaselineMap(t)))
	c, err := srv.Client(ctx)
	require.NoError(t, err)
	defer c.Close()
	cpu := func(model, vendor string, features ...string) string {
		s := "<cpu><arch>x86_64</arch><model>" + model + "</model>"
		if vendor != "" {
			s += "<vendor>" + vendor + "</vendor>"
		}
		for _, f := range features {
			s += "<feature name='" + f + "'/>"
		}
		return s + "</cpu>"
	}
	expand := libvirt.ConnectBaselineCPUExpandFeatures
	for _, tc := range []struct {
		name  string
		flags libvirt.ConnectBaselineCPUFlags
		cpus  []string
		want  string
	}{
		{"the one model asked for is kept", 0, []string{cpu("Fast", "Intel"), cpu("Fast", "Intel")},
			"<cpu mode='custom' match='exact'>\n  <model fallback='forbid'>Fast</model>\n  <vendor>Intel</vendor>\n</cpu>\n"},
		{"the model needing fewest features wins", 0, []string{cpu("Fast", "Intel"), cpu("Base", "Intel")},
			"<cpu mode='custom' match='exact'>\n  <model fallback='allow'>Base</model>\n  <vendor>Intel</vendor>\n</cpu>\n"},
		{"listed features are required", 0, []string{cpu("Base", "", "avx", "mon")},
			"<cpu mode='custom' match='exact'>\n  <model fallback='forbid'>Base</model>\n" +
				"  <feature policy='require' name='avx'/>\n  <feature policy='require' name='mon'/>\n</cpu>\n"},
		{"expanded features are sorted, added ones left out", expand, []string{cpu("Fast", "Intel")},
			"<cpu mode='custom' match='exact'>\n  <model fallback='forbid'>Fast</model>\n  <vendor>Intel</vendor>\n" +
				"  <feature policy='require' name='aes'/>\n  <feature policy='require' name='avx'/>\n" +
				"  <feature policy='require' name='fpu'/>\n  <feature policy='require' name='sse'/>\n</cpu>\n"},
		{"a model kept from guests is replaced by its ancestor", 0, []string{cpu("Fast-v1", "Intel")},
			"<cpu mode='custom' match='exact'>\n  <model fallback='allow'>Fast</model>\n  <vendor>Intel</vendor>\n</cpu>\n"},
		{"removed features are disabled", 0, []string{cpu("Amd1", "AMD")},
			"<cpu mode='custom' match='exact'>\n  <model fallback='forbid'>Amd1</model>\n  <vendor>AMD</vendor>\n" +
				"  <feature policy='disable' name='mon'/>\n</cpu>\n"},
		{"a vendor missing from one CPU is left out", 0, []string{cpu("Fast", "Intel"), cpu("Fast", "")},
			"<cpu mode='custom' match='exact'>\n  <model fallback='forbid'>Fast</model>\n</cpu>\n"},
	} {
		got, err := c.ConnectBaselineCPU(ctx, tc.cpus, tc.flags)
		if assert.NoError(t, err, tc.name) {
			assert.Equal(t, tc.want, got, tc.name)
		}
	}

	for _, tc := range []struct {
		name  string
		flags libvirt.ConnectBaselineCPUFlags
		cpus  []string
		code  libvirt.ErrorNumber
		msg   string
	}{
		{"vendors differ", 0, []string{cpu("Fast", "Intel"), cpu("Amd1", "AMD")},
			libvirt.ErrOperationFailed, "operation failed: CPU vendors do not match"},
		{"unknown model", 0, []string{cpu("Nope", "")}, libvirt.ErrInternalError, "internal error: Unknown CPU model Nope"},
		{"unknown feature", 0, []string{cpu("Base", "", "nope")}, libvirt.ErrInternalError, "internal error: Unknown CPU feature nope"},
		{"no architecture", 0, []string{"<cpu><model>Base</model></cpu>"}, libvirt.ErrXMLError, "XML error: Missing CPU architecture"},
		{"no CPUs", 0, nil, libvirt.ErrInvalidArg, "xmlCPUs in virConnectBaselineCPU must not be NULL"},
		{"migratable is not accepted", libvirt.ConnectBaselineCPUMigratable, []string{cpu("Base", "")},
			libvirt.ErrInvalidArg, "unsupported flags (0x2) in function testConnectBaselineCPU"},
	} {
		_, err := c.ConnectBaselineCPU(ctx, tc.cpus, tc.flags)
		var le *libvirt.Error
		if assert.ErrorAs(t, err, &le, tc.name) {
			assert.Equal(t, tc.code, le.Code, tc.name)
			assert.Equal(t, tc.msg, le.Message, tc.name)
		}
	}
}

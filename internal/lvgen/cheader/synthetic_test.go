package cheader

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeTree writes files (slash-separated relative names) under a new
// temporary directory and returns it.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const sampleHeader = `#ifndef SAMPLE_H
# define SAMPLE_H
# include <other/helper.h>
# define SAMPLE_ATTR __attribute__((__unused__))
# define SAMPLE_FN(x) ((x) + 1)
# define SAMPLE_EMPTY
# define SAMPLE_TYPE struct sample
typedef enum {
    S_A,
    S_B = 1 << 3,
    S_C,
    S_NEG = -5,
    S_REF = S_B | S_A,
    S_HELPER = HELPER_BASE + 1,
# ifdef VIR_ENUM_SENTINELS
    S_LAST
# endif
} sampleKind;
enum _sampleTagged { T_ONE = 1, T_TWO };
# define SAMPLE_SIZE (4096 + 1)
# define SAMPLE_ALIAS SAMPLE_SIZE
# define SAMPLE_FROM_ENUM S_C
# define SAMPLE_CHAR 'x'
# define SAMPLE_NEG (-(1 << 4))
# define SAMPLE_JOINED "abc" "def"
# define SAMPLE_PAREN ("paren")
# define SAMPLE_ESC "tab\there"
# define SAMPLE_FROM_HELPER HELPER_BASE
# define SAMPLE_CALL SAMPLE_FN(2)
# define SAMPLE_MIXED "a" + 1
# define SAMPLE_FLOAT 1.5
#endif
`

const helperHeader = `#define HELPER_BASE 100
typedef enum { H_X = 7 } helperKind;
`

func TestLoadSynthetic(t *testing.T) {
	root := writeTree(t, map[string]string{
		"inc/libvirt/sample.h": sampleHeader,
		"inc/other/helper.h":   helperHeader,
	})
	h, err := Load([]string{filepath.Join(root, "inc")}, []string{"libvirt/sample.h"})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}

	wantEnums := []Enum{
		{Name: "sampleKind", File: "sample.h", Members: []Member{
			{"S_A", 0}, {"S_B", 8}, {"S_C", 9}, {"S_NEG", -5}, {"S_REF", 8}, {"S_HELPER", 101},
		}},
		{Name: "_sampleTagged", File: "sample.h", Members: []Member{{"T_ONE", 1}, {"T_TWO", 2}}},
	}
	if !reflect.DeepEqual(h.Enums, wantEnums) {
		t.Errorf("enums = %+v\nwant %+v", h.Enums, wantEnums)
	}

	wantMacros := []Macro{
		{Name: "SAMPLE_SIZE", File: "sample.h", Int: 4097},
		{Name: "SAMPLE_ALIAS", File: "sample.h", Int: 4097},
		{Name: "SAMPLE_FROM_ENUM", File: "sample.h", Int: 9},
		{Name: "SAMPLE_CHAR", File: "sample.h", Int: 'x'},
		{Name: "SAMPLE_NEG", File: "sample.h", Int: -16},
		{Name: "SAMPLE_JOINED", File: "sample.h", IsString: true, Str: "abcdef"},
		{Name: "SAMPLE_PAREN", File: "sample.h", IsString: true, Str: "paren"},
		{Name: "SAMPLE_ESC", File: "sample.h", IsString: true, Str: "tab\there"},
		{Name: "SAMPLE_FROM_HELPER", File: "sample.h", Int: 100},
	}
	if !reflect.DeepEqual(h.Macros, wantMacros) {
		t.Errorf("macros = %+v\nwant %+v", h.Macros, wantMacros)
	}
}

func TestLoadMissingEntry(t *testing.T) {
	dir := t.TempDir()
	_, err := Load([]string{dir}, []string{"libvirt/nonexistent.h"})
	if err == nil {
		t.Fatal("Load succeeded for a missing header")
	}
	if !strings.Contains(err.Error(), "libvirt/nonexistent.h") || !strings.Contains(err.Error(), "not found") {
		t.Errorf("unclear error: %v", err)
	}
	t.Logf("error: %v", err)

	if _, err := Load([]string{dir}, nil); err == nil {
		t.Error("Load succeeded without entries")
	}
}

func TestLoadSyntaxError(t *testing.T) {
	root := writeTree(t, map[string]string{
		"libvirt/broken.h": "typedef enum {\n    B_ONE = ,\n} broken;\n",
	})
	_, err := Load([]string{root}, []string{"libvirt/broken.h"})
	if err == nil {
		t.Fatal("Load succeeded for a header with a syntax error")
	}
	if !strings.Contains(err.Error(), "broken.h:2") {
		t.Errorf("error does not point at broken.h line 2: %v", err)
	}
	t.Logf("error: %v", err)
}

func TestLoadSystemHeadersExcluded(t *testing.T) {
	root := writeTree(t, map[string]string{
		"libvirt/uses_std.h": "#include <stdint.h>\n#include <errno.h>\n#define MY_MAX INT32_MAX\n#define MY_ERR ENOENT\n",
	})
	h, err := Load([]string{root}, []string{"libvirt/uses_std.h"})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(h.Enums) != 0 {
		t.Errorf("enums from system headers leaked: %+v", h.Enums)
	}
	want := []Macro{
		{Name: "MY_MAX", File: "uses_std.h", Int: 2147483647},
		{Name: "MY_ERR", File: "uses_std.h", Int: 2},
	}
	if !reflect.DeepEqual(h.Macros, want) {
		t.Errorf("macros = %+v, want %+v", h.Macros, want)
	}
}

func TestCommonHeaderTemplate(t *testing.T) {
	const tmpl = "#define LIBVIR_VERSION_NUMBER @LIBVIRT_VERSION_NUMBER@\n"
	root := writeTree(t, map[string]string{
		"include/libvirt/libvirt-common.h.in": tmpl,
		"include/libvirt/top.h":               "#include <libvirt/libvirt-common.h>\n",
		"meson.build":                         "project(\n  'libvirt', 'c',\n  version: '10.2.3',\n  license: 'LGPLv2+',\n)\n",
	})
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(cwd, root)
	if err != nil {
		t.Fatal(err)
	}
	want := []Macro{{Name: "LIBVIR_VERSION_NUMBER", File: "libvirt-common.h", Int: 10002003}}
	// Both an absolute and a relative source directory must work.
	for _, src := range []string{root, rel} {
		h, err := Load(IncludeDirs(src), []string{"libvirt/top.h"})
		if err != nil {
			t.Fatalf("Load(%s): %v", src, err)
		}
		if !reflect.DeepEqual(h.Macros, want) {
			t.Errorf("Load(%s) macros = %+v, want %+v", src, h.Macros, want)
		}
	}

	// Without meson.build the version is unknown: Load must say so.
	if err := os.Remove(filepath.Join(root, "meson.build")); err != nil {
		t.Fatal(err)
	}
	_, err = Load(IncludeDirs(root), []string{"libvirt/top.h"})
	if err == nil || !strings.Contains(err.Error(), "libvirt-common.h.in") {
		t.Errorf("want an error naming libvirt-common.h.in, got %v", err)
	}
}

func TestIncludeDirs(t *testing.T) {
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "include"), 0o755); err != nil {
		t.Fatal(err)
	}
	got := IncludeDirs(root)
	if len(got) == 0 || got[0] != filepath.Join(root, "include") {
		t.Errorf("IncludeDirs(%q) = %q, want the source include dir first", root, got)
	}
	for _, d := range IncludeDirs(filepath.Join(root, "missing")) {
		if strings.HasPrefix(d, root) {
			t.Errorf("missing directory %q listed", d)
		}
	}
	if _, err := os.Stat(systemIncludeDir); err == nil {
		if d := IncludeDirs(""); len(d) != 1 || d[0] != systemIncludeDir {
			t.Errorf(`IncludeDirs("") = %q`, d)
		}
	}
}

func TestSearchPathsKeepHostOrder(t *testing.T) {
	host := []string{"/usr/lib/gcc/include", "/usr/local/include", "/usr/include"}
	got := searchPaths([]string{"/src/include", "/usr/include", "/src/include"}, host)
	want := []string{"/src/include", "/usr/lib/gcc/include", "/usr/local/include", "/usr/include"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("searchPaths = %q, want %q", got, want)
	}
}

// Macros that look like expressions but do not type check (or have no
// constant value) are dropped without failing the load.
func TestLoadDropsUnevaluableMacros(t *testing.T) {
	root := writeTree(t, map[string]string{
		"libvirt/p.h": `enum probeVals { P_A = 1, P_B = 2 };
#define BAD_JUXTAPOSED P_A P_B
#define BAD_DIV (1 / 0)
#define GOOD_FIRST 5
#define BAD_CALL ("a")("b")
#define GOOD_LAST (P_B << 4)
`,
	})
	h, err := Load([]string{root}, []string{"libvirt/p.h"})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := []Macro{
		{Name: "GOOD_FIRST", File: "p.h", Int: 5},
		{Name: "GOOD_LAST", File: "p.h", Int: 32},
	}
	if !reflect.DeepEqual(h.Macros, want) {
		t.Errorf("macros = %+v, want %+v", h.Macros, want)
	}
	if len(h.Enums) != 1 || h.Enums[0].Name != "probeVals" {
		t.Errorf("enums = %+v", h.Enums)
	}
}

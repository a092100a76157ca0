package cheader

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var libvirtEntries = []string{
	"libvirt/libvirt.h",
	"libvirt/virterror.h",
	"libvirt/libvirt-qemu.h",
	"libvirt/libvirt-lxc.h",
	"libvirt/libvirt-admin.h",
}

// sharedSource returns the libvirt reference tree, or skips the test.
func sharedSource(t *testing.T) string {
	t.Helper()
	src := os.Getenv("LIBVIRT_SOURCE")
	if src == "" {
		src = filepath.Join("..", "..", "..", "..", "shared", "libvirt")
	}
	if _, err := os.Stat(filepath.Join(src, "include", "libvirt", "libvirt.h")); err != nil {
		t.Skipf("libvirt headers not available under %s", src)
	}
	return src
}

func loadShared(t *testing.T) *Headers {
	t.Helper()
	src := sharedSource(t)
	start := time.Now()
	h, err := Load(IncludeDirs(src), libvirtEntries)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	members := 0
	for _, e := range h.Enums {
		members += len(e.Members)
	}
	t.Logf("Load took %v: %d enums, %d members, %d macros", time.Since(start), len(h.Enums), members, len(h.Macros))
	return h
}

func findEnum(t *testing.T, h *Headers, name string) Enum {
	t.Helper()
	for _, e := range h.Enums {
		if e.Name == name {
			return e
		}
	}
	t.Fatalf("enum %s not found", name)
	return Enum{}
}

func findMacro(t *testing.T, h *Headers, name string) Macro {
	t.Helper()
	for _, m := range h.Macros {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("macro %s not found", name)
	return Macro{}
}

func memberValue(t *testing.T, e Enum, name string) int64 {
	t.Helper()
	for _, m := range e.Members {
		if m.Name == name {
			return m.Value
		}
	}
	t.Fatalf("enum %s has no member %s", e.Name, name)
	return 0
}

func TestLibvirtEnums(t *testing.T) {
	h := loadShared(t)

	st := findEnum(t, h, "virDomainState")
	if st.File != "libvirt-domain.h" {
		t.Errorf("virDomainState file = %q", st.File)
	}
	want := []Member{
		{"VIR_DOMAIN_NOSTATE", 0}, {"VIR_DOMAIN_RUNNING", 1}, {"VIR_DOMAIN_BLOCKED", 2},
		{"VIR_DOMAIN_PAUSED", 3}, {"VIR_DOMAIN_SHUTDOWN", 4}, {"VIR_DOMAIN_SHUTOFF", 5},
		{"VIR_DOMAIN_CRASHED", 6}, {"VIR_DOMAIN_PMSUSPENDED", 7},
	}
	if !reflect.DeepEqual(st.Members, want) {
		t.Errorf("virDomainState members = %v, want %v (no VIR_DOMAIN_LAST)", st.Members, want)
	}
	// Sentinels guarded by VIR_ENUM_SENTINELS must be absent.
	sentinels := map[string]bool{"VIR_DOMAIN_LAST": true, "VIR_ERR_NUMBER_LAST": true, "VIR_TYPED_PARAM_LAST": true, "VIR_ERR_DOMAIN_LAST": true}
	for _, e := range h.Enums {
		for _, m := range e.Members {
			if sentinels[m.Name] {
				t.Errorf("sentinel %s.%s present although VIR_ENUM_SENTINELS is not defined", e.Name, m.Name)
			}
		}
	}

	errs := findEnum(t, h, "virErrorNumber")
	if errs.File != "virterror.h" {
		t.Errorf("virErrorNumber file = %q", errs.File)
	}
	if v := memberValue(t, errs, "VIR_ERR_NO_DOMAIN"); v != 42 {
		t.Errorf("VIR_ERR_NO_DOMAIN = %d, want 42", v)
	}
	if v := memberValue(t, errs, "VIR_ERR_NO_NETWORK_METADATA"); v != 111 {
		t.Errorf("VIR_ERR_NO_NETWORK_METADATA = %d, want 111", v)
	}

	tp := findEnum(t, h, "virTypedParameterType")
	if v := memberValue(t, tp, "VIR_TYPED_PARAM_STRING"); v != 7 {
		t.Errorf("VIR_TYPED_PARAM_STRING = %d, want 7", v)
	}

	la := findEnum(t, h, "virConnectListAllDomainsFlags")
	if v := memberValue(t, la, "VIR_CONNECT_LIST_DOMAINS_ACTIVE"); v != 1 {
		t.Errorf("VIR_CONNECT_LIST_DOMAINS_ACTIVE = %d, want 1", v)
	}
	if v := memberValue(t, la, "VIR_CONNECT_LIST_DOMAINS_INACTIVE"); v != 2 {
		t.Errorf("VIR_CONNECT_LIST_DOMAINS_INACTIVE = %d, want 2", v)
	}

	// Negative members are kept as such.
	qa := findEnum(t, h, "virDomainQemuAgentCommandTimeoutValues")
	if v := memberValue(t, qa, "VIR_DOMAIN_QEMU_AGENT_COMMAND_BLOCK"); v != -2 {
		t.Errorf("VIR_DOMAIN_QEMU_AGENT_COMMAND_BLOCK = %d, want -2", v)
	}

	for name, file := range map[string]string{
		"virDomainQemuMonitorCommandFlags": "libvirt-qemu.h",
		"virErrorDomain":                   "virterror.h",
		"virConnectCloseReason":            "libvirt-common.h",
	} {
		if e := findEnum(t, h, name); e.File != file {
			t.Errorf("%s file = %q, want %q", name, e.File, file)
		}
	}
	admin := false
	for _, e := range h.Enums {
		if e.File == "libvirt-admin.h" {
			admin = true
		}
		if e.Name == "" || len(e.Members) == 0 {
			t.Errorf("enum %+v has no name or no members", e)
		}
	}
	if !admin {
		t.Error("no enum from libvirt-admin.h")
	}
}

func TestLibvirtMacros(t *testing.T) {
	h := loadShared(t)

	ints := map[string]int64{
		"VIR_UUID_BUFLEN":                   16,
		"VIR_UUID_STRING_BUFLEN":            37,
		"VIR_SECURITY_LABEL_BUFLEN":         4097,
		"LIBVIR_VERSION_NUMBER":             11003000,
		"VIR_DOMAIN_BLKIO_FIELD_LENGTH":     80, // refers to another macro
		"VIR_DOMAIN_MEMORY_PARAM_UNLIMITED": 9007199254740991,
	}
	for name, want := range ints {
		m := findMacro(t, h, name)
		if m.IsString || m.Int != want {
			t.Errorf("%s = %+v, want integer %d", name, m, want)
		}
	}

	// VIR_KEYCODE_SET_RFB expands to an enum constant.
	keycodes := findEnum(t, h, "virKeycodeSet")
	rfb := findMacro(t, h, "VIR_KEYCODE_SET_RFB")
	if want := memberValue(t, keycodes, "VIR_KEYCODE_SET_QNUM"); rfb.IsString || rfb.Int != want {
		t.Errorf("VIR_KEYCODE_SET_RFB = %+v, want %d", rfb, want)
	}

	strs := map[string][2]string{
		"VIR_DOMAIN_SCHEDULER_CPU_SHARES": {"cpu_shares", "libvirt-domain.h"},
		"VIR_DOMAIN_BLKIO_WEIGHT":         {"weight", "libvirt-domain.h"},
		"VIR_THREADPOOL_WORKERS_MIN":      {"minWorkers", "libvirt-admin.h"},
	}
	for name, want := range strs {
		m := findMacro(t, h, name)
		if !m.IsString || m.Str != want[0] || m.File != want[1] {
			t.Errorf("%s = %+v, want string %q in %s", name, m, want[0], want[1])
		}
	}

	for _, m := range h.Macros {
		switch {
		case m.Name == "LIBVIRT_H", strings.HasPrefix(m.Name, "__VIR_"), m.Name == "VIR_DEPRECATED",
			m.Name == "VIR_EXPORT_VAR", m.Name == "_virBlkioParameter":
			t.Errorf("macro %s should have been skipped", m.Name)
		case m.Name == "LIBVIR_CHECK_VERSION":
			t.Errorf("function-like macro %s reported", m.Name)
		}
	}
}

func TestLoadDeterministic(t *testing.T) {
	a := loadShared(t)
	b := loadShared(t)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two loads of the same headers differ")
	}
	// Enums follow the include order of libvirt.h: libvirt-common.h first.
	if a.Enums[0].File != "libvirt-common.h" || a.Macros[0].Name != "LIBVIR_VERSION_NUMBER" {
		t.Errorf("unexpected first items: %s in %s, macro %s", a.Enums[0].Name, a.Enums[0].File, a.Macros[0].Name)
	}
}

func BenchmarkLoadLibvirt(b *testing.B) {
	src := os.Getenv("LIBVIRT_SOURCE")
	if src == "" {
		src = filepath.Join("..", "..", "..", "..", "shared", "libvirt")
	}
	if _, err := os.Stat(filepath.Join(src, "include", "libvirt", "libvirt.h")); err != nil {
		b.Skipf("libvirt headers not available under %s", src)
	}
	dirs := IncludeDirs(src)
	for i := 0; i < b.N; i++ {
		if _, err := Load(dirs, libvirtEntries); err != nil {
			b.Fatal(err)
		}
	}
}

func TestFuncs(t *testing.T) {
	h := loadShared(t)
	want := map[string]string{
		"virDomainCreateXML":          "libvirt-domain.h",
		"virConnectListAllDomains":    "libvirt-domain.h",
		"virDomainQemuMonitorCommand": "libvirt-qemu.h",
		"virDomainLxcOpenNamespace":   "libvirt-lxc.h",
		"virAdmConnectOpen":           "libvirt-admin.h",
		"virNodeGetCPUStats":          "libvirt-host.h",
	}
	got := map[string]string{}
	for _, f := range h.Funcs {
		got[f.Name] = f.File
	}
	for name, file := range want {
		if got[name] != file {
			t.Errorf("function %s: file %q, want %q", name, got[name], file)
		}
	}
	if len(h.Funcs) < 400 {
		t.Errorf("only %d functions found", len(h.Funcs))
	}
}

package authfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The example of https://libvirt.org/auth.html#client-configuration.
const docExample = `
[credentials-test]
authname=fred
password=123456

[credentials-prod]
authname=bar
password=letmein

[auth-libvirt-test1.example.com]
credentials=test

[auth-libvirt-test2.example.com]
credentials=test

[auth-libvirt-demo3.example.com]
credentials=test

[auth-libvirt-prod1.example.com]
credentials=prod
`

func TestLookupDocExample(t *testing.T) {
	f, err := Parse([]byte(docExample))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ host, key, want string }{
		{"test1.example.com", "authname", "fred"},
		{"demo3.example.com", "password", "123456"},
		{"prod1.example.com", "authname", "bar"},
		{"prod1.example.com", "password", "letmein"},
	} {
		v, ok, err := f.Lookup("libvirt", c.host, c.key)
		if err != nil || !ok || v != c.want {
			t.Errorf("Lookup(%s, %s) = %q, %v, %v; want %q", c.host, c.key, v, ok, err, c.want)
		}
	}
	if _, ok, _ := f.Lookup("libvirt", "other.example.com", "authname"); ok {
		t.Error("a host without a group matched")
	}
	if _, ok, _ := f.Lookup("ssh", "test1.example.com", "authname"); ok {
		t.Error("another service matched")
	}
	if _, ok, _ := f.Lookup("libvirt", "test1.example.com", "username"); ok {
		t.Error("a key the set lacks matched")
	}
}

func TestDefaultGroupAndErrors(t *testing.T) {
	f, err := Parse([]byte("# comment\n; other comment\n[credentials-ci]\n  authname = ciuser \npassword=a\\sb\\\\c\n[auth-libvirt-default]\ncredentials=ci\n[auth-libvirt-bad]\ncredentials=missing\n"))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok, _ := f.Lookup("libvirt", "", "authname"); !ok || v != "ciuser" {
		t.Fatalf("unix (localhost) via default: %q %v", v, ok)
	}
	if v, _, _ := f.Lookup("libvirt", "anyhost", "password"); v != `a b\c` {
		t.Fatalf("escapes: %q", v)
	}
	if _, _, err := f.Lookup("libvirt", "bad", "authname"); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("undefined set: %v", err)
	}
	var nilFile *File
	if _, ok, err := nilFile.Lookup("libvirt", "h", "authname"); ok || err != nil {
		t.Fatal("nil file must match nothing")
	}
	for _, bad := range []string{"authname=x\n", "[credentials-x]\nnot a pair\n", "[broken\n", "[c]\n=v\n", "[c]\nk=bad\\q\n"} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	// Errors never quote a value (it may be a password).
	if _, err := Parse([]byte("[c]\npassword=s3cr3t\\q\n")); err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("error %v", err)
	}
}

func TestLocate(t *testing.T) {
	xdg := "/xdg/libvirt/auth.conf"
	exists := func(p string) bool {
		return p == xdg || p == "/h/.config/libvirt/auth.conf" || p == "/etc/libvirt/auth.conf"
	}
	homeDir := func() (string, error) { return "/h", nil }
	env := func(vals map[string]string) func(string) string { return func(k string) string { return vals[k] } }
	both := env(map[string]string{"LIBVIRT_AUTH_FILE": "/env/auth.conf", "XDG_CONFIG_HOME": "/xdg"})
	xdgOnly := env(map[string]string{"XDG_CONFIG_HOME": "/xdg"})
	for i, c := range []struct {
		param  string
		getenv func(string) string
		want   string
	}{
		{"/uri/auth.conf", both, "/env/auth.conf"},    // LIBVIRT_AUTH_FILE wins
		{"/uri/auth.conf", xdgOnly, "/uri/auth.conf"}, // then authfile=
		{"", xdgOnly, xdg},                            // then $XDG_CONFIG_HOME
	} {
		if got := locate(c.param, c.getenv, homeDir, exists); got != c.want {
			t.Errorf("case %d: %q, want %q", i, got, c.want)
		}
	}
}

func TestLocateFallbacks(t *testing.T) {
	home := "/h"
	existing := map[string]bool{"/h/.config/libvirt/auth.conf": true}
	getenv := func(string) string { return "" }
	homeDir := func() (string, error) { return home, nil }
	if got := locate("", getenv, homeDir, func(p string) bool { return existing[p] }); got != "/h/.config/libvirt/auth.conf" {
		t.Fatalf("~/.config fallback: %q", got)
	}
	if got := locate("", getenv, homeDir, func(p string) bool { return p == "/etc/libvirt/auth.conf" }); got != "/etc/libvirt/auth.conf" {
		t.Fatalf("system fallback: %q", got)
	}
	if got := locate("", getenv, homeDir, func(string) bool { return false }); got != "" {
		t.Fatalf("nothing: %q", got)
	}
}

func TestLoad(t *testing.T) {
	p := filepath.Join(t.TempDir(), "auth.conf")
	if _, err := Load(p); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	os.WriteFile(p, []byte(docExample), 0o600)
	f, err := Load(p)
	if err != nil || f.Path != p {
		t.Fatalf("Load: %v", err)
	}
}

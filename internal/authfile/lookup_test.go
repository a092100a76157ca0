package authfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Errors name the line at fault, counting comments and blank lines, so a
// user can find it in the file.
func TestParseErrorsNameTheLine(t *testing.T) {
	for _, c := range []struct{ in, line string }{
		{"[ok]\nnot a pair\n", "line 2:"},
		{"# comment\n\n; more\n[]\n", "line 4:"},
		{"[a]\nk=v\n\n\n=v\n", "line 5:"},
		{"k=v\n", "line 1:"},
	} {
		_, err := Parse([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.line) {
			t.Errorf("Parse(%q) = %v, want an error naming %q", c.in, err, c.line)
		}
	}
}

// The shortest group name is one character; "[]" names none.
func TestParseOneLetterGroup(t *testing.T) {
	if _, err := Parse([]byte("[c]\nk=v\n")); err != nil {
		t.Fatalf("group [c]: %v", err)
	}
	if _, err := Parse([]byte("[]\nk=v\n")); err == nil {
		t.Fatal("group []: no error")
	}
}

// A connection without a host name (a local socket) uses the
// [auth-SERVICE-localhost] group, as libvirt does.
func TestLookupEmptyHostIsLocalhost(t *testing.T) {
	f, err := Parse([]byte("[credentials-l]\nauthname=local\n[credentials-d]\nauthname=default\n" +
		"[auth-libvirt-localhost]\ncredentials=l\n[auth-libvirt-default]\ncredentials=d\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"", "localhost"} {
		if v, ok, err := f.Lookup("libvirt", host, "authname"); err != nil || !ok || v != "local" {
			t.Errorf("Lookup(host %q) = %q, %v, %v; want local", host, v, ok, err)
		}
	}
	if v, _, _ := f.Lookup("libvirt", "elsewhere", "authname"); v != "default" {
		t.Errorf("Lookup(elsewhere) = %q, want default", v)
	}
}

// No file (auth.conf turned off or absent) supplies nothing, without error.
func TestLookupWithoutFile(t *testing.T) {
	var f *File
	if v, ok, err := f.Lookup("libvirt", "h", "password"); v != "" || ok || err != nil {
		t.Fatalf("nil File: %q, %v, %v", v, ok, err)
	}
}

// Locate finds the per-user file in $XDG_CONFIG_HOME only when it exists.
func TestLocateUserFile(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("LIBVIRT_AUTH_FILE", "")
	t.Setenv("XDG_CONFIG_HOME", cfg)
	want := filepath.Join(cfg, "libvirt", "auth.conf")
	if got := Locate(""); got == want {
		t.Fatalf("Locate = %s before the file exists", got)
	}
	if err := os.MkdirAll(filepath.Dir(want), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(want, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := Locate(""); got != want {
		t.Fatalf("Locate = %q, want %s", got, want)
	}
}

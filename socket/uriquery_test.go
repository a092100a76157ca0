package socket

import (
	"reflect"
	"strings"
	"testing"
)

// TestParseQueryLikeLibvirt: what libvirt 9.0's virsh made of each query
// (seen in "Failed to connect socket to '...'" for socket= values), and
// what Parse makes of it.
func TestParseQueryLikeLibvirt(t *testing.T) {
	for _, c := range []struct {
		query string
		want  []Param // nil with bad: refused
		bad   bool
	}{
		{"socket=/tmp/a+b", []Param{{"socket", "/tmp/a+b"}}, false},                         // virsh: '/tmp/a+b'
		{"socket=/tmp/a%41%2b", []Param{{"socket", "/tmp/aA+"}}, false},                     // virsh: '/tmp/aA+'
		{"socket=/tmp/a%20b", []Param{{"socket", "/tmp/a b"}}, false},                       //
		{"socket=/tmp/a;b", []Param{{"socket", "/tmp/a"}, {"b", ""}}, false},                // virsh: '/tmp/a'
		{"x=1;socket=/tmp/semi", []Param{{"x", "1"}, {"socket", "/tmp/semi"}}, false},       // virsh: '/tmp/semi'
		{"socket=/tmp/amp;x=1&y=2", []Param{{"socket", "/tmp/amp;x=1"}, {"y", "2"}}, false}, // virsh: '/tmp/amp;x=1'
		{"a=1&b=2;c=3", []Param{{"a", "1"}, {"b", "2"}, {"c", "3"}}, false},
		{"=v&socket=/tmp/q", []Param{{"socket", "/tmp/q"}}, false}, // virsh: '/tmp/q'
		{"socket", []Param{{"socket", ""}}, false},                 // virsh: ''
		{"socket=", []Param{{"socket", ""}}, false},
		{"&&a=1&&", []Param{{"a", "1"}}, false},
		{"a=b=c", []Param{{"a", "b=c"}}, false},
		{"na%6De=v", []Param{{"name", "v"}}, false},
		{"k=%C3%BC%E2%9C%93", []Param{{"k", "ü✓"}}, false},
		{"k=ü", []Param{{"k", "ü"}}, false},
		{"socket=/tmp/a%zz", nil, true},  // virsh: Unable to parse URI
		{"socket=/tmp/a%2", nil, true},   // virsh: Unable to parse URI
		{"socket=/tmp/a%00b", nil, true}, // virsh cuts the value: '/tmp/a'
	} {
		got, err := parseQuery(c.query)
		if c.bad {
			if err == nil {
				t.Errorf("%q: accepted as %q", c.query, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: got %q (%v), want %q", c.query, got, err, c.want)
		}
	}
	// Names compare case-insensitively, as in libvirt's remote driver
	// (virsh used SOCKET=/tmp/upper).
	u, err := Parse("test+unix:///default?SOCKET=/tmp/upper")
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := u.SocketPath(false); s != "/tmp/upper" {
		t.Fatalf("SOCKET= gave %q", s)
	}
}

// TestFormatRoundTrip: String and RemoteName encode values so that they
// parse back (libvirt's parser included) to the same bytes: a space is
// %20, never "+".
func TestFormatRoundTrip(t *testing.T) {
	for _, v := range []string{"a b", "a+b", "a&b=c;d", "ü ✓", "%41", "/tmp/x;touch y", "#?"} {
		u := &URI{Driver: "qemu", Transport: "ssh", Host: "h", Path: "/system", Params: []Param{{"socket", v}, {"x y", v}}}
		back, err := Parse(u.String())
		if err != nil {
			t.Fatalf("%q: %s: %v", v, u, err)
		}
		if s, _ := back.Param("socket"); s != v {
			t.Errorf("String: %q came back as %q (%s)", v, s, u)
		}
		name := u.RemoteName()
		if strings.Contains(name, "+") || strings.Contains(name, " ") {
			t.Errorf("RemoteName %q: value not %%-encoded", name)
		}
		rn, err := Parse(name)
		if err != nil {
			t.Fatal(err)
		}
		if x, _ := rn.Param("x y"); x != v {
			t.Errorf("RemoteName: %q came back as %q (%s)", v, x, name)
		}
	}
}

// TestBoolParamSpellings: libvirt reads no_verify=, no_tty= and
// no_sanity= with virStrToLong_i (strtol, base 10, whole string, int
// range); values seen with libvirt 9.0's virsh are marked.
func TestBoolParamSpellings(t *testing.T) {
	for _, c := range []struct {
		value string
		want  bool
		bad   bool
	}{
		{"0", false, false},
		{"1", true, false},
		{"2", true, false},
		{"-1", true, false},
		{"+1", true, false},   // virsh: accepted ("+" is not a space)
		{"%201", true, false}, // " 1", virsh: accepted (strtol skips leading space)
		{"%091", true, false}, // "\t1"
		{"007", true, false},  // virsh: accepted
		{"00", false, false},
		{"-0", false, false},
		{"2147483647", true, false},
		{"99999999999", false, true}, // virsh: refused (out of int range)
		{"", false, true},            // virsh: refused
		{"yes", false, true},         // virsh: refused
		{"true", false, true},
		{"on", false, true},
		{"0x1", false, true},  // virsh: refused
		{"1%20", false, true}, // "1 ", virsh: refused
		{"1.0", false, true},
		{"1_0", false, true},
	} {
		for _, name := range BoolParams {
			u, err := Parse("qemu+ssh://h/system?" + name + "=" + c.value)
			if err != nil {
				t.Fatal(err)
			}
			got, err := u.BoolParam(name)
			if c.bad {
				if err == nil {
					t.Errorf("%s=%s: accepted as %v", name, c.value, got)
				}
				continue
			}
			if err != nil || got != c.want {
				t.Errorf("%s=%s: got %v (%v), want %v", name, c.value, got, err, c.want)
			}
		}
	}
	u, _ := Parse("qemu+ssh://h/system?no_verify")
	if _, err := u.BoolParam("no_verify"); err == nil {
		t.Error("no_verify without a value accepted (libvirt: empty string, refused)")
	}
	u, _ = Parse("qemu+ssh://h/system")
	if v, err := u.BoolParam("no_verify"); v || err != nil {
		t.Errorf("absent: %v %v", v, err)
	}
	u, _ = Parse("qemu+ssh://h/system?No_Verify=1")
	if v, err := u.BoolParam("no_verify"); !v || err != nil {
		t.Errorf("No_Verify=1: %v %v", v, err)
	}
}

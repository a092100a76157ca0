package socket

import "testing"

// String gives back a URI that parses to the same thing, in libvirt's
// spelling, so that errors and logs show what the user wrote.
func TestURIStringRoundTrips(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"qemu:///system", "qemu:///system"},
		{"test:///default", "test:///default"},
		{"qemu+unix:///session?socket=/run/s", "qemu+unix:///session?socket=%2Frun%2Fs"},
		{"qemu+ssh://root@example.com/system", "qemu+ssh://root@example.com/system"},
		{"qemu+tcp://example.com:5000/system", "qemu+tcp://example.com:5000/system"},
		{"qemu+tls://[::1]:16514/system", "qemu+tls://[::1]:16514/system"},
		{"qemu+tls://[fe80::1]/system", "qemu+tls://[fe80::1]/system"},
		{"test+tcp://h/default?socket=/tmp/a%20b&mode=legacy", "test+tcp://h/default?socket=%2Ftmp%2Fa%20b&mode=legacy"},
		{"qemu+ssh://user@host/system?keyfile=/k&keyfile=/k2", "qemu+ssh://user@host/system?keyfile=%2Fk&keyfile=%2Fk2"},
	} {
		u, err := Parse(c.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.in, err)
		}
		got := u.String()
		if got != c.want {
			t.Errorf("String of %s = %s, want %s", c.in, got, c.want)
		}
		again, err := Parse(got)
		if err != nil {
			t.Fatalf("Parse(String of %q = %q): %v", c.in, got, err)
		}
		if again.String() != got || again.Host != u.Host || again.Port != u.Port || again.User != u.User ||
			again.Path != u.Path || len(again.Params) != len(u.Params) {
			t.Errorf("%s: String %s parses to %+v, want %+v", c.in, got, again, u)
		}
	}
}

package socket

import (
	"strings"
	"testing"
)

// TestParseRefusesMalformedURIs: what libvirt cannot open is refused
// when parsed, with a message naming the problem.
func TestParseRefusesMalformedURIs(t *testing.T) {
	for _, c := range []struct{ uri, want string }{
		{"/var/run/libvirt/libvirt-sock", "no driver scheme"},
		{"qemu+telnet://h/system", `unknown transport "telnet"`},
		{"qemu:system", "expected driver://[host]/path"},
		{"qemu://h/system?a=%zz", "URI"},
	} {
		if _, err := Parse(c.uri); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v, want an error saying %q", c.uri, err, c.want)
		}
	}
}

// TestEffectiveTransportAndAddress: without a transport a URI with a
// host uses tls and one without uses unix; Address fills in the default
// port of the transport and localhost for a missing host.
func TestEffectiveTransportAndAddress(t *testing.T) {
	for _, c := range []struct{ uri, transport, addr string }{
		{"qemu:///system", TransportUnix, "localhost:22"},
		{"qemu://h.example/system", TransportTLS, "h.example:16514"},
		{"qemu+tcp:///system", TransportTCP, "localhost:16509"},
		{"qemu+tls://[::1]/system", TransportTLS, "[::1]:16514"},
		{"qemu+ssh://h.example:2222/system", TransportSSH, "h.example:2222"},
		{"qemu+libssh2://h.example/system", TransportLibSSH2, "h.example:22"},
	} {
		u, err := Parse(c.uri)
		if err != nil {
			t.Fatal(err)
		}
		if got := u.EffectiveTransport(); got != c.transport {
			t.Errorf("%s: transport %q, want %q", c.uri, got, c.transport)
		}
		if got := u.Address(); got != c.addr {
			t.Errorf("%s: address %q, want %q", c.uri, got, c.addr)
		}
	}
}

// TestSSHRemoteCommandRefusals: values no quoting can carry, and
// sockets that cannot be known without asking the remote host.
func TestSSHRemoteCommandRefusals(t *testing.T) {
	for _, c := range []struct{ uri, want string }{
		{"qemu+ssh://h/system?socket=-x", "starts with '-'"},
		{"qemu+ssh://h/system?mode=direct&proxy=netcat", ""},
		{"bogus+ssh://h/system?mode=direct&proxy=netcat", `no modular daemon is known for driver "bogus"`},
		{"qemu+ssh://h/session?mode=direct&proxy=netcat", "remote session socket path is unknown"},
		{"qemu+ssh://h/session?mode=legacy&proxy=netcat", "remote session socket path is unknown"},
		{"qemu+ssh://h/system?mode=fast&proxy=netcat", `unknown mode "fast"`},
	} {
		u, err := Parse(c.uri)
		if err != nil {
			t.Fatal(err)
		}
		_, err = SSHRemoteCommand(u, false)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.uri, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.uri, err, c.want)
		}
	}
	// Parse refuses %00, but a URI built in code can hold a NUL byte.
	for _, p := range []string{"socket", "netcat", "name"} {
		for _, v := range []string{"a\x00b", "\x00b"} {
			u := &URI{Driver: "qemu", Transport: TransportSSH, Host: "h", Path: "/system", Params: []Param{{Name: p, Value: v}}}
			if _, err := SSHRemoteCommand(u, false); err == nil || !strings.Contains(err.Error(), p+"= contains a NUL byte") {
				t.Errorf("%s=%q: %v", p, v, err)
			}
		}
	}
}

// TestURIStringKeepsAPortWithoutHost: a URI with a port but no host
// ("qemu+tcp://:16510/system", the local daemon on another port) keeps
// its port when formatted.
func TestURIStringKeepsAPortWithoutHost(t *testing.T) {
	u, err := Parse("qemu+tcp://:16510/system")
	if err != nil {
		t.Fatal(err)
	}
	if u.Host != "" || u.Port != "16510" {
		t.Fatalf("parsed host %q port %q", u.Host, u.Port)
	}
	if got := u.String(); got != "qemu+tcp://:16510/system" {
		t.Fatalf("String() = %q", got)
	}
	if got := u.Address(); got != "localhost:16510" {
		t.Fatalf("Address() = %q", got)
	}
}

// TestURIEscapeBoundaryCharacters: the first and last letters and digits
// are written bare, their neighbours escaped; a NUL byte first in a
// value is refused like one anywhere else.
func TestURIEscapeBoundaryCharacters(t *testing.T) {
	if got, want := uriEscape("azAZ09-._~`{@[/:"), "azAZ09-._~%60%7B%40%5B%2F%3A"; got != want {
		t.Fatalf("uriEscape = %q, want %q", got, want)
	}
	if _, err := Parse("qemu:///system?x=%00abc"); err == nil || !strings.Contains(err.Error(), "NUL") {
		t.Fatalf("leading NUL byte: %v", err)
	}
}

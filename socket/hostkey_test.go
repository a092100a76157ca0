package socket

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func testHostKey(t *testing.T, typ string) ssh.PublicKey {
	t.Helper()
	var pub any
	switch typ {
	case "ed25519":
		p, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		pub = p
	case "ecdsa":
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		pub = &k.PublicKey
	case "rsa":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		pub = &k.PublicKey
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestHostKeyCheck drives the host key callback DialSSH uses through
// every mode, against known_hosts files written the way OpenSSH writes
// them.
func TestHostKeyCheck(t *testing.T) {
	const host = "vm.example.com:2222"
	remote := &net.TCPAddr{IP: net.IPv4(192, 0, 2, 7), Port: 2222}
	keys := map[string]ssh.PublicKey{}
	for _, typ := range []string{"ed25519", "ecdsa", "rsa"} {
		keys[typ] = testHostKey(t, typ)
	}
	other := testHostKey(t, "ed25519")
	dir := t.TempDir()
	line := func(k ssh.PublicKey) string { return knownhosts.Line([]string{knownhosts.Normalize(host)}, k) + "\n" }
	file := func(name string, lines ...string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.Join(lines, "")), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	hashed := knownhosts.HashHostname(knownhosts.Normalize(host)) + " " + string(ssh.MarshalAuthorizedKey(keys["ed25519"]))
	files := map[string]string{
		"empty":   file("empty"),
		"ed25519": file("ed25519", line(keys["ed25519"])),
		"rsa":     file("rsa", line(keys["rsa"])),
		"all":     file("all", line(keys["rsa"]), line(keys["ecdsa"]), line(keys["ed25519"])),
		"hashed":  file("hashed", hashed),
		"revoked": file("revoked", "@revoked * "+string(ssh.MarshalAuthorizedKey(keys["ecdsa"])), line(keys["ed25519"])),
		"missing": filepath.Join(dir, "no-such-file"),
	}
	type result int
	const (
		ok result = iota
		unknown
		changed
		changedAccepted // no_verify=1: goes on, passwords withheld
		bad             // the URI is refused
	)
	for _, c := range []struct {
		file, params string
		opts         SSHOptions
		key          ssh.PublicKey
		want         result
		firstAlgo    string // first host key algorithm offered ("" = default list)
	}{
		{"empty", "", SSHOptions{}, keys["ed25519"], unknown, ""},
		{"missing", "", SSHOptions{}, keys["ed25519"], unknown, ""},
		{"ed25519", "", SSHOptions{}, keys["ed25519"], ok, ssh.KeyAlgoED25519},
		{"ed25519", "", SSHOptions{}, other, changed, ssh.KeyAlgoED25519},
		{"ed25519", "", SSHOptions{}, keys["ecdsa"], changed, ssh.KeyAlgoED25519},
		{"rsa", "", SSHOptions{}, keys["rsa"], ok, ssh.KeyAlgoRSASHA512},
		{"all", "", SSHOptions{}, keys["ecdsa"], ok, ssh.KeyAlgoRSASHA512},
		{"all", "", SSHOptions{}, keys["ed25519"], ok, ssh.KeyAlgoRSASHA512},
		{"all", "", SSHOptions{}, other, changed, ssh.KeyAlgoRSASHA512},
		{"hashed", "", SSHOptions{}, keys["ed25519"], ok, ssh.KeyAlgoED25519},
		{"hashed", "", SSHOptions{}, other, changed, ssh.KeyAlgoED25519},
		{"revoked", "", SSHOptions{}, keys["ecdsa"], changed, ssh.KeyAlgoED25519},
		{"empty", "no_verify=1", SSHOptions{}, keys["ed25519"], ok, ""},
		{"ed25519", "no_verify=1", SSHOptions{}, other, changedAccepted, ssh.KeyAlgoED25519},
		{"ed25519", "no_verify=0", SSHOptions{}, other, changed, ssh.KeyAlgoED25519},
		{"empty", "no_verify=0", SSHOptions{}, keys["ed25519"], unknown, ""},
		{"empty", "", SSHOptions{AcceptUnknownHosts: true}, keys["ed25519"], ok, ""},
		{"ed25519", "", SSHOptions{AcceptUnknownHosts: true}, other, changed, ssh.KeyAlgoED25519},
		{"ed25519", "known_hosts_verify=normal", SSHOptions{}, other, changed, ssh.KeyAlgoED25519},
		{"ed25519", "known_hosts_verify=ignore", SSHOptions{}, other, ok, ""},
		{"empty", "known_hosts_verify=ignore", SSHOptions{}, other, ok, ""},
		{"ed25519", "known_hosts_verify=bogus", SSHOptions{}, other, bad, ""},
		{"ed25519", "", SSHOptions{HostKeyCallback: ssh.FixedHostKey(other)}, other, ok, ""},
	} {
		name := c.file + "?" + c.params
		uri := "qemu+ssh://" + host + "/system?known_hosts=" + files[c.file]
		if c.params != "" {
			uri += "&" + c.params
		}
		u, err := Parse(uri)
		if err != nil {
			t.Fatal(err)
		}
		noVerify, _ := u.BoolParam("no_verify")
		var flag atomic.Bool
		hk, err := newHostKeyCheck(u, c.opts, noVerify, &flag)
		if c.want == bad {
			if err == nil {
				t.Errorf("%s: accepted", name)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		err = hk.callback(host, remote, c.key)
		var ke *knownhosts.KeyError
		switch c.want {
		case ok, changedAccepted:
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
		case unknown:
			if !errors.Is(err, ErrSSHUnknownHost) || !errors.As(err, &ke) || len(ke.Want) != 0 {
				t.Errorf("%s: err = %v, want ErrSSHUnknownHost wrapping an empty *knownhosts.KeyError", name, err)
			}
		case changed:
			var re *knownhosts.RevokedError
			if !errors.Is(err, ErrSSHHostKeyChanged) || !(errors.As(err, &ke) && len(ke.Want) > 0 || errors.As(err, &re)) {
				t.Errorf("%s: err = %v, want ErrSSHHostKeyChanged wrapping the knownhosts error", name, err)
			}
		}
		if flag.Load() != (c.want == changedAccepted) {
			t.Errorf("%s: changed-key flag = %v", name, flag.Load())
		}
		algos := hk.algorithms(host, remote)
		first := ""
		if len(algos) > 0 {
			first = algos[0]
		}
		if first != c.firstAlgo {
			t.Errorf("%s: first host key algorithm %q, want %q (all: %v)", name, first, c.firstAlgo, algos)
		}
	}
}

func TestOrderHostKeyAlgorithms(t *testing.T) {
	got := orderHostKeyAlgorithms([]string{ssh.KeyAlgoED25519, ssh.KeyAlgoRSA})
	want := []string{ssh.KeyAlgoED25519, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256}
	if len(got) < len(want) || strings.Join(got[:3], ",") != strings.Join(want, ",") {
		t.Fatalf("got %v, want %v first", got, want)
	}
	// Every supported algorithm stays on offer, once.
	seen := map[string]bool{}
	for _, a := range got {
		if seen[a] {
			t.Fatalf("%s twice in %v", a, got)
		}
		seen[a] = true
	}
	for _, a := range ssh.SupportedAlgorithms().HostKeys {
		if !seen[a] {
			t.Fatalf("%s missing from %v", a, got)
		}
	}
	if orderHostKeyAlgorithms(nil) != nil {
		t.Fatal("unknown host: want the package default")
	}
}

// TestKnownHostsAuto: known_hosts_verify=auto records an unknown host and
// then holds it to that key.
func TestKnownHostsAuto(t *testing.T) {
	kh := filepath.Join(t.TempDir(), "sub", "known_hosts")
	u, _ := Parse("qemu+ssh://h.example:2200/system?known_hosts_verify=auto&known_hosts=" + kh)
	key, other := testHostKey(t, "ed25519"), testHostKey(t, "ed25519")
	remote := &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 2200}
	var flag atomic.Bool
	hk, err := newHostKeyCheck(u, SSHOptions{}, false, &flag)
	if err != nil {
		t.Fatal(err)
	}
	if err := hk.callback("h.example:2200", remote, key); err != nil {
		t.Fatalf("first contact: %v", err)
	}
	if hk, err = newHostKeyCheck(u, SSHOptions{}, false, &flag); err != nil {
		t.Fatal(err)
	}
	if err := hk.callback("h.example:2200", remote, key); err != nil {
		t.Fatalf("recorded key: %v", err)
	}
	if err := hk.callback("h.example:2200", remote, other); !errors.Is(err, ErrSSHHostKeyChanged) {
		t.Fatalf("other key after recording: %v", err)
	}
}

func TestWithheldError(t *testing.T) {
	err := classifySSH("h:22", "root", errors.Join(errors.New("ssh: handshake failed"), &withheldError{method: "password"}))
	if !errors.Is(err, ErrSSHPasswordWithheld) || !errors.Is(err, ErrSSHHostKeyChanged) || errors.Is(err, ErrSSHAuth) || errors.Is(err, ErrSSHUnknownHost) {
		t.Fatalf("%v: wrong classes", err)
	}
	inner := errors.New("ssh: unable to authenticate, attempted methods [none]")
	err = classifySSH("h:22", "root", inner)
	if !errors.Is(err, ErrSSHAuth) || !errors.Is(err, inner) || errors.Is(err, ErrSSHPasswordWithheld) {
		t.Fatalf("%v: want ErrSSHAuth wrapping the ssh error", err)
	}
}

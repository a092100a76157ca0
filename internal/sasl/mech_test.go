package sasl

import (
	"errors"
	"strings"
	"testing"
)

// PLAIN (RFC 4616): one message, authzid NUL user NUL password, sent
// first; a server that answers with a challenge is refused; an empty
// final message ends the exchange.
func TestPlainSteps(t *testing.T) {
	m, err := New("plain", Credentials{Username: "tim", Password: "tanstaaf", Authzid: "admin"}, Params{Secure: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.Name() != Plain || m.Layer() != nil {
		t.Fatalf("Name %q, layer %v", m.Name(), m.Layer())
	}
	first, err := m.Start()
	if err != nil || string(first) != "admin\x00tim\x00tanstaaf" {
		t.Fatalf("Start = %q, %v", first, err)
	}
	if out, done, err := m.Step([]byte("more please")); err == nil || done || out != nil {
		t.Fatalf("a server challenge: %q, done %v, %v; want a refusal", out, done, err)
	}
	if out, done, err := m.Step(nil); err != nil || !done || out != nil {
		t.Fatalf("the empty final message: %q, done %v, %v", out, done, err)
	}

	// A server that asks first (an empty challenge before any initial
	// response) gets the message then.
	m, _ = New(Plain, Credentials{Username: "u", Password: "p"}, Params{Secure: true})
	if out, done, err := m.Step(nil); err != nil || !done || string(out) != "\x00u\x00p" {
		t.Fatalf("Step before Start = %q, done %v, %v", out, done, err)
	}
}

// SCRAM-SHA-1 against RFC 5802's example conversation: the mechanism name
// chooses the hash.
func TestScramSHA1RFC5802(t *testing.T) {
	for _, name := range []string{ScramSHA1, "scram-sha-1"} {
		c, err := New(name, Credentials{Username: "user", Password: "pencil"}, Params{})
		if err != nil {
			t.Fatal(err)
		}
		if c.Name() != ScramSHA1 {
			t.Fatalf("Name = %q", c.Name())
		}
		m := c.(*scramClient)
		m2, _ := newScramNonce(m.name, Credentials{Username: "user", Password: "pencil"}, func() string { return "fyko+d2lbbFgONRv9qkxdawL" })
		first, err := m2.Start()
		if err != nil || string(first) != "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL" {
			t.Fatalf("client-first = %q, %v", first, err)
		}
		final, done, err := m2.Step([]byte("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"))
		if want := "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="; err != nil || done || string(final) != want {
			t.Fatalf("client-final = %q, done %v, %v", final, done, err)
		}
		if out, done, err := m2.Step([]byte("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")); err != nil || !done || out != nil {
			t.Fatalf("server-final: %q, done %v, %v", out, done, err)
		}
		// Once done, further steps change nothing.
		if out, done, err := m2.Step([]byte("anything")); err != nil || !done || out != nil {
			t.Fatalf("a step after the end: %q, done %v, %v", out, done, err)
		}
		if m2.Layer() != nil {
			t.Fatal("SCRAM installed a layer")
		}
	}
}

// SCRAM refuses a server-first message it cannot use, and names the
// mechanism in the error.
func TestScramRefusesBadServerFirst(t *testing.T) {
	m, err := newScramNonce(ScramSHA256, Credentials{Username: "user", Password: "pencil"}, func() string { return "abc" })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Start(); err != nil {
		t.Fatal(err)
	}
	// The server's nonce must extend the client's.
	if out, done, err := m.Step([]byte("r=xyz,s=QSXCR+Q6sek8bf92,i=4096")); err == nil || done || out != nil || !strings.Contains(err.Error(), ScramSHA256) {
		t.Fatalf("foreign nonce: %q, done %v, %v", out, done, err)
	}
}

// New builds a client for each mechanism, in any letter case, and
// refuses the rest.
func TestNewMechanisms(t *testing.T) {
	for _, tc := range []struct{ ask, name string }{
		{"scram-sha-256", ScramSHA256}, {"Scram-Sha-1", ScramSHA1}, {"digest-md5", DigestMD5}, {"PLAIN", Plain},
	} {
		m, err := New(tc.ask, Credentials{Username: "u", Password: "p"}, Params{Secure: true})
		if err != nil || m.Name() != tc.name {
			t.Errorf("New(%q) = %v, %v; want %s", tc.ask, m, err, tc.name)
		}
	}
	for _, bad := range []string{"GSSAPI", "SCRAM-SHA-512", "", "CRAM-MD5"} {
		if m, err := New(bad, Credentials{Username: "u", Password: "p"}, Params{Secure: true}); err == nil || m != nil || !strings.Contains(err.Error(), "unsupported") {
			t.Errorf("New(%q) = %v, %v; want unsupported", bad, m, err)
		}
	}
	// SCRAM with credentials SASLprep refuses fails at New.
	if _, err := New(ScramSHA1, Credentials{Username: "a\u0007", Password: "p"}, Params{}); err == nil {
		t.Error("New accepted a user name SASLprep refuses")
	}
}

// Choose explains a refusal: what the server offers, what the client
// accepts, and, when the transport needs a layer, why only DIGEST-MD5
// would do.
func TestChooseExplainsRefusals(t *testing.T) {
	_, err := Choose(ParseMechList("SCRAM-SHA-256, PLAIN"), nil, Params{MinSSF: 56})
	if !errors.Is(err, ErrNoMechanism) || !strings.Contains(err.Error(), "strength >= 56") || !strings.Contains(err.Error(), "SCRAM-SHA-256") {
		t.Fatalf("err = %v", err)
	}
	_, err = Choose(ParseMechList("PLAIN"), []string{"plain"}, Params{})
	if !errors.Is(err, ErrNoMechanism) || strings.Contains(err.Error(), "strength") {
		t.Fatalf("err = %v; want no word of a layer when none is needed", err)
	}
	// Offers are matched without regard to case, preferences too.
	if got, err := Choose([]string{"digest-md5"}, []string{"Digest-MD5"}, Params{MinSSF: 1}); err != nil || got != DigestMD5 {
		t.Fatalf("Choose = %q, %v", got, err)
	}
	// A preference the client does not implement is passed over even
	// when offered.
	if got, err := Choose([]string{"GSSAPI", "PLAIN"}, []string{"GSSAPI", "PLAIN"}, Params{Secure: true}); err != nil || got != Plain {
		t.Fatalf("Choose = %q, %v", got, err)
	}
	if got := ParseMechList(" A,,B  C,"); len(got) != 3 || got[0] != "A" || got[1] != "B" || got[2] != "C" {
		t.Fatalf("ParseMechList = %q", got)
	}
}

// PLAIN's message for credentials of any shape: empty ones, and a user
// name longer than everything else.
func TestPlainMessageShapes(t *testing.T) {
	for _, c := range []struct {
		cred Credentials
		want string
	}{
		{Credentials{}, "\x00\x00"},
		{Credentials{Username: "a-rather-long-user-name", Password: "p"}, "\x00a-rather-long-user-name\x00p"},
		{Credentials{Authzid: "a-rather-long-authzid", Username: "u"}, "a-rather-long-authzid\x00u\x00"},
	} {
		m, err := New(Plain, c.cred, Params{Secure: true})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := m.Start(); err != nil || string(got) != c.want {
			t.Errorf("Start = %q, %v; want %q", got, err, c.want)
		}
	}
}

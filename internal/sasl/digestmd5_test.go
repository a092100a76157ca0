package sasl

import (
	"bytes"
	"strings"
	"testing"
)

// A whole DIGEST-MD5 exchange against a server written from RFC 2831:
// the server accepts the client's response, the client accepts the
// server's rspauth, and with auth-conf both ends open each other's
// frames, in order, message after message.
func TestDigestMD5ExchangeWithRFCServer(t *testing.T) {
	cases := []struct {
		name       string
		cred       Credentials
		realm      string
		utf8       bool
		minSSF     int
		extra      []string
		wantQop    string
		wantCipher string
		wantSSF    int
		wantMax    int
	}{
		{name: "auth over a secure transport", cred: Credentials{Username: "u", Password: "p"}, realm: "vm",
			extra: []string{`qop="auth,auth-conf"`, `cipher="rc4"`}, wantQop: "auth"},
		{name: "auth when the server names no qop", cred: Credentials{Username: "u", Password: "p"}, realm: "vm",
			wantQop: "auth"},
		{name: "rc4 preferred", cred: Credentials{Username: "u", Password: "p"}, realm: "vm", minSSF: 56,
			extra: []string{`qop="auth,auth-conf"`, `cipher="rc4-40,rc4-56,rc4,des"`}, wantQop: "auth-conf", wantCipher: "rc4", wantSSF: 128, wantMax: 65536 - 16},
		{name: "rc4-56 meets a strength of 56", cred: Credentials{Username: "u", Password: "p"}, realm: "vm", minSSF: 56,
			extra: []string{`qop="auth-conf"`, `cipher="rc4-40,rc4-56"`, "maxbuf=4096"}, wantQop: "auth-conf", wantCipher: "rc4-56", wantSSF: 56, wantMax: 4096 - 16},
		{name: "rc4-40 meets a strength of 40", cred: Credentials{Username: "u", Password: "p"}, minSSF: 40,
			extra: []string{`qop="auth-conf"`, `cipher="rc4-40"`, "maxbuf=32"}, wantQop: "auth-conf", wantCipher: "rc4-40", wantSSF: 40, wantMax: 32 - 16},
		{name: "authzid and utf-8 names that fit Latin-1", cred: Credentials{Username: "jöeÿ", Password: "pässwörd", Authzid: "admin"}, realm: "réalm", utf8: true, minSSF: 56,
			extra: []string{`qop="auth-conf"`, `cipher="rc4"`}, wantQop: "auth-conf", wantCipher: "rc4", wantSSF: 128, wantMax: 65536 - 16},
		{name: "utf-8 names beyond Latin-1 are hashed as UTF-8", cred: Credentials{Username: "ユーザ", Password: "パス"}, realm: "vm", utf8: true,
			extra: []string{`qop="auth"`}, wantQop: "auth"},
		{name: "without charset names are hashed as sent", cred: Credentials{Username: "jöe", Password: "pässwörd"}, realm: "vm",
			extra: []string{`qop="auth"`}, wantQop: "auth"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := &rfc2831Server{user: tc.cred.Username, pass: tc.cred.Password, realm: tc.realm, nonce: "n0nce",
				service: "libvirt", host: "host.example", utf8: tc.utf8}
			cl, err := New(DigestMD5, tc.cred, Params{Service: "libvirt", Host: "host.example", MinSSF: tc.minSSF})
			if err != nil {
				t.Fatal(err)
			}
			if first, err := cl.Start(); err != nil || first != nil {
				t.Fatalf("Start = %q, %v; the server speaks first", first, err)
			}
			resp, done, err := cl.Step(srv.challenge(tc.extra...))
			if err != nil || done {
				t.Fatalf("response: done %v, %v", done, err)
			}
			final, err := srv.verify(resp)
			if err != nil {
				t.Fatalf("the server refuses the response %s: %v", resp, err)
			}
			if srv.qop != tc.wantQop || srv.cipher != tc.wantCipher {
				t.Fatalf("negotiated qop %q cipher %q, want %q %q", srv.qop, srv.cipher, tc.wantQop, tc.wantCipher)
			}
			if out, done, err := cl.Step([]byte(final)); err != nil || !done || out != nil {
				t.Fatalf("final step: %q, done %v, %v", out, done, err)
			}
			if out, done, err := cl.Step(nil); err != nil || !done || out != nil {
				t.Fatalf("a step after the end: %q, done %v, %v", out, done, err)
			}
			l := cl.Layer()
			if tc.wantQop != "auth-conf" {
				if l != nil {
					t.Fatalf("qop %s installed a layer", tc.wantQop)
				}
				return
			}
			if l == nil || l.SSF() != tc.wantSSF || l.MaxPlain() != tc.wantMax {
				t.Fatalf("layer ssf %d max %d, want %d %d", l.SSF(), l.MaxPlain(), tc.wantSSF, tc.wantMax)
			}
			for i, msg := range []string{"first", "", "third message", strings.Repeat("x", tc.wantMax)} {
				got, rest, err := srv.unseal(l.Seal(nil, []byte(msg)))
				if err != nil || string(got) != msg || len(rest) != 0 {
					t.Fatalf("client message %d: the server opened %q (%d left), %v", i, got, len(rest), err)
				}
				frame := srv.seal([]byte(msg + " back"))
				back, err := l.Unseal(nil, frame[4:])
				if err != nil || string(back) != msg+" back" {
					t.Fatalf("server message %d: the client opened %q, %v", i, back, err)
				}
			}
		})
	}
}

// Every way a server's messages can be wrong is refused with an error
// that says what was wrong, and no response is sent.
func TestDigestMD5RefusesBadChallenges(t *testing.T) {
	cases := []struct {
		name      string
		minSSF    int
		challenge string
		want      string
	}{
		{"empty challenge", 0, ``, "empty"},
		{"malformed", 0, `nonce"x"`, "malformed"},
		{"unterminated quote", 0, `nonce="x`, "unterminated"},
		{"no nonce", 0, `realm="r",algorithm=md5-sess`, "no nonce"},
		{"no algorithm", 0, `nonce="n"`, "algorithm"},
		{"algorithm md5", 0, `nonce="n",algorithm=md5`, "algorithm"},
		{"maxbuf not a number", 0, `nonce="n",maxbuf=big,algorithm=md5-sess`, "maxbuf"},
		{"maxbuf below 32", 0, `nonce="n",maxbuf=31,algorithm=md5-sess`, "maxbuf"},
		{"no plain auth offered", 0, `nonce="n",qop="auth-int,auth-conf",cipher="rc4",algorithm=md5-sess`, "without plain auth"},
		{"no auth-conf when a layer is needed", 56, `nonce="n",qop="auth,auth-int",cipher="rc4",algorithm=md5-sess`, "security layer"},
		{"no cipher strong enough", 56, `nonce="n",qop="auth-conf",cipher="rc4-40,des",algorithm=md5-sess`, "strength >= 56"},
		{"no cipher offered", 40, `nonce="n",qop="auth-conf",algorithm=md5-sess`, "no implemented cipher"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cl, err := New(DigestMD5, Credentials{Username: "u", Password: "p"}, Params{Service: "libvirt", Host: "h", MinSSF: tc.minSSF})
			if err != nil {
				t.Fatal(err)
			}
			resp, done, err := cl.Step([]byte(tc.challenge))
			if err == nil || !strings.Contains(err.Error(), tc.want) || resp != nil || done {
				t.Fatalf("Step = %q, done %v, %v; want an error about %q", resp, done, err, tc.want)
			}
			if cl.Layer() != nil {
				t.Fatal("a refused challenge installed a layer")
			}
		})
	}
}

// The server's final message must prove it knows the password; anything
// else fails the exchange.
func TestDigestMD5RefusesBadServerProof(t *testing.T) {
	for _, final := range []string{"", "rspauth=0123", `rspauth="unterminated`, "nonsense"} {
		srv := &rfc2831Server{user: "u", pass: "p", realm: "r", nonce: "n", service: "libvirt", host: "h"}
		cl, _ := New(DigestMD5, Credentials{Username: "u", Password: "p"}, Params{Service: "libvirt", Host: "h"})
		resp, _, err := cl.Step(srv.challenge(`qop="auth"`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.verify(resp); err != nil {
			t.Fatal(err)
		}
		if out, done, err := cl.Step([]byte(final)); err == nil || done || out != nil {
			t.Fatalf("final %q: %q, done %v, %v; want a refusal", final, out, done, err)
		}
	}
	// A server that knows another password refuses the response.
	srv := &rfc2831Server{user: "u", pass: "other", realm: "r", nonce: "n", service: "libvirt", host: "h"}
	cl, _ := New(DigestMD5, Credentials{Username: "u", Password: "p"}, Params{Service: "libvirt", Host: "h"})
	resp, _, _ := cl.Step(srv.challenge(`qop="auth"`))
	if _, err := srv.verify(resp); err == nil {
		t.Fatal("the server accepted a response made with another password")
	}
}

// The response quotes what it repeats from the user, escaping quotes and
// backslashes, so that a name cannot inject directives.
func TestDigestMD5QuotesUserInput(t *testing.T) {
	name := `ev"il\,qop=auth-conf`
	srv := &rfc2831Server{user: name, pass: "p", realm: `re"alm`, nonce: `n"o`, service: "libvirt", host: "h"}
	cl, _ := New(DigestMD5, Credentials{Username: name, Password: "p", Authzid: `a"z`}, Params{Service: "libvirt", Host: "h"})
	resp, _, err := cl.Step(srv.challenge(`qop="auth"`))
	if err != nil {
		t.Fatal(err)
	}
	d, err := parseDirectives(string(resp))
	if err != nil {
		t.Fatal(err)
	}
	if d.get("username") != name || d.get("realm") != `re"alm` || d.get("nonce") != `n"o` || d.get("authzid") != `a"z` || d.get("qop") != "auth" {
		t.Fatalf("response %s parsed back as %v", resp, d.last)
	}
	if _, err := srv.verify(resp); err != nil {
		t.Fatalf("the server refuses: %v", err)
	}
}

// The first realm the server lists is the one used, and the response
// names it.
func TestDigestMD5UsesTheFirstRealm(t *testing.T) {
	srv := &rfc2831Server{user: "u", pass: "p", realm: "first", nonce: "n", service: "libvirt", host: "h"}
	cl, _ := New(DigestMD5, Credentials{Username: "u", Password: "p"}, Params{Service: "libvirt", Host: "h"})
	resp, _, err := cl.Step(srv.challenge(`realm="second"`, `qop="auth"`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.verify(resp); err != nil {
		t.Fatalf("the server refuses: %v (response %s)", err, resp)
	}
	// No realm at all: the response names none.
	srv.realm = ""
	cl, _ = New(DigestMD5, Credentials{Username: "u", Password: "p"}, Params{Service: "libvirt", Host: "h"})
	resp, _, _ = cl.Step(srv.challenge(`qop="auth"`))
	if bytes.Contains(resp, []byte("realm=")) {
		t.Fatalf("response %s names a realm the server did not offer", resp)
	}
	if _, err := srv.verify(resp); err != nil {
		t.Fatalf("the server refuses: %v", err)
	}
}

// Each random client nonce is fresh: two exchanges never repeat one.
func TestDigestMD5ClientNoncesDiffer(t *testing.T) {
	seen := map[string]bool{}
	for range 4 {
		cl, _ := New(DigestMD5, Credentials{Username: "u", Password: "p"}, Params{Service: "libvirt", Host: "h"})
		resp, _, err := cl.Step([]byte(`nonce="n",qop="auth",algorithm=md5-sess`))
		if err != nil {
			t.Fatal(err)
		}
		d, _ := parseDirectives(string(resp))
		cn := d.get("cnonce")
		if len(cn) < 16 || seen[cn] {
			t.Fatalf("cnonce %q (seen before: %v)", cn, seen[cn])
		}
		seen[cn] = true
	}
}

// parseDirectives accepts the separators RFC 2831's grammar allows
// (spaces, tabs, line breaks, empty list elements) and token values
// with surrounding blanks.
func TestParseDirectivesSeparators(t *testing.T) {
	d, err := parseDirectives(" ,\tnonce=\"a\\\\b\" ,\r\n, qop = auth-conf ,\n maxbuf=\t64 ,,realm=\"x\\\"\"")
	if err != nil {
		t.Fatal(err)
	}
	if d.get("nonce") != `a\b` || d.get("qop") != "auth-conf" || d.get("maxbuf") != "64" || d.get("realm") != `x"` {
		t.Fatalf("parsed %v", d.last)
	}
	// Empty values: unquoted before a comma, and at the very end.
	d, err = parseDirectives("a=,b=1,c=")
	if err != nil || d.get("a") != "" || d.get("b") != "1" || d.get("c") != "" || len(d.last) != 3 {
		t.Fatalf("empty values parsed as %v, %v", d.last, err)
	}
	if _, err := parseDirectives("  \t\r\n"); err != nil {
		t.Fatalf("blank message: %v", err)
	}
	if _, err := parseDirectives(`nonce="x\`); err == nil {
		t.Fatal("a quoted value ending in a backslash parsed")
	}
	if _, err := parseDirectives(`a=1, =2`); err == nil || !strings.Contains(err.Error(), "offset 5") {
		t.Fatalf("empty name: %v, want an error at offset 5", err)
	}
}

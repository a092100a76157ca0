package sasl

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// RFC 2831 section 4, first example (IMAP).
func TestDigestMD5RFC2831(t *testing.T) {
	m := newDigestMD5(Credentials{Username: "chris", Password: "secret"}, Params{Service: "imap", Host: "elwood.innosoft.com", Secure: true})
	m.cnonce = "OA6MHXh6VqTrRk"
	if first, err := m.Start(); err != nil || first != nil {
		t.Fatalf("Start = %q, %v; want no initial response", first, err)
	}
	resp, done, err := m.Step([]byte(`realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8`))
	if err != nil || done {
		t.Fatalf("Step = %v, done %v", err, done)
	}
	got, err := parseDirectives(string(resp))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"charset": "utf-8", "username": "chris", "realm": "elwood.innosoft.com",
		"nonce": "OA6MG9tEQGm2hh", "nc": "00000001", "cnonce": "OA6MHXh6VqTrRk",
		"digest-uri": "imap/elwood.innosoft.com", "qop": "auth",
		"response": "d388dad90d4bbd760a152321f2143af7",
	}
	for k, v := range want {
		if got.get(k) != v {
			t.Errorf("%s = %q, want %q (response %s)", k, got.get(k), v, resp)
		}
	}
	if _, _, err := m.Step([]byte("rspauth=00000000000000000000000000000000")); err == nil {
		t.Fatal("a wrong rspauth was accepted")
	}
	m.state = 1
	if _, done, err := m.Step([]byte("rspauth=ea40f60335c427b5527b84dbabcdfffd")); err != nil || !done {
		t.Fatalf("RFC rspauth: done %v, err %v", done, err)
	}
	if m.Layer() != nil {
		t.Fatal("qop=auth must not install a layer")
	}
}

func TestDigestMD5AuthConf(t *testing.T) {
	ch := `realm="vm",nonce="abc",qop="auth,auth-int,auth-conf",cipher="rc4-40,rc4-56,rc4,des,3des",maxbuf=4096,charset=utf-8,algorithm=md5-sess`
	m := newDigestMD5(Credentials{Username: "u", Password: "p"}, Params{Service: "libvirt", Host: "127.0.0.1", MinSSF: 56})
	resp, _, err := m.Step([]byte(ch))
	if err != nil {
		t.Fatal(err)
	}
	d, _ := parseDirectives(string(resp))
	if d.get("qop") != "auth-conf" || d.get("cipher") != "rc4" || d.get("digest-uri") != "libvirt/127.0.0.1" {
		t.Fatalf("response %s: want qop auth-conf, cipher rc4", resp)
	}
	if l := m.Layer(); l == nil || l.SSF() != 128 || l.MaxPlain() != 4096-frameOverhead {
		t.Fatalf("layer = %+v", l)
	}
	// No auth-conf offered while a layer is required.
	m = newDigestMD5(Credentials{Username: "u", Password: "p"}, Params{Service: "libvirt", Host: "h", MinSSF: 56})
	if _, _, err := m.Step([]byte(`nonce="n",qop="auth",algorithm=md5-sess`)); err == nil {
		t.Fatal("accepted qop=auth although a layer of strength 56 is required")
	}
	// Only ciphers this client lacks.
	m = newDigestMD5(Credentials{Username: "u", Password: "p"}, Params{Service: "libvirt", Host: "h", MinSSF: 56})
	if _, _, err := m.Step([]byte(`nonce="n",qop="auth-conf",cipher="des,3des",algorithm=md5-sess`)); err == nil || !strings.Contains(err.Error(), "rc4") {
		t.Fatalf("err = %v, want a no-cipher error naming rc4", err)
	}
}

func TestRC4LayerRoundTrip(t *testing.T) {
	ha1 := digestHA1(Credentials{Username: "u", Password: "p"}, "r", "n", "c", true)
	for _, c := range supportedCiphers {
		cl := newRC4LayerSide(ha1, c, 1024, false)
		sv := newRC4LayerSide(ha1, c, 1024, true)
		for i, msg := range [][]byte{[]byte("hello"), bytes.Repeat([]byte{7}, 1000), {}} {
			frame := cl.Seal(nil, msg)
			if bytes.Contains(frame, []byte("hello")) {
				t.Fatal("plaintext visible in the frame")
			}
			got, err := sv.Unseal(nil, frame[4:])
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("%s message %d: got %q, %v", c.name, i, got, err)
			}
			back := sv.Seal(nil, msg)
			if got, err = cl.Unseal(nil, back[4:]); err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("%s reply %d: got %q, %v", c.name, i, got, err)
			}
		}
		frame := cl.Seal(nil, []byte("tamper"))
		frame[5] ^= 1
		if _, err := sv.Unseal(nil, frame[4:]); !errors.Is(err, ErrIntegrity) {
			t.Fatalf("tampered frame: err = %v", err)
		}
	}
	// A replayed frame has a stale sequence number.
	cl := newRC4LayerSide(ha1, supportedCiphers[0], 1024, false)
	sv := newRC4LayerSide(ha1, supportedCiphers[0], 1024, true)
	f := cl.Seal(nil, []byte("once"))
	if _, err := sv.Unseal(nil, f[4:]); err != nil {
		t.Fatal(err)
	}
	if _, err := sv.Unseal(nil, f[4:]); !errors.Is(err, ErrIntegrity) {
		t.Fatalf("replay: err = %v", err)
	}
}

// TestConnSwitch sends clear bytes, enables the layer, and checks that
// both directions are framed afterwards, with writes split at MaxPlain.
func TestConnSwitch(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	// Every read and write below is bounded: a stuck one fails the test
	// with a deadline error naming it instead of hanging.
	deadline := time.Now().Add(10 * time.Second)
	_ = a.SetDeadline(deadline)
	_ = b.SetDeadline(deadline)
	ha1 := digestHA1(Credentials{Username: "u", Password: "p"}, "r", "n", "c", true)
	client := NewConn(a)
	server := newRC4LayerSide(ha1, supportedCiphers[0], 100, true)
	go func() { b.Write([]byte("clear")) }()
	buf := make([]byte, 5)
	if _, err := readWithin(t, client, buf); err != nil || string(buf) != "clear" {
		t.Fatalf("clear read %q, %v", buf, err)
	}
	client.Enable(newRC4LayerSide(ha1, supportedCiphers[0], 100, false))
	msg := bytes.Repeat([]byte("x"), 250)
	go client.Write(msg)
	var got []byte
	for len(got) < len(msg) {
		var hdr [4]byte
		if _, err := readFull(b, hdr[:]); err != nil {
			t.Fatalf("the server reading a frame's length: %v", err)
		}
		n := int(hdr[0])<<24 | int(hdr[1])<<16 | int(hdr[2])<<8 | int(hdr[3])
		if n > 100 {
			t.Fatalf("frame of %d bytes exceeds the peer's maxbuf 100", n)
		}
		body := make([]byte, n)
		if _, err := readFull(b, body); err != nil {
			t.Fatal(err)
		}
		var err error
		if got, err = server.Unseal(got, body); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got, msg) {
		t.Fatal("server decoded something else")
	}
	go b.Write(server.Seal(server.Seal(nil, []byte("reply-1,")), []byte("reply-2")))
	var all []byte
	for len(all) < len("reply-1,reply-2") {
		n, err := readWithin(t, client, buf)
		if err != nil {
			t.Fatalf("reading the server's frames: %v", err)
		}
		if n == 0 {
			t.Fatal("Read returned no bytes and no error")
		}
		all = append(all, buf[:n]...)
	}
	if string(all) != "reply-1,reply-2" {
		t.Fatalf("client read %q", all)
	}
}

func readFull(c net.Conn, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := c.Read(p[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// RFC 7677 section 3.
func TestScramSHA256RFC7677(t *testing.T) {
	m, err := newScramNonce(ScramSHA256, Credentials{Username: "user", Password: "pencil"}, func() string { return "rOprNGfwEbeRWgbNEkqO" })
	if err != nil {
		t.Fatal(err)
	}
	first, err := m.Start()
	if err != nil || string(first) != "n,,n=user,r=rOprNGfwEbeRWgbNEkqO" {
		t.Fatalf("client-first = %q, %v", first, err)
	}
	final, done, err := m.Step([]byte("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"))
	want := "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
	if err != nil || done || string(final) != want {
		t.Fatalf("client-final = %q, done %v, %v", final, done, err)
	}
	if _, done, err = m.Step([]byte("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")); err != nil || !done {
		t.Fatalf("server-final: done %v, %v", done, err)
	}
	// A forged server signature is refused.
	m, _ = newScramNonce(ScramSHA256, Credentials{Username: "user", Password: "pencil"}, func() string { return "rOprNGfwEbeRWgbNEkqO" })
	m.Start()
	m.Step([]byte("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"))
	if _, _, err = m.Step([]byte("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")); err == nil {
		t.Fatal("forged server signature accepted")
	}
}

func TestPlain(t *testing.T) {
	if _, err := New(Plain, Credentials{Username: "u", Password: "p"}, Params{}); err == nil {
		t.Fatal("PLAIN allowed on an insecure transport")
	}
	m, err := New(Plain, Credentials{Username: "tim", Password: "tanstaaftanstaaf"}, Params{Secure: true})
	if err != nil {
		t.Fatal(err)
	}
	first, _ := m.Start()
	if string(first) != "\x00tim\x00tanstaaftanstaaf" {
		t.Fatalf("PLAIN message %q", first)
	}
}

func TestChoose(t *testing.T) {
	all := ParseMechList("SCRAM-SHA-256,SCRAM-SHA-1,DIGEST-MD5,PLAIN")
	cases := []struct {
		offered []string
		prefs   []string
		p       Params
		want    string
	}{
		{all, nil, Params{Secure: true}, ScramSHA256},
		{all, nil, Params{MinSSF: 56}, DigestMD5},
		{ParseMechList("DIGEST-MD5"), nil, Params{MinSSF: 56}, DigestMD5},
		{all, []string{"plain"}, Params{Secure: true}, Plain},
		{all, []string{"PLAIN", "SCRAM-SHA-1"}, Params{}, ScramSHA1},
		{ParseMechList("SCRAM-SHA-1 PLAIN"), nil, Params{Secure: true}, ScramSHA1},
		{ParseMechList("GSSAPI,DIGEST-MD5"), []string{"GSSAPI", "DIGEST-MD5"}, Params{Secure: true}, DigestMD5},
	}
	for i, c := range cases {
		got, err := Choose(c.offered, c.prefs, c.p)
		if err != nil || got != c.want {
			t.Errorf("case %d: Choose = %q, %v; want %q", i, got, err, c.want)
		}
	}
	for i, c := range []struct {
		offered, prefs []string
		p              Params
	}{
		{ParseMechList("SCRAM-SHA-256,PLAIN"), nil, Params{MinSSF: 56}},
		{ParseMechList("PLAIN"), nil, Params{}},
		{ParseMechList("GSSAPI"), nil, Params{Secure: true}},
		{all, []string{"SCRAM-SHA-512"}, Params{Secure: true}},
	} {
		if got, err := Choose(c.offered, c.prefs, c.p); !errors.Is(err, ErrNoMechanism) {
			t.Errorf("refusal %d: Choose = %q, %v; want ErrNoMechanism", i, got, err)
		}
	}
}

func TestParseDirectives(t *testing.T) {
	d, err := parseDirectives(`realm="a",realm="b\"c", nonce="x,y" ,qop=auth , maxbuf=1024`)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.all["realm"]; len(got) != 2 || got[1] != `b"c` || d.get("nonce") != "x,y" || d.get("qop") != "auth" || d.get("maxbuf") != "1024" {
		t.Fatalf("parsed %+v", d)
	}
	for _, bad := range []string{`nonce="open`, `=x`, `novalue`} {
		if _, err := parseDirectives(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

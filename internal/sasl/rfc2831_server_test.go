package sasl

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rc4"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
)

// rfc2831Server is the server's side of DIGEST-MD5, written from RFC 2831
// on its own (not with the client's helpers), so that the client is
// checked against what a server computes rather than against itself. It
// verifies the client's response and answers with rspauth, and then
// seals and unseals security-layer frames as the server does.
type rfc2831Server struct {
	user, pass, realm, nonce, service, host string
	utf8                                    bool // the challenge said charset=utf-8

	// After verify: the negotiated state.
	qop, cipher string
	ha1         [16]byte
	kis, kic    [16]byte // integrity keys server->client, client->server
	enc, dec    *rc4.Cipher
	sendSeq     uint32
	recvSeq     uint32
}

// latin1 turns s into ISO-8859-1 if every character fits (RFC 2831 2.1.2.1).
func latin1(s string) string {
	var b []byte
	for _, r := range s {
		if r > 0xff {
			return s
		}
		b = append(b, byte(r))
	}
	return string(b)
}

func md5hex(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

// verify checks the client's response message and returns the server's
// final message (rspauth).
func (s *rfc2831Server) verify(resp []byte) (string, error) {
	d, err := parseDirectives(string(resp))
	if err != nil {
		return "", err
	}
	get := func(k string) string { return d.last[k] }
	for k, want := range map[string]string{"username": s.user, "nonce": s.nonce, "nc": "00000001", "digest-uri": s.service + "/" + s.host} {
		if get(k) != want {
			return "", fmt.Errorf("%s=%q, want %q", k, get(k), want)
		}
	}
	if get("realm") != s.realm {
		return "", fmt.Errorf("realm=%q, want %q", get("realm"), s.realm)
	}
	if (get("charset") == "utf-8") != s.utf8 {
		return "", fmt.Errorf("charset=%q but the challenge's utf-8 was %v", get("charset"), s.utf8)
	}
	s.qop, s.cipher = get("qop"), get("cipher")
	user, realm, pass := s.user, s.realm, s.pass
	if s.utf8 {
		user, realm, pass = latin1(user), latin1(realm), latin1(pass)
	}
	inner := md5.Sum([]byte(user + ":" + realm + ":" + pass))
	a1 := string(inner[:]) + ":" + s.nonce + ":" + get("cnonce")
	if az, ok := d.last["authzid"]; ok {
		a1 += ":" + az
	}
	s.ha1 = md5.Sum([]byte(a1))
	kd := func(a2 string) string {
		if s.qop == "auth-conf" || s.qop == "auth-int" {
			a2 += ":00000000000000000000000000000000"
		}
		return md5hex([]byte(hex.EncodeToString(s.ha1[:]) + ":" + s.nonce + ":00000001:" + get("cnonce") + ":" + s.qop + ":" + md5hex([]byte(a2))))
	}
	if want := kd("AUTHENTICATE:" + get("digest-uri")); get("response") != want {
		return "", fmt.Errorf("response=%s, want %s", get("response"), want)
	}
	if s.qop == "auth-conf" {
		n := map[string]int{"rc4": 16, "rc4-56": 7, "rc4-40": 5}[s.cipher]
		if n == 0 {
			return "", fmt.Errorf("cipher %q", s.cipher)
		}
		s.kic = md5.Sum(append(s.ha1[:], "Digest session key to client-to-server signing key magic constant"...))
		s.kis = md5.Sum(append(s.ha1[:], "Digest session key to server-to-client signing key magic constant"...))
		kcc := md5.Sum(append(append([]byte(nil), s.ha1[:n]...), "Digest H(A1) to client-to-server sealing key magic constant"...))
		kcs := md5.Sum(append(append([]byte(nil), s.ha1[:n]...), "Digest H(A1) to server-to-client sealing key magic constant"...))
		s.dec, _ = rc4.NewCipher(kcc[:])
		s.enc, _ = rc4.NewCipher(kcs[:])
	}
	return "rspauth=" + kd(":"+get("digest-uri")), nil
}

func hmac10(key [16]byte, seq uint32, msg []byte) []byte {
	h := hmac.New(md5.New, key[:])
	_ = binary.Write(h, binary.BigEndian, seq)
	h.Write(msg)
	return h.Sum(nil)[:10]
}

// seal is the server's frame for msg: length, RC4(msg + MAC), 0x0001,
// sequence number (RFC 2831 2.4).
func (s *rfc2831Server) seal(msg []byte) []byte {
	body := append(append([]byte(nil), msg...), hmac10(s.kis, s.sendSeq, msg)...)
	s.enc.XORKeyStream(body, body)
	body = append(body, 0, 1)
	body = binary.BigEndian.AppendUint32(body, s.sendSeq)
	s.sendSeq++
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
}

// unseal opens one frame from the client (length word included) and
// returns the rest of b after it.
func (s *rfc2831Server) unseal(b []byte) (msg, rest []byte, err error) {
	if len(b) < 4 {
		return nil, b, fmt.Errorf("short frame")
	}
	n := int(binary.BigEndian.Uint32(b))
	if len(b) < 4+n || n < 16 {
		return nil, b, fmt.Errorf("frame of %d bytes, %d there", n, len(b)-4)
	}
	body, rest := b[4:4+n], b[4+n:]
	if body[n-6] != 0 || body[n-5] != 1 || binary.BigEndian.Uint32(body[n-4:]) != s.recvSeq {
		return nil, rest, fmt.Errorf("bad trailer % x (sequence %d expected)", body[n-6:], s.recvSeq)
	}
	plain := make([]byte, n-6)
	s.dec.XORKeyStream(plain, body[:n-6])
	msg, mac := plain[:len(plain)-10], plain[len(plain)-10:]
	if !hmac.Equal(mac, hmac10(s.kic, s.recvSeq, msg)) {
		return nil, rest, fmt.Errorf("bad MAC")
	}
	s.recvSeq++
	return msg, rest, nil
}

// challenge is the server's first message with the given extra
// directives.
func (s *rfc2831Server) challenge(extra ...string) []byte {
	parts := []string{fmt.Sprintf("nonce=%q", s.nonce)}
	if s.realm != "" {
		parts = append(parts, fmt.Sprintf("realm=%q", s.realm))
	}
	if s.utf8 {
		parts = append(parts, "charset=utf-8")
	}
	parts = append(parts, extra...)
	parts = append(parts, "algorithm=md5-sess")
	return []byte(strings.Join(parts, ","))
}

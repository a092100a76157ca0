package sasl

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// digestDefaultMaxbuf is the maxbuf RFC 2831 assumes when a side does not
// announce one.
const digestDefaultMaxbuf = 65536

// digestMD5Client implements DIGEST-MD5 (RFC 2831) as a client: qop auth
// when the transport needs no security layer from SASL, qop auth-conf
// with the rc4 cipher family when it does (libvirt's daemon insists on a
// strength of 56 or more on plain TCP).
type digestMD5Client struct {
	c       Credentials
	p       Params
	cnonce  string // fixed by tests; random otherwise
	state   int    // 0 before the challenge, 1 after the response, 2 done
	rspauth string // expected server proof (hex)
	layer   Layer
}

func newDigestMD5(c Credentials, p Params) *digestMD5Client {
	return &digestMD5Client{c: c, p: p}
}

func (m *digestMD5Client) Name() string { return DigestMD5 }

// Start returns nil: the server sends the first challenge.
func (m *digestMD5Client) Start() ([]byte, error) { return nil, nil }

func (m *digestMD5Client) Layer() Layer { return m.layer }

func (m *digestMD5Client) Step(challenge []byte) ([]byte, bool, error) {
	switch m.state {
	case 0:
		if len(challenge) == 0 {
			// libvirt sends START without data; the server's reply
			// carries the challenge.
			return nil, false, errors.New("sasl: DIGEST-MD5: empty server challenge")
		}
		resp, err := m.respond(challenge)
		if err != nil {
			return nil, false, err
		}
		m.state = 1
		return resp, false, nil
	case 1:
		f, err := parseDirectives(string(challenge))
		if err != nil {
			return nil, false, fmt.Errorf("sasl: DIGEST-MD5: server's final message: %w", err)
		}
		got := f.get("rspauth")
		if subtle.ConstantTimeCompare([]byte(got), []byte(m.rspauth)) != 1 {
			return nil, false, errors.New("sasl: DIGEST-MD5: the server's rspauth is wrong (it does not know the password)")
		}
		m.state = 2
		return nil, true, nil
	}
	return nil, true, nil
}

// cipherChoice is a confidentiality cipher DIGEST-MD5 may negotiate.
type cipherChoice struct {
	name string
	ssf  int
	n    int // bytes of H(A1) used for the sealing keys
}

// supportedCiphers are the ciphers this client implements, strongest
// first (RC4 in its 128, 56 and 40 bit variants; Cyrus offers des and 3des
// as well, which are not implemented).
var supportedCiphers = []cipherChoice{{"rc4", 128, 16}, {"rc4-56", 56, 7}, {"rc4-40", 40, 5}}

func (m *digestMD5Client) respond(challenge []byte) ([]byte, error) {
	ch, err := parseDirectives(string(challenge))
	if err != nil {
		return nil, fmt.Errorf("sasl: DIGEST-MD5: server challenge: %w", err)
	}
	nonce := ch.get("nonce")
	if nonce == "" {
		return nil, errors.New("sasl: DIGEST-MD5: server challenge has no nonce")
	}
	if alg := ch.get("algorithm"); alg != "md5-sess" {
		return nil, fmt.Errorf("sasl: DIGEST-MD5: server wants algorithm %q, only md5-sess exists", alg)
	}
	qops := splitList(ch.get("qop"))
	if len(qops) == 0 {
		qops = []string{"auth"}
	}
	serverMaxbuf := digestDefaultMaxbuf
	if s, ok := ch.lookup("maxbuf"); ok {
		if serverMaxbuf, err = strconv.Atoi(s); err != nil || serverMaxbuf < 32 {
			return nil, fmt.Errorf("sasl: DIGEST-MD5: bad maxbuf %q in server challenge", s)
		}
	}
	qop := "auth"
	var cipher cipherChoice
	if m.p.MinSSF > 0 {
		if !slices.Contains(qops, "auth-conf") {
			return nil, fmt.Errorf("sasl: DIGEST-MD5: a security layer of strength %d is required but the server offers qop %v", m.p.MinSSF, qops)
		}
		offered := splitList(ch.get("cipher"))
		for _, c := range supportedCiphers {
			if c.ssf >= m.p.MinSSF && slices.Contains(offered, c.name) {
				cipher = c
				break
			}
		}
		if cipher.name == "" {
			return nil, fmt.Errorf("sasl: DIGEST-MD5: no implemented cipher of strength >= %d among the server's %v (this client implements rc4, rc4-56, rc4-40)", m.p.MinSSF, offered)
		}
		qop = "auth-conf"
	} else if !slices.Contains(qops, "auth") {
		return nil, fmt.Errorf("sasl: DIGEST-MD5: server offers qop %v without plain auth", qops)
	}
	realm := ""
	if realms := ch.all["realm"]; len(realms) > 0 {
		realm = realms[0]
	}
	utf8Charset := ch.get("charset") == "utf-8"
	cnonce := m.cnonce
	if cnonce == "" {
		var b [24]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		cnonce = base64.RawStdEncoding.EncodeToString(b[:])
	}
	digestURI := m.p.Service + "/" + m.p.Host
	const nc = "00000001"
	ha1 := digestHA1(m.c, realm, nonce, cnonce, utf8Charset)
	response := digestResponse(ha1, nonce, nc, cnonce, qop, "AUTHENTICATE:"+digestURI)
	m.rspauth = digestResponse(ha1, nonce, nc, cnonce, qop, ":"+digestURI)

	var b strings.Builder
	if utf8Charset {
		b.WriteString("charset=utf-8,")
	}
	fmt.Fprintf(&b, "username=%s,", quote(m.c.Username))
	if realm != "" {
		fmt.Fprintf(&b, "realm=%s,", quote(realm))
	}
	fmt.Fprintf(&b, "nonce=%s,nc=%s,cnonce=%s,digest-uri=%s,maxbuf=%d,response=%s,qop=%s",
		quote(nonce), nc, quote(cnonce), quote(digestURI), digestDefaultMaxbuf, response, qop)
	if qop == "auth-conf" {
		fmt.Fprintf(&b, ",cipher=%s", cipher.name)
	}
	if m.c.Authzid != "" {
		fmt.Fprintf(&b, ",authzid=%s", quote(m.c.Authzid))
	}
	if qop == "auth-conf" {
		m.layer = newRC4Layer(ha1, cipher, serverMaxbuf)
	}
	return []byte(b.String()), nil
}

// digestHA1 is H(A1) of RFC 2831 section 2.1.2.1, in binary.
func digestHA1(c Credentials, realm, nonce, cnonce string, utf8Charset bool) [16]byte {
	user, rlm, pass := c.Username, realm, c.Password
	if utf8Charset {
		user, rlm, pass = toLatin1(user), toLatin1(rlm), toLatin1(pass)
	}
	inner := md5.Sum([]byte(user + ":" + rlm + ":" + pass))
	a1 := append(inner[:], ":"+nonce+":"+cnonce...)
	if c.Authzid != "" {
		a1 = append(a1, ":"+c.Authzid...)
	}
	return md5.Sum(a1)
}

// digestResponse computes the response (or rspauth) value for A2 prefix
// a2: "AUTHENTICATE:uri" or ":uri"; integrity and confidentiality add the
// 32 zeros of RFC 2831.
func digestResponse(ha1 [16]byte, nonce, nc, cnonce, qop, a2 string) string {
	if qop == "auth-int" || qop == "auth-conf" {
		a2 += ":00000000000000000000000000000000"
	}
	ha2 := md5.Sum([]byte(a2))
	kd := md5.Sum([]byte(hex.EncodeToString(ha1[:]) + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + hex.EncodeToString(ha2[:])))
	return hex.EncodeToString(kd[:])
}

// toLatin1 converts s to ISO-8859-1 when every character fits, as RFC
// 2831 requires before hashing; otherwise s stays UTF-8.
func toLatin1(s string) string {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff || r == utf8.RuneError {
			return s
		}
		out = append(out, byte(r))
	}
	return string(out)
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// directives is a parsed DIGEST-MD5 message: the last value of each name,
// and every value for names that may repeat (realm).
type directives struct {
	last map[string]string
	all  map[string][]string
}

func (d directives) get(k string) string { return d.last[k] }

func (d directives) lookup(k string) (string, bool) {
	v, ok := d.last[k]
	return v, ok
}

// parseDirectives parses name=value pairs separated by commas, values
// being tokens or quoted strings with backslash escapes.
func parseDirectives(s string) (directives, error) {
	d := directives{last: map[string]string{}, all: map[string][]string{}}
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == ',' || s[i] == '\r' || s[i] == '\n') {
			i++
		}
		if i >= len(s) {
			return d, nil
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq <= 0 {
			return d, fmt.Errorf("malformed directive at offset %d", i)
		}
		name := strings.ToLower(strings.TrimSpace(s[i : i+eq]))
		i += eq + 1
		var val string
		if i < len(s) && s[i] == '"' {
			i++
			var b strings.Builder
			for {
				if i >= len(s) {
					return d, fmt.Errorf("unterminated quoted value for %s", name)
				}
				c := s[i]
				i++
				if c == '\\' && i < len(s) {
					b.WriteByte(s[i])
					i++
					continue
				}
				if c == '"' {
					break
				}
				b.WriteByte(c)
			}
			val = b.String()
		} else {
			end := strings.IndexByte(s[i:], ',')
			if end < 0 {
				end = len(s) - i
			}
			val = strings.TrimSpace(s[i : i+end])
			i += end
		}
		d.last[name] = val
		d.all[name] = append(d.all[name], val)
	}
}

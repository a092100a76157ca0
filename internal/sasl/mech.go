// Package sasl implements the client side of the SASL mechanisms libvirt's
// daemon offers through Cyrus SASL: SCRAM-SHA-256, SCRAM-SHA-1,
// DIGEST-MD5 (with its auth-conf security layer, which libvirt requires
// on plain TCP) and PLAIN.
package sasl

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Mechanism names.
const (
	ScramSHA256 = "SCRAM-SHA-256"
	ScramSHA1   = "SCRAM-SHA-1"
	DigestMD5   = "DIGEST-MD5"
	Plain       = "PLAIN"
)

// DefaultPreference is the order mechanisms are chosen in when the caller
// has no preference: strongest first.
var DefaultPreference = []string{ScramSHA256, ScramSHA1, DigestMD5, Plain}

// ErrNoMechanism is returned when the server offers no mechanism the
// client may use.
var ErrNoMechanism = errors.New("sasl: no usable mechanism")

// Client is one side of a SASL exchange.
type Client interface {
	// Name is the mechanism name sent to the server.
	Name() string
	// Start returns the initial response; nil means the mechanism has
	// none (the server speaks first).
	Start() ([]byte, error)
	// Step consumes a server challenge and returns the next response.
	// done reports that the client has verified the server and needs
	// nothing more.
	Step(challenge []byte) (response []byte, done bool, err error)
	// Layer is the negotiated security layer, nil when there is none.
	// Only meaningful once done.
	Layer() Layer
}

// Credentials are what a mechanism needs to authenticate.
type Credentials struct {
	Username string
	Password string
	// Authzid is the identity to act as; empty means Username.
	Authzid string
}

// Params are the session facts a mechanism needs.
type Params struct {
	// Service is the SASL service name ("libvirt").
	Service string
	// Host is the server's host name as in the URI.
	Host string
	// MinSSF is the minimum security strength the connection needs from
	// SASL: 0 over TLS, unix sockets and SSH; 56 on plain TCP, as libvirt
	// requires.
	MinSSF int
	// Secure reports that the transport itself protects the traffic
	// (TLS, unix socket, SSH), which PLAIN requires.
	Secure bool
}

// ParseMechList splits the server's mechanism list (Cyrus separates
// names with commas; spaces are accepted too).
func ParseMechList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

// Choose picks the first mechanism of prefs (DefaultPreference when
// empty) that the server offers and that is usable given p: PLAIN needs a
// secure transport, and when MinSSF > 0 only DIGEST-MD5 (which provides
// an encrypting layer) qualifies.
func Choose(offered, prefs []string, p Params) (string, error) {
	if len(prefs) == 0 {
		prefs = DefaultPreference
	}
	for _, want := range prefs {
		want = strings.ToUpper(want)
		if !slices.ContainsFunc(offered, func(o string) bool { return strings.EqualFold(o, want) }) {
			continue
		}
		switch want {
		case Plain:
			if !p.Secure {
				continue
			}
		case ScramSHA256, ScramSHA1:
		case DigestMD5:
		default:
			continue
		}
		if p.MinSSF > 0 && want != DigestMD5 {
			continue
		}
		return want, nil
	}
	why := ""
	if p.MinSSF > 0 {
		why = fmt.Sprintf("; this transport needs a security layer of strength >= %d, which only DIGEST-MD5 provides here (use TLS for SCRAM)", p.MinSSF)
	}
	return "", fmt.Errorf("%w: server offers %v, client accepts %v%s", ErrNoMechanism, offered, prefs, why)
}

// New returns a client for mechanism name.
func New(name string, c Credentials, p Params) (Client, error) {
	switch strings.ToUpper(name) {
	case Plain:
		if !p.Secure {
			return nil, errors.New("sasl: PLAIN would send the password in clear; it is only used over TLS, unix sockets or SSH")
		}
		return &plainClient{c: c}, nil
	case ScramSHA256, ScramSHA1:
		return newScram(strings.ToUpper(name), c)
	case DigestMD5:
		return newDigestMD5(c, p), nil
	}
	return nil, fmt.Errorf("sasl: unsupported mechanism %q", name)
}

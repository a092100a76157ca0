// Package socket parses libvirt connection URIs and dials the transports
// they name.
//
// A libvirt URI has the form
//
//	driver[+transport]://[user@][host][:port]/[path][?query]
//
// as described at https://libvirt.org/uri.html and
// https://libvirt.org/remote.html#remote-uri-reference.
package socket

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Transports libvirt's remote driver knows.
const (
	TransportUnix    = "unix"
	TransportTCP     = "tcp"
	TransportTLS     = "tls"
	TransportSSH     = "ssh"
	TransportLibSSH  = "libssh"
	TransportLibSSH2 = "libssh2"
	TransportExt     = "ext"
)

// Default ports of the network transports.
const (
	DefaultTCPPort = "16509"
	DefaultTLSPort = "16514"
	DefaultSSHPort = "22"
)

// remoteParams are the query parameters consumed by libvirt's remote
// driver itself; every other parameter is passed on to the daemon in the
// URI it opens.
var remoteParams = map[string]bool{
	"name": true, "socket": true, "mode": true, "no_verify": true,
	"pkipath": true, "keyfile": true, "known_hosts": true,
	"known_hosts_verify": true, "no_tty": true, "command": true,
	"netcat": true, "sshauth": true, "tls_priority": true, "proxy": true,
	"auth": true, "authfile": true, "no_sanity": true,
}

// Param is one query parameter, kept in the order written.
type Param struct {
	Name, Value string
}

// URI is a parsed libvirt connection URI.
type URI struct {
	// Driver is the hypervisor driver: "qemu", "test", "lxc", ...
	Driver string
	// Transport is what follows "+" in the scheme, or "" when absent.
	Transport string
	User      string
	Host      string
	Port      string
	Path      string
	// Params holds every query parameter in order, known or not.
	Params []Param
}

// ErrURIPassword is returned by Parse for a URI whose user information
// carries a password ("ssh://user:secret@host/..."). libvirt ignores such
// passwords; accepting the URI would only spread the secret into logs and
// errors. Give passwords through auth.conf or a credential callback.
var ErrURIPassword = errors.New("libvirt: URIs must not contain a password (use auth.conf or a credential callback)")

// Parse parses a libvirt URI. It accepts every transport and parameter
// libvirt does; whether a transport can be dialled is Dial's business.
// Query parameters are split and decoded as libvirt's own parser does
// (see parseQuery). A URI with a password is refused with ErrURIPassword,
// and no error Parse returns contains the password.
func Parse(s string) (*URI, error) {
	red := Redact(s)
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("libvirt: invalid URI %q: %w", red, redactErr(s, err))
	}
	if u.Scheme == "" {
		return nil, fmt.Errorf("libvirt: invalid URI %q: no driver scheme (want e.g. qemu:///system)", red)
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			return nil, fmt.Errorf("%w: %q", ErrURIPassword, red)
		}
	}
	out := &URI{Path: u.Path, Host: u.Hostname(), Port: u.Port()}
	out.Driver, out.Transport, _ = strings.Cut(u.Scheme, "+")
	switch out.Transport {
	case "", TransportUnix, TransportTCP, TransportTLS, TransportSSH, TransportLibSSH, TransportLibSSH2, TransportExt:
	default:
		return nil, fmt.Errorf("libvirt: URI %q: unknown transport %q", red, out.Transport)
	}
	if u.User != nil {
		out.User = u.User.Username()
	}
	if u.Opaque != "" {
		return nil, fmt.Errorf("libvirt: invalid URI %q: expected driver://[host]/path", red)
	}
	if out.Params, err = parseQuery(u.RawQuery); err != nil {
		return nil, fmt.Errorf("libvirt: URI %q: %w", red, err)
	}
	return out, nil
}

// Param returns the last value of the named query parameter (libvirt lets
// a later one override an earlier one) and whether it was present. Names
// compare case-insensitively, as libvirt's remote driver compares them.
func (u *URI) Param(name string) (string, bool) {
	v, ok := "", false
	for _, p := range u.Params {
		if strings.EqualFold(p.Name, name) {
			v, ok = p.Value, true
		}
	}
	return v, ok
}

// EffectiveTransport is the transport used: the explicit one, else unix for
// a URI without a host and tls (libvirt's default) for one with a host.
func (u *URI) EffectiveTransport() string {
	switch {
	case u.Transport != "":
		return u.Transport
	case u.Host == "":
		return TransportUnix
	default:
		return TransportTLS
	}
}

// Address returns host:port for the network transports, filling in the
// default port.
func (u *URI) Address() string {
	port := u.Port
	if port == "" {
		switch u.EffectiveTransport() {
		case TransportTCP:
			port = DefaultTCPPort
		case TransportTLS:
			port = DefaultTLSPort
		default:
			port = DefaultSSHPort
		}
	}
	host := u.Host
	if host == "" {
		host = "localhost"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return host + ":" + port
}

// RemoteName is the URI the client asks the daemon to open: the name=
// parameter when given, else this URI without transport, user, host, port
// and the parameters the remote driver consumes, as libvirt does
// ("qemu+tcp://host/system?socket=x" opens "qemu:///system").
func (u *URI) RemoteName() string {
	if n, ok := u.Param("name"); ok {
		return n
	}
	return u.formatName(false)
}

// helperName is the URI virt-ssh-helper is asked to open: RemoteName, but
// keeping mode= and socket= for the helper to act on, as libvirt does.
func (u *URI) helperName() string {
	if n, ok := u.Param("name"); ok {
		return n
	}
	return u.formatName(true)
}

func (u *URI) formatName(keepSocket bool) string {
	var b strings.Builder
	b.WriteString(u.Driver)
	b.WriteString("://")
	b.WriteString((&url.URL{Path: u.Path}).EscapedPath())
	sep := "?"
	for _, p := range u.Params {
		name := strings.ToLower(p.Name)
		if remoteParams[name] && !(keepSocket && (name == "mode" || name == "socket")) {
			continue
		}
		b.WriteString(sep)
		b.WriteString(uriEscape(p.Name))
		b.WriteByte('=')
		b.WriteString(uriEscape(p.Value))
		sep = "&"
	}
	return b.String()
}

// String formats the URI back into libvirt's syntax.
func (u *URI) String() string {
	scheme := u.Driver
	if u.Transport != "" {
		scheme += "+" + u.Transport
	}
	v := url.URL{Scheme: scheme, Path: u.Path}
	if u.Host != "" || u.Port != "" {
		v.Host = u.Host
		if strings.Contains(u.Host, ":") {
			v.Host = "[" + u.Host + "]"
		}
		if u.Port != "" {
			v.Host += ":" + u.Port
		}
	}
	if u.User != "" {
		v.User = url.User(u.User)
	}
	var q []string
	for _, p := range u.Params {
		q = append(q, uriEscape(p.Name)+"="+uriEscape(p.Value))
	}
	v.RawQuery = strings.Join(q, "&")
	s := v.String()
	if v.Host == "" && v.User == nil && !strings.HasPrefix(s, scheme+"://") {
		// Older url.URL versions drop the empty authority ("qemu:/system");
		// newer ones keep it ("qemu:///system").
		s = scheme + "://" + strings.TrimPrefix(s, scheme+":")
	}
	return s
}

package socket

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"
)

// File names of libvirt's client PKI.
const (
	caCertFile     = "cacert.pem"
	clientCertFile = "clientcert.pem"
	clientKeyFile  = "clientkey.pem"
)

// System-wide PKI locations libvirt's client falls back to.
const (
	SystemCACert     = "/etc/pki/CA/cacert.pem"
	SystemClientCert = "/etc/pki/libvirt/clientcert.pem"
	SystemClientKey  = "/etc/pki/libvirt/private/clientkey.pem"
)

// Errors of the TLS transport. Each failure wraps exactly one of them, so
// callers can tell them apart with errors.Is.
var (
	// ErrTLSUnknownAuthority: the server's certificate is not signed by
	// the CA the client trusts.
	ErrTLSUnknownAuthority = errors.New("libvirt: TLS: server certificate is not signed by a trusted CA")
	// ErrTLSHostMismatch: the server's certificate is valid but names
	// another host.
	ErrTLSHostMismatch = errors.New("libvirt: TLS: server certificate does not match the host name")
	// ErrTLSClientRejected: the server did not accept this client after
	// the handshake (no client certificate, one from a CA it does not
	// trust, or a distinguished name missing from its allowed list).
	ErrTLSClientRejected = errors.New("libvirt: TLS: the server rejected this client's certificate")
	// ErrTLSHandshake wraps any other handshake failure.
	ErrTLSHandshake = errors.New("libvirt: TLS handshake failed")
)

// PKI names the PEM files a TLS client uses. ClientCert and ClientKey are
// empty when the client has no certificate of its own.
type PKI struct {
	CACert     string
	ClientCert string
	ClientKey  string
}

// LocatePKI finds the client's CA certificate, certificate and key the way
// libvirt does: every file in the pkipath= directory when the URI has one;
// otherwise, for a user other than root, each file in ~/.pki/libvirt/ when
// it exists, else its system location (/etc/pki/CA/cacert.pem,
// /etc/pki/libvirt/clientcert.pem, /etc/pki/libvirt/private/clientkey.pem).
func LocatePKI(u *URI) (PKI, error) {
	home, _ := os.UserHomeDir()
	return locatePKI(u, os.Geteuid(), home, fileExists)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func locatePKI(u *URI, euid int, home string, exists func(string) bool) (PKI, error) {
	if dir, ok := u.Param("pkipath"); ok {
		if dir == "" {
			return PKI{}, fmt.Errorf("libvirt: URI %s: empty pkipath parameter", u)
		}
		return PKI{
			CACert:     filepath.Join(dir, caCertFile),
			ClientCert: filepath.Join(dir, clientCertFile),
			ClientKey:  filepath.Join(dir, clientKeyFile),
		}, nil
	}
	p := PKI{CACert: SystemCACert, ClientCert: SystemClientCert, ClientKey: SystemClientKey}
	if euid == 0 || home == "" {
		return p, nil
	}
	user := filepath.Join(home, ".pki", "libvirt")
	for _, f := range []struct {
		dst  *string
		name string
	}{{&p.CACert, caCertFile}, {&p.ClientCert, clientCertFile}, {&p.ClientKey, clientKeyFile}} {
		if cand := filepath.Join(user, f.name); exists(cand) {
			*f.dst = cand
		}
	}
	return p, nil
}

// TLSConfig builds the client TLS configuration for u: TLS 1.2 or later,
// the CA from LocatePKI as the only trusted root, the client certificate
// when both its files exist, and verification of the server's certificate
// and host name. With no_verify=1 the server's certificate is accepted
// whatever it is, as libvirt does; the client's own certificate must still
// be signed by the CA.
func TLSConfig(u *URI) (*tls.Config, error) {
	pki, err := LocatePKI(u)
	if err != nil {
		return nil, err
	}
	noVerify, err := u.BoolParam("no_verify")
	if err != nil {
		return nil, err
	}
	return pki.config(hostOrLocalhost(u), noVerify)
}

func hostOrLocalhost(u *URI) string {
	if u.Host == "" {
		return "localhost"
	}
	return u.Host
}

func (p PKI) config(serverName string, noVerify bool) (*tls.Config, error) {
	caPEM, err := os.ReadFile(p.CACert)
	if err != nil {
		return nil, fmt.Errorf("libvirt: TLS: cannot read CA certificate: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("libvirt: TLS: no PEM certificate in CA file %s", p.CACert)
	}
	cfg := &tls.Config{
		MinVersion: tls.VersionTLS12,
		RootCAs:    roots,
		ServerName: serverName,
	}
	certOK, keyOK := fileExists(p.ClientCert), fileExists(p.ClientKey)
	switch {
	case certOK && keyOK:
		pair, err := tls.LoadX509KeyPair(p.ClientCert, p.ClientKey)
		if err != nil {
			return nil, fmt.Errorf("libvirt: TLS: loading client certificate %s and key %s: %w", p.ClientCert, p.ClientKey, err)
		}
		leaf, err := x509.ParseCertificate(pair.Certificate[0])
		if err != nil {
			return nil, fmt.Errorf("libvirt: TLS: parsing client certificate %s: %w", p.ClientCert, err)
		}
		// libvirt refuses to present a certificate its own CA did not sign.
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			return nil, fmt.Errorf("libvirt: TLS: our own certificate %s does not validate against %s: %w", p.ClientCert, p.CACert, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	case certOK != keyOK:
		return nil, fmt.Errorf("libvirt: TLS: client certificate %s and key %s must both exist or both be absent", p.ClientCert, p.ClientKey)
	}
	if noVerify {
		// libvirt's no_verify=1: any server certificate is accepted.
		cfg.InsecureSkipVerify = true
	}
	return cfg, nil
}

// Handshake runs the TLS handshake on raw and then waits for the status
// byte libvirt's server sends once it has checked the client's
// certificate: 1 means accepted; a closed connection or any other value
// means rejected (ErrTLSClientRejected). Deadlines come from ctx. On error
// raw is closed.
func Handshake(ctx context.Context, raw net.Conn, cfg *tls.Config) (net.Conn, error) {
	tc := tls.Client(raw, cfg)
	fail := func(err error) (net.Conn, error) {
		raw.Close()
		return nil, err
	}
	if err := tc.HandshakeContext(ctx); err != nil {
		return fail(classifyHandshake(err))
	}
	stop := context.AfterFunc(ctx, func() { raw.SetReadDeadline(time.Unix(1, 0)) })
	var b [1]byte
	_, err := io.ReadFull(tc, b[:])
	if !stop() {
		return fail(fmt.Errorf("%w: waiting for the server's certificate check: %w", ErrTLSHandshake, ctx.Err()))
	}
	switch {
	case err != nil:
		return fail(fmt.Errorf("%w (it closed the connection: %w)", ErrTLSClientRejected, err))
	case b[0] != 1:
		return fail(fmt.Errorf("%w (status byte %d)", ErrTLSClientRejected, b[0]))
	}
	return tc, nil
}

func classifyHandshake(err error) error {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var verr *tls.CertificateVerificationError
	switch {
	case errors.As(err, &unknown):
		return fmt.Errorf("%w: %w", ErrTLSUnknownAuthority, err)
	case errors.As(err, &host):
		return fmt.Errorf("%w: %w", ErrTLSHostMismatch, err)
	case errors.As(err, &verr):
		return fmt.Errorf("%w: server certificate: %w", ErrTLSHandshake, err)
	}
	return fmt.Errorf("%w: %w", ErrTLSHandshake, err)
}

package socket

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"testing"
	"time"
)

// testCert returns a certificate for dnsName signed by parent (self-signed
// when parent is nil), with its key.
func testCert(t *testing.T, dnsName string, isCA bool, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: dnsName},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		IsCA: isCA, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if !isCA {
		tmpl.DNSNames = []string{dnsName}
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// TestHandshakeErrorsAs runs Handshake against a real TLS server and
// checks that errors.As reaches the x509 error types through our
// sentinel wrappers.
func TestHandshakeErrorsAs(t *testing.T) {
	ca, caKey := testCert(t, "test CA", true, nil, nil)
	otherCA, _ := testCert(t, "other CA", true, nil, nil)
	leaf, leafKey := testCert(t, "server.example", false, ca, caKey)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	srvCfg := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leaf.Raw}, PrivateKey: leafKey}}}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				tc := tls.Server(c, srvCfg)
				tc.SetDeadline(time.Now().Add(5 * time.Second))
				_ = tc.Handshake()
			}()
		}
	}()
	dial := func(t *testing.T, roots *x509.Certificate, name string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		raw, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AddCert(roots)
		_, err = Handshake(ctx, raw, &tls.Config{RootCAs: pool, ServerName: name, MinVersion: tls.VersionTLS12})
		return err
	}

	err = dial(t, ca, "wrong.example")
	var host x509.HostnameError
	var verr *tls.CertificateVerificationError
	if !errors.Is(err, ErrTLSHostMismatch) || !errors.As(err, &host) || host.Host != "wrong.example" || !errors.As(err, &verr) {
		t.Fatalf("wrong host: err = %v, want ErrTLSHostMismatch wrapping x509.HostnameError", err)
	}
	err = dial(t, otherCA, "server.example")
	var unknown x509.UnknownAuthorityError
	if !errors.Is(err, ErrTLSUnknownAuthority) || !errors.As(err, &unknown) || !errors.As(err, &verr) {
		t.Fatalf("other CA: err = %v, want ErrTLSUnknownAuthority wrapping x509.UnknownAuthorityError", err)
	}
}

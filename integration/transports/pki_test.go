//go:build integration

package transports_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// ca is a throwaway certificate authority.
type ca struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newCA(t *testing.T, name string) *ca {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &ca{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue writes certFile and keyFile for a leaf signed by c.
func (c *ca) issue(t *testing.T, subject pkix.Name, server bool, certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               subject,
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.DNSNames = []string{"localhost"}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, &key.PublicKey, c.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write(t, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	write(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
}

func write(t *testing.T, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	// ForkLock keeps a concurrent fork from inheriting the write
	// descriptor, which would make exec'ing a script fail with ETXTBSY.
	syscall.ForkLock.RLock()
	err := os.WriteFile(path, data, mode)
	syscall.ForkLock.RUnlock()
	if err != nil {
		t.Fatal(err)
	}
}

// pkiSet is a CA with a server directory for libvirtd and client
// directories in libvirt's pkipath= layout.
type pkiSet struct {
	dir string
	ca  *ca
}

// newPKI writes dir/server/{cacert,servercert,serverkey}.pem (CN=localhost,
// SANs localhost, 127.0.0.1, ::1) and a client directory for ci-client.
func newPKI(t *testing.T, dir string) *pkiSet {
	p := &pkiSet{dir: dir, ca: newCA(t, "virtwire test CA")}
	write(t, filepath.Join(dir, "server", "cacert.pem"), p.ca.pem, 0o644)
	p.ca.issue(t, pkix.Name{Organization: []string{"CI"}, CommonName: "localhost"}, true,
		filepath.Join(dir, "server", "servercert.pem"), filepath.Join(dir, "server", "serverkey.pem"))
	p.client(t, "client", "ci-client")
	return p
}

// client writes dir/NAME/{cacert,clientcert,clientkey}.pem for a client
// certificate with common name cn, and returns the directory.
func (p *pkiSet) client(t *testing.T, name, cn string) string {
	d := filepath.Join(p.dir, name)
	write(t, filepath.Join(d, "cacert.pem"), p.ca.pem, 0o644)
	p.ca.issue(t, pkix.Name{Country: []string{"XX"}, Organization: []string{"CI"}, CommonName: cn}, false,
		filepath.Join(d, "clientcert.pem"), filepath.Join(d, "clientkey.pem"))
	return d
}

// tlsConf returns libvirtd.conf lines for a TLS listener on port.
func (p *pkiSet) tlsConf(port int) []string {
	return []string{
		`listen_tls = 1`,
		`listen_addr = "127.0.0.1"`,
		`tls_port = "` + itoa(port) + `"`,
		`key_file = "` + filepath.Join(p.dir, "server", "serverkey.pem") + `"`,
		`cert_file = "` + filepath.Join(p.dir, "server", "servercert.pem") + `"`,
		`ca_file = "` + filepath.Join(p.dir, "server", "cacert.pem") + `"`,
	}
}

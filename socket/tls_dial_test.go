package socket

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// testPKI is a CA with a server certificate for "server.example" and
// 127.0.0.1, and a client certificate, all made for the test.
type testPKI struct {
	ca                  *x509.Certificate
	caKey               *ecdsa.PrivateKey
	server              tls.Certificate
	clientCert, clientK []byte // PEM
}

func issue(t *testing.T, tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
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

func certTemplate(cn string, serial int64) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature,
	}
}

func newTestPKI(t *testing.T, name string) *testPKI {
	t.Helper()
	caT := certTemplate(name+" CA", 1)
	caT.IsCA, caT.KeyUsage = true, x509.KeyUsageCertSign
	ca, caKey := issue(t, caT, nil, nil)
	srvT := certTemplate("server.example", 2)
	srvT.DNSNames, srvT.IPAddresses = []string{"server.example", "localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)}
	srvT.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	srv, srvKey := issue(t, srvT, ca, caKey)
	cliT := certTemplate("client", 3)
	cliT.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	cli, cliKey := issue(t, cliT, ca, caKey)
	kder, err := x509.MarshalECPrivateKey(cliKey)
	if err != nil {
		t.Fatal(err)
	}
	return &testPKI{
		ca: ca, caKey: caKey,
		server:     tls.Certificate{Certificate: [][]byte{srv.Raw}, PrivateKey: srvKey},
		clientCert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cli.Raw}),
		clientK:    pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}),
	}
}

func (p *testPKI) caPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.ca.Raw})
}

// dir writes the CA and, when withClient, the client pair into a
// pkipath= directory.
func (p *testPKI) dir(t *testing.T, withClient bool) string {
	t.Helper()
	d := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(d, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("cacert.pem", p.caPEM())
	if withClient {
		write("clientcert.pem", p.clientCert)
		write("clientkey.pem", p.clientK)
	}
	return d
}

// tlsTestServer accepts TLS connections the way libvirtd does: after the
// handshake it checks the client certificate and sends one status byte
// (status returns it; a negative value closes the connection instead, and
// hold keeps silent until the test ends).
type tlsTestServer struct {
	addr    string
	mu      sync.Mutex
	clients []string // CommonName of each client certificate seen ("" for none)
}

func startTLSServer(t *testing.T, cfg *tls.Config, status func(*tls.ConnectionState) int) *tlsTestServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &tlsTestServer{addr: l.Addr().String()}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() { close(quit); l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				go func() { <-quit; c.Close() }()
				tc := tls.Server(c, cfg)
				if err := tc.Handshake(); err != nil {
					return
				}
				st := tc.ConnectionState()
				cn := ""
				if len(st.PeerCertificates) > 0 {
					cn = st.PeerCertificates[0].Subject.CommonName
				}
				s.mu.Lock()
				s.clients = append(s.clients, cn)
				s.mu.Unlock()
				switch b := status(&st); {
				case b == -2:
					<-quit
				case b >= 0:
					tc.Write([]byte{byte(b)})
					io.Copy(tc, tc) // echo until the client leaves
				}
			}()
		}
	}()
	return s
}

// dialTLS runs TLSConfig and Handshake for uri against addr.
func dialTLS(t *testing.T, uri, addr string, timeout time.Duration) (net.Conn, error) {
	t.Helper()
	u, err := Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := TLSConfig(u)
	if err != nil {
		return nil, err
	}
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	done := make(chan struct{})
	var c net.Conn
	go func() {
		defer close(done)
		c, err = Handshake(ctx, raw, cfg)
	}()
	select {
	case <-done:
	case <-time.After(timeout + 10*time.Second):
		t.Fatalf("Handshake with %s still running %v after its context ended", addr, 10*time.Second)
	}
	if c != nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

// TestTLSClientEndToEnd: TLSConfig's configuration talks to a server
// that checks client certificates, as libvirtd does, and each way it can
// fail is told apart.
func TestTLSClientEndToEnd(t *testing.T) {
	pki := newTestPKI(t, "main")
	other := newTestPKI(t, "other")
	pool := x509.NewCertPool()
	pool.AddCert(pki.ca)
	requireClient := &tls.Config{Certificates: []tls.Certificate{pki.server}, ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: pool}
	accept := func(st *tls.ConnectionState) int {
		if len(st.PeerCertificates) == 0 {
			return 0 // libvirtd: "no client certificate"
		}
		return 1
	}
	srv := startTLSServer(t, requireClient, accept)
	withClient, caOnly := pki.dir(t, true), pki.dir(t, false)

	c, err := dialTLS(t, "qemu+tls://server.example/system?pkipath="+withClient, srv.addr, 10*time.Second)
	if err != nil {
		t.Fatalf("valid PKI: %v", err)
	}
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 4)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "ping" {
		t.Fatalf("echo after the status byte: %q, %v", got, err)
	}
	srv.mu.Lock()
	seen := append([]string(nil), srv.clients...)
	srv.mu.Unlock()
	if len(seen) != 1 || seen[0] != "client" {
		t.Fatalf("server saw client certificates %q, want [client]", seen)
	}

	// The server's status byte 0: rejected.
	if _, err := dialTLS(t, "qemu+tls://server.example/system?pkipath="+caOnly, srv.addr, 10*time.Second); !errors.Is(err, ErrTLSClientRejected) || !strings.Contains(err.Error(), "status byte 0") {
		t.Fatalf("no client certificate: %v, want ErrTLSClientRejected with status byte 0", err)
	}
	// Server certificate from a CA we do not trust, then the same with
	// no_verify=1 (accepted whatever it is) and no_verify=0 (checked).
	foreign := startTLSServer(t, &tls.Config{Certificates: []tls.Certificate{other.server}}, func(*tls.ConnectionState) int { return 1 })
	for _, c := range []struct {
		query string
		want  error
	}{
		{"", ErrTLSUnknownAuthority},
		{"&no_verify=0", ErrTLSUnknownAuthority},
		{"&no_verify=1", nil},
		{"&no_verify=-1", nil},
	} {
		_, err := dialTLS(t, "qemu+tls://server.example/system?pkipath="+caOnly+c.query, foreign.addr, 10*time.Second)
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("foreign server certificate%s: %v, want %v", c.query, err, c.want)
		}
	}
	// Host name: the certificate names server.example and localhost; a
	// URI without a host checks "localhost".
	if _, err := dialTLS(t, "qemu+tls://wrong.example/system?pkipath="+withClient, srv.addr, 10*time.Second); !errors.Is(err, ErrTLSHostMismatch) {
		t.Fatalf("wrong host: %v", err)
	}
	if _, err := dialTLS(t, "qemu+tls:///system?pkipath="+withClient, srv.addr, 10*time.Second); err != nil {
		t.Fatalf("no host in the URI checks localhost: %v", err)
	}
	// Our own certificate from another CA is refused before dialing.
	mixed := pki.dir(t, false)
	os.WriteFile(filepath.Join(mixed, "clientcert.pem"), other.clientCert, 0o600)
	os.WriteFile(filepath.Join(mixed, "clientkey.pem"), other.clientK, 0o600)
	u, _ := Parse("qemu+tls://server.example/system?pkipath=" + mixed)
	if _, err := TLSConfig(u); err == nil || !strings.Contains(err.Error(), "does not validate against") {
		t.Fatalf("client certificate of another CA: %v", err)
	}
	// A certificate and a key that do not belong together.
	os.WriteFile(filepath.Join(mixed, "clientkey.pem"), pki.clientK, 0o600)
	if _, err := TLSConfig(u); err == nil || !strings.Contains(err.Error(), "loading client certificate") {
		t.Fatalf("mismatched client certificate and key: %v", err)
	}
	// A certificate without its key.
	os.Remove(filepath.Join(mixed, "clientkey.pem"))
	if _, err := TLSConfig(u); err == nil || !strings.Contains(err.Error(), "must both exist") {
		t.Fatalf("client certificate without a key: %v", err)
	}
}

// TestTLSHandshakeServerEnds: a server that closes after the handshake
// rejected us; one that never sends the status byte is given up on when
// the context ends; a peer that does not speak TLS is a handshake error.
func TestTLSHandshakeServerEnds(t *testing.T) {
	pki := newTestPKI(t, "main")
	dir := pki.dir(t, true)
	srvCfg := &tls.Config{Certificates: []tls.Certificate{pki.server}}
	closing := startTLSServer(t, srvCfg, func(*tls.ConnectionState) int { return -1 })
	if _, err := dialTLS(t, "qemu+tls://server.example/system?pkipath="+dir, closing.addr, 10*time.Second); !errors.Is(err, ErrTLSClientRejected) || !strings.Contains(err.Error(), "closed the connection") {
		t.Fatalf("server closed after the handshake: %v", err)
	}
	bad := startTLSServer(t, srvCfg, func(*tls.ConnectionState) int { return 2 })
	if _, err := dialTLS(t, "qemu+tls://server.example/system?pkipath="+dir, bad.addr, 10*time.Second); !errors.Is(err, ErrTLSClientRejected) || !strings.Contains(err.Error(), "status byte 2") {
		t.Fatalf("status byte 2: %v", err)
	}
	silent := startTLSServer(t, srvCfg, func(*tls.ConnectionState) int { return -2 })
	start := time.Now()
	_, err := dialTLS(t, "qemu+tls://server.example/system?pkipath="+dir, silent.addr, 300*time.Millisecond)
	if !errors.Is(err, ErrTLSHandshake) || !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrTLSClientRejected) {
		t.Fatalf("silent server: %v, want ErrTLSHandshake wrapping the context's error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("silent server held Handshake for %v", d)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err == nil {
			c.Write([]byte("SSH-2.0-OpenSSH_9.9\r\n"))
			c.Close()
		}
	}()
	_, err = dialTLS(t, "qemu+tls://server.example/system?pkipath="+dir, l.Addr().String(), 10*time.Second)
	if !errors.Is(err, ErrTLSHandshake) || errors.Is(err, ErrTLSUnknownAuthority) || errors.Is(err, ErrTLSHostMismatch) {
		t.Fatalf("not a TLS server: %v", err)
	}
}

// TestTLSExpiredServerCertificate: a verification failure other than an
// unknown CA or a host mismatch is a handshake error about the server's
// certificate.
func TestTLSExpiredServerCertificate(t *testing.T) {
	pki := newTestPKI(t, "main")
	tmpl := certTemplate("server.example", 9)
	tmpl.DNSNames = []string{"server.example"}
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-2*time.Hour), time.Now().Add(-time.Hour)
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	cert, key := issue(t, tmpl, pki.ca, pki.caKey)
	srv := startTLSServer(t, &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{cert.Raw}, PrivateKey: key}}}, func(*tls.ConnectionState) int { return 1 })
	_, err := dialTLS(t, "qemu+tls://server.example/system?pkipath="+pki.dir(t, false), srv.addr, 10*time.Second)
	var verr *tls.CertificateVerificationError
	if !errors.Is(err, ErrTLSHandshake) || !errors.As(err, &verr) || !strings.Contains(err.Error(), "server certificate") ||
		errors.Is(err, ErrTLSUnknownAuthority) || errors.Is(err, ErrTLSHostMismatch) {
		t.Fatalf("expired server certificate: %v", err)
	}
}

// TestLocatePKIUserFiles: LocatePKI looks in the real home directory for
// a user other than root.
func TestLocatePKIUserFiles(t *testing.T) {
	u, _ := Parse("qemu+tls://h/system?pkipath=")
	if _, err := TLSConfig(u); err == nil || !strings.Contains(err.Error(), "empty pkipath") {
		t.Fatalf("empty pkipath: %v", err)
	}
	if os.Geteuid() == 0 {
		t.Skip("root always uses the system PKI")
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	d := filepath.Join(home, ".pki", "libvirt")
	os.MkdirAll(d, 0o700)
	os.WriteFile(filepath.Join(d, "cacert.pem"), []byte("x"), 0o600)
	u, _ = Parse("qemu+tls://h/system")
	p, err := LocatePKI(u)
	if err != nil || p != (PKI{filepath.Join(d, "cacert.pem"), SystemClientCert, SystemClientKey}) {
		t.Fatalf("LocatePKI = %+v, %v", p, err)
	}
}

package libvirt_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/libvirttest"
	"github.com/virtwire/libvirt/socket"
)

// tlsFront is a TLS listener in front of a libvirttest server, as
// libvirtd listens for +tls: after the handshake it sends the status
// byte 1 and then carries the RPC traffic to the fake daemon.
type tlsFront struct {
	addr string
	pool *x509.CertPool
}

func startTLSFront(t *testing.T, srv *libvirttest.Server, maxVersion uint16) *tlsFront {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caT := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "front CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caT, caT, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leafT := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafT, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER}, PrivateKey: key}}, MaxVersion: maxVersion}
	if maxVersion != 0 && maxVersion < tls.VersionTLS12 {
		cfg.MinVersion = maxVersion
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	quit := make(chan struct{})
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
				tc := tls.Server(c, cfg)
				tc.SetDeadline(time.Now().Add(10 * time.Second))
				if tc.Handshake() != nil {
					return
				}
				tc.SetDeadline(time.Time{})
				if _, err := tc.Write([]byte{1}); err != nil {
					return
				}
				back, err := srv.Pipe()
				if err != nil {
					return
				}
				defer back.Close()
				go func() {
					<-quit
					c.Close()
					back.Close()
				}()
				go func() { io.Copy(back, tc); back.Close() }()
				io.Copy(tc, back)
			}()
		}
	}()
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &tlsFront{addr: l.Addr().String(), pool: pool}
}

// TestDialTLSWithConfig: a caller's tls.Config is used as given, with
// the server name filled in from the URI (localhost without a host), at
// least TLS 1.2, and without changing the caller's copy.
func TestDialTLSWithConfig(t *testing.T) {
	srv := libvirttest.New(t)
	front := startTLSFront(t, srv, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	redirect := libvirt.WithDialer(func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", front.addr)
	})
	dial := func(uri string, cfg *tls.Config) error {
		c, err := libvirt.Dial(ctx, uri, libvirt.WithTLSConfig(cfg), redirect, libvirt.WithKeepalive(0, 0))
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.ConnectGetLibVersion(ctx)
		return err
	}

	cfg := &tls.Config{RootCAs: front.pool}
	for _, uri := range []string{"test+tls://127.0.0.1/default", "test+tls://localhost/default", "test+tls:///default"} {
		if err := dial(uri, cfg); err != nil {
			t.Fatalf("%s: %v", uri, err)
		}
	}
	if cfg.ServerName != "" || cfg.MinVersion != 0 {
		t.Fatalf("the caller's config was changed: ServerName %q, MinVersion %x", cfg.ServerName, cfg.MinVersion)
	}
	// The URI's host is checked against the certificate.
	if err := dial("test+tls://wrong.example/default", cfg); !errors.Is(err, socket.ErrTLSHostMismatch) {
		t.Fatalf("host not in the certificate: %v, want ErrTLSHostMismatch", err)
	}
	// A server name in the caller's config wins over the URI's host.
	named := &tls.Config{RootCAs: front.pool, ServerName: "localhost"}
	if err := dial("test+tls://wrong.example/default", named); err != nil {
		t.Fatalf("ServerName from the caller's config: %v", err)
	}
	named.ServerName = "other.example"
	if err := dial("test+tls://localhost/default", named); !errors.Is(err, socket.ErrTLSHostMismatch) {
		t.Fatalf("ServerName other.example: %v, want ErrTLSHostMismatch", err)
	}

	// A server that only speaks TLS 1.1 is refused even when the caller
	// allowed it.
	old := startTLSFront(t, srv, tls.VersionTLS11)
	oldCfg := &tls.Config{RootCAs: old.pool, MinVersion: tls.VersionTLS10}
	c, err := libvirt.Dial(ctx, "test+tls://"+old.addr+"/default", libvirt.WithTLSConfig(oldCfg), libvirt.WithKeepalive(0, 0))
	if err == nil {
		c.Close()
		t.Fatal("connected to a TLS 1.1 server")
	}
	if !errors.Is(err, socket.ErrTLSHandshake) {
		t.Fatalf("TLS 1.1 server: %v, want ErrTLSHandshake", err)
	}

	// Without a config of its own, the client reads pkipath=; a dial
	// failure after that is returned as it is.
	refused := errors.New("no route for test")
	_, err = libvirt.Dial(ctx, "test+tls://localhost/default?pkipath="+t.TempDir(), libvirt.WithKeepalive(0, 0))
	if err == nil {
		t.Fatal("connected without a CA certificate")
	}
	_, err = libvirt.Dial(ctx, "test+tls://localhost/default", libvirt.WithTLSConfig(cfg), libvirt.WithKeepalive(0, 0),
		libvirt.WithDialer(func(context.Context, string, string) (net.Conn, error) { return nil, refused }))
	if !errors.Is(err, refused) {
		t.Fatalf("dial failure: %v", err)
	}
}

//go:build integration

package transports_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/socket"
)

// tlsEnv is a libvirtd with a TLS listener that accepts only client
// certificates whose name contains CN=ci-client.
type tlsEnv struct {
	port int
	pki  *pkiSet
}

func startTLS(t *testing.T) tlsEnv {
	requireRoot(t)
	dir := t.TempDir()
	pki := newPKI(t, filepath.Join(dir, "pki"))
	port := freePort(t)
	conf := append(pki.tlsConf(port),
		`listen_tcp = 0`,
		`auth_tls = "none"`,
		`auth_unix_rw = "none"`,
		`tls_allowed_dn_list = ["*CN=ci-client*"]`,
	)
	startDaemon(t, filepath.Join(dir, "d"), conf)
	waitTCP(t, "127.0.0.1:"+itoa(port))
	return tlsEnv{port: port, pki: pki}
}

func (e tlsEnv) uri(host, pkipath string, extra ...string) string {
	u := "test+tls://" + host + ":" + itoa(e.port) + "/default?pkipath=" + pkipath
	for _, x := range extra {
		u += "&" + x
	}
	return u
}

// listTest asserts that the connection reaches the test driver.
func listTest(t *testing.T, c *libvirt.Client) {
	t.Helper()
	doms, err := c.ConnectListAllDomains(ctxT(t), 0)
	if err != nil {
		t.Fatalf("ConnectListAllDomains: %v", err)
	}
	if len(doms) == 0 || doms[0].Name != "test" {
		t.Fatalf("domains = %+v, want the test driver's \"test\"", doms)
	}
}

func TestTLS(t *testing.T) {
	e := startTLS(t)
	client := filepath.Join(e.pki.dir, "client")

	t.Run("right CA by IP and by name", func(t *testing.T) {
		for _, host := range []string{"127.0.0.1", "localhost"} {
			c, err := libvirt.Dial(ctxT(t), e.uri(host, client))
			if err != nil {
				t.Fatalf("%s: %v", host, err)
			}
			listTest(t, c)
			c.Close()
		}
	})

	t.Run("caller tls.Config", func(t *testing.T) {
		u, _ := socket.Parse(e.uri("127.0.0.1", client))
		cfg, err := socket.TLSConfig(u)
		if err != nil {
			t.Fatal(err)
		}
		c, err := libvirt.Dial(ctxT(t), "test+tls://127.0.0.1:"+itoa(e.port)+"/default?pkipath=/nonexistent", libvirt.WithTLSConfig(cfg))
		if err != nil {
			t.Fatal(err)
		}
		listTest(t, c)
		c.Close()
	})

	t.Run("wrong CA", func(t *testing.T) {
		other := newPKI(t, filepath.Join(t.TempDir(), "other"))
		_, err := libvirt.Dial(ctxT(t), e.uri("127.0.0.1", filepath.Join(other.dir, "client")))
		if !errors.Is(err, socket.ErrTLSUnknownAuthority) {
			t.Fatalf("err = %v, want ErrTLSUnknownAuthority", err)
		}
		t.Log(err)
	})

	// A host name the certificate does not list, dialled at 127.0.0.1.
	redirect := libvirt.WithDialer(func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, "127.0.0.1:"+itoa(e.port))
	})
	t.Run("wrong host name", func(t *testing.T) {
		_, err := libvirt.Dial(ctxT(t), e.uri("virt.example.test", client), redirect)
		if !errors.Is(err, socket.ErrTLSHostMismatch) {
			t.Fatalf("err = %v, want ErrTLSHostMismatch", err)
		}
		t.Log(err)
	})

	t.Run("wrong host name with no_verify=1", func(t *testing.T) {
		c, err := libvirt.Dial(ctxT(t), e.uri("virt.example.test", client, "no_verify=1"), redirect)
		if err != nil {
			t.Fatal(err)
		}
		listTest(t, c)
		c.Close()
	})

	t.Run("client certificate not on the allowed list", func(t *testing.T) {
		dir := e.pki.client(t, "intruder", "intruder")
		start := time.Now()
		_, err := libvirt.Dial(ctxT(t), e.uri("127.0.0.1", dir))
		if !errors.Is(err, socket.ErrTLSClientRejected) {
			t.Fatalf("err = %v, want ErrTLSClientRejected", err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("rejection took %v", d)
		}
		t.Log(err)
	})

	t.Run("no client certificate", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "cacert-only")
		write(t, filepath.Join(dir, "cacert.pem"), e.pki.ca.pem, 0o644)
		_, err := libvirt.Dial(ctxT(t), e.uri("127.0.0.1", dir))
		if !errors.Is(err, socket.ErrTLSClientRejected) {
			t.Fatalf("err = %v, want ErrTLSClientRejected", err)
		}
		t.Log(err)
	})

	t.Run("missing CA file", func(t *testing.T) {
		_, err := libvirt.Dial(ctxT(t), e.uri("127.0.0.1", t.TempDir()))
		if err == nil || !strings.Contains(err.Error(), "cannot read CA certificate") || !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("err = %v, want a missing CA error", err)
		}
	})
}

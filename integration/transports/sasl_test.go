//go:build integration

package transports_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/internal/sasl"
)

const (
	saslUser     = "ciuser"
	saslPassword = "ci-secret"
)

// saslEnv is a libvirtd whose TLS, plain TCP and read-write unix
// listeners all require SASL, backed by a sasldb made with saslpasswd2.
type saslEnv struct {
	d       *daemon
	tls     int
	tcp     int
	pki     *pkiSet
	authDir string
}

func startSASL(t *testing.T) saslEnv {
	requireRoot(t, "saslpasswd2")
	dir := t.TempDir()
	saslDir := filepath.Join(dir, "sasl2")
	db := filepath.Join(saslDir, "passwd.db")
	write(t, filepath.Join(saslDir, "libvirt.conf"), []byte("mech_list: scram-sha-256 scram-sha-1 digest-md5 plain\nsasldb_path: "+db+"\n"), 0o644)
	cmd := exec.Command("saslpasswd2", "-p", "-c", "-a", "libvirt", "-f", db, saslUser)
	cmd.Stdin = strings.NewReader(saslPassword)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("saslpasswd2: %v: %s", err, out)
	}
	pki := newPKI(t, filepath.Join(dir, "pki"))
	tlsPort, tcpPort := freePort(t), freePort(t)
	conf := append(pki.tlsConf(tlsPort),
		`auth_tls = "sasl"`,
		`listen_tcp = 1`,
		`tcp_port = "`+itoa(tcpPort)+`"`,
		`auth_tcp = "sasl"`,
		`auth_unix_ro = "none"`,
		`auth_unix_rw = "sasl"`,
	)
	d := startDaemon(t, filepath.Join(dir, "d"), conf, "SASL_CONF_PATH="+saslDir)
	waitTCP(t, "127.0.0.1:"+itoa(tlsPort))
	waitTCP(t, "127.0.0.1:"+itoa(tcpPort))
	return saslEnv{d: d, tls: tlsPort, tcp: tcpPort, pki: pki, authDir: dir}
}

// recorder is a credential callback that answers with fixed credentials
// and remembers the mechanisms it was asked for.
type recorder struct {
	mu       sync.Mutex
	user     string
	password string
	mechs    []string
}

func (r *recorder) get(_ context.Context, req *libvirt.CredentialRequest) (libvirt.Credentials, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mechs = append(r.mechs, req.Mechanism)
	if req.Service != "libvirt" || !req.Needs(libvirt.CredAuthname) || !req.Needs(libvirt.CredPassphrase) {
		return libvirt.Credentials{}, errors.New("unexpected request")
	}
	return libvirt.Credentials{Username: r.user, Password: r.password}, nil
}

func TestSASL(t *testing.T) {
	e := startSASL(t)
	noFile := libvirt.WithAuthFile("")
	tlsURI := "test+tls://127.0.0.1:" + itoa(e.tls) + "/default?pkipath=" + filepath.Join(e.pki.dir, "client")
	tcpURI := "test+tcp://127.0.0.1:" + itoa(e.tcp) + "/default"
	unixURI := "test+unix:///default?socket=" + e.d.socket()

	t.Run("DIGEST-MD5 over TCP with a security layer", func(t *testing.T) {
		r := &recorder{user: saslUser, password: saslPassword}
		c, err := libvirt.Dial(ctxT(t), tcpURI, noFile, libvirt.WithCredentials(r.get))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if got := strings.Join(r.mechs, ","); got != sasl.DigestMD5 {
			t.Fatalf("mechanisms asked = %q, want DIGEST-MD5", got)
		}
		// Many calls, some larger than one frame, all through RC4.
		for i := 0; i < 50; i++ {
			listTest(t, c)
		}
		caps, err := c.ConnectGetCapabilities(ctxT(t))
		if err != nil || !strings.Contains(caps, "<capabilities>") {
			t.Fatalf("capabilities: %v (%d bytes)", err, len(caps))
		}
	})

	t.Run("SCRAM-SHA-256 over TLS, callback", func(t *testing.T) {
		r := &recorder{user: saslUser, password: saslPassword}
		c, err := libvirt.Dial(ctxT(t), tlsURI, noFile, libvirt.WithCredentials(r.get))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if got := strings.Join(r.mechs, ","); got != sasl.ScramSHA256 {
			t.Fatalf("mechanisms asked = %q, want SCRAM-SHA-256", got)
		}
		listTest(t, c)
	})

	authConf := filepath.Join(e.authDir, "auth.conf")
	write(t, authConf, []byte("[credentials-ci]\nauthname="+saslUser+"\npassword="+saslPassword+"\n\n"+
		"[auth-libvirt-127.0.0.1]\ncredentials=ci\n\n[auth-libvirt-default]\ncredentials=ci\n"), 0o600)

	t.Run("SCRAM-SHA-256 over TLS, auth.conf via LIBVIRT_AUTH_FILE", func(t *testing.T) {
		t.Setenv("LIBVIRT_AUTH_FILE", authConf)
		c, err := libvirt.Dial(ctxT(t), tlsURI)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		listTest(t, c)
	})

	t.Run("SCRAM-SHA-256 over unix, auth.conf default section", func(t *testing.T) {
		r := &recorder{user: "nobody", password: "wrong"}
		c, err := libvirt.Dial(ctxT(t), unixURI, libvirt.WithAuthFile(authConf), libvirt.WithCredentials(r.get))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if len(r.mechs) != 0 {
			t.Fatalf("callback asked although auth.conf had everything: %v", r.mechs)
		}
		listTest(t, c)
	})

	t.Run("SCRAM-SHA-1 and PLAIN over TLS on request", func(t *testing.T) {
		for _, m := range []string{sasl.ScramSHA1, sasl.Plain} {
			r := &recorder{user: saslUser, password: saslPassword}
			c, err := libvirt.Dial(ctxT(t), tlsURI, noFile, libvirt.WithCredentials(r.get), libvirt.WithSASLMechanisms(m))
			if err != nil {
				t.Fatalf("%s: %v", m, err)
			}
			if r.mechs[0] != m {
				t.Fatalf("used %s, want %s", r.mechs[0], m)
			}
			listTest(t, c)
			c.Close()
		}
	})

	t.Run("DIGEST-MD5 over TLS without a layer", func(t *testing.T) {
		r := &recorder{user: saslUser, password: saslPassword}
		c, err := libvirt.Dial(ctxT(t), tlsURI+"&auth=sasl.digest-md5", noFile, libvirt.WithCredentials(r.get))
		if err != nil {
			t.Fatal(err)
		}
		if r.mechs[0] != sasl.DigestMD5 {
			t.Fatalf("used %s, want DIGEST-MD5", r.mechs[0])
		}
		listTest(t, c)
		c.Close()
	})

	t.Run("wrong password", func(t *testing.T) {
		for _, uri := range []string{tcpURI, tlsURI, unixURI} {
			r := &recorder{user: saslUser, password: "not-the-password"}
			_, err := libvirt.Dial(ctxT(t), uri, noFile, libvirt.WithCredentials(r.get))
			if !errors.Is(err, libvirt.ErrAuthentication) || !errors.Is(err, libvirt.ErrAuthFailed) {
				t.Fatalf("%s: err = %v, want ErrAuthentication wrapping the daemon's ErrAuthFailed", uri, err)
			}
			if strings.Contains(err.Error(), "not-the-password") {
				t.Fatalf("error leaks the password: %v", err)
			}
			t.Log(err)
		}
	})

	t.Run("SCRAM refused over plain TCP", func(t *testing.T) {
		r := &recorder{user: saslUser, password: saslPassword}
		_, err := libvirt.Dial(ctxT(t), tcpURI, noFile, libvirt.WithCredentials(r.get), libvirt.WithSASLMechanisms(sasl.ScramSHA256))
		if !errors.Is(err, sasl.ErrNoMechanism) {
			t.Fatalf("err = %v, want ErrNoMechanism", err)
		}
		t.Log(err)
	})

	t.Run("no credentials", func(t *testing.T) {
		_, err := libvirt.Dial(ctxT(t), tlsURI, noFile)
		if !errors.Is(err, libvirt.ErrNoCredentials) {
			t.Fatalf("err = %v, want ErrNoCredentials", err)
		}
	})
	_ = os.Remove(authConf)
}

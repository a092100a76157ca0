package socket

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// URIs from https://libvirt.org/uri.html and
// https://libvirt.org/remote.html, with what libvirt makes of them.
func TestRemoteURIExamples(t *testing.T) {
	for _, c := range []struct {
		uri, transport, user, host, addr, name string
	}{
		{"qemu+ssh://root@example.com/system", "ssh", "root", "example.com", "example.com:22", "qemu:///system"},
		{"xen+ssh://rjones@towada.example.com/system", "ssh", "rjones", "towada.example.com", "towada.example.com:22", "xen:///system"},
		{"qemu://example.com/system", "tls", "", "example.com", "example.com:16514", "qemu:///system"},
		{"qemu+tls://example.com/system", "tls", "", "example.com", "example.com:16514", "qemu:///system"},
		{"qemu+tcp://example.com/system", "tcp", "", "example.com", "example.com:16509", "qemu:///system"},
		{"test+tcp://localhost:5000/default", "tcp", "", "localhost", "localhost:5000", "test:///default"},
		{"qemu+unix:///system?socket=/opt/libvirt/run/libvirt/libvirt-sock", "unix", "", "", "", "qemu:///system"},
		{"qemu+ext:///system?command=/opt/openssh/bin/ssh", "ext", "", "", "", "qemu:///system"},
		{"qemu+libssh2://user@host/system?known_hosts=/home/user/.ssh/known_hosts", "libssh2", "user", "host", "host:22", "qemu:///system"},
		{"qemu+libssh://user@host/system?known_hosts_verify=ignore&sshauth=privkey", "libssh", "user", "host", "host:22", "qemu:///system"},
		{"qemu+ssh://user@host/system?netcat=/opt/netcat/bin/nc&keyfile=/home/user/.ssh/id_rsa&no_verify=1&no_tty=1", "ssh", "user", "host", "host:22", "qemu:///system"},
		{"qemu+tls://host/system?pkipath=/tmp/pki&no_verify=1&tls_priority=NORMAL", "tls", "", "host", "host:16514", "qemu:///system"},
		{"qemu+tcp://[::1]:16509/system?auth=sasl.digest-md5&authfile=/x", "tcp", "", "::1", "[::1]:16509", "qemu:///system"},
		{"test+tls://host/default?name=test:///default&foo=bar", "tls", "", "host", "host:16514", "test:///default"},
		{"qemu+ssh://host/system?mode=legacy&proxy=netcat&debug=1", "ssh", "", "host", "host:22", "qemu:///system?debug=1"},
	} {
		u, err := Parse(c.uri)
		if err != nil {
			t.Fatalf("%s: %v", c.uri, err)
		}
		got := []string{u.EffectiveTransport(), u.User, u.Host, u.RemoteName()}
		want := []string{c.transport, c.user, c.host, c.name}
		if c.addr != "" {
			got, want = append(got, u.Address()), append(want, c.addr)
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s:\n got %q\nwant %q", c.uri, got, want)
		}
	}
}

func TestSSHRemoteCommand(t *testing.T) {
	const nc = `if 'nc' -q 2>&1 | grep "requires an argument" >/dev/null 2>&1; then ARG=-q0;else ARG=;fi;'nc' $ARG -U `
	for _, c := range []struct {
		uri  string
		ro   bool
		want string
	}{
		{"test+ssh://h/default", false, "sh -c 'which virt-ssh-helper 1>/dev/null 2>&1; if test $? = 0; then     virt-ssh-helper 'test:///default'; else    " + nc + "/var/run/libvirt/libvirt-sock; fi'"},
		{"qemu+ssh://h/system?proxy=native", true, "sh -c 'virt-ssh-helper -r 'qemu:///system''"},
		{"qemu+ssh://h/system?proxy=netcat", true, "sh -c '" + nc + "/var/run/libvirt/libvirt-sock-ro'"},
		{"qemu+ssh://h/system?proxy=netcat&mode=direct", false, "sh -c '" + nc + "/var/run/libvirt/virtqemud-sock'"},
		{"test+ssh://h/default?socket=/tmp/lvq/run/libvirt-sock", false, "sh -c '" + nc + "/tmp/lvq/run/libvirt-sock'"},
		{"qemu+ssh://h/session", false, "sh -c 'virt-ssh-helper 'qemu:///session''"},
		{"qemu+ssh://h/system?netcat=/opt/my%20nc", false, `sh -c 'if '''\''/opt/my nc'\'''' -q 2>&1 | grep "requires an argument" >/dev/null 2>&1; then ARG=-q0;else ARG=;fi;'''\''/opt/my nc'\'''' $ARG -U /var/run/libvirt/libvirt-sock'`},
		// virt-ssh-helper is told mode= and socket=, the daemon is not.
		{"qemu+ssh://h/system?proxy=native&mode=legacy&x=1", false, `sh -c 'virt-ssh-helper '''\''qemu:///system?mode=legacy&x=1'\'''''`},
	} {
		u, err := Parse(c.uri)
		if err != nil {
			t.Fatal(err)
		}
		got, err := SSHRemoteCommand(u, c.ro)
		if err != nil || got != c.want {
			t.Errorf("%s:\n got %s (%v)\nwant %s", c.uri, got, err, c.want)
		}
	}
	for _, bad := range []string{"qemu+ssh://h/system?proxy=native&netcat=nc", "qemu+ssh://h/system?proxy=bogus", "qemu+ssh://h/system?proxy=netcat&mode=bogus", "qemu+ssh://h/session?proxy=netcat"} {
		u, _ := Parse(bad)
		if _, err := SSHRemoteCommand(u, false); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

func TestLocatePKI(t *testing.T) {
	u, _ := Parse("qemu+tls://h/system?pkipath=/my/pki")
	p, err := locatePKI(u, 1000, "/home/u", func(string) bool { return true })
	if err != nil || p != (PKI{"/my/pki/cacert.pem", "/my/pki/clientcert.pem", "/my/pki/clientkey.pem"}) {
		t.Fatalf("pkipath: %+v %v", p, err)
	}
	u, _ = Parse("qemu+tls://h/system")
	sys := PKI{SystemCACert, SystemClientCert, SystemClientKey}
	if p, _ := locatePKI(u, 0, "/root", func(string) bool { return true }); p != sys {
		t.Fatalf("root uses the system files: %+v", p)
	}
	// A user gets each file from ~/.pki/libvirt when it is there.
	have := map[string]bool{"/home/u/.pki/libvirt/cacert.pem": true, "/home/u/.pki/libvirt/clientkey.pem": true}
	p, _ = locatePKI(u, 1000, "/home/u", func(f string) bool { return have[f] })
	if p != (PKI{"/home/u/.pki/libvirt/cacert.pem", SystemClientCert, "/home/u/.pki/libvirt/clientkey.pem"}) {
		t.Fatalf("per-file fallback: %+v", p)
	}
	u, _ = Parse("qemu+tls://h/system?pkipath=")
	if _, err := locatePKI(u, 1000, "/h", fileExists); err == nil {
		t.Fatal("empty pkipath accepted")
	}
}

func TestTLSConfigFiles(t *testing.T) {
	dir := t.TempDir()
	u, _ := Parse("qemu+tls://virt.example.com/system?pkipath=" + dir)
	if _, err := TLSConfig(u); err == nil || !strings.Contains(err.Error(), "CA certificate") {
		t.Fatalf("missing CA: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "cacert.pem"), []byte("not pem"), 0o644)
	if _, err := TLSConfig(u); err == nil {
		t.Fatal("garbage CA accepted")
	}
	os.WriteFile(filepath.Join(dir, "cacert.pem"), testCA(t), 0o644)
	cfg, err := TLSConfig(u)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MinVersion != tls.VersionTLS12 || cfg.ServerName != "virt.example.com" || cfg.InsecureSkipVerify || len(cfg.Certificates) != 0 {
		t.Fatalf("config %+v", cfg)
	}
	u, _ = Parse("qemu+tls://virt.example.com/system?no_verify=1&pkipath=" + dir)
	if cfg, err = TLSConfig(u); err != nil || !cfg.InsecureSkipVerify {
		t.Fatalf("no_verify=1: %v", err)
	}
	u, _ = Parse("qemu+tls://virt.example.com/system?no_verify=yes&pkipath=" + dir)
	if _, err = TLSConfig(u); err == nil {
		t.Fatal("no_verify=yes accepted (libvirt wants an integer)")
	}
	os.WriteFile(filepath.Join(dir, "clientkey.pem"), []byte("key"), 0o600)
	u, _ = Parse("qemu+tls://virt.example.com/system?pkipath=" + dir)
	if _, err = TLSConfig(u); err == nil || !strings.Contains(err.Error(), "both") {
		t.Fatalf("key without certificate: %v", err)
	}
}

// testCA returns a freshly made self-signed CA certificate in PEM.
func testCA(t *testing.T) []byte {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

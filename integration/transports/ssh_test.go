//go:build integration

package transports_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/socket"
)

// sshEnv is a private sshd on 127.0.0.1 that shares /run with a private
// libvirtd, so the daemon's socket is at the default path for the remote
// command.
type sshEnv struct {
	addr       string
	keyfile    string // authorized client key
	clientKey  ed25519.PrivateKey
	knownHosts string // lists the real host key
	hostKey    ssh.PublicKey
	dir        string
	// hostKeys holds every host key sshd has, by type ("ed25519", ...).
	hostKeys map[string]ssh.PublicKey
}

// sshdSetup varies the private sshd: its host key types (default just
// ed25519) and extra sshd_config lines.
type sshdSetup struct {
	hostKeyTypes []string
	extraConf    []string
}

// genHostKey writes a private key of the given type ("ed25519", "ecdsa",
// "rsa") in OpenSSH's format and returns its public key.
func genHostKey(t *testing.T, typ, path string) ssh.PublicKey {
	t.Helper()
	var priv crypto.Signer
	var err error
	switch typ {
	case "ed25519":
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	case "ecdsa":
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "rsa":
		priv, err = rsa.GenerateKey(rand.Reader, 3072)
	default:
		t.Fatalf("unknown key type %q", typ)
	}
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	write(t, path, pem.EncodeToMemory(block), 0o600)
	pub, err := ssh.NewPublicKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func genKey(t *testing.T, path string) (ed25519.PrivateKey, ssh.PublicKey) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	write(t, path, pem.EncodeToMemory(block), 0o600)
	pub, err := ssh.NewPublicKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	return priv, pub
}

func startSSH(t *testing.T) sshEnv { return startSSHWith(t, sshdSetup{}) }

func startSSHWith(t *testing.T, setup sshdSetup) sshEnv {
	requireRoot(t, "/usr/sbin/sshd", "nc", "virt-ssh-helper")
	dir := t.TempDir()
	d := startDaemon(t, filepath.Join(dir, "d"), []string{`listen_tls = 0`, `listen_tcp = 0`, `auth_unix_ro = "none"`, `auth_unix_rw = "none"`})
	sdir := filepath.Join(dir, "ssh")
	if len(setup.hostKeyTypes) == 0 {
		setup.hostKeyTypes = []string{"ed25519"}
	}
	hostKeys := map[string]ssh.PublicKey{}
	var hostKeyConf []string
	for _, typ := range setup.hostKeyTypes {
		f := filepath.Join(sdir, "ssh_host_"+typ+"_key")
		hostKeys[typ] = genHostKey(t, typ, f)
		hostKeyConf = append(hostKeyConf, "HostKey "+f)
	}
	hostPub := hostKeys[setup.hostKeyTypes[0]]
	clientKey, clientPub := genKey(t, filepath.Join(sdir, "id_ed25519"))
	write(t, filepath.Join(sdir, "authorized_keys"), ssh.MarshalAuthorizedKey(clientPub), 0o600)
	port := freePort(t)
	addr := "127.0.0.1:" + itoa(port)
	// sshd keeps the first value it reads for a keyword, so extraConf
	// lines come first to override the defaults.
	conf := strings.Join(append(append(slices.Clip(setup.extraConf), hostKeyConf...),
		"Port "+itoa(port),
		"ListenAddress 127.0.0.1",
		"PidFile "+filepath.Join(sdir, "sshd.pid"),
		"AuthorizedKeysFile "+filepath.Join(sdir, "authorized_keys"),
		"PermitRootLogin prohibit-password",
		"PubkeyAuthentication yes",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"UsePAM no",
		"StrictModes no",
		"LogLevel VERBOSE",
	), "\n") + "\n"
	write(t, filepath.Join(sdir, "sshd_config"), []byte(conf), 0o644)
	// sshd needs /run/sshd; the daemon's /run (dir/varrun) is bound there so
	// that /run/libvirt/libvirt-sock is the daemon's socket.
	script := `set -e
mount --bind "$1/varrun" /run
mkdir -p /run/sshd
exec /usr/sbin/sshd -D -e -f "$2/sshd_config"`
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "/bin/sh", "-c", script, "sh", d.dir, sdir)
	logf, err := os.Create(filepath.Join(sdir, "sshd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Log(tail(filepath.Join(sdir, "sshd.log")))
		}
	})
	waitTCP(t, addr)
	kh := filepath.Join(sdir, "known_hosts")
	write(t, kh, []byte(knownhosts.Line([]string{knownhosts.Normalize(addr)}, hostPub)+"\n"), 0o600)
	// Keep the user's own keys, agent and known_hosts out of the tests.
	t.Setenv("HOME", filepath.Join(dir, "home"))
	t.Setenv("SSH_AUTH_SOCK", "")
	return sshEnv{addr: addr, keyfile: filepath.Join(sdir, "id_ed25519"), clientKey: clientKey, knownHosts: kh, hostKey: hostPub, dir: sdir, hostKeys: hostKeys}
}

func (e sshEnv) uri(params ...string) string {
	return "test+ssh://root@" + e.addr + "/default?" + strings.Join(params, "&")
}

func TestSSH(t *testing.T) {
	e := startSSH(t)
	kf, kh := "keyfile="+e.keyfile, "known_hosts="+e.knownHosts

	t.Run("keyfile, remote modes", func(t *testing.T) {
		for _, extra := range []string{"", "proxy=native", "proxy=netcat", "proxy=auto", "socket=/run/libvirt/libvirt-sock", "netcat=nc"} {
			params := []string{kf, kh}
			if extra != "" {
				params = append(params, extra)
			}
			c, err := libvirt.Dial(ctxT(t), e.uri(params...))
			if err != nil {
				t.Fatalf("%s: %v", extra, err)
			}
			listTest(t, c)
			c.Close()
		}
	})

	t.Run("libssh and libssh2 URIs", func(t *testing.T) {
		for _, tr := range []string{"libssh", "libssh2"} {
			u := "test+" + tr + "://root@" + e.addr + "/default?" + kf + "&" + kh + "&sshauth=privkey"
			c, err := libvirt.Dial(ctxT(t), u)
			if err != nil {
				t.Fatalf("%s: %v", tr, err)
			}
			listTest(t, c)
			c.Close()
		}
	})

	t.Run("read-only through virt-ssh-helper -r", func(t *testing.T) {
		c, err := libvirt.Dial(ctxT(t), e.uri(kf, kh), libvirt.WithReadOnly())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		listTest(t, c)
		_, err = c.DomainDefineXML(ctxT(t), "<domain type='test'><name>ro</name><memory>1024</memory><os><type>hvm</type></os></domain>")
		if !errors.Is(err, libvirt.ErrOperationDenied) {
			t.Fatalf("define on a read-only connection: err = %v, want ErrOperationDenied", err)
		}
	})

	t.Run("ssh-agent", func(t *testing.T) {
		keyring := agent.NewKeyring()
		if err := keyring.Add(agent.AddedKey{PrivateKey: e.clientKey}); err != nil {
			t.Fatal(err)
		}
		sock := filepath.Join(t.TempDir(), "agent.sock")
		l, err := net.Listen("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				go func() { defer c.Close(); _ = agent.ServeAgent(keyring, c) }()
			}
		}()
		t.Setenv("SSH_AUTH_SOCK", sock)
		c, err := libvirt.Dial(ctxT(t), e.uri(kh))
		if err != nil {
			t.Fatal(err)
		}
		listTest(t, c)
		c.Close()
	})

	t.Run("no usable key", func(t *testing.T) {
		_, err := libvirt.Dial(ctxT(t), e.uri(kh))
		if !errors.Is(err, socket.ErrSSHAuth) {
			t.Fatalf("err = %v, want ErrSSHAuth", err)
		}
		t.Log(err)
	})

	t.Run("unknown host", func(t *testing.T) {
		empty := filepath.Join(t.TempDir(), "known_hosts")
		write(t, empty, nil, 0o600)
		_, err := libvirt.Dial(ctxT(t), e.uri(kf, "known_hosts="+empty))
		if !errors.Is(err, socket.ErrSSHUnknownHost) {
			t.Fatalf("err = %v, want ErrSSHUnknownHost", err)
		}
		t.Log(err)
		// The default file, ~/.ssh/known_hosts, does not exist either.
		if _, err = libvirt.Dial(ctxT(t), e.uri(kf)); !errors.Is(err, socket.ErrSSHUnknownHost) {
			t.Fatalf("default known_hosts: err = %v, want ErrSSHUnknownHost", err)
		}
		// Opting in.
		c, err := libvirt.Dial(ctxT(t), e.uri(kf, "known_hosts="+empty, "no_verify=1"))
		if err != nil {
			t.Fatalf("no_verify=1: %v", err)
		}
		c.Close()
		c, err = libvirt.Dial(ctxT(t), e.uri(kf, "known_hosts="+empty), libvirt.WithSSHOptions(socket.SSHOptions{AcceptUnknownHosts: true}))
		if err != nil {
			t.Fatalf("AcceptUnknownHosts: %v", err)
		}
		c.Close()
	})

	t.Run("changed host key", func(t *testing.T) {
		_, otherPub := genKey(t, filepath.Join(t.TempDir(), "other"))
		changed := filepath.Join(t.TempDir(), "known_hosts")
		write(t, changed, []byte(knownhosts.Line([]string{knownhosts.Normalize(e.addr)}, otherPub)+"\n"), 0o600)
		for _, o := range []libvirt.Option{libvirt.WithSSHOptions(socket.SSHOptions{}), libvirt.WithSSHOptions(socket.SSHOptions{AcceptUnknownHosts: true})} {
			_, err := libvirt.Dial(ctxT(t), e.uri(kf, "known_hosts="+changed), o)
			if !errors.Is(err, socket.ErrSSHHostKeyChanged) {
				t.Fatalf("err = %v, want ErrSSHHostKeyChanged", err)
			}
		}
		t.Log("changed key refused")
	})

	t.Run("remote command fails", func(t *testing.T) {
		_, err := libvirt.Dial(ctxT(t), e.uri(kf, kh, "socket=/run/libvirt/no-such-sock"))
		if err == nil || !strings.Contains(err.Error(), "no-such-sock") {
			t.Fatalf("err = %v, want the remote netcat's complaint about the socket", err)
		}
		t.Log(err)
	})
}

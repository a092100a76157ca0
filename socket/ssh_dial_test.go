package socket

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// dialSSHTest dials u with a deadline of its own and returns the
// connection or the error.
func dialSSHTest(t *testing.T, uri string, readOnly bool, opts SSHOptions) (net.Conn, error) {
	t.Helper()
	u, err := Parse(uri)
	if err != nil {
		t.Fatalf("Parse(%q): %v", uri, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := DialSSH(ctx, u, readOnly, opts)
	if ctx.Err() != nil {
		t.Fatalf("DialSSH(%s) did not finish within 20s", uri)
	}
	if c != nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

// isolateSSHEnv keeps the developer's own keys, agent and known_hosts out
// of a test: HOME is an empty directory and SSH_AUTH_SOCK is unset.
func isolateSSHEnv(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("SSH_AUTH_SOCK", "")
}

// echoThrough writes msg over c and reads it back from the remote
// command, which the test server runs as an echo.
func echoThrough(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	done := make(chan error, 1)
	got := make([]byte, len(msg))
	go func() {
		if _, err := c.Write([]byte(msg)); err != nil {
			done <- err
			return
		}
		_, err := io.ReadFull(c, got)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil || string(got) != msg {
			t.Fatalf("echo over the SSH connection: got %q, %v; want %q", got, err, msg)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("echo over the SSH connection: no answer within 10s")
	}
}

// writeKey writes priv as an OpenSSH private key file, encrypted when
// passphrase is not empty.
func writeKey(t *testing.T, path string, priv any, passphrase string) {
	t.Helper()
	var block *pem.Block
	var err error
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, "test")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "test", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestDialSSHRunsLibvirtsCommand: with a key file and a known host the
// connection carries the remote command's stdio, and the command is
// exactly SSHRemoteCommand's, read-only or not, as the URI's user.
func TestDialSSHRunsLibvirtsCommand(t *testing.T) {
	isolateSSHEnv(t)
	srv := newSSHTestServer(t)
	priv, signer := testUserKey(t)
	srv.authorize(signer.PublicKey())
	srv.start(t)
	kf := filepath.Join(t.TempDir(), "id")
	writeKey(t, kf, priv, "")
	kh := srv.knownHosts(t, srv.hostKey.PublicKey())

	for _, ro := range []bool{false, true} {
		uri := "qemu+ssh://alice@" + srv.addr + "/system?sshauth=privkey&keyfile=" + kf + "&known_hosts=" + kh + "&socket=/run/x%20y.sock"
		c, err := dialSSHTest(t, uri, ro, SSHOptions{})
		if err != nil {
			t.Fatalf("readOnly=%v: %v", ro, err)
		}
		echoThrough(t, c, "hello libvirt")
		if got, want := c.RemoteAddr().String(), "ssh:"+srv.addr; got != want {
			t.Errorf("RemoteAddr = %q, want %q", got, want)
		}
		if c.LocalAddr().String() == "" || c.LocalAddr().Network() != "pipe" {
			t.Errorf("LocalAddr = %v (%s)", c.LocalAddr(), c.LocalAddr().Network())
		}
		if err := c.SetReadDeadline(time.Now()); !errors.Is(err, os.ErrNoDeadline) {
			t.Errorf("SetReadDeadline = %v, want os.ErrNoDeadline", err)
		}
		if err := c.SetWriteDeadline(time.Now()); !errors.Is(err, os.ErrNoDeadline) {
			t.Errorf("SetWriteDeadline = %v, want os.ErrNoDeadline", err)
		}
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		u, _ := Parse(uri)
		want, err := SSHRemoteCommand(u, ro)
		if err != nil {
			t.Fatal(err)
		}
		users, cmds, _, _, _ := srv.record()
		if len(cmds) == 0 || cmds[len(cmds)-1] != want {
			t.Fatalf("readOnly=%v: remote ran %q, want %q", ro, cmds, want)
		}
		if users[len(users)-1] != "alice" {
			t.Fatalf("logged in as %q, want alice", users)
		}
	}
}

// TestDialSSHDefaultUser: without a user in the URI the local user logs
// in, as ssh does.
func TestDialSSHDefaultUser(t *testing.T) {
	isolateSSHEnv(t)
	me, err := user.Current()
	if err != nil {
		t.Skipf("no current user: %v", err)
	}
	srv := newSSHTestServer(t)
	_, signer := testUserKey(t)
	srv.authorize(signer.PublicKey())
	srv.start(t)
	kh := srv.knownHosts(t, srv.hostKey.PublicKey())
	var dialed atomic.Int32
	opts := SSHOptions{Signers: []ssh.Signer{signer}, Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialed.Add(1)
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	if _, err := dialSSHTest(t, "qemu+ssh://"+srv.addr+"/system?sshauth=privkey&keyfile=&known_hosts="+kh, false, opts); err != nil {
		t.Fatal(err)
	}
	if users, _, _, _, _ := srv.record(); len(users) != 1 || users[0] != me.Username {
		t.Fatalf("logged in as %q, want %q", users, me.Username)
	}
	if dialed.Load() != 1 {
		t.Fatalf("SSHOptions.Dial called %d times, want 1", dialed.Load())
	}
}

// TestDialSSHHostKeys checks the host key modes end to end: a server
// whose key is unknown or changed is refused unless the URI says
// otherwise, and with no_verify=1 a changed key gets no password.
func TestDialSSHHostKeys(t *testing.T) {
	isolateSSHEnv(t)
	srv := newSSHTestServer(t)
	srv.password = "s3cret"
	srv.kbdAnswer = "42"
	priv, signer := testUserKey(t)
	srv.authorize(signer.PublicKey())
	srv.start(t)
	kf := filepath.Join(t.TempDir(), "id")
	writeKey(t, kf, priv, "")
	good := srv.knownHosts(t, srv.hostKey.PublicKey())
	_, impostor := testUserKey(t)
	changedFile := srv.knownHosts(t, impostor.PublicKey())
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, nil, 0o600)
	var asked atomic.Int32
	password := func(_ context.Context, login string) (string, error) {
		asked.Add(1)
		return "s3cret", nil
	}
	kbd := func(context.Context, string, string, []string, []bool) ([]string, error) {
		asked.Add(1)
		return []string{"42"}, nil
	}

	base := "qemu+ssh://bob@" + srv.addr + "/system?"
	for _, c := range []struct {
		name, query string
		want        error // nil: connects
		asked       int32 // password prompts
	}{
		{"known key", "known_hosts=" + good + "&sshauth=privkey&keyfile=" + kf, nil, 0},
		{"unknown host", "known_hosts=" + empty + "&sshauth=privkey&keyfile=" + kf, ErrSSHUnknownHost, 0},
		{"unknown host, no_verify=0", "no_verify=0&known_hosts=" + empty + "&sshauth=privkey&keyfile=" + kf, ErrSSHUnknownHost, 0},
		{"unknown host, no_verify=1", "no_verify=1&known_hosts=" + empty + "&sshauth=privkey&keyfile=" + kf, nil, 0},
		{"changed key", "known_hosts=" + changedFile + "&sshauth=privkey&keyfile=" + kf, ErrSSHHostKeyChanged, 0},
		{"changed key, no_verify=0", "no_verify=0&known_hosts=" + changedFile + "&sshauth=password", ErrSSHHostKeyChanged, 0},
		{"changed key, no_verify=1, key login", "no_verify=1&known_hosts=" + changedFile + "&sshauth=privkey&keyfile=" + kf, nil, 0},
		{"changed key, no_verify=1, password withheld", "no_verify=1&known_hosts=" + changedFile + "&sshauth=password", ErrSSHPasswordWithheld, 0},
		{"changed key, no_verify=1, keyboard-interactive withheld", "no_verify=1&known_hosts=" + changedFile + "&sshauth=keyboard-interactive", ErrSSHPasswordWithheld, 0},
		{"changed key, ignore", "known_hosts_verify=ignore&known_hosts=" + changedFile + "&sshauth=password", nil, 1},
		{"known key, password", "known_hosts=" + good + "&sshauth=password", nil, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			asked.Store(0)
			conn, err := dialSSHTest(t, base+c.query, false, SSHOptions{Password: password, KeyboardInteractive: kbd})
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				echoThrough(t, conn, "x")
			} else if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if errors.Is(c.want, ErrSSHPasswordWithheld) && errors.Is(err, ErrSSHAuth) {
				t.Fatalf("withheld password reported as a plain authentication failure: %v", err)
			}
			if got := asked.Load(); got != c.asked {
				t.Fatalf("password asked %d times, want %d", got, c.asked)
			}
		})
	}
	_, _, pws, _, _ := srv.record()
	for _, p := range pws {
		if p != "s3cret" {
			t.Fatalf("server saw password %q", p)
		}
	}
	if len(pws) != 2 {
		t.Fatalf("server saw %d passwords, want 2 (one per verified or ignored host)", len(pws))
	}
}

// TestDialSSHAuthMethods covers each authentication method and the
// order and switches that govern them.
func TestDialSSHAuthMethods(t *testing.T) {
	isolateSSHEnv(t)
	srv := newSSHTestServer(t)
	srv.password = "pw"
	srv.kbdAnswer = "42"
	agentPriv, agentSigner := testUserKey(t)
	filePriv, fileSigner := testUserKey(t)
	_, optSigner := testUserKey(t)
	srv.authorize(agentSigner.PublicKey())
	srv.authorize(fileSigner.PublicKey())
	srv.authorize(optSigner.PublicKey())
	srv.start(t)
	kh := srv.knownHosts(t, srv.hostKey.PublicKey())
	dir := t.TempDir()
	kf := filepath.Join(dir, "id")
	writeKey(t, kf, filePriv, "")
	// A HOME without keys, so the default key files add nothing.

	// An agent holding agentPriv, on a short socket path.
	sockDir, err := os.MkdirTemp("", "vwag")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	sock := filepath.Join(sockDir, "a")
	kr := agent.NewKeyring()
	if err := kr.Add(agent.AddedKey{PrivateKey: agentPriv}); err != nil {
		t.Fatal(err)
	}
	al, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	agentDone := make(chan struct{})
	t.Cleanup(func() { al.Close(); <-agentDone })
	go func() {
		defer close(agentDone)
		for {
			c, err := al.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); agent.ServeAgent(kr, c) }()
		}
	}()

	var pwAsked, kbdAsked atomic.Int32
	var kbdQuestions atomic.Value
	opts := SSHOptions{
		Password: func(ctx context.Context, login string) (string, error) {
			pwAsked.Add(1)
			if login != "carol" {
				t.Errorf("password asked for %q, want carol", login)
			}
			return "pw", nil
		},
		KeyboardInteractive: func(ctx context.Context, login, instruction string, questions []string, echos []bool) ([]string, error) {
			kbdAsked.Add(1)
			kbdQuestions.Store(instruction + "|" + strings.Join(questions, ","))
			return []string{"42"}, nil
		},
	}
	base := "qemu+ssh://carol@" + srv.addr + "/system?known_hosts=" + kh
	for _, c := range []struct {
		name, query string
		agent       string
		signers     []ssh.Signer
		noPassword  bool
		wantErr     error
		method      string // the method the server accepted last
		pw, kbd     int32
	}{
		{"agent by option", "&sshauth=agent", sock, nil, false, nil, "publickey", 0, 0},
		{"agent by SSH_AUTH_SOCK", "&sshauth=agent", "", nil, false, nil, "publickey", 0, 0},
		{"agent switched off", "&sshauth=agent", "-", nil, false, ErrSSHAuth, "", 0, 0},
		{"agent socket gone", "&sshauth=agent", filepath.Join(sockDir, "none"), nil, false, ErrSSHAuth, "", 0, 0},
		{"key file", "&sshauth=privkey&keyfile=" + kf, "-", nil, false, nil, "publickey", 0, 0},
		{"option signers", "&sshauth=privkey", "-", []ssh.Signer{optSigner}, false, nil, "publickey", 0, 0},
		{"password", "&sshauth=password", "-", nil, false, nil, "password", 1, 0},
		{"password without callback", "&sshauth=password", "-", nil, true, ErrSSHAuth, "", 0, 0},
		{"password, no_tty=1", "&sshauth=password&no_tty=1", "-", nil, false, ErrSSHAuth, "", 0, 0},
		{"password, no_tty=0", "&sshauth=password&no_tty=0", "-", nil, false, nil, "password", 1, 0},
		{"keyboard-interactive", "&sshauth=keyboard-interactive", "-", nil, false, nil, "keyboard-interactive", 0, 1},
		{"keyboard-interactive, no_tty=1", "&sshauth=keyboard-interactive&no_tty=1", "-", nil, false, ErrSSHAuth, "", 0, 0},
		{"default order: agent first", "", sock, nil, false, nil, "publickey", 0, 0},
		{"default order: password before keyboard-interactive", "", "-", nil, false, nil, "password", 1, 0},
		{"listed order", "&sshauth=keyboard-interactive,password", "-", nil, false, nil, "keyboard-interactive", 0, 1},
		{"empty sshauth is the default", "&sshauth=", "-", nil, false, nil, "password", 1, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			pwAsked.Store(0)
			kbdAsked.Store(0)
			o := opts
			o.AgentSocket, o.Signers = c.agent, c.signers
			if c.agent == "" {
				t.Setenv("SSH_AUTH_SOCK", sock)
			}
			if c.noPassword {
				o.Password = nil
			}
			_, _, _, _, before := srv.record()
			conn, err := dialSSHTest(t, base+c.query, false, o)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("err = %v, want %v", err, c.wantErr)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				echoThrough(t, conn, "ok")
				_, _, _, _, after := srv.record()
				tried := after[len(before):]
				if len(tried) == 0 || tried[len(tried)-1] != c.method {
					t.Fatalf("methods tried %v, want %s to succeed last", tried, c.method)
				}
			}
			if pwAsked.Load() != c.pw || kbdAsked.Load() != c.kbd {
				t.Fatalf("password asked %d times, keyboard-interactive %d; want %d and %d", pwAsked.Load(), kbdAsked.Load(), c.pw, c.kbd)
			}
		})
	}
	// The informational round (no questions) is answered without asking
	// the user; the question is asked with its instruction.
	if q, _ := kbdQuestions.Load().(string); q != "one-time code|Code: " {
		t.Fatalf("keyboard-interactive callback got %q", q)
	}
	_, _, _, answers, _ := srv.record()
	if !slices.Equal(answers, []string{"42", "42"}) {
		t.Fatalf("server got answers %q", answers)
	}

	if _, err := dialSSHTest(t, base+"&sshauth=agent,gssapi", false, opts); err == nil || !strings.Contains(err.Error(), `unknown sshauth method "gssapi"`) {
		t.Fatalf("unknown method: %v", err)
	}
}

// writeEncryptedKey writes key as a passphrase-protected PEM file in the
// legacy "Proc-Type: 4,ENCRYPTED" format, which ssh-keygen -m PEM still
// writes. Its key derivation is cheap, unlike the bcrypt rounds of the
// OpenSSH format, which take seconds under the race detector.
func writeEncryptedKey(t *testing.T, path string, key *ecdsa.PrivateKey, passphrase string) {
	t.Helper()
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 legacy PEM encryption is what is being tested, and its KDF keeps the test fast
	block, err := x509.EncryptPEMBlock(rand.Reader, "EC PRIVATE KEY", der, []byte(passphrase), x509.PEMCipherAES256)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestDialSSHKeyFiles: keyfile= must be readable and decryptable; the
// default key files are tried quietly, encrypted ones only with a
// passphrase callback.
func TestDialSSHKeyFiles(t *testing.T) {
	isolateSSHEnv(t)
	srv := newSSHTestServer(t)
	plainPriv, plainSigner := testUserKey(t)
	encKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	encSigner, err := ssh.NewSignerFromKey(encKey)
	if err != nil {
		t.Fatal(err)
	}
	srv.start(t)
	kh := srv.knownHosts(t, srv.hostKey.PublicKey())
	dir := t.TempDir()
	enc := filepath.Join(dir, "enc")
	writeEncryptedKey(t, enc, encKey, "hunter2")
	garbage := filepath.Join(dir, "garbage")
	os.WriteFile(garbage, []byte("not a key"), 0o600)
	base := "qemu+ssh://dave@" + srv.addr + "/system?sshauth=privkey&known_hosts=" + kh

	var asked []string
	pass := func(_ context.Context, f string) ([]byte, error) {
		asked = append(asked, f)
		return []byte("hunter2"), nil
	}
	wrongPass := func(context.Context, string) ([]byte, error) { return []byte("nope"), nil }
	failPass := func(context.Context, string) ([]byte, error) { return nil, errors.New("prompt closed") }

	for _, c := range []struct {
		name, keyfile string
		pass          func(context.Context, string) ([]byte, error)
		wantErr       string
	}{
		{"missing key file", filepath.Join(dir, "none"), nil, "reading keyfile"},
		{"unparsable key file", garbage, nil, "parsing keyfile " + garbage},
		{"encrypted, no callback", enc, nil, "is encrypted and no passphrase callback is set"},
		{"encrypted, callback fails", enc, failPass, "passphrase for " + enc + ": prompt closed"},
		{"encrypted, wrong passphrase", enc, wrongPass, "parsing keyfile " + enc},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := dialSSHTest(t, base+"&keyfile="+c.keyfile, false, SSHOptions{Passphrase: c.pass})
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("err = %v, want one saying %q", err, c.wantErr)
			}
		})
	}

	srv.setAuthorized(encSigner.PublicKey())
	if _, err := dialSSHTest(t, base+"&keyfile="+enc, false, SSHOptions{Passphrase: pass}); err != nil {
		t.Fatalf("encrypted key with its passphrase: %v", err)
	}
	if !slices.Equal(asked, []string{enc}) {
		t.Fatalf("passphrase asked for %q, want %q", asked, enc)
	}

	// Default key files: id_ed25519 plain, id_ecdsa encrypted, id_rsa
	// garbage.
	home := t.TempDir()
	t.Setenv("HOME", home)
	writeKey(t, filepath.Join(home, ".ssh", "id_ed25519"), plainPriv, "")
	writeEncryptedKey(t, filepath.Join(home, ".ssh", "id_ecdsa"), encKey, "hunter2")
	os.WriteFile(filepath.Join(home, ".ssh", "id_rsa"), []byte("garbage"), 0o600)
	srv.setAuthorized(plainSigner.PublicKey())
	if _, err := dialSSHTest(t, base, false, SSHOptions{}); err != nil {
		t.Fatalf("default key files without a passphrase callback: %v", err)
	}
	srv.setAuthorized(encSigner.PublicKey())
	if _, err := dialSSHTest(t, base, false, SSHOptions{}); !errors.Is(err, ErrSSHAuth) {
		t.Fatalf("only the encrypted default key is known, no callback: %v, want ErrSSHAuth", err)
	}
	asked = nil
	if _, err := dialSSHTest(t, base, false, SSHOptions{Passphrase: pass}); err != nil {
		t.Fatalf("encrypted default key with its passphrase: %v", err)
	}
	if want := filepath.Join(home, ".ssh", "id_ecdsa"); !slices.Equal(asked, []string{want}) {
		t.Fatalf("passphrase asked for %q, want %q", asked, want)
	}
	if _, err := dialSSHTest(t, base, false, SSHOptions{Passphrase: failPass}); err == nil || !strings.Contains(err.Error(), "prompt closed") {
		t.Fatalf("default key passphrase prompt failing: %v", err)
	}
}

// TestDialSSHErrors: URI errors come before any connection; network and
// protocol failures say where they happened.
func TestDialSSHErrors(t *testing.T) {
	isolateSSHEnv(t)
	srv := newSSHTestServer(t)
	_, signer := testUserKey(t)
	srv.authorize(signer.PublicKey())
	srv.rejectExec = true
	srv.start(t)
	kh := srv.knownHosts(t, srv.hostKey.PublicKey())
	opts := SSHOptions{Signers: []ssh.Signer{signer}}
	base := "qemu+ssh://erin@" + srv.addr + "/system?sshauth=privkey&known_hosts=" + kh

	for _, c := range []struct{ query, want string }{
		{"&proxy=telnet", `unknown proxy "telnet"`},
		{"&no_verify=yes", `no_verify="yes" is not an integer`},
		{"&no_tty=true", `no_tty="true" is not an integer`},
		{"&known_hosts_verify=strict", `unknown known_hosts_verify "strict"`},
		{"&sshauth=hostbased", `unknown sshauth method "hostbased"`},
	} {
		var dialed bool
		o := opts
		o.Dial = func(context.Context, string, string) (net.Conn, error) {
			dialed = true
			return nil, errors.New("must not dial")
		}
		if _, err := dialSSHTest(t, base+c.query, false, o); err == nil || !strings.Contains(err.Error(), c.want) || dialed {
			t.Errorf("%s: err = %v (dialed %v), want %q before dialing", c.query, err, dialed, c.want)
		}
	}

	t.Setenv("HOME", "")
	if _, err := dialSSHTest(t, "qemu+ssh://erin@"+srv.addr+"/system?sshauth=privkey", false, opts); err == nil || !strings.Contains(err.Error(), "no home directory for known_hosts") {
		t.Errorf("no known_hosts= and no home directory: %v", err)
	}
	t.Setenv("HOME", t.TempDir())

	refused := errors.New("connection refused by test")
	o := opts
	o.Dial = func(context.Context, string, string) (net.Conn, error) { return nil, refused }
	if _, err := dialSSHTest(t, base, false, o); !errors.Is(err, refused) || !strings.Contains(err.Error(), "connecting to "+srv.addr) {
		t.Errorf("dial failure: %v", err)
	}

	if _, err := dialSSHTest(t, base, false, opts); err == nil || !strings.Contains(err.Error(), "running the remote command") {
		t.Errorf("exec refused: %v", err)
	}

	// A peer that is not an SSH server.
	l, err := net.Listen("tcp", "127.0.0.1:0")
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
			c.Write([]byte("HTTP/1.0 400 Bad Request\r\n\r\n"))
			c.Close()
		}
	}()
	_, err = dialSSHTest(t, "qemu+ssh://erin@"+l.Addr().String()+"/system?sshauth=privkey&known_hosts="+kh, false, opts)
	if err == nil || !strings.Contains(err.Error(), "SSH handshake with "+l.Addr().String()) || errors.Is(err, ErrSSHAuth) {
		t.Errorf("not an SSH server: %v", err)
	}
}

// TestDialSSHHonoursContext: a server that never speaks holds the dial
// only until the context ends.
func TestDialSSHHonoursContext(t *testing.T) {
	isolateSSHEnv(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	held := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			held <- c
		}
	}()
	defer func() {
		select {
		case c := <-held:
			c.Close()
		default:
		}
	}()
	u, _ := Parse("qemu+ssh://frank@" + l.Addr().String() + "/system?known_hosts_verify=ignore")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		_, err := DialSSH(ctx, u, false, SSHOptions{AgentSocket: "-"})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want context.DeadlineExceeded", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("DialSSH still waiting for a silent server %v after its context ended", time.Since(start))
	}
}

// TestDialSSHRemoteFailureExplained: when the remote command fails, a
// read reports io.EOF with its exit status and what it printed.
func TestDialSSHRemoteFailureExplained(t *testing.T) {
	isolateSSHEnv(t)
	srv := newSSHTestServer(t)
	_, signer := testUserKey(t)
	srv.authorize(signer.PublicKey())
	srv.run = func(cmd string, ch ssh.Channel) uint32 {
		if strings.Contains(cmd, "ok.sock") {
			ch.Write([]byte("bye"))
			return 0
		}
		ch.Stderr().Write([]byte("nc: unix connect failed: No such file or directory\n"))
		return 1
	}
	srv.start(t)
	kh := srv.knownHosts(t, srv.hostKey.PublicKey())
	opts := SSHOptions{Signers: []ssh.Signer{signer}}
	read := func(c net.Conn) (string, error) {
		done := make(chan struct{})
		var b []byte
		var err error
		go func() {
			defer close(done)
			b, err = io.ReadAll(c)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("reading the remote command's output: no EOF within 10s")
		}
		return string(b), err
	}

	c, err := dialSSHTest(t, "qemu+ssh://g@"+srv.addr+"/system?sshauth=privkey&socket=/bad.sock&known_hosts="+kh, false, opts)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Read(make([]byte, 10))
	for err == nil {
		_, err = c.Read(make([]byte, 10))
	}
	if !errors.Is(err, io.EOF) || !strings.Contains(err.Error(), "stderr: nc: unix connect failed") ||
		!strings.Contains(err.Error(), "remote command: ") || !strings.Contains(err.Error(), "status 1") {
		t.Fatalf("read after a failed remote command: %v", err)
	}

	c, err = dialSSHTest(t, "qemu+ssh://g@"+srv.addr+"/system?sshauth=privkey&socket=/ok.sock&known_hosts="+kh, false, opts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := read(c)
	if got != "bye" || err == nil || !strings.Contains(err.Error(), "remote command exited with status 0") {
		t.Fatalf("read after a clean exit: %q, %v", got, err)
	}
}

// TestKnownHostsDefaultPaths: +ssh reads OpenSSH's file, +libssh and
// +libssh2 libvirt's own under $XDG_CONFIG_HOME, as libvirt does.
func TestKnownHostsDefaultPaths(t *testing.T) {
	home, xdg := t.TempDir(), t.TempDir()
	for _, c := range []struct {
		uri, home, xdg, want, err string
	}{
		{"qemu+ssh://h/system", home, xdg, filepath.Join(home, ".ssh", "known_hosts"), ""},
		{"qemu+ssh://h/system?known_hosts=", home, xdg, filepath.Join(home, ".ssh", "known_hosts"), ""},
		{"qemu+ssh://h/system?known_hosts=/k", "", "", "/k", ""},
		{"qemu+ssh://h/system", "", xdg, "", "no home directory"},
		{"qemu+libssh://h/system", home, xdg, filepath.Join(xdg, "libvirt", "known_hosts"), ""},
		{"qemu+libssh2://h/system", "", xdg, filepath.Join(xdg, "libvirt", "known_hosts"), ""},
		{"qemu+libssh2://h/system", home, "", filepath.Join(home, ".config", "libvirt", "known_hosts"), ""},
		{"qemu+libssh://h/system", "", "", "", "no home directory"},
	} {
		t.Setenv("HOME", c.home)
		t.Setenv("XDG_CONFIG_HOME", c.xdg)
		u, err := Parse(c.uri)
		if err != nil {
			t.Fatal(err)
		}
		got, err := knownHostsPath(u)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s HOME=%q XDG=%q: %q, %v; want an error saying %q", c.uri, c.home, c.xdg, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s HOME=%q XDG=%q: %q, %v; want %q", c.uri, c.home, c.xdg, got, err, c.want)
		}
	}
}

// TestDialSSHUsesDefaultKnownHosts: without known_hosts= the server is
// checked against ~/.ssh/known_hosts; a file that cannot be parsed is an
// error, not an empty list.
func TestDialSSHUsesDefaultKnownHosts(t *testing.T) {
	isolateSSHEnv(t)
	srv := newSSHTestServer(t)
	_, signer := testUserKey(t)
	srv.authorize(signer.PublicKey())
	srv.start(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	opts := SSHOptions{Signers: []ssh.Signer{signer}}
	uri := "qemu+ssh://h@" + srv.addr + "/system?sshauth=privkey"
	if _, err := dialSSHTest(t, uri, false, opts); !errors.Is(err, ErrSSHUnknownHost) || !strings.Contains(err.Error(), filepath.Join(home, ".ssh", "known_hosts")) {
		t.Fatalf("no ~/.ssh/known_hosts: %v, want ErrSSHUnknownHost naming the file", err)
	}
	kh := srv.knownHosts(t, srv.hostKey.PublicKey())
	b, _ := os.ReadFile(kh)
	os.MkdirAll(filepath.Join(home, ".ssh"), 0o700)
	os.WriteFile(filepath.Join(home, ".ssh", "known_hosts"), b, 0o600)
	if _, err := dialSSHTest(t, uri, false, opts); err != nil {
		t.Fatalf("host in ~/.ssh/known_hosts: %v", err)
	}
	os.WriteFile(filepath.Join(home, ".ssh", "known_hosts"), []byte("[127.0.0.1]:1 ssh-ed25519 !!!\n"), 0o600)
	if _, err := dialSSHTest(t, uri, false, opts); err == nil || !strings.Contains(err.Error(), "reading known_hosts") {
		t.Fatalf("unparsable known_hosts: %v", err)
	}
}

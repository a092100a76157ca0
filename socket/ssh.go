package socket

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Errors of the ssh transport's host key check, told apart with errors.Is.
var (
	// ErrSSHUnknownHost: the server's host is not in known_hosts.
	ErrSSHUnknownHost = errors.New("libvirt: SSH: host key is not known (add it to known_hosts, or opt in with SSHOptions.AcceptUnknownHosts or no_verify=1)")
	// ErrSSHHostKeyChanged: known_hosts has another key for the host.
	ErrSSHHostKeyChanged = errors.New("libvirt: SSH: host key does not match known_hosts (possible man-in-the-middle attack)")
	// ErrSSHAuth: the server accepted none of the offered credentials.
	ErrSSHAuth = errors.New("libvirt: SSH authentication failed")
	// ErrSSHPasswordWithheld: with no_verify=1 the connection went on
	// although known_hosts has another key for the host, so no password
	// or keyboard-interactive answer was sent to what may be an impostor,
	// and no other method succeeded. Errors wrapping it also match
	// ErrSSHHostKeyChanged (the cause), but not ErrSSHAuth.
	ErrSSHPasswordWithheld = errors.New("libvirt: SSH: password withheld because the host key does not match known_hosts")
)

// withheldError is ErrSSHPasswordWithheld together with its cause.
type withheldError struct{ method string }

func (e *withheldError) Error() string {
	return ErrSSHPasswordWithheld.Error() + " (" + e.method + " not offered; possible man-in-the-middle attack)"
}

func (e *withheldError) Is(target error) bool {
	return target == ErrSSHPasswordWithheld || target == ErrSSHHostKeyChanged
}

// SSHOptions configures the ssh transport beyond what the URI says.
type SSHOptions struct {
	// HostKeyCallback, when set, replaces the known_hosts check entirely.
	HostKeyCallback ssh.HostKeyCallback
	// AcceptUnknownHosts lets hosts missing from known_hosts connect (a
	// key that differs from a recorded one is still refused).
	AcceptUnknownHosts bool
	// Signers are private keys to offer in addition to keyfile= and the
	// agent.
	Signers []ssh.Signer
	// Password answers the server's password prompt for user. Nil means
	// password authentication is not offered.
	Password func(ctx context.Context, user string) (string, error)
	// KeyboardInteractive answers a keyboard-interactive challenge. Nil
	// means the method is not offered.
	KeyboardInteractive func(ctx context.Context, user, instruction string, questions []string, echos []bool) ([]string, error)
	// Passphrase decrypts an encrypted keyfile=. Nil means encrypted key
	// files are an error.
	Passphrase func(ctx context.Context, keyfile string) ([]byte, error)
	// Dial opens the TCP connection to the SSH server (net.Dialer by
	// default).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// AgentSocket overrides $SSH_AUTH_SOCK; "-" disables the agent.
	AgentSocket string
}

// DialSSH connects to the SSH server of u, authenticates, and runs
// SSHRemoteCommand there; the returned connection carries the remote
// command's stdio and closes the SSH client when closed.
//
// Host keys are checked against known_hosts= (default ~/.ssh/known_hosts
// for +ssh, as OpenSSH, and $XDG_CONFIG_HOME/libvirt/known_hosts for
// +libssh and +libssh2, as libvirt). no_verify=1 behaves like OpenSSH's
// StrictHostKeyChecking=no: unknown hosts are accepted and a changed key
// only disables password and keyboard-interactive logins.
// known_hosts_verify=ignore skips the check, =auto accepts and records
// unknown hosts. The login user is the URI's, else the local user; the
// port defaults to 22. Authentication tries, in order or as sshauth=
// lists them: the ssh-agent ($SSH_AUTH_SOCK), keyfile= (or, without it,
// the default ~/.ssh/id_ed25519, id_ecdsa, id_rsa), password, and
// keyboard-interactive. no_tty=1 turns the two interactive methods off.
func DialSSH(ctx context.Context, u *URI, readOnly bool, opts SSHOptions) (net.Conn, error) {
	command, err := SSHRemoteCommand(u, readOnly)
	if err != nil {
		return nil, err
	}
	noVerify, err := u.BoolParam("no_verify")
	if err != nil {
		return nil, err
	}
	noTTY, err := u.BoolParam("no_tty")
	if err != nil {
		return nil, err
	}
	login := u.User
	if login == "" {
		if cur, err := user.Current(); err == nil {
			login = cur.Username
		} else {
			login = os.Getenv("USER")
		}
	}
	var changedKey atomic.Bool
	hostKeys, err := newHostKeyCheck(u, opts, noVerify, &changedKey)
	if err != nil {
		return nil, err
	}
	auths, cleanup, err := authMethods(ctx, u, login, opts, noTTY, &changedKey)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	cfg := &ssh.ClientConfig{User: login, Auth: auths, HostKeyCallback: hostKeys.callback}
	if d, ok := ctx.Deadline(); ok {
		cfg.Timeout = time.Until(d)
	}
	dial := opts.Dial
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	addr := u.Address()
	raw, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("libvirt: SSH: connecting to %s: %w", addr, err)
	}
	// As OpenSSH does, ask first for the key types known_hosts records
	// for this host: a server with several host keys then shows the one
	// that can be verified, not the one x/crypto/ssh prefers.
	cfg.HostKeyAlgorithms = hostKeys.algorithms(addr, raw.RemoteAddr())
	stop := context.AfterFunc(ctx, func() { raw.SetDeadline(time.Unix(1, 0)) })
	sc, chans, reqs, err := ssh.NewClientConn(raw, addr, cfg)
	if !stop() {
		raw.Close()
		return nil, fmt.Errorf("libvirt: SSH: %s: %w", addr, ctx.Err())
	}
	if err != nil {
		raw.Close()
		return nil, classifySSH(addr, login, err)
	}
	client := ssh.NewClient(sc, chans, reqs)
	sess, err := client.NewSession()
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("libvirt: SSH: opening a session on %s: %w", addr, err)
	}
	stdin, err1 := sess.StdinPipe()
	stdout, err2 := sess.StdoutPipe()
	if err := errors.Join(err1, err2); err != nil {
		client.Close()
		return nil, err
	}
	tail := &tailBuffer{max: 2048}
	sess.Stderr = tail
	if err := sess.Start(command); err != nil {
		client.Close()
		return nil, fmt.Errorf("libvirt: SSH: running the remote command on %s: %w", addr, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- sess.Wait() }()
	c := &pipeConn{r: stdout, w: stdin, local: pipeAddr(sc.LocalAddr().String()), remote: pipeAddr("ssh:" + addr), stderr: tail}
	c.exitInfo = func() string {
		select {
		case err := <-exited:
			exited <- err
			if err != nil {
				return "remote command: " + err.Error()
			}
			return "remote command exited with status 0"
		case <-time.After(200 * time.Millisecond):
			return ""
		}
	}
	c.closeFunc = func() error {
		sess.Close()
		return client.Close()
	}
	return c, nil
}

func classifySSH(addr, login string, err error) error {
	switch {
	case errors.Is(err, ErrSSHPasswordWithheld):
		return fmt.Errorf("libvirt: SSH: logging in as %s@%s: %w", login, addr, err)
	case errors.Is(err, ErrSSHUnknownHost), errors.Is(err, ErrSSHHostKeyChanged):
		return err
	case strings.Contains(err.Error(), "unable to authenticate"):
		return fmt.Errorf("%w for %s@%s: %w", ErrSSHAuth, login, addr, err)
	}
	return fmt.Errorf("libvirt: SSH handshake with %s: %w", addr, err)
}

// knownHostsPath is the file host keys are checked against.
func knownHostsPath(u *URI) (string, error) {
	if p, ok := u.Param("known_hosts"); ok && p != "" {
		return p, nil
	}
	home, err := os.UserHomeDir()
	if u.EffectiveTransport() == TransportSSH {
		if err != nil {
			return "", fmt.Errorf("libvirt: SSH: no home directory for known_hosts: %w", err)
		}
		return filepath.Join(home, ".ssh", "known_hosts"), nil
	}
	cfg := os.Getenv("XDG_CONFIG_HOME")
	if cfg == "" {
		if err != nil {
			return "", fmt.Errorf("libvirt: SSH: no home directory for known_hosts: %w", err)
		}
		cfg = filepath.Join(home, ".config")
	}
	return filepath.Join(cfg, "libvirt", "known_hosts"), nil
}

// hostKeyCheck is the host key verification of one dial: callback checks
// the key the server shows; known lists the key types known_hosts records
// for a host (nil when the check does not use known_hosts).
type hostKeyCheck struct {
	callback ssh.HostKeyCallback
	known    func(host string, remote net.Addr) []string
}

// algorithms returns the host key algorithms to offer: those for the key
// types recorded for host first, in known_hosts order, then the others x/crypto/ssh
// supports (OpenSSH orders them the same way). nil, the package default,
// when nothing is recorded.
func (h hostKeyCheck) algorithms(host string, remote net.Addr) []string {
	if h.known == nil {
		return nil
	}
	return orderHostKeyAlgorithms(h.known(host, remote))
}

func orderHostKeyAlgorithms(types []string) []string {
	if len(types) == 0 {
		return nil
	}
	supported := ssh.SupportedAlgorithms().HostKeys
	var out []string
	add := func(a string) {
		if slices.Contains(supported, a) && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	for _, t := range types {
		if t == ssh.KeyAlgoRSA {
			// An RSA key signs with SHA-2 (ssh-rsa with SHA-1 is off, as
			// in OpenSSH).
			add(ssh.KeyAlgoRSASHA512)
			add(ssh.KeyAlgoRSASHA256)
			continue
		}
		add(t)
	}
	for _, a := range supported {
		add(a)
	}
	return out
}

func newHostKeyCheck(u *URI, opts SSHOptions, noVerify bool, changed *atomic.Bool) (hostKeyCheck, error) {
	if opts.HostKeyCallback != nil {
		return hostKeyCheck{callback: opts.HostKeyCallback}, nil
	}
	verify, _ := u.Param("known_hosts_verify")
	switch verify {
	case "", "normal", "auto":
	case "ignore":
		return hostKeyCheck{callback: ssh.InsecureIgnoreHostKey()}, nil
	default:
		return hostKeyCheck{}, fmt.Errorf("libvirt: URI %s: unknown known_hosts_verify %q (want normal, auto or ignore)", u, verify)
	}
	path, err := knownHostsPath(u)
	if err != nil {
		return hostKeyCheck{}, err
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && verify == "auto" {
		// auto records new hosts, so it may create the file.
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err == nil {
			_ = os.WriteFile(path, nil, 0o600)
		}
	}
	var check ssh.HostKeyCallback
	if _, err := os.Stat(path); err == nil {
		if check, err = knownhosts.New(path); err != nil {
			return hostKeyCheck{}, fmt.Errorf("libvirt: SSH: reading known_hosts %s: %w", path, err)
		}
	} else {
		check = func(string, net.Addr, ssh.PublicKey) error {
			return &knownhosts.KeyError{}
		}
	}
	acceptUnknown := opts.AcceptUnknownHosts || noVerify || verify == "auto"
	cb := func(host string, remote net.Addr, key ssh.PublicKey) error {
		err := check(host, remote, key)
		var ke *knownhosts.KeyError
		if err == nil || !errors.As(err, &ke) {
			var re *knownhosts.RevokedError
			if errors.As(err, &re) {
				return fmt.Errorf("%w: %s presented %s %s, which %s marks as revoked (line %d): %w", ErrSSHHostKeyChanged, host, key.Type(), ssh.FingerprintSHA256(key), path, re.Revoked.Line, err)
			}
			return err
		}
		fp := ssh.FingerprintSHA256(key)
		if len(ke.Want) > 0 {
			if noVerify {
				// OpenSSH with StrictHostKeyChecking=no goes on, but
				// offers no password to a host that may be an impostor.
				changed.Store(true)
				return nil
			}
			return fmt.Errorf("%w: %s presented %s %s, known_hosts %s has %s (line %d): %w", ErrSSHHostKeyChanged, host, key.Type(), fp, path, describeKnown(ke.Want), ke.Want[0].Line, err)
		}
		if !acceptUnknown {
			return fmt.Errorf("%w: %s presented %s %s, not in %s: %w", ErrSSHUnknownHost, host, key.Type(), fp, path, err)
		}
		if verify == "auto" {
			line := knownhosts.Line([]string{knownhosts.Normalize(host)}, key)
			if f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600); err == nil {
				_, _ = f.WriteString(line + "\n")
				f.Close()
			}
		}
		return nil
	}
	known := func(host string, remote net.Addr) []string {
		// The knownhosts package lists every key recorded for a host
		// when a key does not match; a fresh key never matches.
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil
		}
		probe, err := ssh.NewPublicKey(priv.Public())
		if err != nil {
			return nil
		}
		var ke *knownhosts.KeyError
		if !errors.As(check(host, remote, probe), &ke) {
			return nil
		}
		var types []string
		for _, k := range ke.Want {
			if !slices.Contains(types, k.Key.Type()) {
				types = append(types, k.Key.Type())
			}
		}
		return types
	}
	return hostKeyCheck{callback: cb, known: known}, nil
}

// describeKnown names the keys known_hosts holds for a host.
func describeKnown(keys []knownhosts.KnownKey) string {
	var parts []string
	for _, k := range keys {
		parts = append(parts, k.Key.Type()+" "+ssh.FingerprintSHA256(k.Key))
	}
	return strings.Join(parts, ", ")
}

// authMethods lists the SSH authentication methods to try, in libvirt's
// order or the one sshauth= gives.
func authMethods(ctx context.Context, u *URI, login string, opts SSHOptions, noTTY bool, changedKey *atomic.Bool) ([]ssh.AuthMethod, func(), error) {
	order := []string{"agent", "privkey", "password", "keyboard-interactive"}
	if s, ok := u.Param("sshauth"); ok && s != "" {
		order = strings.Split(s, ",")
	}
	var out []ssh.AuthMethod
	var closers []func()
	cleanup := func() {
		for _, c := range closers {
			c()
		}
	}
	for _, m := range order {
		switch m {
		case "agent":
			sock := opts.AgentSocket
			if sock == "" {
				sock = os.Getenv("SSH_AUTH_SOCK")
			}
			if sock == "" || sock == "-" {
				continue
			}
			conn, err := net.Dial("unix", sock)
			if err != nil {
				// libvirt goes on without the agent, so do we.
				continue
			}
			closers = append(closers, func() { conn.Close() })
			out = append(out, ssh.PublicKeysCallback(agent.NewClient(conn).Signers))
		case "privkey":
			signers, err := keySigners(ctx, u, opts)
			if err != nil {
				cleanup()
				return nil, nil, err
			}
			if len(signers) > 0 {
				out = append(out, ssh.PublicKeys(signers...))
			}
		case "password":
			if opts.Password == nil || noTTY {
				continue
			}
			out = append(out, ssh.RetryableAuthMethod(ssh.PasswordCallback(func() (string, error) {
				if changedKey.Load() {
					return "", &withheldError{method: "password"}
				}
				return opts.Password(ctx, login)
			}), 3))
		case "keyboard-interactive":
			if opts.KeyboardInteractive == nil || noTTY {
				continue
			}
			out = append(out, ssh.RetryableAuthMethod(ssh.KeyboardInteractive(func(name, instruction string, questions []string, echos []bool) ([]string, error) {
				if changedKey.Load() {
					return nil, &withheldError{method: "keyboard-interactive answers"}
				}
				if len(questions) == 0 {
					return nil, nil
				}
				return opts.KeyboardInteractive(ctx, login, instruction, questions, echos)
			}), 3))
		default:
			cleanup()
			return nil, nil, fmt.Errorf("libvirt: URI %s: unknown sshauth method %q (want agent, privkey, password, keyboard-interactive)", u, m)
		}
	}
	return out, cleanup, nil
}

// keySigners loads keyfile= or, without it, the default key files that
// exist; explicit Signers come first.
func keySigners(ctx context.Context, u *URI, opts SSHOptions) ([]ssh.Signer, error) {
	signers := append([]ssh.Signer(nil), opts.Signers...)
	var files []string
	explicit := false
	if kf, ok := u.Param("keyfile"); ok && kf != "" {
		files, explicit = []string{kf}, true
	} else if home, err := os.UserHomeDir(); err == nil {
		for _, n := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
			files = append(files, filepath.Join(home, ".ssh", n))
		}
	}
	for _, f := range files {
		pem, err := os.ReadFile(f)
		if err != nil {
			if explicit {
				return nil, fmt.Errorf("libvirt: SSH: reading keyfile: %w", err)
			}
			continue
		}
		s, err := ssh.ParsePrivateKey(pem)
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			if opts.Passphrase == nil {
				if explicit {
					return nil, fmt.Errorf("libvirt: SSH: keyfile %s is encrypted and no passphrase callback is set", f)
				}
				continue
			}
			pass, perr := opts.Passphrase(ctx, f)
			if perr != nil {
				return nil, fmt.Errorf("libvirt: SSH: passphrase for %s: %w", f, perr)
			}
			s, err = ssh.ParsePrivateKeyWithPassphrase(pem, pass)
		}
		if err != nil {
			if explicit {
				return nil, fmt.Errorf("libvirt: SSH: parsing keyfile %s: %w", f, err)
			}
			continue
		}
		signers = append(signers, s)
	}
	return signers, nil
}

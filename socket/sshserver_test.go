package socket

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sshTestServer is an SSH server on loopback for DialSSH's unit tests:
// it authenticates with the keys, password and keyboard-interactive
// answer a test gives it, records what the client did, and runs the
// remote command as run says (by default: echo stdin to stdout, then
// exit 0).
type sshTestServer struct {
	addr    string
	hostKey ssh.Signer

	// Set before the first connection.
	authorized map[string]bool // marshalled public keys that may log in (under mu)
	password   string          // "" refuses password logins
	kbdAnswer  string          // "" refuses keyboard-interactive logins
	rejectExec bool            // refuse the exec request
	run        func(cmd string, ch ssh.Channel) uint32

	mu        sync.Mutex
	users     []string // login names of authenticated connections
	commands  []string // exec requests
	passwords []string // passwords offered
	answers   []string // keyboard-interactive answers given
	methods   []string // methods tried, in order
}

func newSSHTestServer(t *testing.T) *sshTestServer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hk, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return &sshTestServer{hostKey: hk, authorized: map[string]bool{}}
}

// authorize lets key log in.
func (s *sshTestServer) authorize(key ssh.PublicKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authorized[string(key.Marshal())] = true
}

// setAuthorized lets only keys log in from now on.
func (s *sshTestServer) setAuthorized(keys ...ssh.PublicKey) {
	s.mu.Lock()
	s.authorized = map[string]bool{}
	s.mu.Unlock()
	for _, k := range keys {
		s.authorize(k)
	}
}

// start listens on loopback and serves until the test ends.
func (s *sshTestServer) start(t *testing.T) {
	t.Helper()
	cfg := &ssh.ServerConfig{
		AuthLogCallback: func(_ ssh.ConnMetadata, method string, _ error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.methods = append(s.methods, method)
		},
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			s.mu.Lock()
			ok := s.authorized[string(key.Marshal())]
			s.mu.Unlock()
			if ok {
				return nil, nil
			}
			return nil, errors.New("key not authorized")
		},
	}
	if s.password != "" {
		cfg.PasswordCallback = func(_ ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			s.mu.Lock()
			s.passwords = append(s.passwords, string(pw))
			s.mu.Unlock()
			if string(pw) == s.password {
				return nil, nil
			}
			return nil, errors.New("wrong password")
		}
	}
	if s.kbdAnswer != "" {
		cfg.KeyboardInteractiveCallback = func(_ ssh.ConnMetadata, challenge ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
			// An informational round with no questions first, as PAM
			// sends banners, then the question.
			if _, err := challenge("", "welcome", nil, nil); err != nil {
				return nil, err
			}
			ans, err := challenge("", "one-time code", []string{"Code: "}, []bool{false})
			if err != nil {
				return nil, err
			}
			s.mu.Lock()
			s.answers = append(s.answers, ans...)
			s.mu.Unlock()
			if len(ans) == 1 && ans[0] == s.kbdAnswer {
				return nil, nil
			}
			return nil, errors.New("wrong answer")
		}
	}
	cfg.AddHostKey(s.hostKey)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	var wg sync.WaitGroup
	var connsMu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		l.Close()
		connsMu.Lock()
		for _, c := range conns {
			c.Close()
		}
		connsMu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			connsMu.Lock()
			conns = append(conns, c)
			connsMu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.serve(c, cfg, &wg)
			}()
		}
	}()
}

func (s *sshTestServer) serve(c net.Conn, cfg *ssh.ServerConfig, wg *sync.WaitGroup) {
	defer c.Close()
	sc, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		return
	}
	defer sc.Close()
	s.mu.Lock()
	s.users = append(s.users, sc.User())
	s.mu.Unlock()
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "sessions only")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.session(ch, creqs)
		}()
	}
}

func (s *sshTestServer) session(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	for req := range reqs {
		if req.Type != "exec" || len(req.Payload) < 4 {
			req.Reply(false, nil)
			continue
		}
		n := binary.BigEndian.Uint32(req.Payload)
		cmd := string(req.Payload[4:][:min(int(n), len(req.Payload)-4)])
		s.mu.Lock()
		s.commands = append(s.commands, cmd)
		s.mu.Unlock()
		if s.rejectExec {
			req.Reply(false, nil)
			continue
		}
		req.Reply(true, nil)
		run := s.run
		if run == nil {
			run = func(_ string, ch ssh.Channel) uint32 {
				io.Copy(ch, ch)
				return 0
			}
		}
		status := run(cmd, ch)
		ch.SendRequest("exit-status", false, binary.BigEndian.AppendUint32(nil, status))
		go ssh.DiscardRequests(reqs)
		return
	}
}

// record returns copies of what the server recorded.
func (s *sshTestServer) record() (users, commands, passwords, answers, methods []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := func(v []string) []string { return append([]string(nil), v...) }
	return cp(s.users), cp(s.commands), cp(s.passwords), cp(s.answers), cp(s.methods)
}

// knownHosts writes a known_hosts file with key recorded for the
// server's address and returns its path.
func (s *sshTestServer) knownHosts(t *testing.T, key ssh.PublicKey) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(s.addr)}, key) + "\n"
	if err := os.WriteFile(p, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// testUserKey returns a fresh ed25519 private key and its signer.
func testUserKey(t *testing.T) (ed25519.PrivateKey, ssh.Signer) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return priv, s
}

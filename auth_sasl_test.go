package libvirt

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xdg-go/scram"

	"github.com/virtwire/libvirt/internal/rpc/rpctest"
	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
)

// saslDaemon is the authentication side of a libvirt daemon that wants
// SASL, as Cyrus SASL answers for it: it offers mechs, checks PLAIN and
// SCRAM-SHA-1/256 logins of user with password, and then lets the
// client open the connection. Its fields set misbehaviour.
type saslDaemon struct {
	mechs, user, password string
	// earlySuccess declares SCRAM complete with the server-first message,
	// before the client could check the server.
	earlySuccess bool
	// badServerFirst sends a server-first message that is not SCRAM.
	badServerFirst bool
	// initFails answers AUTH_SASL_INIT with an error.
	initFails bool
	// polkit, when set, makes the daemon want polkit instead, answering
	// AUTH_POLKIT with this "complete" value (negative: an error).
	polkit *int32

	mu     sync.Mutex
	chosen []string // mechanisms the client started
	opened bool     // CONNECT_OPEN arrived
	conv   *scram.ServerConversation
}

// errorReply is a daemon error reply to call.
func errorReply(call rpctest.Frame, code ErrorNumber, msg string) []byte {
	h := rpctest.ReplyHeader(call)
	h.Status = wire.MessageStatusError
	var e xdr.Encoder
	(&wire.MessageError{Code: int32(code), Domain: int32(FromRPC), Message: &msg, Level: int32(ErrError)}).EncodeXDR(&e)
	return rpctest.Bytes(h, e.Bytes())
}

// saslData reads the "int nil; char data<>" tail of a START or STEP call.
// Like libvirtd, it hands SASL no data at all when nil is set: for SASL
// an absent response and an empty one differ.
func saslData(d *xdr.Decoder) []byte {
	isNil := d.Int32() != 0
	n := d.ArrayLen(AuthSASLDataMax, 4)
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(d.Int32())
	}
	if isNil {
		return nil
	}
	return b
}

// saslReply is the "int complete; int nil; char data<>" of a START or
// STEP reply.
func saslReply(call rpctest.Frame, complete bool, data []byte) []byte {
	var e xdr.Encoder
	if complete {
		e.Int32(1)
	} else {
		e.Int32(0)
	}
	if data == nil {
		e.Int32(1)
	} else {
		e.Int32(0)
	}
	e.ArrayLen(len(data), AuthSASLDataMax)
	for _, b := range data {
		e.Int32(int32(int8(b)))
	}
	return rpctest.Bytes(rpctest.ReplyHeader(call), e.Bytes())
}

func (s *saslDaemon) scramServer(mech string) (*scram.Server, error) {
	hash := scram.SHA256
	if mech == "SCRAM-SHA-1" {
		hash = scram.SHA1
	}
	client, err := hash.NewClient(s.user, s.password, "")
	if err != nil {
		return nil, err
	}
	stored, err := client.GetStoredCredentialsWithError(scram.KeyFactors{Salt: "pepper-salt", Iters: 4096})
	if err != nil {
		return nil, err
	}
	return hash.NewServer(func(user string) (scram.StoredCredentials, error) {
		if user != s.user {
			return scram.StoredCredentials{}, errors.New("unknown user")
		}
		return stored, nil
	})
}

func (s *saslDaemon) reply(call rpctest.Frame) []byte {
	d := xdr.NewDecoder(call.Body)
	ok := func(body []byte) []byte { return rpctest.Bytes(rpctest.ReplyHeader(call), body) }
	s.mu.Lock()
	defer s.mu.Unlock()
	switch Procedure(call.Header.Proc) {
	case ProcAuthList:
		var e xdr.Encoder
		e.ArrayLen(1, 20)
		if s.polkit != nil {
			e.Int32(int32(AuthPolkit))
		} else {
			e.Int32(int32(AuthSASL))
		}
		return ok(e.Bytes())
	case ProcAuthPolkit:
		if *s.polkit < 0 {
			return errorReply(call, ErrAuthFailed, "authentication failed: polkit said no")
		}
		var e xdr.Encoder
		e.Int32(*s.polkit)
		return ok(e.Bytes())
	case ProcAuthSASLInit:
		if s.initFails {
			return errorReply(call, ErrInternalError, "SASL is not configured")
		}
		var e xdr.Encoder
		e.String(s.mechs, StringMax)
		return ok(e.Bytes())
	case ProcAuthSASLStart:
		mech := d.String(StringMax)
		data := saslData(d)
		s.chosen = append(s.chosen, mech)
		switch mech {
		case "PLAIN":
			if !bytes.Equal(data, []byte("\x00"+s.user+"\x00"+s.password)) {
				return errorReply(call, ErrAuthFailed, "authentication failed: authentication failure")
			}
			return saslReply(call, true, nil)
		case "SCRAM-SHA-1", "SCRAM-SHA-256":
			if s.badServerFirst {
				return saslReply(call, false, []byte("not scram"))
			}
			srv, err := s.scramServer(mech)
			if err != nil {
				return errorReply(call, ErrInternalError, err.Error())
			}
			s.conv = srv.NewConversation()
			first, err := s.conv.Step(string(data))
			if err != nil {
				return errorReply(call, ErrAuthFailed, "authentication failed: "+err.Error())
			}
			return saslReply(call, s.earlySuccess, []byte(first))
		}
		return errorReply(call, ErrAuthFailed, "unsupported mechanism "+mech)
	case ProcAuthSASLStep:
		data := saslData(d)
		if s.conv == nil {
			return errorReply(call, ErrAuthFailed, "no SASL exchange")
		}
		final, err := s.conv.Step(string(data))
		if err != nil || !s.conv.Valid() {
			return errorReply(call, ErrAuthFailed, "authentication failed: authentication failure")
		}
		return saslReply(call, true, []byte(final))
	case ProcConnectOpen:
		s.opened = true
		return ok(nil)
	case ProcConnectSupportsFeature:
		var e xdr.Encoder
		e.Int32(0)
		return ok(e.Bytes())
	case ProcConnectClose:
		return ok(nil)
	}
	return errorReply(call, ErrNoSupport, "unexpected procedure")
}

// dialSASL connects a client to a fresh saslDaemon through a unix socket
// and returns the client (nil on error) and the error.
func dialSASL(t *testing.T, s *saslDaemon, uri string, opts ...Option) (*Client, error) {
	t.Helper()
	nc, peer, err := rpctest.Pipe(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = peer.Serve(s.reply)
	}()
	t.Cleanup(func() {
		peer.Close()
		<-served
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var used bool
	opts = append(opts, WithKeepalive(0, 0), WithDialer(func(context.Context, string, string) (net.Conn, error) {
		if used {
			return nil, errors.New("dialed twice")
		}
		used = true
		return nc, nil
	}))
	c, err := Dial(ctx, uri, opts...)
	if ctx.Err() != nil {
		t.Fatalf("Dial(%s) still authenticating after 20s", uri)
	}
	if c != nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

func staticCreds(user, password string) Option {
	return WithCredentials(func(_ context.Context, req *CredentialRequest) (Credentials, error) {
		return Credentials{Username: user, Password: password}, nil
	})
}

const saslURI = "test+unix:///default?socket=/nonexistent/sasl.sock"

// TestSASLLogins: each mechanism logs in with the right password, picks
// the strongest offered one or the one asked for, and fails with
// ErrAuthentication otherwise.
func TestSASLLogins(t *testing.T) {
	t.Setenv("LIBVIRT_AUTH_FILE", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	for _, c := range []struct {
		name, mechs, query string
		opts               []Option
		password           string
		wantMech           string // "" when no START is expected
		wantErr            string // "" for success
	}{
		{"SCRAM-SHA-256 preferred", "PLAIN,SCRAM-SHA-1,SCRAM-SHA-256,DIGEST-MD5", "", nil, "pw", "SCRAM-SHA-256", ""},
		{"SCRAM-SHA-1", "SCRAM-SHA-1 PLAIN", "", nil, "pw", "SCRAM-SHA-1", ""},
		{"PLAIN on a unix socket", "PLAIN", "", nil, "pw", "PLAIN", ""},
		{"auth=sasl.PLAIN picks PLAIN", "SCRAM-SHA-256,PLAIN", "&auth=sasl.PLAIN", nil, "pw", "PLAIN", ""},
		{"auth=sasl keeps the preference", "SCRAM-SHA-256,PLAIN", "&auth=sasl", nil, "pw", "SCRAM-SHA-256", ""},
		{"WithSASLMechanisms", "SCRAM-SHA-256,SCRAM-SHA-1", "", []Option{WithSASLMechanisms("SCRAM-SHA-1")}, "pw", "SCRAM-SHA-1", ""},
		{"auth=polkit", "PLAIN", "&auth=polkit", nil, "pw", "", "the daemon wants SASL"},
		{"wrong SCRAM password", "SCRAM-SHA-256", "", nil, "nope", "SCRAM-SHA-256", "SCRAM-SHA-256 as \"alice\""},
		{"wrong PLAIN password", "PLAIN", "", nil, "nope", "PLAIN", "authentication failure"},
		{"nothing usable offered", "GSSAPI,EXTERNAL", "", nil, "pw", "", "no usable mechanism"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := &saslDaemon{mechs: c.mechs, user: "alice", password: "pw"}
			opts := append([]Option{staticCreds("alice", c.password)}, c.opts...)
			cl, err := dialSASL(t, d, saslURI+c.query, opts...)
			d.mu.Lock()
			chosen, opened := d.chosen, d.opened
			d.mu.Unlock()
			if c.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if cl == nil || !opened {
					t.Fatal("connected without opening the connection")
				}
			} else {
				var lerr *Error
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, c.wantErr)
				}
				if c.wantMech != "" && (!errors.Is(err, ErrAuthentication) || !errors.As(err, &lerr) || lerr.Code != ErrAuthFailed) {
					t.Fatalf("err = %v, want ErrAuthentication wrapping the daemon's VIR_ERR_AUTH_FAILED", err)
				}
				if opened {
					t.Fatal("the connection was opened after a failed login")
				}
			}
			want := []string{}
			if c.wantMech != "" {
				want = []string{c.wantMech}
			}
			if strings.Join(chosen, ",") != strings.Join(want, ",") {
				t.Fatalf("client started %q, want %q", chosen, want)
			}
		})
	}
}

// TestSASLMisbehavingServer: a server that claims success before the
// client could verify it, or speaks garbage, is refused; a client
// without credentials says so.
func TestSASLMisbehavingServer(t *testing.T) {
	t.Setenv("LIBVIRT_AUTH_FILE", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	for _, c := range []struct {
		name    string
		d       *saslDaemon
		opts    []Option
		wantErr string
	}{
		{"early success", &saslDaemon{mechs: "SCRAM-SHA-256", earlySuccess: true}, []Option{staticCreds("alice", "pw")}, "declared success before the client could verify it"},
		{"garbage challenge", &saslDaemon{mechs: "SCRAM-SHA-256", badServerFirst: true}, []Option{staticCreds("alice", "pw")}, "SCRAM-SHA-256 as \"alice\""},
		{"init fails", &saslDaemon{mechs: "PLAIN", initFails: true}, []Option{staticCreds("alice", "pw")}, "starting: "},
		{"no user name", &saslDaemon{mechs: "PLAIN"}, []Option{staticCreds("", "pw")}, "PLAIN needs a user name"},
		{"no credentials at all", &saslDaemon{mechs: "PLAIN"}, nil, ErrNoCredentials.Error()},
		{"callback fails", &saslDaemon{mechs: "PLAIN"}, []Option{WithCredentials(func(context.Context, *CredentialRequest) (Credentials, error) {
			return Credentials{}, errors.New("user closed the prompt")
		})}, "user closed the prompt"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.d.user, c.d.password = "alice", "pw"
			_, err := dialSASL(t, c.d, saslURI, c.opts...)
			if !errors.Is(err, ErrAuthentication) || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("err = %v, want ErrAuthentication saying %q", err, c.wantErr)
			}
			c.d.mu.Lock()
			defer c.d.mu.Unlock()
			if c.d.opened {
				t.Fatal("the connection was opened after a failed login")
			}
		})
	}
}

// TestSASLRequestAndAuthFile: the credential callback is asked for the
// SASL service, the URI's host and the chosen mechanism; auth.conf
// answers first.
func TestSASLRequestAndAuthFile(t *testing.T) {
	t.Setenv("LIBVIRT_AUTH_FILE", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	var got []CredentialRequest
	cb := WithCredentials(func(_ context.Context, req *CredentialRequest) (Credentials, error) {
		got = append(got, *req)
		return Credentials{Username: "alice", Password: "pw"}, nil
	})
	d := &saslDaemon{mechs: "SCRAM-SHA-1", user: "alice", password: "pw"}
	if _, err := dialSASL(t, d, saslURI, cb); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Service != "libvirt" || got[0].Server != "localhost" || got[0].Mechanism != "SCRAM-SHA-1" {
		t.Fatalf("credential requests %+v, want one for libvirt@localhost with SCRAM-SHA-1", got)
	}

	conf := t.TempDir() + "/auth.conf"
	writeFile(t, conf, "[credentials-fake]\nauthname=bob\npassword=from-file\n[auth-libvirt-localhost]\ncredentials=fake\n")
	d = &saslDaemon{mechs: "PLAIN", user: "bob", password: "from-file"}
	got = nil
	if _, err := dialSASL(t, d, saslURI, cb, WithAuthFile(conf)); err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Fatalf("callback asked %+v although auth.conf had both answers", got)
	}
	d = &saslDaemon{mechs: "PLAIN", user: "bob", password: "from-file"}
	if _, err := dialSASL(t, d, saslURI+"&authfile="+conf); err != nil {
		t.Fatalf("authfile= in the URI: %v", err)
	}
	writeFile(t, conf, "not an ini file\n")
	d = &saslDaemon{mechs: "PLAIN", user: "bob", password: "from-file"}
	if _, err := dialSASL(t, d, saslURI, WithAuthFile(conf)); err == nil || !strings.Contains(err.Error(), "reading credentials file") {
		t.Fatalf("unreadable auth.conf: %v", err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestSASLOverPlainTCPNeedsALayer: on +tcp only a mechanism with a
// security layer may be used, as libvirtd requires; SCRAM and PLAIN are
// not started.
func TestSASLOverPlainTCPNeedsALayer(t *testing.T) {
	t.Setenv("LIBVIRT_AUTH_FILE", "")
	d := &saslDaemon{mechs: "SCRAM-SHA-256,PLAIN", user: "alice", password: "pw"}
	_, err := dialSASL(t, d, "test+tcp://127.0.0.1/default", staticCreds("alice", "pw"))
	if !errors.Is(err, ErrAuthentication) || !strings.Contains(err.Error(), "no usable mechanism") {
		t.Fatalf("err = %v, want ErrAuthentication: no usable mechanism", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.chosen) != 0 || d.opened {
		t.Fatalf("started %q (opened %v) on plain TCP", d.chosen, d.opened)
	}
}

// TestPolkitAuthentication: a daemon that wants polkit lets the client in
// once polkit completes; an incomplete or failed check ends the dial.
func TestPolkitAuthentication(t *testing.T) {
	for _, c := range []struct {
		complete int32
		want     string
	}{
		{1, ""},
		{0, "polkit authentication did not complete"},
		{-1, "polkit said no"},
	} {
		d := &saslDaemon{polkit: &c.complete}
		_, err := dialSASL(t, d, saslURI)
		d.mu.Lock()
		opened := d.opened
		d.mu.Unlock()
		if c.want == "" {
			if err != nil || !opened {
				t.Fatalf("polkit complete: %v (opened %v)", err, opened)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) || opened {
			t.Fatalf("polkit complete=%d: %v (opened %v), want an error saying %q", c.complete, err, opened, c.want)
		}
	}
}

package libvirt

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/virtwire/libvirt/socket"
)

// TestSSHOptionsAskTheCredentialSources: the ssh transport's password
// and keyboard-interactive answers come from auth.conf and the
// credential callback, asked for service "ssh" on the URI's host.
func TestSSHOptionsAskTheCredentialSources(t *testing.T) {
	t.Setenv("LIBVIRT_AUTH_FILE", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	ctx := context.Background()
	parse := func(s string) *socket.URI {
		u, err := socket.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}

	// Nothing to answer with: neither method is offered, and the dialer
	// is the client's.
	var dialed []string
	dialer := WithDialer(func(_ context.Context, network, addr string) (net.Conn, error) {
		dialed = append(dialed, network+" "+addr)
		return nil, errors.New("test dialer")
	})
	cfg := newConfig([]Option{dialer})
	o := cfg.sshOptions(parse("qemu+ssh://u@h.example/system"))
	if o.Password != nil || o.KeyboardInteractive != nil {
		t.Fatal("password or keyboard-interactive offered with no way to answer")
	}
	o.Dial(ctx, "tcp", "h.example:22")
	if !slices.Equal(dialed, []string{"tcp h.example:22"}) {
		t.Fatalf("SSH dialed through %q, want the client's dialer", dialed)
	}

	// The callback: what it is asked, and how its answers are used.
	var reqs []CredentialRequest
	answers := []string{"a1", "a2"}
	cb := WithCredentials(func(_ context.Context, req *CredentialRequest) (Credentials, error) {
		reqs = append(reqs, *req)
		if req.Instruction == "fail" {
			return Credentials{}, errors.New("prompt closed")
		}
		return Credentials{Password: "cb-pw", Answers: answers}, nil
	})
	cfg = newConfig([]Option{cb})
	o = cfg.sshOptions(parse("qemu+ssh://u@h.example/system"))
	if pw, err := o.Password(ctx, "u"); err != nil || pw != "cb-pw" {
		t.Fatalf("password = %q, %v", pw, err)
	}
	want := CredentialRequest{Service: "ssh", Server: "h.example", Mechanism: "password", Username: "u", Types: []ConnectCredentialType{CredPassphrase}}
	if len(reqs) != 1 || reqs[0].Service != want.Service || reqs[0].Server != want.Server || reqs[0].Mechanism != want.Mechanism ||
		reqs[0].Username != want.Username || !slices.Equal(reqs[0].Types, want.Types) {
		t.Fatalf("password request %+v, want %+v", reqs, want)
	}
	reqs = nil
	got, err := o.KeyboardInteractive(ctx, "u", "otp", []string{"Name: ", "Code: "}, []bool{true, false})
	if err != nil || !slices.Equal(got, answers) {
		t.Fatalf("keyboard-interactive = %q, %v", got, err)
	}
	r := reqs[0]
	if r.Service != "ssh" || r.Mechanism != "keyboard-interactive" || r.Instruction != "otp" || r.Username != "u" ||
		!slices.Equal(r.Types, []ConnectCredentialType{CredEchoprompt, CredNoechoprompt}) ||
		!slices.Equal(r.Prompts, []Prompt{{Text: "Name: ", Echo: true}, {Text: "Code: ", Echo: false}}) {
		t.Fatalf("keyboard-interactive request %+v", r)
	}
	if _, err := o.KeyboardInteractive(ctx, "u", "", []string{"Only: "}, []bool{false}); err == nil || !strings.Contains(err.Error(), "gave 2 answers to 1 keyboard-interactive prompts") {
		t.Fatalf("wrong number of answers: %v", err)
	}
	if _, err := o.KeyboardInteractive(ctx, "u", "fail", []string{"Q: "}, []bool{false}); err == nil || !strings.Contains(err.Error(), "prompt closed") {
		t.Fatalf("failing callback: %v", err)
	}
	// A URI without a host asks for localhost.
	reqs = nil
	o = cfg.sshOptions(parse("qemu+ssh:///system"))
	o.Password(ctx, "u")
	if len(reqs) != 1 || reqs[0].Server != "localhost" {
		t.Fatalf("no host: request %+v, want server localhost", reqs)
	}

	// auth.conf alone offers passwords but cannot answer prompts; a
	// password it has is not asked of the callback.
	conf := filepath.Join(t.TempDir(), "auth.conf")
	if err := os.WriteFile(conf, []byte("[credentials-h]\npassword=file-pw\n[auth-ssh-h.example]\ncredentials=h\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg = newConfig([]Option{WithAuthFile(conf)})
	o = cfg.sshOptions(parse("qemu+ssh://u@h.example/system"))
	if o.KeyboardInteractive != nil {
		t.Fatal("keyboard-interactive offered without a callback")
	}
	if pw, err := o.Password(ctx, "u"); err != nil || pw != "file-pw" {
		t.Fatalf("auth.conf password = %q, %v", pw, err)
	}
	reqs = nil
	cfg = newConfig([]Option{WithAuthFile(conf), cb})
	o = cfg.sshOptions(parse("qemu+ssh://u@h.example/system"))
	if pw, err := o.Password(ctx, "u"); err != nil || pw != "file-pw" || len(reqs) != 0 {
		t.Fatalf("auth.conf and callback: %q, %v, callback asked %d times", pw, err, len(reqs))
	}

	// The caller's own SSH options win.
	mine := func(context.Context, string) (string, error) { return "mine", nil }
	mineKI := func(context.Context, string, string, []string, []bool) ([]string, error) {
		return []string{"mine"}, nil
	}
	cfg = newConfig([]Option{cb, WithSSHOptions(socket.SSHOptions{Password: mine, KeyboardInteractive: mineKI})})
	o = cfg.sshOptions(parse("qemu+ssh://u@h.example/system"))
	if pw, _ := o.Password(ctx, "u"); pw != "mine" {
		t.Fatalf("caller's password callback replaced: got %q", pw)
	}
	if a, _ := o.KeyboardInteractive(ctx, "u", "", []string{"Q"}, []bool{false}); !slices.Equal(a, []string{"mine"}) {
		t.Fatalf("caller's keyboard-interactive callback replaced: got %q", a)
	}
}

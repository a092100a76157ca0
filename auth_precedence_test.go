package libvirt

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Where credentials come from when auth.conf and the callback both have
// something to say.

// authConf writes an auth.conf with the given content and returns its path.
func authConf(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "auth.conf")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// recorder is a CredentialFunc that answers with reply and remembers
// what it was asked.
type recorder struct {
	reply Credentials
	asked []CredentialRequest
}

func (r *recorder) get(_ context.Context, req *CredentialRequest) (Credentials, error) {
	r.asked = append(r.asked, *req)
	return r.reply, nil
}

func TestCredentialsEmptyServerIsLocalhost(t *testing.T) {
	// Local sockets have no host: auth.conf's [auth-libvirt-localhost]
	// applies, as in libvirt.
	path := authConf(t, "[credentials-l]\nauthname=local\npassword=pw\n[auth-libvirt-localhost]\ncredentials=l\n")
	cb := &recorder{}
	src := sourceFor(WithAuthFile(path), WithCredentials(cb.get))
	got, err := src.get(context.Background(), &CredentialRequest{Service: "libvirt", Server: "",
		Types: []ConnectCredentialType{CredAuthname, CredPassphrase}})
	if err != nil || got.Username != "local" || got.Password != "pw" || len(cb.asked) != 0 {
		t.Fatalf("got %v, %v after %d callback calls; want local/pw from auth.conf", got, err, len(cb.asked))
	}
}

func TestCredentialsPromptsAlwaysReachTheCallback(t *testing.T) {
	// auth.conf has the name and password, but a keyboard-interactive
	// challenge can only be answered by the user.
	path := authConf(t, "[credentials-a]\nusername=filed\npassword=from-file\n[auth-ssh-host]\ncredentials=a\n")
	cb := &recorder{reply: Credentials{Answers: []string{"123456"}}}
	src := sourceFor(WithAuthFile(path), WithCredentials(cb.get))
	req := &CredentialRequest{Service: "ssh", Server: "host", Mechanism: "keyboard-interactive",
		Types:   []ConnectCredentialType{CredUsername, CredPassphrase},
		Prompts: []Prompt{{Text: "Verification code: "}}}
	got, err := src.get(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(cb.asked) != 1 || len(cb.asked[0].Prompts) != 1 || cb.asked[0].Username != "filed" {
		t.Fatalf("callback asked %+v, want once with the prompt and auth.conf's user name", cb.asked)
	}
	if !slices.Equal(got.Answers, []string{"123456"}) || got.Username != "filed" || got.Password != "from-file" {
		t.Fatalf("got %v, want the callback's answers with auth.conf's name and password", got)
	}

	// Without a callback, a prompt is an error even with auth.conf.
	if _, err := sourceFor(WithAuthFile(path)).get(context.Background(), req); err != ErrNoCredentials {
		t.Fatalf("prompt without callback: %v, want ErrNoCredentials", err)
	}
}

func TestCredentialsAuthConfPasswordKeptWhenCallbackGivesNone(t *testing.T) {
	// auth.conf has only the password: the callback is asked for the name
	// and answers with just that.
	path := authConf(t, "[credentials-p]\npassword=from-file\n[auth-libvirt-h]\ncredentials=p\n")
	cb := &recorder{reply: Credentials{Username: "from-callback"}}
	src := sourceFor(WithAuthFile(path), WithCredentials(cb.get))
	got, err := src.get(context.Background(), &CredentialRequest{Service: "libvirt", Server: "h",
		Types: []ConnectCredentialType{CredAuthname, CredPassphrase}})
	if err != nil || got.Username != "from-callback" || got.Password != "from-file" || len(cb.asked) != 1 {
		t.Fatalf("got %v, %v after %d callback calls; want the callback's name and auth.conf's password", got, err, len(cb.asked))
	}
	// The callback's own password wins over auth.conf's.
	cb.reply = Credentials{Username: "u", Password: "typed"}
	if got, err = src.get(context.Background(), &CredentialRequest{Service: "libvirt", Server: "h",
		Types: []ConnectCredentialType{CredAuthname, CredPassphrase}}); err != nil || got.Password != "typed" {
		t.Fatalf("got %v, %v, want the callback's password", got, err)
	}
}

func TestCredentialsKnownUsernameNeedsNoCallback(t *testing.T) {
	// The name from the URI is enough when only a name is asked for; a
	// callback's empty name keeps it.
	cb := &recorder{}
	src := sourceFor(WithAuthFile(""), WithCredentials(cb.get))
	got, err := src.get(context.Background(), &CredentialRequest{Service: "libvirt", Server: "h", Username: "uri-user",
		Types: []ConnectCredentialType{CredAuthname}})
	if err != nil || got.Username != "uri-user" || len(cb.asked) != 0 {
		t.Fatalf("got %v, %v after %d callback calls; want uri-user without asking", got, err, len(cb.asked))
	}
	got, err = src.get(context.Background(), &CredentialRequest{Service: "libvirt", Server: "h", Username: "uri-user",
		Types: []ConnectCredentialType{CredAuthname, CredPassphrase}})
	if err != nil || got.Username != "uri-user" || len(cb.asked) != 1 || cb.asked[0].Username != "uri-user" {
		t.Fatalf("got %v, %v, asked %+v; want the callback asked for the password, told uri-user", got, err, cb.asked)
	}
	// A type auth.conf has no key for (here the realm) is asked for.
	cb.asked = nil
	if _, err := src.get(context.Background(), &CredentialRequest{Service: "libvirt", Server: "h", Username: "uri-user",
		Types: []ConnectCredentialType{CredRealm}}); err != nil || len(cb.asked) != 1 {
		t.Fatalf("realm: %v after %d callback calls, want one", err, len(cb.asked))
	}
}

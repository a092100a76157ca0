package libvirt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCredentialsNeverPrintSecrets(t *testing.T) {
	c := Credentials{Username: "fred", Password: "hunter2", Answers: []string{"otp-123456"}}
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, c)} {
		if strings.Contains(s, "hunter2") || strings.Contains(s, "otp-123456") || !strings.Contains(s, "fred") {
			t.Fatalf("formatted credentials: %s", s)
		}
	}
}

func TestCredentialSourceOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "auth.conf")
	os.WriteFile(path, []byte("[credentials-a]\nauthname=filed\npassword=from-file\n[credentials-u]\nauthname=onlyname\n[auth-libvirt-full]\ncredentials=a\n[auth-libvirt-partial]\ncredentials=u\n"), 0o600)
	calls := 0
	cb := func(_ context.Context, req *CredentialRequest) (Credentials, error) {
		calls++
		return Credentials{Password: "from-callback"}, nil
	}
	src := sourceFor(WithAuthFile(path), WithCredentials(cb))
	req := func(host string) *CredentialRequest {
		return &CredentialRequest{Service: "libvirt", Server: host, Mechanism: "SCRAM-SHA-256", Types: []ConnectCredentialType{CredAuthname, CredPassphrase}}
	}
	got, err := src.get(context.Background(), req("full"))
	if err != nil || got.Username != "filed" || got.Password != "from-file" || calls != 0 {
		t.Fatalf("file only: %v %v calls=%d", got, err, calls)
	}
	// The file has the name, the callback supplies the password.
	got, err = src.get(context.Background(), req("partial"))
	if err != nil || got.Username != "onlyname" || got.Password != "from-callback" || calls != 1 {
		t.Fatalf("file + callback: %v %v calls=%d", got, err, calls)
	}
	noCB := sourceFor(WithAuthFile(""))
	if _, err := noCB.get(context.Background(), req("full")); !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("no source: %v", err)
	}
	missing := sourceFor(WithAuthFile(filepath.Join(t.TempDir(), "nope")))
	if _, err := missing.get(context.Background(), req("full")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing explicit file: %v", err)
	}
	failing := sourceFor(WithAuthFile(""), WithCredentials(func(context.Context, *CredentialRequest) (Credentials, error) {
		return Credentials{}, errors.New("user cancelled")
	}))
	if _, err := failing.get(context.Background(), req("x")); err == nil || !strings.Contains(err.Error(), "user cancelled") {
		t.Fatalf("callback error: %v", err)
	}
}

func sourceFor(opts ...Option) *credentialSource {
	cfg := newConfig(opts)
	return cfg.credentialSource(nil)
}

//go:build integration

package transports_test

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/socket"
)

// TestSSHHostKeyTypes runs an sshd with RSA, ECDSA and Ed25519 host keys
// and connects with a known_hosts that OpenSSH's ssh-keyscan wrote,
// holding one key type alone (plain and hashed), or all three: each must
// verify, as with OpenSSH's ssh, which is run alongside for comparison.
// A known_hosts with another key of a type the server has must still
// be refused.
func TestSSHHostKeyTypes(t *testing.T) {
	requireRoot(t, "ssh-keyscan", "ssh")
	// Passwords are on so that the server offers them (to refuse them
	// for root).
	e := startSSHWith(t, sshdSetup{hostKeyTypes: []string{"rsa", "ecdsa", "ed25519"}, extraConf: []string{"PasswordAuthentication yes", "KbdInteractiveAuthentication yes"}})
	host, port, _ := strings.Cut(e.addr, ":")
	dir := t.TempDir()
	scan := func(t *testing.T, args ...string) []byte {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, "ssh-keyscan", append([]string{"-p", port}, append(args, host)...)...).Output()
		if err != nil || len(out) == 0 {
			t.Fatalf("ssh-keyscan %v: %v", args, err)
		}
		return out
	}
	for _, c := range []struct{ name, types string }{
		{"ed25519", "ed25519"}, {"ecdsa", "ecdsa"}, {"rsa", "rsa"},
		{"ed25519 hashed", "ed25519 -H"}, {"rsa hashed", "rsa -H"},
		{"all three", "rsa,ecdsa,ed25519"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := strings.Fields("-t " + c.types)
			kh := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_"))
			write(t, kh, scan(t, args...), 0o600)
			start := time.Now()
			cl, err := libvirt.Dial(ctxT(t), e.uri("keyfile="+e.keyfile, "known_hosts="+kh))
			if err != nil {
				t.Fatalf("known_hosts with %s only: %v", c.types, err)
			}
			dialed := time.Since(start)
			listTest(t, cl)
			cl.Close()
			t.Logf("dial %v, dial+list+close %v", dialed, time.Since(start))
			// OpenSSH's own client, for comparison.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, "ssh", "-F", "/dev/null", "-p", port, "-i", e.keyfile,
				"-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile="+kh,
				"-o", "GlobalKnownHostsFile=/dev/null", "root@"+host, "true").CombinedOutput()
			if err != nil {
				t.Fatalf("OpenSSH ssh with the same known_hosts: %v\n%s", err, out)
			}
			t.Logf("known_hosts %-20s virtwire ok (%v), OpenSSH ssh ok", c.types, time.Since(start).Round(time.Millisecond))
		})
	}

	t.Run("other key of each type is refused", func(t *testing.T) {
		for _, typ := range []string{"rsa", "ecdsa", "ed25519"} {
			other := genHostKey(t, typ, filepath.Join(dir, "other_"+typ))
			kh := filepath.Join(dir, "kh_other_"+typ)
			write(t, kh, []byte(knownhosts.Line([]string{knownhosts.Normalize(e.addr)}, other)+"\n"), 0o600)
			_, err := libvirt.Dial(ctxT(t), e.uri("keyfile="+e.keyfile, "known_hosts="+kh))
			if !errors.Is(err, socket.ErrSSHHostKeyChanged) {
				t.Fatalf("%s: err = %v, want ErrSSHHostKeyChanged", typ, err)
			}
			var ke *knownhosts.KeyError
			if !errors.As(err, &ke) || len(ke.Want) != 1 {
				t.Fatalf("%s: errors.As(*knownhosts.KeyError) = %v, want the recorded key", typ, ke)
			}
			t.Logf("other %s key: %v", typ, err)
		}
	})

	t.Run("no_verify=1 with a changed key withholds the password", func(t *testing.T) {
		other := genHostKey(t, "ed25519", filepath.Join(dir, "other2"))
		kh := filepath.Join(dir, "kh_changed")
		write(t, kh, []byte(knownhosts.Line([]string{knownhosts.Normalize(e.addr)}, other)+"\n"), 0o600)
		asked := false
		_, err := libvirt.Dial(ctxT(t), e.uri("known_hosts="+kh, "no_verify=1", "sshauth=password"),
			libvirt.WithSSHOptions(socket.SSHOptions{Password: func(context.Context, string) (string, error) {
				asked = true
				return "never-sent", nil
			}}))
		if !errors.Is(err, socket.ErrSSHPasswordWithheld) || !errors.Is(err, socket.ErrSSHHostKeyChanged) || errors.Is(err, socket.ErrSSHAuth) {
			t.Fatalf("err = %v, want ErrSSHPasswordWithheld (and ErrSSHHostKeyChanged, not ErrSSHAuth)", err)
		}
		if asked || strings.Contains(err.Error(), "never-sent") {
			t.Fatal("the password was asked for")
		}
		t.Log(err)
		// no_verify=0 means verification stays on.
		if _, err := libvirt.Dial(ctxT(t), e.uri("keyfile="+e.keyfile, "known_hosts="+kh, "no_verify=0")); !errors.Is(err, socket.ErrSSHHostKeyChanged) {
			t.Fatalf("no_verify=0: err = %v, want ErrSSHHostKeyChanged", err)
		}
	})
}

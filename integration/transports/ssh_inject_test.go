//go:build integration

package transports_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/socket"
)

// escapeAll percent-encodes every byte but ASCII letters and digits, so
// that a value reaches the URI parser unchanged whatever it holds.
func escapeAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
		}
	}
	return b.String()
}

// TestSSHSocketInjection dials sshd with hostile socket= and name= values.
// sshd's ForceCommand records the exact command the client sent
// ($SSH_ORIGINAL_COMMAND) and then runs it with the login shell, as sshd
// itself would. Each hostile socket path exists (a symlink to libvirtd's
// socket), so a connection that lists the test driver's domain proves
// netcat got the path unchanged; no "pwned" file may appear.
func TestSSHSocketInjection(t *testing.T) {
	rec := t.TempDir()
	recorder := filepath.Join(rec, "record.sh")
	write(t, recorder, []byte(`#!/bin/sh
f=$(mktemp "`+rec+`/cmd.XXXXXX")
printf '%s' "$SSH_ORIGINAL_COMMAND" > "$f"
exec "${SHELL:-/bin/sh}" -c "$SSH_ORIGINAL_COMMAND"
`), 0o755)
	e := startSSHWith(t, sshdSetup{extraConf: []string{"ForceCommand " + recorder}})
	kf, kh := "keyfile="+e.keyfile, "known_hosts="+e.knownHosts

	// Short, so that the socket paths fit a sockaddr_un.
	d, err := os.MkdirTemp("/tmp", "vwi")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })

	takeCommand := func(t *testing.T) string {
		t.Helper()
		files, _ := filepath.Glob(filepath.Join(rec, "cmd.*"))
		sort.Strings(files)
		if len(files) != 1 {
			t.Fatalf("sshd recorded %d commands, want 1", len(files))
		}
		data, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		os.Remove(files[0])
		return string(data)
	}
	checkNotPwned := func(t *testing.T) {
		t.Helper()
		if p, _ := filepath.Glob(filepath.Join(d, "pwned*")); len(p) > 0 {
			t.Fatalf("an injected command ran: %v exists", p)
		}
	}

	sockets := []string{
		d + "/x;touch " + d + "/pwned1",
		d + "/$(touch " + d + "/pwned2)",
		d + "/`touch " + d + "/pwned3`",
		d + "/q'; touch " + d + "/pwned4; '",
		d + `/dq"; touch ` + d + `/pwned5; "`,
		d + "/nl\ntouch " + d + "/pwned6\n",
		d + "/a|touch " + d + "/pwned7&",
		d + "/sp ace ü ✓ 日本",
		d + "/plain-sock",
	}
	for i, sock := range sockets {
		if err := os.MkdirAll(filepath.Dir(sock), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("/run/libvirt/libvirt-sock", sock); err != nil {
			t.Fatal(err)
		}
		uri := e.uri(kf, kh, "socket="+escapeAll(sock))
		u, err := socket.Parse(uri)
		if err != nil {
			t.Fatal(err)
		}
		want, err := socket.SSHRemoteCommand(u, false)
		if err != nil {
			t.Fatal(err)
		}
		c, err := libvirt.Dial(ctxT(t), uri)
		if err != nil {
			t.Fatalf("socket %q: %v", sock, err)
		}
		listTest(t, c)
		c.Close()
		got := takeCommand(t)
		if got != want {
			t.Fatalf("socket %q: sshd received\n%s\nwant\n%s", sock, got, want)
		}
		checkNotPwned(t)
		t.Logf("input %d: socket=%q\n  sshd received: %s", i, sock, got)
	}
	// The exact text for one of them, written out by hand.
	const nc = `sh -c 'if 'nc' -q 2>&1 | grep "requires an argument" >/dev/null 2>&1; then ARG=-q0;else ARG=;fi;'nc' $ARG -U `
	u, _ := socket.Parse(e.uri("socket=" + escapeAll(sockets[0])))
	got, _ := socket.SSHRemoteCommand(u, false)
	if want := nc + `'''\''` + d + `/x;touch ` + d + `/pwned1'\'''''`; got != want {
		t.Fatalf("command\n%s\nwant\n%s", got, want)
	}
	u, _ = socket.Parse(e.uri("socket=" + escapeAll(sockets[len(sockets)-1])))
	if got, _ := socket.SSHRemoteCommand(u, false); got != nc+d+"/plain-sock'" {
		t.Fatalf("a plain path must be written bare, as libvirt writes it: %s", got)
	}

	t.Run("name= through virt-ssh-helper", func(t *testing.T) {
		name := "test:///default?x=$(touch " + d + "/pwned8)`touch " + d + "/pwned9`;touch " + d + "/pwned10"
		uri := e.uri(kf, kh, "proxy=native", "name="+escapeAll(name))
		u, _ := socket.Parse(uri)
		want, _ := socket.SSHRemoteCommand(u, false)
		c, err := libvirt.Dial(ctxT(t), uri)
		if err == nil {
			c.Close()
		}
		// virt-ssh-helper got the name as one argument, unchanged, and
		// (libvirt's URI parser refusing "$(") says so.
		if err == nil || !strings.Contains(err.Error(), "cannot parse '"+name+"'") {
			t.Fatalf("err = %v, want virt-ssh-helper's complaint quoting the name unchanged", err)
		}
		got := takeCommand(t)
		if got != want {
			t.Fatalf("sshd received\n%s\nwant\n%s", got, want)
		}
		checkNotPwned(t)
		t.Logf("name=%q\n  dial: %v\n  sshd received: %s", name, err, got)
	})
}

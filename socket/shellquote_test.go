package socket

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// injectionInputs are values an attacker might put in socket=, name= or
// netcat=; PWN is replaced by a file that must never be created.
var injectionInputs = []string{
	"/tmp/x;touch PWN",
	"/tmp/x; touch PWN #",
	"$(touch PWN)",
	"`touch PWN`",
	"/tmp/'; touch PWN; '",
	`/tmp/"; touch PWN; "`,
	"/tmp/x\ntouch PWN\n",
	"/tmp/x\r\ntouch PWN",
	"/tmp/x|touch PWN",
	"/tmp/x&touch PWN&",
	"/tmp/x&&touch PWN",
	"/tmp/x>PWN",
	"/tmp/x<PWN",
	"/tmp/x'\\''$(touch PWN)",
	`/tmp/x\'; touch PWN; \'`,
	"/tmp/${IFS}touch${IFS}PWN",
	"/tmp/$HOME/~root/*/?/[a]/{a,b}/!x/#x",
	"/tmp/with space  and\ttab",
	"/run/ünïcødé ✓ 日本/sock",
	"/tmp/\x7f\x01\x1b[31m",
	"/tmp/plain-path_1.2:3@4%5+6=7,8",
}

// fakeBin makes a directory with recording stand-ins for nc and
// virt-ssh-helper: each call writes its arguments, NUL-terminated, to a
// file of its own in dir/calls.
func fakeBin(t *testing.T) (bin, calls string) {
	t.Helper()
	dir := t.TempDir()
	bin, calls = filepath.Join(dir, "bin"), filepath.Join(dir, "calls")
	for _, d := range []string{bin, calls} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	script := "#!/bin/sh\nprintf '%s\\0' \"$0\" \"$@\" > \"" + calls + "/$$\"\n"
	for _, n := range []string{"nc", "virt-ssh-helper"} {
		writeExecutable(t, filepath.Join(bin, n), script)
	}
	return bin, calls
}

// runLikeSSHD runs command the way sshd does, with the login shell's -c,
// here /bin/sh, and returns every recorded call (program base name first).
func runLikeSSHD(t *testing.T, command, bin, calls string) [][]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", command)
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sh -c %q: %v\n%s", command, err, out)
	}
	ents, err := os.ReadDir(calls)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(calls, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		args := strings.Split(strings.TrimSuffix(string(data), "\x00"), "\x00")
		args[0] = filepath.Base(args[0])
		got = append(got, args)
		os.Remove(filepath.Join(calls, e.Name()))
	}
	return got
}

// TestRemoteCommandInjection runs the commands SSHRemoteCommand builds
// through a real /bin/sh, as sshd would, and checks that every hostile
// value reaches netcat or virt-ssh-helper as one unchanged argument and
// that no injected command ran.
func TestRemoteCommandInjection(t *testing.T) {
	bin, calls := fakeBin(t)
	pwnDir := t.TempDir()
	pwn := filepath.Join(pwnDir, "pwned")
	ncDir := filepath.Join(t.TempDir(), "my nc's $(dir) `x`;\n")
	if err := os.MkdirAll(ncDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(bin, "nc"), filepath.Join(ncDir, "nc ü;")); err != nil {
		t.Fatal(err)
	}
	for _, in := range injectionInputs {
		v := strings.ReplaceAll(in, "PWN", pwn)
		q := uriEscape
		for _, c := range []struct {
			uri  string
			want []string
		}{
			{"qemu+ssh://h/system?proxy=netcat&socket=" + q(v), []string{"nc", "-U", v}},
			{"qemu+ssh://h/system?socket=" + q(v) + "&netcat=" + q(filepath.Join(ncDir, "nc ü;")), []string{"nc ü;", "-U", v}},
			{"qemu+ssh://h/system?proxy=native&name=" + q("qemu:///system?x="+v), []string{"virt-ssh-helper", "qemu:///system?x=" + v}},
			{"qemu+ssh://h/system?proxy=native&mode=legacy&x=" + q(v), []string{"virt-ssh-helper", "qemu:///system?mode=legacy&x=" + uriEscape(v)}},
			// auto: the netcat branch is parsed (not run) as well.
			{"qemu+ssh://h/system?proxy=auto&socket=" + q(v), []string{"virt-ssh-helper", "qemu:///system?socket=" + uriEscape(v)}},
		} {
			u, err := Parse(c.uri)
			if err != nil {
				t.Fatalf("%q: %v", c.uri, err)
			}
			command, err := SSHRemoteCommand(u, false)
			if err != nil {
				t.Fatalf("%q: %v", c.uri, err)
			}
			got := runLikeSSHD(t, command, bin, calls)
			// The netcat probe ("nc -q") runs first; the last call is the
			// one that matters.
			if i := slices.IndexFunc(got, func(a []string) bool { return len(a) == 2 && a[1] == "-q" }); i >= 0 {
				got = slices.Delete(got, i, i+1)
			}
			if len(got) != 1 || !slices.Equal(got[0], c.want) {
				t.Errorf("value %q\ncommand %s\n got calls %q\nwant %q", v, command, got, c.want)
			}
			if _, err := os.Stat(pwn); err == nil {
				t.Fatalf("value %q: the injected command ran (command %s)", v, command)
			}
		}
	}
}

// TestShellQuote checks shellQuote word by word against /bin/sh: the
// quoted word must come back as exactly one argument, unchanged.
func TestShellQuote(t *testing.T) {
	inputs := append([]string{"", "plain", "'", "''", `\`, "a b", "it's"}, injectionInputs...)
	var script bytes.Buffer
	script.WriteString("printf '%s\\0'")
	for _, in := range inputs {
		script.WriteString(" " + shellQuote(in))
	}
	out, err := exec.Command("/bin/sh", "-c", script.String()).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if !slices.Equal(got, inputs) {
		t.Fatalf("sh split the quoted words into\n%q\nwant\n%q", got, inputs)
	}
	for in, want := range map[string]string{"plain": "plain", "/var/run/libvirt/libvirt-sock": "/var/run/libvirt/libvirt-sock", "": "''", "a b": "'a b'", "it's": `'it'\''s'`, "x&y": "'x&y'", "ü": "'ü'", "~": "'~'"} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestRemoteValueRefused(t *testing.T) {
	for _, uri := range []string{
		"qemu+ssh://h/system?socket=%00x",
		"qemu+ssh://h/system?socket=-e/bin/sh",
		"qemu+ssh://h/system?proxy=native&name=-r",
		"qemu+ssh://h/system?netcat=nc%00",
	} {
		u, err := Parse(uri)
		if err != nil {
			continue // refused even earlier
		}
		if cmd, err := SSHRemoteCommand(u, false); err == nil {
			t.Errorf("%s: accepted as %s", uri, cmd)
		}
	}
}

//go:build integration

package transports_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// daemon is a private libvirtd whose state lives in dir. Inside its mount
// namespace dir/varrun is /run, so its unix sockets sit at the default
// path /run/libvirt/libvirt-sock there and at dir/varrun/libvirt outside.
type daemon struct {
	dir string
	cmd *exec.Cmd
}

// socket is the daemon's read-write unix socket as seen from outside.
func (d *daemon) socket() string { return filepath.Join(d.dir, "varrun", "libvirt", "libvirt-sock") }

func requireRoot(t *testing.T, commands ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (private mount namespaces)")
	}
	for _, c := range append([]string{"libvirtd", "unshare"}, commands...) {
		if _, err := exec.LookPath(c); err != nil {
			t.Skipf("needs %s: %v", c, err)
		}
	}
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startDaemon runs libvirtd with the given libvirtd.conf lines (unix
// sockets and logging are added) and extra environment, and stops it when
// the test ends.
func startDaemon(t *testing.T, dir string, conf []string, env ...string) *daemon {
	t.Helper()
	for _, sub := range []string{"etc", "lib", "cache", "log", "varrun"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	lines := append([]string{
		`unix_sock_group = "root"`,
		`unix_sock_ro_perms = "0777"`,
		`unix_sock_rw_perms = "0770"`,
		`log_outputs = "3:file:` + filepath.Join(dir, "libvirtd.log") + `"`,
	}, conf...)
	if err := os.WriteFile(filepath.Join(dir, "libvirtd.conf"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `set -e
D=$1
mount --bind "$D/varrun" /run
mkdir -p /run/lock /run/libvirt /etc/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt
mount --bind "$D/etc" /etc/libvirt
mount --bind "$D/lib" /var/lib/libvirt
mount --bind "$D/cache" /var/cache/libvirt
mount --bind "$D/log" /var/log/libvirt
exec libvirtd -f "$D/libvirtd.conf" --listen`
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "/bin/sh", "-c", script, "sh", dir)
	cmd.Env = append(os.Environ(), env...)
	out, err := os.Create(filepath.Join(dir, "stdout.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &daemon{dir: dir, cmd: cmd}
	exited := make(chan struct{})
	go func() { cmd.Wait(); out.Close(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-exited:
			t.Fatalf("libvirtd exited during start-up:\n%s", tail(filepath.Join(dir, "stdout.log"), filepath.Join(dir, "libvirtd.log")))
		default:
		}
		if c, err := net.Dial("unix", d.socket()); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("libvirtd did not answer within 20 s:\n%s", tail(filepath.Join(dir, "stdout.log"), filepath.Join(dir, "libvirtd.log")))
		}
		time.Sleep(50 * time.Millisecond)
	}
	return d
}

// waitTCP waits until something listens on addr.
func waitTCP(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// tail returns the last lines of the given files, for failure messages.
func tail(files ...string) string {
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) > 20 {
			lines = lines[len(lines)-20:]
		}
		b.WriteString("--- " + f + "\n" + strings.Join(lines, "\n") + "\n")
	}
	return b.String()
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func itoa(n int) string { return strconv.Itoa(n) }

package socket

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The ext transport as a caller sees it: a connection over a local
// program's stdin and stdout, whose end explains itself.

// script writes an executable shell script and returns its path (the ext
// transport runs command= without arguments).
func script(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cmd.sh")
	writeExecutable(t, path, "#!/bin/sh\n"+body+"\n")
	return path
}

// writeExecutable writes a program file while holding syscall.ForkLock:
// a parallel test forking between the file's open and close would hand
// the child the write descriptor until its exec, and exec'ing the file in
// that window fails with "text file busy" (ETXTBSY, golang.org/issue/22315).
func writeExecutable(t *testing.T, path, content string) {
	t.Helper()
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
}

func dialExt(t *testing.T, command string) *pipeConn {
	t.Helper()
	u, err := Parse("qemu+ext:///system?command=" + command)
	if err != nil {
		t.Fatal(err)
	}
	c, err := DialExt(context.Background(), u)
	if err != nil {
		t.Fatalf("DialExt(%s): %v", command, err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*pipeConn)
}

// within runs f and fails the test naming what if it takes over 10s.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not return within 10s", what)
	}
}

func TestExtEchoesThroughTheCommand(t *testing.T) {
	t.Parallel()
	cat, err := exec.LookPath("cat")
	if err != nil {
		t.Skip("no cat on PATH")
	}
	c := dialExt(t, cat)
	if got := c.RemoteAddr().String(); got != "ext:"+cat || c.RemoteAddr().Network() != "pipe" {
		t.Errorf("remote address %s/%s, want pipe/ext:%s", c.RemoteAddr().Network(), got, cat)
	}
	msg := []byte("hello libvirt")
	if n, err := c.Write(msg); err != nil || n != len(msg) {
		t.Fatalf("Write: %d, %v", n, err)
	}
	buf := make([]byte, len(msg))
	var rerr error
	within(t, "reading the echo from cat", func() { _, rerr = io.ReadFull(c, buf) })
	if rerr != nil || string(buf) != string(msg) {
		t.Fatalf("read back %q, %v", buf, rerr)
	}
	// Close ends cat by closing its stdin; reading then reports the end.
	var cerr error
	within(t, "Close of the ext connection", func() { cerr = c.Close() })
	if cerr != nil {
		t.Fatalf("Close: %v", cerr)
	}
	if err := c.SetDeadline(time.Now()); !errors.Is(err, os.ErrNoDeadline) {
		t.Errorf("SetDeadline: %v, want os.ErrNoDeadline", err)
	}
}

func TestExtEndExplainsItself(t *testing.T) {
	t.Parallel()
	c := dialExt(t, script(t, "echo 'cannot connect to socket' >&2\nexit 3"))
	var err error
	within(t, "reading from a command that exits", func() { _, err = c.Read(make([]byte, 16)) })
	if !errors.Is(err, io.EOF) {
		t.Fatalf("Read: %v, want io.EOF", err)
	}
	for _, want := range []string{"exit status 3", "stderr: cannot connect to socket", "ext:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Read error %q does not say %q", err, want)
		}
	}
	// Writing to the command that is gone says the same.
	within(t, "writing to a command that exited", func() {
		for range 100 {
			if _, err = c.Write(make([]byte, 4096)); err != nil {
				break
			}
		}
	})
	if err == nil || !strings.Contains(err.Error(), "cannot connect to socket") {
		t.Errorf("Write to an exited command: %v", err)
	}
}

func TestExtCleanExitSaysSo(t *testing.T) {
	t.Parallel()
	c := dialExt(t, script(t, "exit 0"))
	var err error
	within(t, "reading from a command that exits", func() { _, err = c.Read(make([]byte, 16)) })
	if !errors.Is(err, io.EOF) || !strings.Contains(err.Error(), "exited with status 0") {
		t.Fatalf("Read: %v, want io.EOF saying the command exited with status 0", err)
	}
}

func TestExtCloseKillsACommandThatIgnoresSIGTERM(t *testing.T) {
	t.Parallel()
	ready := filepath.Join(t.TempDir(), "ready")
	c := dialExt(t, script(t, "trap '' TERM\n: > "+ready+"\nwhile :; do sleep 0.05; done"))
	// Wait until the trap is set (a condition, not a sleep of a guessed length).
	within(t, "the command to start", func() {
		for {
			if _, err := os.Stat(ready); err == nil {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	start := time.Now()
	within(t, "Close of a command ignoring SIGTERM", func() { c.Close() })
	if d := time.Since(start); d < extStopGrace {
		t.Errorf("Close returned after %v, before the %v grace period", d, extStopGrace)
	}
}

func TestDialExtErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ uri, want string }{
		{"qemu+ext:///system", "needs a command= parameter"},
		{"qemu+ext:///system?command=", "needs a command= parameter"},
		{"qemu+ext:///system?command=/nonexistent/virtwire-cmd", "starting ext:/nonexistent/virtwire-cmd"},
	} {
		u, err := Parse(c.uri)
		if err != nil {
			t.Fatal(err)
		}
		if conn, err := DialExt(context.Background(), u); err == nil || !strings.Contains(err.Error(), c.want) {
			if conn != nil {
				conn.Close()
			}
			t.Errorf("%s: %v, want an error saying %q", c.uri, err, c.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	u, _ := Parse("qemu+ext:///system?command=/bin/cat")
	if conn, err := DialExt(ctx, u); !errors.Is(err, context.Canceled) {
		if conn != nil {
			conn.Close()
		}
		t.Errorf("cancelled context: %v", err)
	}
}

func TestTailBufferKeepsTheLastBytes(t *testing.T) {
	tb := &tailBuffer{max: 8}
	tb.Write([]byte("0123"))
	if got := tb.String(); got != "0123" {
		t.Fatalf("under the limit: %q", got)
	}
	tb.Write([]byte("4567"))
	if got := tb.String(); got != "01234567" {
		t.Fatalf("at the limit: %q", got)
	}
	tb.Write([]byte("89abc"))
	if got := tb.String(); got != "56789abc" {
		t.Fatalf("over the limit: %q, want the last 8 bytes", got)
	}
}

func TestPipeConnWithoutInfoReturnsPlainEOF(t *testing.T) {
	c := &pipeConn{r: strings.NewReader(""), w: io.Discard, stderr: &tailBuffer{max: 8}}
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("Read: %v, want io.EOF itself", err)
	}
}

//go:build integration

package transports_test

import (
	"errors"
	"io"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/virtwire/libvirt"
)

func TestExt(t *testing.T) {
	requireRoot(t, "nc")
	dir := t.TempDir()
	d := startDaemon(t, filepath.Join(dir, "d"), []string{`listen_tls = 0`, `listen_tcp = 0`, `auth_unix_ro = "none"`, `auth_unix_rw = "none"`})
	script := filepath.Join(dir, "connect.sh")
	write(t, script, []byte("#!/bin/sh\nexec nc -U "+d.socket()+"\n"), 0o755)

	t.Run("command's stdio", func(t *testing.T) {
		c, err := libvirt.Dial(ctxT(t), "test+ext:///default?command="+script)
		if err != nil {
			t.Fatal(err)
		}
		listTest(t, c)
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("no command", func(t *testing.T) {
		_, err := libvirt.Dial(ctxT(t), "test+ext:///default")
		if err == nil || !strings.Contains(err.Error(), "command=") {
			t.Fatalf("err = %v, want a missing command= error", err)
		}
	})

	t.Run("command fails", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.sh")
		write(t, bad, []byte("#!/bin/sh\necho 'cannot reach the daemon' >&2\nexit 3\n"), 0o755)
		_, err := libvirt.Dial(ctxT(t), "test+ext:///default?command="+bad)
		// The engine sees either the end of the command's stdout or a
		// write to its closed stdin, whichever comes first.
		if !errors.Is(err, io.EOF) && !errors.Is(err, syscall.EPIPE) {
			t.Fatalf("err = %v, want EOF or EPIPE", err)
		}
		if !strings.Contains(err.Error(), "cannot reach the daemon") || !strings.Contains(err.Error(), "exit status 3") {
			t.Fatalf("err = %v, want the command's stderr and status", err)
		}
		t.Log(err)
	})
}

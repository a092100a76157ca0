package libvirttest_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The real clients that talk to the fake (virsh, python3-libvirt) are the
// host's, or with VIRTWIRE_CLIENT_ROOT=ROOT those of a root tree such as
// the libvirt 11.3 tree scripts/trixie-root.sh makes. Tree clients run
// chrooted in a private mount namespace that shows the host's /tmp at
// /tmp, where the fake's sockets and the tests' files live (needs root).
const envClientRoot = "VIRTWIRE_CLIENT_ROOT"

// clientRoot returns the root tree the clients run in ("" for the host).
func clientRoot() string { return os.Getenv(envClientRoot) }

// enterRoot is run by unshare in the new mount namespace: it mounts the
// host's /tmp and /proc into the tree, then runs the command chrooted, in
// the working directory given first.
const enterRoot = `set -e
R=$1 D=$2
shift 2
mount --rbind /tmp "$R/tmp"
mount -t proc proc "$R/proc"
exec chroot "$R" /bin/sh -c 'cd "$1" && shift && exec "$@"' sh "$D" "$@"`

// clientCommand returns the command that runs the client program name
// (an absolute path, or looked up on the host's PATH and at /usr/bin in the
// tree) with args in
// dir. It skips the test when the program is not there. Files the command
// reads must be under /tmp or dir when a tree is used; dir must be under
// /tmp then.
func clientCommand(ctx context.Context, t testing.TB, dir, name string, args ...string) *exec.Cmd {
	t.Helper()
	root := clientRoot()
	prog := name
	if !filepath.IsAbs(prog) {
		prog = "/usr/bin/" + name
	}
	if root == "" {
		p, err := exec.LookPath(name)
		if err != nil {
			t.Skipf("%s is not installed: %v", name, err)
		}
		cmd := exec.CommandContext(ctx, p, args...)
		cmd.Dir = dir
		return cmd
	}
	if os.Geteuid() != 0 {
		t.Skipf("%s=%s needs root (mount namespace, chroot)", envClientRoot, root)
	}
	if _, err := os.Stat(filepath.Join(root, prog)); err != nil {
		t.Skipf("%s is not in %s: %v", prog, root, err)
	}
	if dir == "" {
		dir = "/"
	}
	if dir != "/" && !strings.HasPrefix(dir, "/tmp/") {
		t.Fatalf("clientCommand: %s is not under /tmp, so a client in %s cannot see it", dir, root)
	}
	full := append([]string{"-m", "--propagation", "private", "/bin/sh", "-c", enterRoot, "sh", root, dir, prog}, args...)
	return exec.CommandContext(ctx, "unshare", full...)
}

// clientDir returns a directory the client can use as its working
// directory holding a copy of testdata/sub: the directory itself for the
// host's clients, a copy under /tmp for a tree's.
func clientDir(t testing.TB, sub string) string {
	t.Helper()
	src, err := filepath.Abs(filepath.Join("testdata", sub))
	if err != nil {
		t.Fatal(err)
	}
	if clientRoot() == "" {
		return src
	}
	dst, err := os.MkdirTemp("/tmp", "vwclient")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dst) })
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// virshVersion returns the client virsh's own version ("9.0.0", "11.3.0").
func virshVersion(t testing.TB) string {
	t.Helper()
	out, err := clientCommand(testCtx(t), t, "", "virsh", "--version").Output()
	if err != nil {
		t.Fatalf("virsh --version: %v", err)
	}
	return strings.TrimSpace(string(out))
}

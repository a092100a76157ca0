package libvirttest_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt/libvirttest"
)

// virshRun runs virsh with args against uri and fails the test if it
// fails.
func virshRun(t *testing.T, uri string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := clientCommand(ctx, t, "", "virsh", append([]string{"-c", uri}, args...)...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LIBVIRT_DEFAULT_URI=", "VIRSH_DEFAULT_CONNECT_URI=")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "virsh %v: %s", args, out)
}

// TestFakeVolumeStreamsWithVirsh has virsh (libvirt's own client) upload
// and download files through the fake, plain and sparse.
func TestFakeVolumeStreamsWithVirsh(t *testing.T) {
	virshPath(t)
	const size = 64 << 20
	srv := libvirttest.New(t, libvirttest.WithUnixSocket(""))
	uri := srv.URI()
	dir := t.TempDir()
	src := filepath.Join(dir, "src.img")
	sparseFile(t, src, size, map[int64][]byte{
		0:         randomBytes(100_000, 8),
		40 << 20:  randomBytes(4096, 9),
		size - 10: randomBytes(10, 10),
	})
	virshRun(t, uri, "vol-create-as", "default-pool", "plain.img", "64M", "--allocation", "0")
	virshRun(t, uri, "vol-create-as", "default-pool", "sparse.img", "64M", "--allocation", "0")

	virshRun(t, uri, "vol-upload", "--pool", "default-pool", "plain.img", src)
	plain := filepath.Join(dir, "plain.out")
	virshRun(t, uri, "vol-download", "--pool", "default-pool", "plain.img", plain)
	sameFiles(t, src, plain)
	assert.Greater(t, diskUsage(t, plain), int64(size/2), "a plain download writes the zeros")

	virshRun(t, uri, "vol-upload", "--sparse", "--pool", "default-pool", "sparse.img", src)
	sparse := filepath.Join(dir, "sparse.out")
	virshRun(t, uri, "vol-download", "--sparse", "--pool", "default-pool", "sparse.img", sparse)
	sameFiles(t, src, sparse)
	assert.Less(t, diskUsage(t, sparse), int64(1<<20), "a sparse download leaves the holes")

	ctx := streamCtx(t)
	vc, err := srv.Client(ctx)
	require.NoError(t, err)
	defer vc.Close()
	pool, err := vc.StoragePoolLookupByName(ctx, "default-pool")
	require.NoError(t, err)
	vol, err := vc.StorageVolLookupByName(ctx, pool, "sparse.img")
	require.NoError(t, err)
	// 100,000 bytes (25 blocks), one block, and the last 10 bytes.
	assert.Equal(t, uint64(27*volBlock), allocation(t, vc, vol))

	// Offset and length.
	part := filepath.Join(dir, "part.out")
	virshRun(t, uri, "vol-download", "--pool", "default-pool", "--offset", "99990", "--length", "20", "sparse.img", part)
	got, err := os.ReadFile(part)
	require.NoError(t, err)
	want := make([]byte, 20)
	f, err := os.Open(src)
	require.NoError(t, err)
	defer f.Close()
	_, err = f.ReadAt(want, 99990)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

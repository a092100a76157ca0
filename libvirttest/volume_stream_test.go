package libvirttest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/libvirttest"
)

// streamCtx bounds one stream test.
func streamCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// fakeClient starts a fake and opens a client to it.
func fakeClient(t *testing.T, opts ...libvirttest.Option) *libvirt.Client {
	t.Helper()
	srv := libvirttest.New(t, opts...)
	c, err := srv.Client(streamCtx(t))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// createVol makes a raw volume in default-pool with the given capacity
// and allocation.
func createVol(t *testing.T, c *libvirt.Client, name string, capacity, allocation int64) libvirt.StorageVol {
	t.Helper()
	ctx := streamCtx(t)
	pool, err := c.StoragePoolLookupByName(ctx, "default-pool")
	require.NoError(t, err)
	vol, err := c.StorageVolCreateXML(ctx, pool, fmt.Sprintf(`<volume>
  <name>%s</name>
  <capacity unit='bytes'>%d</capacity>
  <allocation unit='bytes'>%d</allocation>
</volume>`, name, capacity, allocation), 0)
	require.NoError(t, err)
	return vol
}

// allocation reports a volume's allocation.
func allocation(t *testing.T, c *libvirt.Client, vol libvirt.StorageVol) uint64 {
	t.Helper()
	_, _, alloc, err := c.StorageVolGetInfo(streamCtx(t), vol)
	require.NoError(t, err)
	return alloc
}

// randomBytes returns n reproducible pseudo-random bytes.
func randomBytes(n int, seed byte) []byte {
	b := make([]byte, n)
	src := rand.NewChaCha8([32]byte{seed})
	_, _ = src.Read(b)
	return b
}

// downloadAll reads a whole download of vol.
func downloadAll(t *testing.T, c *libvirt.Client, vol libvirt.StorageVol, off, length uint64) []byte {
	t.Helper()
	st, err := c.StorageVolDownload(streamCtx(t), vol, off, length, 0)
	require.NoError(t, err)
	b, err := io.ReadAll(st)
	require.NoError(t, err)
	require.NoError(t, st.Finish())
	return b
}

// upload sends p into vol at off and finishes the stream.
func upload(t *testing.T, c *libvirt.Client, vol libvirt.StorageVol, off uint64, p []byte) error {
	t.Helper()
	st, err := c.StorageVolUpload(streamCtx(t), vol, off, 0, 0)
	require.NoError(t, err)
	if _, err := io.Copy(st, bytes.NewReader(p)); err != nil {
		_ = st.Abort()
		return err
	}
	return st.Finish()
}

// TestFakeVolumeUploadDownload sends 8 MiB of random data into a 16 MiB
// volume and reads it back: the data, the zeros after it, and the
// allocation match what was written.
func TestFakeVolumeUploadDownload(t *testing.T) {
	const size = 8 << 20
	c := fakeClient(t)
	vol := createVol(t, c, "rt.img", 2*size, 0)
	assert.Equal(t, uint64(0), allocation(t, c, vol))

	data := randomBytes(size, 1)
	require.NoError(t, upload(t, c, vol, 0, data))
	assert.Equal(t, uint64(size), allocation(t, c, vol))

	got := downloadAll(t, c, vol, 0, size)
	assert.Equal(t, sha256.Sum256(data), sha256.Sum256(got))

	// Without a length the download runs to the volume's capacity.
	got = downloadAll(t, c, vol, 0, 0)
	require.Len(t, got, 2*size)
	assert.Equal(t, sha256.Sum256(data), sha256.Sum256(got[:size]))
	assert.Equal(t, make([]byte, size), got[size:])

	// Offsets and lengths on both sides.
	require.NoError(t, upload(t, c, vol, 12<<20+100, []byte("hello, volume")))
	assert.Equal(t, []byte("\x00\x00hello, vol"), downloadAll(t, c, vol, 12<<20+98, 12))
	assert.Equal(t, data[1000:1010], downloadAll(t, c, vol, 1000, 10))
	assert.Equal(t, uint64(size+volBlock), allocation(t, c, vol))
	assert.Empty(t, downloadAll(t, c, vol, 2*size, 0), "download at the end")
	assert.Empty(t, downloadAll(t, c, vol, 3*size, 10), "download past the end")
}

// volBlock is the fake's allocation unit.
const volBlock = 4096

// sparseFile creates a file of size bytes holding data at the given
// offsets and holes elsewhere.
func sparseFile(t *testing.T, path string, size int64, data map[int64][]byte) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, f.Truncate(size))
	for off, p := range data {
		_, err := f.WriteAt(p, off)
		require.NoError(t, err)
	}
}

// diskUsage is how many bytes of path are allocated on disk.
func diskUsage(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return fi.Sys().(*syscall.Stat_t).Blocks * 512
}

// sameFiles compares two files byte for byte.
func sameFiles(t *testing.T, a, b string) {
	t.Helper()
	fa, err := os.Open(a)
	require.NoError(t, err)
	defer fa.Close()
	fb, err := os.Open(b)
	require.NoError(t, err)
	defer fb.Close()
	ia, _ := fa.Stat()
	ib, _ := fb.Stat()
	require.Equal(t, ia.Size(), ib.Size(), "file sizes")
	ba, bb := make([]byte, 1<<20), make([]byte, 1<<20)
	for off := int64(0); ; off += int64(len(ba)) {
		na, ea := io.ReadFull(fa, ba)
		nb, _ := io.ReadFull(fb, bb)
		require.Equal(t, na, nb)
		if !bytes.Equal(ba[:na], bb[:nb]) {
			t.Fatalf("files differ in the MiB at %d", off)
		}
		if ea != nil {
			return
		}
	}
}

// TestFakeVolumeSparseRoundTrip uploads a 1 GiB file holding two 4 KiB
// data regions with the sparse flag and downloads it again: the volume
// allocates only the data, the download carries holes as holes and the
// file written from it is sparse and identical.
func TestFakeVolumeSparseRoundTrip(t *testing.T) {
	const size = 1 << 30
	dir := t.TempDir()
	regions := map[int64][]byte{
		64 << 20:  randomBytes(4096, 2),
		700 << 20: randomBytes(4096, 3),
	}
	src := filepath.Join(dir, "src.img")
	sparseFile(t, src, size, regions)

	c := fakeClient(t)
	vol := createVol(t, c, "sparse.img", size, 0)
	f, err := os.Open(src)
	require.NoError(t, err)
	defer f.Close()
	ctx := streamCtx(t)
	up, err := c.StorageVolUpload(ctx, vol, 0, 0, libvirt.StorageVolUploadSparseStream)
	require.NoError(t, err)
	n, err := io.Copy(up, f)
	require.NoError(t, err)
	require.NoError(t, up.Finish())
	assert.Equal(t, int64(size), n)
	assert.Equal(t, uint64(2*volBlock), allocation(t, c, vol), "only the data is allocated")

	// The server sends the holes as holes.
	dl, err := c.StorageVolDownload(ctx, vol, 0, 0, libvirt.StorageVolDownloadSparseStream)
	require.NoError(t, err)
	var parts []string
	buf := make([]byte, 1<<20)
	for {
		n, hole, err := dl.ReadSparse(buf)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		if hole > 0 {
			parts = append(parts, fmt.Sprintf("hole %d", hole))
		} else {
			parts = append(parts, fmt.Sprintf("data %d", n))
		}
	}
	require.NoError(t, dl.Finish())
	assert.Equal(t, []string{"hole 67108864", "data 4096", "hole 666890240", "data 4096", "hole 339734528"}, parts)

	// io.Copy into a file keeps it sparse.
	dst := filepath.Join(dir, "dst.img")
	out, err := os.Create(dst)
	require.NoError(t, err)
	dl, err = c.StorageVolDownload(ctx, vol, 0, 0, libvirt.StorageVolDownloadSparseStream)
	require.NoError(t, err)
	n, err = io.Copy(out, dl)
	require.NoError(t, err)
	require.NoError(t, dl.Finish())
	require.NoError(t, out.Close())
	assert.Equal(t, int64(size), n)
	assert.Less(t, diskUsage(t, dst), int64(1<<20), "downloaded file is sparse")
	sameFiles(t, src, dst)

	// Without the sparse flag holes arrive as zeros.
	got := downloadAll(t, c, vol, 64<<20-100, 200)
	assert.Equal(t, append(make([]byte, 100), regions[64<<20][:100]...), got)

	// A hole sent over data punches it out.
	up, err = c.StorageVolUpload(ctx, vol, 64<<20, 0, libvirt.StorageVolUploadSparseStream)
	require.NoError(t, err)
	require.NoError(t, up.SendHole(volBlock))
	require.NoError(t, up.Finish())
	assert.Equal(t, uint64(volBlock), allocation(t, c, vol))
	assert.Equal(t, make([]byte, 16), downloadAll(t, c, vol, 64<<20, 16))
}

// TestFakeVolumeUploadAbort aborts an upload half-way: the data already
// sent stays written and the connection keeps working.
func TestFakeVolumeUploadAbort(t *testing.T) {
	c := fakeClient(t)
	vol := createVol(t, c, "abort.img", 4<<20, 0)
	data := randomBytes(1<<20, 4)
	st, err := c.StorageVolUpload(streamCtx(t), vol, 0, 0, 0)
	require.NoError(t, err)
	_, err = st.Write(data)
	require.NoError(t, err)
	require.NoError(t, st.Abort())
	_, err = st.Write(data)
	assert.ErrorIs(t, err, libvirt.ErrStreamAborted)

	assert.Equal(t, uint64(1<<20), allocation(t, c, vol))
	assert.Equal(t, data, downloadAll(t, c, vol, 0, 1<<20))
	require.NoError(t, upload(t, c, vol, 2<<20, data))
	assert.Equal(t, uint64(2<<20), allocation(t, c, vol))
}

// TestFakeVolumeDownloadCancel stops downloads half-way, by cancelling
// the context and by closing the stream, and checks that the connection
// still serves calls and streams.
func TestFakeVolumeDownloadCancel(t *testing.T) {
	const size = 32 << 20
	c := fakeClient(t)
	vol := createVol(t, c, "cancel.img", size, 0)
	data := randomBytes(size, 5)
	require.NoError(t, upload(t, c, vol, 0, data))

	ctx, cancel := context.WithCancel(streamCtx(t))
	st, err := c.StorageVolDownload(ctx, vol, 0, 0, 0)
	require.NoError(t, err)
	buf := make([]byte, 1<<20)
	_, err = io.ReadFull(st, buf)
	require.NoError(t, err)
	assert.Equal(t, data[:1<<20], buf)
	cancel()
	_, err = io.ReadAll(st)
	require.ErrorIs(t, err, context.Canceled)
	select {
	case <-st.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("cancelled download not confirmed")
	}

	st, err = c.StorageVolDownload(streamCtx(t), vol, 0, 0, 0)
	require.NoError(t, err)
	_, err = io.ReadFull(st, buf)
	require.NoError(t, err)
	require.NoError(t, st.Close(), "close of an unfinished download aborts it")

	host, err := c.ConnectGetHostname(streamCtx(t))
	require.NoError(t, err)
	assert.NotEmpty(t, host)
	got := downloadAll(t, c, vol, 0, 0)
	assert.Equal(t, sha256.Sum256(data), sha256.Sum256(got))
}

// requireNoSpace checks for libvirt's out-of-space stream error.
func requireNoSpace(t *testing.T, err error) {
	t.Helper()
	var le *libvirt.Error
	require.ErrorAs(t, err, &le)
	assert.Equal(t, libvirt.ErrSystemError, le.Code)
	assert.Equal(t, libvirt.FromStreams, le.Domain)
	assert.Equal(t, "cannot write to stream: No space left on device", le.Message)
}

// TestFakeVolumeUploadLimits checks uploads that do not fit: past the
// capacity, past the upload's length, past the server's memory limit,
// and the errors of bad flags and unknown volumes.
func TestFakeVolumeUploadLimits(t *testing.T) {
	c := fakeClient(t, libvirttest.WithVolumeDataLimit(3<<20))
	vol := createVol(t, c, "small.img", 1<<20, 0)
	data := randomBytes(2<<20, 6)

	requireNoSpace(t, upload(t, c, vol, 0, data))
	assert.Equal(t, data[:1<<20], downloadAll(t, c, vol, 0, 0), "what fits is written")
	requireNoSpace(t, upload(t, c, vol, 2<<20, data[:10]))

	st, err := c.StorageVolUpload(streamCtx(t), vol, 0, 1000, 0)
	require.NoError(t, err)
	_, _ = st.Write(make([]byte, 4000))
	requireNoSpace(t, st.Finish())
	assert.Equal(t, make([]byte, 1000), downloadAll(t, c, vol, 0, 1000))
	assert.Equal(t, data[1000:1010], downloadAll(t, c, vol, 1000, 10))

	// 1 MiB is stored; the limit leaves room for 2 MiB more.
	big := createVol(t, c, "big.img", 8<<20, 0)
	requireNoSpace(t, upload(t, c, big, 0, append(data, data...)))
	// Deleting a volume gives its memory back.
	require.NoError(t, c.StorageVolDelete(streamCtx(t), vol, 0))
	require.NoError(t, upload(t, c, big, 0, append(data, data[:1<<20]...)))

	_, err = c.StorageVolUpload(streamCtx(t), big, 0, 0, 2)
	var le *libvirt.Error
	require.ErrorAs(t, err, &le)
	assert.Equal(t, libvirt.ErrInvalidArg, le.Code)
	assert.Equal(t, "unsupported flags (0x2) in function storageVolUpload", le.Message)
	_, err = c.StorageVolDownload(streamCtx(t), vol, 0, 0, 0)
	require.ErrorAs(t, err, &le)
	assert.Equal(t, libvirt.ErrNoStorageVol, le.Code)

	// The connection is still fine.
	_, err = c.ConnectGetHostname(streamCtx(t))
	require.NoError(t, err)
}

// TestFakeVolumePoolSpace checks that uploads count towards the pool's
// allocation.
func TestFakeVolumePoolSpace(t *testing.T) {
	c := fakeClient(t)
	ctx := streamCtx(t)
	pool, err := c.StoragePoolLookupByName(ctx, "default-pool")
	require.NoError(t, err)
	_, _, before, _, err := c.StoragePoolGetInfo(ctx, pool)
	require.NoError(t, err)
	vol := createVol(t, c, "pool.img", 1<<20, 0)
	require.NoError(t, upload(t, c, vol, 0, randomBytes(100_000, 7)))
	_, _, after, _, err := c.StoragePoolGetInfo(ctx, pool)
	require.NoError(t, err)
	assert.Equal(t, before+25*volBlock, after)
	require.NoError(t, c.StorageVolDelete(ctx, vol, 0))
	_, _, after, _, err = c.StoragePoolGetInfo(ctx, pool)
	require.NoError(t, err)
	assert.Equal(t, before, after)
}

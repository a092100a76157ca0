//go:build integration

package integration_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
)

const (
	sparseSize   = 1 << 30
	sparseRegion = 4 << 10
)

// sparseRegions are the offsets of the data regions of the sparse test
// file; the rest of its 1 GiB is holes.
var sparseRegions = []int64{64 << 20, 768<<20 + 12<<10}

// sparseFile writes a 1 GiB file holding two 4 KiB regions of random data.
func sparseFile(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	rng := rand.New(rand.NewChaCha8([32]byte{9}))
	buf := make([]byte, sparseRegion)
	for _, off := range sparseRegions {
		for i := range buf {
			buf[i] = byte(rng.Uint32())
		}
		_, err := f.WriteAt(buf, off)
		require.NoError(t, err)
	}
	require.NoError(t, f.Truncate(sparseSize))
}

// allocated returns the bytes a file has allocated on disk.
func allocated(t *testing.T, path string) int64 {
	t.Helper()
	var st syscall.Stat_t
	require.NoError(t, syscall.Stat(path, &st))
	return st.Blocks * 512
}

// dataSegments lists the [start, end) ranges of f that hold data, found
// with SEEK_DATA and SEEK_HOLE (Linux's whence 3 and 4); everything else
// is a hole and reads as zeros.
func dataSegments(t *testing.T, f *os.File, size int64) [][2]int64 {
	t.Helper()
	var segs [][2]int64
	for off := int64(0); off < size; {
		data, err := f.Seek(off, 3)
		if errors.Is(err, syscall.ENXIO) {
			break
		}
		require.NoError(t, err)
		hole, err := f.Seek(data, 4)
		require.NoError(t, err)
		segs = append(segs, [2]int64{data, hole})
		off = hole
	}
	return segs
}

// requireSameContent checks that two files hold the same bytes. Only the
// ranges where either holds data are read: outside them both read as
// zeros.
func requireSameContent(t *testing.T, a, b string) {
	t.Helper()
	fa, err := os.Open(a)
	require.NoError(t, err)
	defer fa.Close()
	fb, err := os.Open(b)
	require.NoError(t, err)
	defer fb.Close()
	sa, err := fa.Stat()
	require.NoError(t, err)
	sb, err := fb.Stat()
	require.NoError(t, err)
	require.Equal(t, sa.Size(), sb.Size(), "%s and %s differ in size", a, b)
	segs := append(dataSegments(t, fa, sa.Size()), dataSegments(t, fb, sb.Size())...)
	ba, bb := make([]byte, 1<<20), make([]byte, 1<<20)
	for _, seg := range segs {
		for off := seg[0]; off < seg[1]; {
			n := min(int64(len(ba)), seg[1]-off)
			_, err := fa.ReadAt(ba[:n], off)
			require.NoError(t, err)
			_, err = fb.ReadAt(bb[:n], off)
			require.NoError(t, err)
			require.True(t, bytes.Equal(ba[:n], bb[:n]), "%s and %s differ in the %d bytes at offset %d", a, b, n, off)
			off += n
		}
	}
}

// TestStreamSparseUploadDownload copies a 1 GiB file with two 4 KiB data
// regions into a volume and back with sparse streams, checks that the
// volume and the downloaded file stay sparse and hold the same bytes, and
// that virsh's sparse copies of the same data give the same result.
func TestStreamSparseUploadDownload(t *testing.T) {
	uri := qemuURI(t)
	c := dial(t, uri)
	pool, poolDir := newDirPool(t, c)
	work := t.TempDir()
	src := filepath.Join(work, "sparse.bin")
	sparseFile(t, src)
	require.Less(t, allocated(t, src), int64(1<<20), "the file system does not keep the source sparse")

	vol := newVolume(t, c, pool, "ours.raw", sparseSize, 0)
	upTook := upload(t, c, vol, src, libvirt.StorageVolUploadSparseStream)
	ours := filepath.Join(poolDir, "ours.raw")
	assert.Less(t, allocated(t, ours), int64(1<<20), "volume uploaded by virtwire allocates too much")
	requireSameContent(t, src, ours)

	down := filepath.Join(work, "ours-down.bin")
	downTook := download(t, c, vol, down, libvirt.StorageVolDownloadSparseStream)
	assert.Less(t, allocated(t, down), int64(1<<20), "file downloaded by virtwire allocates too much")
	requireSameContent(t, src, down)
	t.Logf("sparse 1 GiB: upload %v, download %v; allocated: source %d, volume %d, download %d bytes",
		upTook, downTook, allocated(t, src), allocated(t, ours), allocated(t, down))

	// Downloading over an existing file full of data punches the holes.
	full := filepath.Join(work, "overwrite.bin")
	require.NoError(t, os.WriteFile(full, bytes.Repeat([]byte{0xa5}, 8<<20), 0o644))
	download(t, c, vol, full, libvirt.StorageVolDownloadSparseStream)
	requireSameContent(t, src, full)
	assert.Less(t, allocated(t, full), int64(1<<20), "old data under the holes was not punched out")

	// virsh --sparse on the same data.
	newVolume(t, c, pool, "virsh.raw", sparseSize, 0)
	virsh(t, uri, "vol-upload", "--sparse", "--pool", pool.Name, "virsh.raw", src)
	theirs := filepath.Join(poolDir, "virsh.raw")
	assert.Less(t, allocated(t, theirs), int64(1<<20), "volume uploaded by virsh allocates too much")
	requireSameContent(t, ours, theirs)
	virshDown := filepath.Join(work, "virsh-down.bin")
	virsh(t, uri, "vol-download", "--sparse", "--pool", pool.Name, "ours.raw", virshDown)
	assert.Less(t, allocated(t, virshDown), int64(1<<20), "file downloaded by virsh allocates too much")
	requireSameContent(t, down, virshDown)
	t.Logf("virsh: volume %d, download %d bytes allocated", allocated(t, theirs), allocated(t, virshDown))
}

// TestStreamHoleAPI drives holes by hand, over unix and TCP: SendHole on
// an upload, ReadSparse on a download, and SendHole refused on a stream
// that is not sparse.
func TestStreamHoleAPI(t *testing.T) {
	forEachTransport(t, testStreamHoleAPI)
}

func testStreamHoleAPI(t *testing.T, tr transport) {
	c := dial(t, tr.uri("qemu", "system"))
	pool, _ := newDirPool(t, c)
	const size = 16 << 20
	vol := newVolume(t, c, pool, "holes.raw", size, 0)
	ctx := ctxFor(t, streamTimeout)

	plain, err := c.StorageVolUpload(ctx, vol, 0, 0, 0)
	require.NoError(t, err)
	assert.False(t, plain.Sparse())
	assert.ErrorIs(t, plain.SendHole(4096), libvirt.ErrNotSparse)
	require.NoError(t, plain.Abort())

	head := bytes.Repeat([]byte("virtwire"), 512) // 4 KiB
	up, err := c.StorageVolUpload(ctx, vol, 0, 0, libvirt.StorageVolUploadSparseStream)
	require.NoError(t, err)
	assert.True(t, up.Sparse())
	_, err = up.Write(head)
	require.NoError(t, err)
	require.NoError(t, up.SendHole(size-2*int64(len(head))))
	_, err = up.Write(head)
	require.NoError(t, err)
	require.NoError(t, up.Finish())

	down, err := c.StorageVolDownload(ctx, vol, 0, 0, libvirt.StorageVolDownloadSparseStream)
	require.NoError(t, err)
	var data bytes.Buffer
	var holes int64
	buf := make([]byte, 64<<10)
	for {
		n, hole, err := down.ReadSparse(buf)
		data.Write(buf[:n])
		holes += hole
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
	}
	require.NoError(t, down.Finish())
	assert.Equal(t, int64(size-2*len(head)), holes, "hole bytes announced by the daemon")
	assert.Equal(t, append(append([]byte{}, head...), head...), data.Bytes())

	// The same volume read as plain data: the hole arrives as zeros.
	flat, err := c.StorageVolDownload(ctx, vol, 0, 0, 0)
	require.NoError(t, err)
	all, err := io.ReadAll(flat)
	require.NoError(t, err)
	require.NoError(t, flat.Close())
	require.Len(t, all, size)
	assert.Equal(t, head, all[:len(head)])
	assert.Equal(t, head, all[size-len(head):])
	assert.Equal(t, make([]byte, size-2*len(head)), all[len(head):size-len(head)])
}

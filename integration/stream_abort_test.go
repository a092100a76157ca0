//go:build integration

package integration_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
)

// holeVolume creates a 1 GiB volume that is all hole: a plain download
// sends it as 1 GiB of zeros, read by the daemon at memory speed.
func holeVolume(t *testing.T, c *libvirt.Client) libvirt.StorageVol {
	t.Helper()
	pool, _ := newDirPool(t, c)
	return newVolume(t, c, pool, "zeros.raw", 1<<30, 0)
}

// requireUsable checks that the connection still serves calls and
// streams: a call, then a complete 1 MiB download.
func requireUsable(t *testing.T, c *libvirt.Client, vol libvirt.StorageVol) {
	t.Helper()
	_, err := c.ConnectGetLibVersion(ctxFor(t, callTimeout))
	require.NoError(t, err, "call after the stream ended")
	st, err := c.StorageVolDownload(ctxFor(t, callTimeout), vol, 0, 1<<20, 0)
	require.NoError(t, err)
	data, err := io.ReadAll(st)
	require.NoError(t, err)
	require.NoError(t, st.Finish())
	assert.Len(t, data, 1<<20)
}

// TestStreamCancelDownload cancels a download half-way: the blocked
// reader returns at once, the daemon confirms the abort it was sent, and
// the connection goes on working.
func TestStreamCancelDownload(t *testing.T) {
	c := dial(t, qemuURI(t))
	vol := holeVolume(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := c.StorageVolDownload(ctx, vol, 0, 0, 0)
	require.NoError(t, err)
	buf := make([]byte, 1<<20)
	var got int64
	for got < 512<<20 {
		n, err := st.Read(buf)
		require.NoError(t, err)
		got += int64(n)
	}
	cancel()
	start := time.Now()
	var rerr error
	for rerr == nil {
		_, rerr = st.Read(buf)
	}
	took := time.Since(start)
	assert.ErrorIs(t, rerr, context.Canceled)
	assert.Less(t, took, 100*time.Millisecond, "read after cancel")
	select {
	case <-st.Done():
		t.Logf("read returned %v after cancel; the daemon confirmed the abort after %v", took, time.Since(start))
	case <-time.After(10 * time.Second):
		t.Fatal("the daemon did not confirm the abort")
	}
	assert.NoError(t, st.Close(), "closing a cancelled stream")
	requireUsable(t, c, vol)
}

// TestStreamAbort aborts a download and an upload explicitly: Abort waits
// for the daemon's confirmation, later reads and writes fail, and the
// connection stays usable.
func TestStreamAbort(t *testing.T) {
	c := dial(t, qemuURI(t))
	vol := holeVolume(t, c)
	ctx := ctxFor(t, streamTimeout)

	down, err := c.StorageVolDownload(ctx, vol, 0, 0, 0)
	require.NoError(t, err)
	_, err = io.ReadFull(down, make([]byte, 8<<20))
	require.NoError(t, err)
	require.NoError(t, down.Abort())
	select {
	case <-down.Done():
	default:
		t.Fatal("Abort returned before the daemon confirmed it")
	}
	_, err = down.Read(make([]byte, 10))
	assert.ErrorIs(t, err, libvirt.ErrStreamAborted)
	assert.NoError(t, down.Abort(), "second abort")
	assert.NoError(t, down.Close())

	up, err := c.StorageVolUpload(ctx, vol, 0, 0, 0)
	require.NoError(t, err)
	_, err = up.Write(make([]byte, 4<<20))
	require.NoError(t, err)
	require.NoError(t, up.Abort())
	_, err = up.Write([]byte("more"))
	assert.ErrorIs(t, err, libvirt.ErrStreamAborted)
	requireUsable(t, c, vol)

	// Wrong directions are refused locally.
	_, err = up.Read(make([]byte, 1))
	assert.ErrorIs(t, err, libvirt.ErrStreamDirection)
	_, err = down.Write([]byte("x"))
	assert.ErrorIs(t, err, libvirt.ErrStreamDirection)
}

// TestStreamErrors: a stream the daemon refuses to open fails at once; a
// failure during the transfer (an upload longer than announced) is
// reported by Finish as the daemon's error; both leave the connection
// usable.
func TestStreamErrors(t *testing.T) {
	c := dial(t, qemuURI(t))
	pool, _ := newDirPool(t, c)
	vol := newVolume(t, c, pool, "small.raw", 1<<20, 0)
	gone := newVolume(t, c, pool, "gone.raw", 1<<20, 0)
	ctx := ctxFor(t, callTimeout)
	require.NoError(t, c.StorageVolDelete(ctx, gone, 0))
	_, err := c.StorageVolDownload(ctx, gone, 0, 0, 0)
	assert.ErrorIs(t, err, libvirt.ErrNoStorageVol)

	if v := daemonVersion(t, c); v == 11003000 {
		// libvirtd 11.3.0 (Debian 11.3.0-3+deb13u3) does not survive this:
		// after "virFDStreamWrite: cannot write to stream: No space left on
		// device" it dies (general protection fault in libc) or its event
		// loop spins and no client is served again. Its own virsh does the
		// same to it: vol-upload --length 4096 of a 64 KiB file. libvirt 9.0
		// reports the error and carries on, as asserted below.
		t.Skip("libvirtd 11.3.0 crashes on an upload past the announced length (reproduced with its own virsh)")
	}

	up, err := c.StorageVolUpload(ctx, vol, 0, 4096, 0)
	require.NoError(t, err)
	_, werr := up.Write(make([]byte, 64<<10))
	ferr := up.Finish()
	if werr == nil {
		werr = ferr
	}
	var lerr *libvirt.Error
	require.True(t, errors.As(werr, &lerr), "upload past the announced length: write %v, finish %v", werr, ferr)
	t.Logf("daemon reported: %v", lerr)
	assert.Error(t, ferr, "Finish after the daemon failed the stream")
	requireUsable(t, c, vol)
}

// procStatus reads a "VmXXX:  123 kB" field of /proc/self/status in bytes.
func procStatus(t *testing.T, field string) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	require.NoError(t, err)
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatalf("%s not in /proc/self/status", field)
	return 0
}

// TestStreamSlowReaderMemoryBounded downloads 1 GiB through a reader
// that first stalls for 3 seconds and then reads slowly. The daemon could
// send far faster; the per-stream queue limit must keep the process's
// peak RSS bounded, and calls made meanwhile on another connection are
// unaffected.
func TestStreamSlowReaderMemoryBounded(t *testing.T) {
	c := dial(t, qemuURI(t))
	vol := holeVolume(t, c)
	// Reset the peak RSS to the current RSS (Linux >= 4.0).
	require.NoError(t, os.WriteFile("/proc/self/clear_refs", []byte("5"), 0))
	base := procStatus(t, "VmRSS")

	st, err := c.StorageVolDownload(ctxFor(t, streamTimeout), vol, 0, 0, 0)
	require.NoError(t, err)
	buf := make([]byte, 256<<10)
	_, err = io.ReadFull(st, buf)
	require.NoError(t, err)
	time.Sleep(3 * time.Second) // the daemon keeps sending; the queue fills
	stalledPeak := procStatus(t, "VmHWM")
	start := time.Now()
	got := int64(len(buf))
	for {
		n, err := st.Read(buf)
		got += int64(n)
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		time.Sleep(time.Millisecond)
	}
	took := time.Since(start)
	require.NoError(t, st.Finish())
	assert.Equal(t, int64(1<<30), got)
	peak := procStatus(t, "VmHWM")
	t.Logf("1 GiB through a slow reader in %v (%.0f MiB/s): RSS before %d MiB, peak after the 3 s stall %d MiB, peak overall %d MiB (queue limit %d MiB)",
		took.Round(time.Millisecond), float64(got)/(1<<20)/took.Seconds(), base>>20, stalledPeak>>20, peak>>20, libvirt.StreamQueueLimit>>20)
	assert.Less(t, stalledPeak-base, int64(64<<20), "memory grew while the reader stalled")
	assert.Less(t, peak-base, int64(64<<20), "memory grew during the slow download")
	// The connection survived the stall (keepalive) and still works.
	_, err = c.ConnectGetLibVersion(ctxFor(t, callTimeout))
	require.NoError(t, err)
}

package libvirttest

import (
	"context"
	"fmt"
	"math"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
	"github.com/virtwire/libvirt/protocol"
)

// A volume's content is as long as its capacity, like a block device:
// uploads cannot write past it and downloads stop at it.

// enospc is the errno libvirt puts in an out-of-space error.
const enospc = 28

// noSpace is libvirtd's error for a stream write that does not fit: past
// the volume's end or the upload's length, or beyond what the pool or the
// server's memory can hold.
func noSpace() error {
	e := lvError(libvirt.ErrSystemError, libvirt.FromStreams, "", "cannot write to stream: No space left on device")
	e.Int1 = enospc
	return e
}

// badFlags is the storage driver's error for flags it does not know.
func badFlags(fn string, flags uint32) error {
	return &libvirt.Error{
		Code: libvirt.ErrInvalidArg, Domain: libvirt.FromStorage, Level: libvirt.ErrError,
		Message: fmt.Sprintf("unsupported flags (0x%x) in function %s", flags, fn),
		Str1:    fn, Str2: "flags",
	}
}

// clampInt64 converts a byte count from the wire, which libvirt keeps
// unsigned, to a file offset.
func clampInt64(u uint64) int64 {
	if u > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(u)
}

// streamVolume finds the volume a stream procedure names; its pool must
// be active.
func (d *driver) streamVolume(ref libvirt.StorageVol) (*volume, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	v, err := d.volumeOf(ref)
	if err != nil {
		return nil, err
	}
	if !v.pool.active {
		return nil, poolNotActive(v.pool)
	}
	return v, nil
}

// rangeEnd is where a transfer of length bytes (0: to the end) at off in
// v stops.
func rangeEnd(v *volume, off int64, length uint64) int64 {
	end := clampInt64(v.capacity)
	if length > 0 && off <= end && uint64(end-off) > length {
		end = off + int64(length)
	}
	return end
}

// noStreamCall is the error of a stream procedure called outside the
// server, where there is no connection to carry the stream.
var noStreamCall = lvError(libvirt.ErrInternalError, libvirt.FromRPC, prefixInternal, "stream procedures need a client connection")

// StorageVolUpload opens a stream that writes into the volume from
// offset, for length bytes (0: up to its capacity). With the sparse flag
// the client may send holes, which read as zeros afterwards and hold no
// memory.
func (d *driver) StorageVolUpload(ctx context.Context, args *protocol.StorageVolUploadArgs) error {
	if f := uint32(args.Flags) &^ uint32(libvirt.StorageVolUploadSparseStream); f != 0 {
		return badFlags("storageVolUpload", uint32(args.Flags))
	}
	ci := callFrom(ctx)
	if ci == nil {
		return noStreamCall
	}
	v, err := d.streamVolume(args.Vol)
	if err != nil {
		return err
	}
	off := clampInt64(args.Offset)
	u := &volUpload{d: d, v: v, off: off, end: rangeEnd(v, off, args.Length)}
	u.st = ci.openStream(args.Flags&libvirt.StorageVolUploadSparseStream != 0, u.handle, nil)
	return nil
}

// volUpload is the state of one upload stream.
type volUpload struct {
	d   *driver
	v   *volume
	st  *srvStream
	off int64 // where the next byte goes
	end int64 // where the volume or the upload's length ends
}

// handle applies one frame from the client, on the reader goroutine.
func (u *volUpload) handle(h wire.MessageHeader, body []byte) {
	var err error
	switch {
	case h.Type == wire.MessageTypeStreamHole:
		var hole wire.StreamHole
		dec := xdr.NewDecoder(body)
		hole.DecodeXDR(dec)
		if !u.st.sparse || dec.Finish() != nil {
			// libvirtd drops a client that sends a hole on a stream
			// that may not carry one.
			u.st.c.hangup()
			return
		}
		if hole.Length < 0 {
			err = lvErrorf(libvirt.ErrInvalidArg, libvirt.FromStreams, prefixInvArg, "hole length %d is negative", hole.Length)
			break
		}
		err = u.store(nil, hole.Length)
	case h.Status == wire.MessageStatusContinue:
		err = u.store(body, int64(len(body)))
	default:
		// An empty OK frame finishes the upload, an ERROR frame aborts
		// it; either way the data received so far stays written.
		u.st.confirm(false)
		return
	}
	if err != nil {
		u.st.fail(err)
	}
}

// store writes p (a hole of n bytes when p is nil) at the upload's
// offset. What fits before the end is written; the rest fails.
func (u *volUpload) store(p []byte, n int64) error {
	d, v := u.d, u.v
	d.mu.Lock()
	defer d.mu.Unlock()
	fits := min(n, max(u.end-u.off, 0))
	if v.gone || fits == 0 {
		u.off += fits
		if fits < n {
			return noSpace()
		}
		return nil
	}
	if p == nil {
		v.data.punch(u.off, fits)
	} else {
		grow := v.data.newBlocks(u.off, fits) * volBlock
		if d.volBytes+grow > d.volLimit() || !v.pool.canGrow(v, v.data.size()+grow) {
			return noSpace()
		}
		v.data.write(u.off, p[:fits])
		d.volBytes += grow
	}
	v.updateAllocation()
	u.off += fits
	if fits < n {
		return noSpace()
	}
	return nil
}

// volLimit is how much memory volume content may take.
func (d *driver) volLimit() int64 {
	if l := d.srv.cfg.volLimit; l > 0 {
		return l
	}
	return DefaultVolumeDataLimit
}

// canGrow tells whether the pool has room for v to hold stored bytes.
func (p *pool) canGrow(v *volume, stored int64) bool {
	alloc := max(v.declared, uint64(stored))
	return alloc <= v.allocation || p.allocation+(alloc-v.allocation) <= p.capacity
}

// updateAllocation makes v's allocation, and its pool's, follow the data
// it holds; d.mu is held.
func (v *volume) updateAllocation() {
	alloc := max(v.declared, uint64(v.data.size()))
	v.pool.allocation = v.pool.allocation - v.allocation + alloc
	v.allocation = alloc
}

// dropVolumeData releases a volume's content when it is deleted; d.mu is
// held.
func (d *driver) dropVolumeData(v *volume) {
	d.volBytes -= v.data.size()
	v.data = volData{}
	v.gone = true
}

// StorageVolDownload opens a stream that sends the volume's content from
// offset, for length bytes (0: to its end). With the sparse flag holes
// are sent as holes, else as zeros.
func (d *driver) StorageVolDownload(ctx context.Context, args *protocol.StorageVolDownloadArgs) error {
	if f := uint32(args.Flags) &^ uint32(libvirt.StorageVolDownloadSparseStream); f != 0 {
		return badFlags("storageVolDownload", uint32(args.Flags))
	}
	ci := callFrom(ctx)
	if ci == nil {
		return noStreamCall
	}
	v, err := d.streamVolume(args.Vol)
	if err != nil {
		return err
	}
	off := clampInt64(args.Offset)
	dl := &volDownload{d: d, v: v, off: off, end: max(rangeEnd(v, off, args.Length), off), ctl: make(chan bool, 1)}
	dl.st = ci.openStream(args.Flags&libvirt.StorageVolDownloadSparseStream != 0, dl.handle, dl.start)
	return nil
}

// volDownload is the state of one download stream.
type volDownload struct {
	d   *driver
	v   *volume
	st  *srvStream
	off int64 // the next byte to send
	end int64
	ctl chan bool // the client finished (true) or aborted (false)
}

// handle takes the client's finish or abort; data from the client on a
// download is ignored.
func (dl *volDownload) handle(h wire.MessageHeader, body []byte) {
	if h.Type != wire.MessageTypeStream || h.Status == wire.MessageStatusContinue {
		return
	}
	select {
	case dl.ctl <- h.Status == wire.MessageStatusOK:
	default:
	}
}

// start runs the sender once the call's reply is out.
func (dl *volDownload) start() {
	c := dl.st.c
	c.calls.Add(1)
	go func() {
		defer c.calls.Done()
		dl.run()
	}()
}

// run sends the content in frames of at most 256 KiB, then an empty
// frame for the end of the data, and confirms the client's finish. An
// abort or finish from the client stops it early.
func (dl *volDownload) run() {
	st, c := dl.st, dl.st.c
	buf := make([]byte, headerLen+wire.MessageLegacyPayloadMax)
	for dl.off < dl.end {
		select {
		case <-dl.ctl:
			st.confirm(true)
			return
		case <-c.ctx.Done():
			return
		default:
		}
		if frame := dl.next(buf); frame != nil {
			c.writeFrame(frame)
		}
	}
	st.send(wire.MessageTypeStream, wire.MessageStatusContinue, nil)
	select {
	case <-dl.ctl:
		st.confirm(true)
	case <-c.ctx.Done():
	}
}

// next builds the frame for the content at dl.off: data, or a hole on a
// sparse stream.
func (dl *volDownload) next(buf []byte) []byte {
	d, v := dl.d, dl.v
	d.mu.Lock()
	defer d.mu.Unlock()
	if v.gone {
		// Like a deleted file that is still open, the rest reads as
		// nothing stored.
		v = &volume{}
	}
	data, n := v.data.extent(dl.off, dl.end, wire.MessageLegacyPayloadMax)
	if !data && dl.st.sparse {
		var e xdr.Encoder
		e.Reset(buf[:headerLen])
		hole := wire.StreamHole{Length: n}
		hole.EncodeXDR(&e)
		dl.off += n
		return dl.st.frame(e.Bytes(), wire.MessageTypeStreamHole, wire.MessageStatusContinue)
	}
	n = min(n, wire.MessageLegacyPayloadMax)
	v.data.read(dl.off, buf[headerLen:headerLen+n])
	dl.off += n
	return dl.st.frame(buf[:headerLen+n], wire.MessageTypeStream, wire.MessageStatusContinue)
}

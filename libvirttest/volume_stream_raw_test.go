package libvirttest

import (
	"bytes"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
	"github.com/virtwire/libvirt/protocol"
)

// TestVolData exercises the sparse block store directly.
func TestVolData(t *testing.T) {
	var vd volData
	vd.write(5000, bytes.Repeat([]byte{7}, 10000)) // blocks 1..3
	assert.Equal(t, int64(3*volBlock), vd.size())
	assert.Equal(t, int64(1), vd.newBlocks(15000, 2000)) // blocks 3, 4
	got := make([]byte, 20)
	vd.read(4990, got)
	assert.Equal(t, append(make([]byte, 10), bytes.Repeat([]byte{7}, 10)...), got)

	data, n := vd.extent(0, 1<<20, 1<<20)
	assert.Equal(t, false, data)
	assert.Equal(t, int64(volBlock), n)
	data, n = vd.extent(volBlock+10, 1<<20, 1<<20)
	assert.Equal(t, true, data)
	assert.Equal(t, int64(3*volBlock-10), n)
	data, n = vd.extent(volBlock, 1<<20, 100)
	assert.Equal(t, true, data)
	assert.Equal(t, int64(100), n, "data runs are capped")
	data, n = vd.extent(4*volBlock, 1<<20, 100)
	assert.Equal(t, false, data)
	assert.Equal(t, int64(1<<20-4*volBlock), n, "the hole runs to the end")

	// A hole drops whole blocks and clears partial ones.
	vd.punch(6000, 2*volBlock)
	assert.Equal(t, int64(2*volBlock), vd.size())
	vd.read(5990, got)
	assert.Equal(t, append(bytes.Repeat([]byte{7}, 10), make([]byte, 10)...), got)
	vd.punch(0, 1<<40)
	assert.Equal(t, int64(0), vd.size())
}

// openUpload opens an upload of a fresh volume over a raw connection.
func openUpload(t *testing.T, r *rawConn, flags libvirt.StorageVolUploadFlags) wire.MessageHeader {
	var e xdr.Encoder
	args := protocol.StorageVolCreateXMLArgs{
		Pool: libvirt.StoragePool{Name: "default-pool", UUID: mustUUID("dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566")},
		XML:  "<volume><name>raw.img</name><capacity>1048576</capacity></volume>",
	}
	args.EncodeXDR(&e)
	r.call(libvirt.Program, int32(libvirt.ProcStorageVolCreateXML), 2, e.Bytes())
	h, body, err := r.recv()
	require.NoError(t, err)
	require.Equal(t, wire.MessageStatusOK, h.Status)
	var ret protocol.StorageVolCreateXMLRet
	ret.DecodeXDR(xdr.NewDecoder(body))

	e.Reset(nil)
	(&protocol.StorageVolUploadArgs{Vol: ret.Vol, Flags: flags}).EncodeXDR(&e)
	r.call(libvirt.Program, int32(libvirt.ProcStorageVolUpload), 3, e.Bytes())
	h, _, err = r.recv()
	require.NoError(t, err)
	require.Equal(t, wire.MessageStatusOK, h.Status)
	h.Type, h.Status = wire.MessageTypeStream, wire.MessageStatusContinue
	return h
}

// TestUploadFramesOnTheWire checks the frames libvirt's protocol
// prescribes: a finish is confirmed by an empty OK frame, an abort too,
// data past the end draws an ERROR frame, and a hole on a stream that is
// not sparse ends the connection, as with libvirtd.
func TestUploadFramesOnTheWire(t *testing.T) {
	s := New(t)
	r := newRaw(t, s)
	r.open()
	h := openUpload(t, r, 0)
	r.send(h, []byte("data"))
	fin := h
	fin.Status = wire.MessageStatusOK
	r.send(fin, nil)
	got, body, err := r.recv()
	require.NoError(t, err)
	assert.Equal(t, fin, got)
	assert.Empty(t, body)

	// Data past the volume's end.
	h.Serial = 4
	var e xdr.Encoder
	(&protocol.StorageVolUploadArgs{Vol: libvirt.StorageVol{Pool: "default-pool", Name: "raw.img"}, Offset: 1 << 20}).EncodeXDR(&e)
	r.call(libvirt.Program, int32(libvirt.ProcStorageVolUpload), 4, e.Bytes())
	_, _, err = r.recv()
	require.NoError(t, err)
	r.send(h, []byte("x"))
	got, me := r.recvError()
	assert.Equal(t, wire.MessageTypeStream, got.Type)
	assert.Equal(t, uint32(4), got.Serial)
	assert.Equal(t, int32(libvirt.ErrSystemError), me.Code)
	assert.Equal(t, int32(enospc), me.Int1)
	// Frames after the failure are dropped.
	fin.Serial = 4
	r.send(fin, nil)

	// Abort.
	e.Reset(nil)
	(&protocol.StorageVolUploadArgs{Vol: libvirt.StorageVol{Pool: "default-pool", Name: "raw.img"}}).EncodeXDR(&e)
	r.call(libvirt.Program, int32(libvirt.ProcStorageVolUpload), 6, e.Bytes())
	got, _, err = r.recv()
	require.NoError(t, err)
	require.Equal(t, wire.MessageStatusOK, got.Status)
	require.Equal(t, uint32(6), got.Serial, "the finish of the failed stream was dropped")
	require.Equal(t, wire.MessageTypeReply, got.Type)
	ab := h
	ab.Serial, ab.Status = 6, wire.MessageStatusError
	r.send(ab, nil)
	got, body, err = r.recv()
	require.NoError(t, err)
	assert.Equal(t, wire.MessageStatusOK, got.Status)
	assert.Equal(t, wire.MessageTypeStream, got.Type)
	assert.Empty(t, body)

	// A hole on a stream opened without the sparse flag.
	r.call(libvirt.Program, int32(libvirt.ProcStorageVolUpload), 7, e.Bytes())
	_, _, err = r.recv()
	require.NoError(t, err)
	hole := h
	hole.Serial, hole.Type = 7, wire.MessageTypeStreamHole
	e.Reset(nil)
	(&wire.StreamHole{Length: 4096}).EncodeXDR(&e)
	r.send(hole, e.Bytes())
	_, _, err = r.recv()
	assert.ErrorIs(t, err, io.EOF, "the server hangs up")
}

package libvirttest

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
	"github.com/virtwire/libvirt/protocol"
)

// countingConn counts the writes made on a connection.
type countingConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.writes.Add(1)
	return n, err
}

// rawConn speaks the wire protocol by hand, to test what a library
// client never sends.
type rawConn struct {
	t  *testing.T
	nc net.Conn
}

func newRaw(t *testing.T, s *Server) *rawConn {
	nc, err := s.Pipe()
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	return &rawConn{t: t, nc: nc}
}

func (r *rawConn) send(h wire.MessageHeader, body []byte) {
	var e xdr.Encoder
	e.Reset(make([]byte, 4))
	h.EncodeXDR(&e)
	b := append(e.Bytes(), body...)
	binary.BigEndian.PutUint32(b, uint32(len(b)))
	_, err := r.nc.Write(b)
	require.NoError(r.t, err)
}

func (r *rawConn) call(prog uint32, proc int32, serial uint32, body []byte) {
	r.send(wire.MessageHeader{Prog: prog, Vers: 1, Proc: proc, Type: wire.MessageTypeCall, Serial: serial}, body)
}

func (r *rawConn) recv() (wire.MessageHeader, []byte, error) {
	var head [headerLen]byte
	if _, err := io.ReadFull(r.nc, head[:]); err != nil {
		return wire.MessageHeader{}, nil, err
	}
	var h wire.MessageHeader
	h.DecodeXDR(xdr.NewDecoder(head[4:]))
	body := make([]byte, binary.BigEndian.Uint32(head[:4])-headerLen)
	_, err := io.ReadFull(r.nc, body)
	return h, body, err
}

func (r *rawConn) recvError() (wire.MessageHeader, wire.MessageError) {
	h, body, err := r.recv()
	require.NoError(r.t, err)
	require.Equal(r.t, wire.MessageStatusError, h.Status)
	var me wire.MessageError
	d := xdr.NewDecoder(body)
	me.DecodeXDR(d)
	require.NoError(r.t, d.Finish())
	return h, me
}

// open authenticates (auth none) and opens the connection.
func (r *rawConn) open() {
	var e xdr.Encoder
	(&protocol.ConnectOpenArgs{}).EncodeXDR(&e)
	r.call(libvirt.Program, int32(libvirt.ProcConnectOpen), 1, e.Bytes())
	h, _, err := r.recv()
	require.NoError(r.t, err)
	require.Equal(r.t, wire.MessageStatusOK, h.Status)
}

func TestUnknownProcedureAndProgramAreAnswered(t *testing.T) {
	s := New(t)
	r := newRaw(t, s)
	r.open()

	r.call(libvirt.Program, 99999, 7, nil)
	h, me := r.recvError()
	assert.Equal(t, uint32(7), h.Serial)
	assert.Equal(t, wire.MessageTypeReply, h.Type)
	assert.Equal(t, int32(libvirt.ErrRPC), me.Code)
	assert.Equal(t, int32(libvirt.FromRPC), me.Domain)
	assert.Equal(t, "unknown procedure: 99999", *me.Message)

	r.call(0x12345678, 1, 8, nil)
	h, me = r.recvError()
	assert.Equal(t, uint32(8), h.Serial)
	assert.Equal(t, int32(libvirt.ErrRPC), me.Code)

	// A known procedure whose handler is not implemented names the API,
	// under the API file's error domain (network filters: the test
	// driver has none).
	r.call(libvirt.Program, int32(libvirt.ProcConnectNumOfNWFilters), 9, nil)
	_, me = r.recvError()
	assert.Equal(t, int32(libvirt.ErrNoSupport), me.Code)
	assert.Equal(t, int32(libvirt.FromNWFilter), me.Domain)
	assert.Equal(t, "this function is not supported by the connection driver: virConnectNumOfNWFilters", *me.Message)

	// Arguments that do not decode.
	r.call(libvirt.Program, int32(libvirt.ProcDomainLookupByName), 10, []byte{0, 0, 0})
	_, me = r.recvError()
	assert.Equal(t, int32(libvirt.ErrRPC), me.Code)

	// Still serving.
	r.call(libvirt.Program, int32(libvirt.ProcConnectGetType), 11, nil)
	h, body, err := r.recv()
	require.NoError(t, err)
	assert.Equal(t, wire.MessageStatusOK, h.Status)
	var ret protocol.ConnectGetTypeRet
	ret.DecodeXDR(xdr.NewDecoder(body))
	assert.Equal(t, "TEST", ret.Type)
}

func TestCallsBeforeOpenAreRefused(t *testing.T) {
	s := New(t)
	r := newRaw(t, s)
	r.call(libvirt.Program, int32(libvirt.ProcConnectGetHostname), 1, nil)
	_, me := r.recvError()
	assert.Equal(t, int32(libvirt.ErrInternalError), me.Code)
	assert.Equal(t, "internal error: connection not open", *me.Message)
}

func TestBadFrameLengthHangsUp(t *testing.T) {
	for _, n := range []uint32{27, maxFrame + 1} {
		s := New(t)
		r := newRaw(t, s)
		var b [headerLen]byte
		binary.BigEndian.PutUint32(b[:], n)
		_, err := r.nc.Write(b[:])
		require.NoError(t, err)
		_, _, err = r.recv()
		assert.Error(t, err, "length %d: the server kept the connection", n)
	}
}

func TestKeepalivePingIsAnswered(t *testing.T) {
	s := New(t)
	r := newRaw(t, s)
	r.send(wire.MessageHeader{Prog: wire.KeepaliveProgram, Vers: 1, Proc: int32(wire.ProcKeepalivePing), Type: wire.MessageTypeMessage}, nil)
	h, _, err := r.recv()
	require.NoError(t, err)
	assert.Equal(t, uint32(wire.KeepaliveProgram), h.Prog)
	assert.Equal(t, int32(wire.ProcKeepalivePong), h.Proc)
	assert.Equal(t, wire.MessageTypeMessage, h.Type)
}

func TestServerPingsIdleClientAndDropsSilentOne(t *testing.T) {
	// The pipe is synchronous: the ping waits for this reader, and the
	// server gives up after interval*(count+1). 250 ms keeps that window
	// wide enough for a loaded CI machine to get here first.
	s := New(t, WithKeepalive(250*time.Millisecond, 2))
	r := newRaw(t, s)
	h, _, err := r.recv()
	require.NoError(t, err)
	assert.Equal(t, int32(wire.ProcKeepalivePing), h.Proc)
	// Never answering: the server hangs up after interval*(count+1).
	for {
		if _, _, err = r.recv(); err != nil {
			break
		}
	}
	assert.False(t, errors.Is(err, context.DeadlineExceeded))
}

func TestPolkitAuthentication(t *testing.T) {
	s := New(t, WithAuth(libvirt.AuthPolkit))
	r := newRaw(t, s)
	r.call(libvirt.Program, int32(libvirt.ProcConnectGetType), 1, nil)
	_, me := r.recvError()
	assert.Equal(t, "authentication required", *me.Message)

	ctx := testCtx(t)
	c, err := s.Client(ctx)
	require.NoError(t, err, "the library's polkit authentication")
	defer c.Close()
	typ, err := c.ConnectGetType(ctx)
	require.NoError(t, err)
	assert.Equal(t, "TEST", typ)
}

func TestListenersUnixAndTCP(t *testing.T) {
	s := New(t, WithUnixSocket(""), WithTCP())
	require.NotEmpty(t, s.UnixSocket())
	require.NotEmpty(t, s.TCPAddr())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, uri := range []string{s.URI(), "test+tcp://" + s.TCPAddr() + "/default"} {
		c, err := libvirt.Dial(ctx, uri)
		require.NoError(t, err, uri)
		got, err := c.ConnectGetURI(ctx)
		require.NoError(t, err)
		assert.Equal(t, "test:///default", got)
		require.NoError(t, c.Close())
	}
}

func TestCloseStopsEverything(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, err := NewServer(WithUnixSocket(""), WithTCP(), WithKeepalive(time.Second, 3))
	require.NoError(t, err)
	ctx := testCtx(t)
	c, err := s.Client(ctx)
	require.NoError(t, err)
	sub, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, nil)
	require.NoError(t, err)
	// c2's socket counts its writes, so that the test knows when the
	// call below has been sent to the server.
	var sc *countingConn
	c2, err := libvirt.Dial(ctx, s.URI(), libvirt.WithDialer(func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		sc = &countingConn{Conn: nc}
		return sc, nil
	}))
	require.NoError(t, err)
	s.SetDelay(libvirt.ProcConnectGetHostname, time.Hour)
	pending := make(chan error, 1)
	before := sc.writes.Load()
	go func() { _, err := c2.ConnectGetHostname(ctx); pending <- err }()
	for deadline := time.Now().Add(testTimeout); sc.writes.Load() == before; time.Sleep(time.Millisecond) {
		require.True(t, time.Now().Before(deadline), "stuck: the call to be sent (nothing written after %v)", testTimeout)
	}
	require.NoError(t, s.Close())
	select {
	case err := <-pending:
		assert.Error(t, err, "the call pending at Close fails")
	case <-time.After(testTimeout):
		t.Fatalf("stuck: the call pending at Close still waits %v after it", testTimeout)
	}
	select {
	case _, open := <-sub.Events():
		assert.False(t, open)
	case <-time.After(testTimeout):
		t.Fatalf("stuck: the subscription still open %v after Close", testTimeout)
	}
	c.Close()
	c2.Close()
	_, err = s.Pipe()
	assert.ErrorIs(t, err, ErrServerClosed)
	assert.Zero(t, s.NumConnections())
}

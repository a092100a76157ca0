package libvirttest

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
)

// callKey is the context key of the *callInfo a handler runs for.
type callKey struct{}

// callInfo is what handlers learn about the call they serve.
type callInfo struct {
	conn   *conn
	hdr    wire.MessageHeader // the call's header
	ready  chan struct{}      // closed once the reply is sent
	stream *srvStream         // the stream the call opened, if any
}

// callFrom returns the call a handler's context belongs to, or nil when
// a handler is called outside the server (by a wrapping handler's test).
func callFrom(ctx context.Context) *callInfo {
	ci, _ := ctx.Value(callKey{}).(*callInfo)
	return ci
}

// Procedures that may run before authentication, as in libvirtd.
var noAuthProcs = map[libvirt.Procedure]bool{
	libvirt.ProcAuthList:      true,
	libvirt.ProcAuthPolkit:    true,
	libvirt.ProcAuthSASLInit:  true,
	libvirt.ProcAuthSASLStart: true,
	libvirt.ProcAuthSASLStep:  true,
}

// anyProc stands for a procedure that needs authentication and an open
// connection, for the gate of programs other than the remote one.
const anyProc libvirt.Procedure = -1

// Procedures that may run before ConnectOpen.
var noOpenProcs = map[libvirt.Procedure]bool{
	libvirt.ProcConnectOpen:            true,
	libvirt.ProcConnectClose:           true,
	libvirt.ProcConnectSupportsFeature: true,
}

// handleCall serves one call and sends its reply. counted is the call's
// number since ConnectOpen (0 before).
func (c *conn) handleCall(h wire.MessageHeader, body []byte, counted int) {
	ci := &callInfo{conn: c, hdr: h, ready: make(chan struct{})}
	defer close(ci.ready)
	ctx := context.WithValue(c.ctx, callKey{}, ci)

	var e xdr.Encoder
	e.Reset(make([]byte, wire.MessageLenMax, 256))
	rh := wire.MessageHeader{Prog: h.Prog, Vers: h.Vers, Proc: h.Proc, Type: wire.MessageTypeReply, Serial: h.Serial, Status: wire.MessageStatusOK}
	rh.EncodeXDR(&e)

	var err error
	var hangupAfter bool
	switch {
	case h.Prog == libvirt.Program && h.Vers == libvirt.ProtocolVersion:
		proc := libvirt.Procedure(h.Proc)
		var drop bool
		err, drop = c.precheck(ctx, proc, counted)
		if drop {
			c.hangup()
			return
		}
		if ctx.Err() != nil {
			return // the connection ended during an injected delay
		}
		if err == nil {
			err = c.refuseReadOnly(h, body) // readonly.go
		}
		if err == nil {
			var known bool
			known, err = dispatchRemote(ctx, c.srv.remote, h.Proc, xdr.NewDecoder(body), &e)
			if !known {
				err = unknownProc(h.Proc)
			}
		}
		hangupAfter = proc == libvirt.ProcConnectClose && err == nil
	case h.Prog == libvirt.QEMUProgram && h.Vers == libvirt.QEMUProtocolVersion:
		if err = c.gate(anyProc); err == nil {
			err = c.refuseReadOnly(h, body)
		}
		if err == nil {
			var known bool
			known, err = dispatchQEMU(ctx, c.srv.qemu, h.Proc, xdr.NewDecoder(body), &e)
			if !known {
				err = unknownProc(h.Proc)
			}
		}
	default:
		err = lvErrorf(libvirt.ErrRPC, libvirt.FromRPC, "", "Cannot find program %d version %d", h.Prog, h.Vers)
	}
	frame := e.Bytes()
	if err == nil && len(frame) > maxFrame {
		err = lvErrorf(libvirt.ErrRPC, libvirt.FromRPC, "", "reply of %d bytes exceeds the %d-byte message limit", len(frame), maxFrame)
	}
	if err != nil {
		frame = errorFrame(rh, err)
	}
	binary.BigEndian.PutUint32(frame, uint32(len(frame)))
	c.writeFrame(frame)
	if st := ci.stream; st != nil {
		// Stream frames follow the reply of the call that opened it.
		if err != nil {
			st.forget()
		} else if st.start != nil {
			st.start()
		}
	}
	if hangupAfter {
		c.hangup()
	}
}

// precheck applies authentication, the open state and injected faults
// to a call of the remote program. drop means hang up without a reply.
func (c *conn) precheck(ctx context.Context, proc libvirt.Procedure, counted int) (err error, drop bool) {
	if err := c.gate(proc); err != nil {
		return err, false
	}
	delay, ferr, drop := c.srv.faults.lookup(proc, counted)
	if drop && counted > 0 {
		return nil, true
	}
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	return ferr, false
}

// gate refuses calls made before authentication or before ConnectOpen.
func (c *conn) gate(proc libvirt.Procedure) error {
	c.mu.Lock()
	authed, opened := c.authed, c.opened
	c.mu.Unlock()
	if !authed && !noAuthProcs[proc] {
		return lvError(libvirt.ErrRPC, libvirt.FromRPC, "", "authentication required")
	}
	if !opened && !noAuthProcs[proc] && !noOpenProcs[proc] {
		return lvError(libvirt.ErrInternalError, libvirt.FromRPC, prefixInternal, "connection not open")
	}
	return nil
}

// unknownProc is libvirtd's answer to a procedure number it does not know
// (VIR_ERR_RPC, as libvirt 9.0 and 11.3 send it).
func unknownProc(proc int32) error {
	return lvErrorf(libvirt.ErrRPC, libvirt.FromRPC, "", "unknown procedure: %d", proc)
}

// errorFrame encodes an error reply for the call whose reply header is rh.
func errorFrame(rh wire.MessageHeader, err error) []byte {
	le, ok := err.(*libvirt.Error)
	if !ok {
		le = lvError(libvirt.ErrInternalError, libvirt.FromRPC, prefixInternal, err.Error())
	}
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	msg := le.Message
	if msg == "" {
		msg = fmt.Sprintf("error %d", le.Code)
	}
	me := wire.MessageError{
		Code:    int32(le.Code),
		Domain:  int32(le.Domain),
		Message: &msg,
		Level:   int32(le.Level),
		Str1:    opt(le.Str1),
		Str2:    opt(le.Str2),
		Str3:    opt(le.Str3),
		Int1:    le.Int1,
		Int2:    le.Int2,
	}
	var e xdr.Encoder
	e.Reset(make([]byte, wire.MessageLenMax, 256))
	rh.Status = wire.MessageStatusError
	rh.EncodeXDR(&e)
	me.EncodeXDR(&e)
	return e.Bytes()
}

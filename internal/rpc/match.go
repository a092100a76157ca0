package rpc

import (
	"fmt"
	"strings"

	"github.com/virtwire/libvirt/internal/wire"
)

// Replies are matched as strictly as libvirt's own client matches them: a
// reply must carry the serial of a call in flight and that call's program,
// version and procedure, have type REPLY and status OK or ERROR. Anything
// else means the peer and this client no longer agree on the conversation,
// and the connection is failed with an ErrProtocol naming what differed.
//
// Calls abandoned by their caller (context ended) are still answered by
// the daemon; their serials are remembered (Conn.abandoned) so that the
// late reply is checked and skipped rather than taken for an unknown one.

// maxAbandoned bounds how many abandoned calls are remembered. A peer that
// never answers while callers keep giving up would otherwise grow the
// table without end; past the bound, replies to serials already issued
// are skipped unchecked (Conn.lostTrack).
const maxAbandoned = 1 << 14

// callID is what a reply must repeat from its call.
type callID struct {
	prog, vers uint32
	proc       int32
}

// abandon remembers serial as a call whose reply nobody waits for.
func (c *Conn) abandon(serial uint32, cl *Call) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	if len(c.abandoned) >= maxAbandoned {
		c.lostTrack = true
		return
	}
	if c.abandoned == nil {
		c.abandoned = map[uint32]callID{}
	}
	c.abandoned[serial] = cl.id
}

// routeReply finds the call a reply answers and checks the reply against
// it. A reply to an abandoned call is skipped.
func (c *Conn) routeReply() error {
	in := &c.in
	h := &in.hdr
	c.mu.Lock()
	cl := c.pending[h.Serial]
	var err error
	switch {
	case cl != nil:
		if err = checkReply(h, cl.id); err == nil {
			delete(c.pending, h.Serial)
		}
	default:
		if id, ok := c.abandoned[h.Serial]; ok {
			if err = checkReply(h, id); err == nil {
				delete(c.abandoned, h.Serial)
			}
		} else if !c.lostTrack || h.Serial > c.serial {
			err = protocolErrorf("reply with serial %d (program %#x procedure %d) answers no call in flight (unknown or duplicate)",
				h.Serial, h.Prog, h.Proc)
		}
	}
	c.mu.Unlock()
	if err != nil {
		// A mismatched call stays pending: failing the connection wakes
		// it with this error.
		return err
	}
	if cl != nil {
		in.kind, in.cl = bodyReply, cl
		cl.rbuf = sized(cl.rbuf, in.n)
	}
	return nil
}

// checkReply reports how h fails to answer a call identified by id.
func checkReply(h *wire.MessageHeader, id callID) error {
	if h.Prog == id.prog && h.Vers == id.vers && h.Proc == id.proc && h.Type == wire.MessageTypeReply &&
		(h.Status == wire.MessageStatusOK || h.Status == wire.MessageStatusError) {
		return nil
	}
	var diff []string
	if h.Prog != id.prog {
		diff = append(diff, fmt.Sprintf("program %#x, not %#x", h.Prog, id.prog))
	}
	if h.Vers != id.vers {
		diff = append(diff, fmt.Sprintf("version %d, not %d", h.Vers, id.vers))
	}
	if h.Proc != id.proc {
		diff = append(diff, fmt.Sprintf("procedure %d, not %d", h.Proc, id.proc))
	}
	if h.Type != wire.MessageTypeReply {
		diff = append(diff, fmt.Sprintf("type %v, not %v (the call carried no file descriptors)", h.Type, wire.MessageTypeReply))
	}
	if h.Status != wire.MessageStatusOK && h.Status != wire.MessageStatusError {
		diff = append(diff, fmt.Sprintf("status %v, not OK or ERROR", h.Status))
	}
	return protocolErrorf("reply to call %d has %s", h.Serial, strings.Join(diff, ", "))
}

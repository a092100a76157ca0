package wire

import (
	"encoding/binary"

	"github.com/virtwire/libvirt/internal/xdr"
)

// KeepaliveFrame returns the complete frame (length word, header, no body)
// of a keepalive PING or PONG, as both ends of a connection send them.
func KeepaliveFrame(proc KeepaliveProcedure) []byte {
	var e xdr.Encoder
	e.Reset(make([]byte, MessageLenMax, MessageLenMax+MessageHeaderMax))
	h := MessageHeader{Prog: KeepaliveProgram, Vers: KeepaliveProtocolVersion,
		Proc: int32(proc), Type: MessageTypeMessage, Status: MessageStatusOK}
	h.EncodeXDR(&e)
	b := e.Bytes()
	binary.BigEndian.PutUint32(b, uint32(len(b)))
	return b
}

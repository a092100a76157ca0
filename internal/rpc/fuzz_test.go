package rpc

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/virtwire/libvirt/internal/wire"
)

// FuzzReadFrames feeds arbitrary bytes from the peer to a connection with
// one call in flight (serial 1) and an event handler. Whatever arrives,
// the engine must not panic or hang: the call gets a reply or an error
// once the peer hangs up, and Close returns.
func FuzzReadFrames(f *testing.F) {
	reply := wire.MessageHeader{Prog: 1, Vers: 1, Proc: 7, Type: wire.MessageTypeReply, Serial: 1}
	var u64 [8]byte
	binary.BigEndian.PutUint64(u64[:], 42)
	event := wire.MessageHeader{Prog: 1, Vers: 1, Proc: 100, Type: wire.MessageTypeMessage}
	ping := wire.MessageHeader{Prog: wire.KeepaliveProgram, Vers: 1, Proc: int32(wire.ProcKeepalivePing), Type: wire.MessageTypeMessage}
	stream := wire.MessageHeader{Prog: 1, Vers: 1, Proc: 7, Type: wire.MessageTypeStream, Serial: 1, Status: wire.MessageStatusContinue}
	f.Add(frameBytes(reply, u64[:]))
	f.Add(append(frameBytes(event, []byte("evt")), frameBytes(reply, u64[:])...))
	f.Add(append(frameBytes(ping, nil), frameBytes(reply, u64[:5])...))
	f.Add(frameBytes(stream, []byte{1, 2, 3, 4}))
	f.Add(frameBytes(reply, u64[:])[:20])
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1})
	f.Add([]byte{0, 0, 0, 27})
	wrongProg, oddStatus := reply, reply
	wrongProg.Prog, oddStatus.Status = 2, 77
	f.Add(frameBytes(wrongProg, u64[:]))
	f.Add(frameBytes(oddStatus, u64[:]))
	f.Add(append(frameBytes(reply, u64[:]), frameBytes(reply, u64[:])...)) // duplicate
	f.Fuzz(func(t *testing.T, data []byte) {
		a, b := net.Pipe()
		c := New(a, Options{OnMessage: func(*wire.MessageHeader, []byte) {}})
		defer c.Close()
		go func() {
			defer b.Close()
			p := &peer{t: t, nc: b}
			if _, ok := p.read(); !ok {
				return
			}
			_, _ = b.Write(data)
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := within(t, "the call after the fuzzed bytes", func() error { _, err := callU64(ctx, c, 5); return err }); errors.Is(err, context.DeadlineExceeded) {
			t.Fatal("call still waiting 5 s after the peer hung up")
		}
	})
}

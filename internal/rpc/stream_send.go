package rpc

import (
	"context"
	"encoding/binary"

	"github.com/virtwire/libvirt/internal/wire"
)

// Write sends p as stream data, in frames of at most StreamChunk bytes.
// It returns once the data has been handed to the connection; the server
// does not acknowledge data, so a failure on its side shows in a later
// Write or in Finish. A Write blocks while the daemon is not reading the
// connection (it throttles a client whose stream data it cannot store
// fast enough).
func (st *Stream) Write(p []byte) (int, error) {
	if st.mode&StreamSend == 0 {
		return 0, ErrStreamDirection
	}
	st.wmu.Lock()
	defer st.wmu.Unlock()
	written := 0
	for len(p) > 0 {
		if err := st.sendable(); err != nil {
			return written, err
		}
		k := len(p)
		if k > StreamChunk {
			k = StreamChunk
		}
		if err := st.send(wire.MessageTypeStream, wire.MessageStatusContinue, p[:k]); err != nil {
			return written, err
		}
		written += k
		p = p[k:]
	}
	return written, nil
}

// SendHole tells the server that the next length bytes of a sparse stream
// are a hole.
func (st *Stream) SendHole(length int64) error {
	if st.mode&StreamSend == 0 {
		return ErrStreamDirection
	}
	if !st.sparse {
		return ErrNotSparse
	}
	if length <= 0 {
		return nil
	}
	st.wmu.Lock()
	defer st.wmu.Unlock()
	if err := st.sendable(); err != nil {
		return err
	}
	var body [12]byte
	binary.BigEndian.PutUint64(body[:8], uint64(length))
	// The remaining four bytes are the hole's flags, none defined.
	return st.send(wire.MessageTypeStreamHole, wire.MessageStatusContinue, body[:])
}

// sendable reports why no more data may be sent, if so.
func (st *Stream) sendable() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	switch {
	case st.err != nil:
		return st.err
	case st.ending:
		return ErrStreamClosed
	}
	return nil
}

// send writes one frame of the stream.
func (st *Stream) send(typ wire.MessageType, status wire.MessageStatus, body []byte) error {
	hdr := make([]byte, headerLen)
	copy(hdr, st.hdr[:])
	binary.BigEndian.PutUint32(hdr, uint32(headerLen+len(body)))
	binary.BigEndian.PutUint32(hdr[wire.MessageLenMax+12:], uint32(typ))
	binary.BigEndian.PutUint32(hdr[wire.MessageLenMax+20:], uint32(status))
	// Data and holes are bounded by the stream's context as well as the
	// write timeout; a finish or abort is not, since it is what tells the
	// server the stream is over (an abort is sent once ctx has ended).
	ctx := context.Background()
	if status == wire.MessageStatusContinue {
		ctx = st.ctx
	}
	if len(body) == 0 {
		body = nil
	}
	if _, err := st.c.writeOwned(ctx, hdr, body, false); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && err == ctxErr {
			return ctxError("stream write abandoned", ctx)
		}
		return err
	}
	return nil
}

// Finish ends the stream cleanly: it tells the server that no more data
// follows (or that all data was received) and waits for the server to
// confirm. An error the server reported for the stream is returned. A
// Write in progress completes before the finish is sent.
func (st *Stream) Finish() error {
	st.wmu.Lock()
	defer st.wmu.Unlock()
	return st.close(wire.MessageStatusOK, nil)
}

// Abort ends the stream early: the server discards the transfer (an
// upload's data already written stays written) and confirms. Data still in
// flight from the server is dropped. Abort does not wait for a Write in
// progress, which fails with ErrStreamAborted. Aborting a stream that has
// already ended is a no-op.
func (st *Stream) Abort() error {
	return st.close(wire.MessageStatusError, ErrStreamAborted)
}

// close sends a finish (status OK) or an abort (status ERROR) and waits
// for its confirmation. readErr is what reads and writes return from now
// on (nil: ErrStreamClosed).
func (st *Stream) close(status wire.MessageStatus, readErr error) error {
	abort := status == wire.MessageStatusError
	st.mu.Lock()
	switch {
	case st.ended:
		final, err := st.final, st.err
		st.mu.Unlock()
		if abort {
			return nil
		}
		if final != nil {
			return final
		}
		if err == ErrStreamClosed {
			return nil
		}
		return err
	case st.ending:
		st.mu.Unlock()
		return st.wait(abort)
	case st.err != nil && !abort:
		// A local failure (cancellation, a protocol fault): the server
		// still has the stream and must hear an abort instead.
		err := st.err
		st.mu.Unlock()
		_ = st.close(wire.MessageStatusError, nil)
		return err
	}
	st.ending = true
	st.discard = true
	if st.err == nil {
		st.err = readErr
		if st.err == nil {
			st.err = ErrStreamClosed
		}
	}
	st.releaseQueue()
	st.mu.Unlock()
	st.wake()
	if err := st.send(wire.MessageTypeStream, status, nil); err != nil {
		return err
	}
	return st.wait(abort)
}

// wait waits for the server to end the stream, or for the stream's
// context to end.
func (st *Stream) wait(abort bool) error {
	select {
	case <-st.endedCh:
	case <-st.ctx.Done():
		select {
		case <-st.endedCh:
		default:
			if abort {
				// The abort was sent; its confirmation is dropped
				// when it arrives.
				return nil
			}
			return &ctxErr{what: "stream finish not confirmed", err: st.ctx.Err()}
		}
	}
	st.mu.Lock()
	final := st.final
	st.mu.Unlock()
	if abort {
		// An abort confirmed by an error still ended the stream.
		return nil
	}
	return final
}

// cancel aborts the stream because its context ended: reads and writes
// fail with the context's error at once, and the abort is sent without
// waiting for its confirmation.
func (st *Stream) cancel(ctx context.Context) {
	st.mu.Lock()
	if st.ended || st.ending {
		st.mu.Unlock()
		return
	}
	st.ending = true
	st.discard = true
	if st.err == nil {
		st.err = &ctxErr{what: "stream cancelled", err: ctx.Err()}
	}
	st.releaseQueue()
	st.mu.Unlock()
	st.wake()
	_ = st.send(wire.MessageTypeStream, wire.MessageStatusError, nil)
}

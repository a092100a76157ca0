package rpc

import (
	"context"
	"errors"
	"os"
	"time"
)

// Who reads. Exactly one goroutine at a time holds the read token
// (Conn.reading) and reads frames from the connection, handing each reply
// to its call and each other message to its handler:
//
//   - A caller that has sent its request and finds the token free reads
//     itself until its own reply arrives (leading). On a quiet connection
//     this is every call, and the reply then reaches the caller with no
//     goroutine switch: the reader-goroutine hand-off costs a second
//     wake-up per call, which on a loaded machine is a large share of a
//     call's client CPU.
//   - Callers that find the token taken wait on their one-slot channel as
//     before (following); whoever reads delivers to them.
//   - The background reader goroutine takes the token when a leader leaves
//     while other calls still wait (or mid-frame), and when the connection
//     has been quiet for idleReadDelay, so that events and keepalive pings
//     are read when nobody calls. It gives the token back after delivering
//     a reply when no call is pending.
//
// A leader whose context ends is interrupted with a past read deadline
// (Do's watcher, interruptCall);
// because the frame being read lives in Conn.in, it can stop between any
// two reads and the next reader carries on. Transports without read
// deadlines (pipes to ssh or a command) only let callers with
// uncancellable contexts lead.

// idleReadDelay is how long the connection may go without a reader while
// no call is pending: events and the daemon's keepalive pings that arrive
// right after a burst of calls are read at most about twice this late
// (maxIdleBackoff times after long calls). While calls keep coming, the
// background reader wakes about once per delay.
const idleReadDelay = 3 * time.Millisecond

// maxIdleBackoff bounds how far the idle check stretches while a leader
// holds the token (see readLoop): events arriving just after a long call
// wait at most this many idleReadDelays.
const maxIdleBackoff = 8

// longAgo is a read deadline in the past: it interrupts a blocked read.
var longAgo = time.Unix(1, 0)

// lead reads frames until cl's reply has been delivered, ctx ends, the
// connection fails, or a frame needs a reader that may wait. The caller
// holds the read token; lead gives it back.
func (c *Conn) lead(ctx context.Context, cl *Call) {
	defer c.stopReading()
	if len(cl.done) > 0 {
		return // a previous reader delivered the reply already
	}
	// A cancellable ctx interrupts the read through Do's watcher
	// (interruptCall), which needs read deadlines.
	if ctx.Done() != nil && !c.deadlines {
		return
	}
	for {
		got, err := c.readFrame(false)
		switch {
		case err == nil:
			if got == cl {
				return
			}
		case err == errYield:
			return
		case isTimeout(err):
			// Our interruption, or a late one meant for an earlier
			// leader: clear it and go on unless ctx has ended.
			_ = c.nc.SetReadDeadline(time.Time{})
			if ctx.Err() != nil {
				return
			}
		default:
			c.readFailed(err)
			return
		}
	}
}

// interrupt makes a blocked read return a timeout.
func (c *Conn) interrupt() { _ = c.nc.SetReadDeadline(longAgo) }

func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

// stopReading gives the read token back. If calls still wait for replies,
// or a frame was left half read, the background reader takes over at once;
// otherwise it is asked to read after idleReadDelay.
func (c *Conn) stopReading() {
	busy := c.in.midFrame()
	c.rb.release() // if empty: an idle connection holds no read buffer
	c.reading.Store(false)
	// The token is released before the pending table is looked at: a
	// caller that registered and failed to take the token did so before
	// the release, so it is seen here.
	if !busy {
		c.mu.Lock()
		busy = len(c.pending) > 0
		c.mu.Unlock()
	}
	if busy {
		signal(c.readNow)
		return
	}
	c.lastLead.Store(time.Now().UnixNano())
	if !c.idleArmed.Swap(true) {
		signal(c.readIdle)
	}
}

// readLoop is the background reader (see the top of this file). It runs
// until the connection has ended.
func (c *Conn) readLoop() {
	defer close(c.readerDone)
	idle := time.NewTimer(time.Hour)
	idle.Stop()
	defer idle.Stop()
	// backoff stretches the idle check while one leader keeps reading
	// (a long call): polling every idleReadDelay would cost wake-ups for
	// nothing, since that leader reads whatever arrives meanwhile.
	backoff := 1
	for {
		select {
		case <-c.done:
			return
		case <-c.readNow:
		case <-c.readIdle:
			backoff = 1
			idle.Reset(idleReadDelay)
			continue
		case <-idle.C:
			// While callers keep leading, keep watching without taking
			// the token: it would turn the next call into a follower.
			// Reading starts once no leader has read for idleReadDelay.
			if c.reading.Load() {
				backoff = min(2*backoff, maxIdleBackoff)
				idle.Reset(time.Duration(backoff) * idleReadDelay)
				continue
			}
			backoff = 1
			if quiet := time.Duration(time.Now().UnixNano() - c.lastLead.Load()); quiet < idleReadDelay {
				idle.Reset(max(idleReadDelay-quiet, idleReadDelay/4))
				continue
			}
			c.idleArmed.Store(false)
		}
		select {
		case <-c.done:
			return // a frame left half read is of no use any more
		default:
		}
		if !c.reading.CompareAndSwap(false, true) {
			continue // a leader reads; it signals again when it stops
		}
		if c.readInBackground() {
			c.idleArmed.Store(true)
			idle.Reset(idleReadDelay)
		}
	}
}

// readInBackground reads frames while holding the read token. It returns
// true after giving the token back (no call is pending, or a leader took
// over), and false when the connection has failed.
func (c *Conn) readInBackground() bool {
	for {
		got, err := c.readFrame(true)
		switch {
		case err == nil:
			if got == nil {
				continue
			}
			// Release first, then look (as in stopReading): a caller
			// that failed to take the token is then sure to be seen.
			c.rb.release()
			c.reading.Store(false)
			c.mu.Lock()
			quiet := len(c.pending) == 0
			c.mu.Unlock()
			if quiet || !c.reading.CompareAndSwap(false, true) {
				return true // nobody waits, or a leader reads for them
			}
		case isTimeout(err):
			_ = c.nc.SetReadDeadline(time.Time{}) // a leader's late interruption
		default:
			c.readFailed(err)
			return false
		}
	}
}

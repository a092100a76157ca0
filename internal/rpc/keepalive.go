package rpc

import (
	"context"
	"sync"
	"time"

	"github.com/virtwire/libvirt/internal/wire"
)

var (
	pingFrame = wire.KeepaliveFrame(wire.ProcKeepalivePing)
	pongFrame = wire.KeepaliveFrame(wire.ProcKeepalivePong)
)

// Keepalive runs on timers, not on a goroutine of its own: an idle
// connection then costs one goroutine (the background reader), and the
// timers cost nothing while they wait. A timer's function never blocks:
// it looks at the silence, and starts a frame's write on a short-lived
// goroutine (trySend), so that the dead-peer check never waits behind a
// write stuck on a dead peer, since that check is what unsticks it.

// pongRetry is how soon a pong that found another write in progress is
// tried again.
const pongRetry = 50 * time.Millisecond

// keepalive is the keepalive state, guarded by its mutex. Once stopped
// (by fail) no timer function starts a write any more, which is what lets
// Close wait for the writes already started (Conn.kaWriters).
type keepalive struct {
	mu           sync.Mutex
	stopped      bool
	interval     time.Duration
	count        int
	sent         int   // pings sent during the current silence
	silenceStart int64 // lastRecv when that silence began
	tick         *time.Timer
	retry        *time.Timer // retries a pong that could not be sent
}

// trySend starts writing frame unless another write is in progress. The
// frame is written by a goroutine of its own, bounded by the write
// timeout. c.ka.mu is held and keepalive is not stopped.
func (c *Conn) trySend(frame []byte) bool {
	select {
	case c.wsem <- struct{}{}:
	default:
		return false
	}
	c.kaWriters.Add(1)
	go func() {
		defer c.kaWriters.Done()
		defer c.unlockWrite()
		_, _ = c.writeLocked(context.Background(), frame, nil, false)
	}()
	return true
}

// StartKeepalive starts pinging a silent peer: after interval of silence a
// ping, one more each further interval, and once the silence reaches
// interval*(count+1) the connection is closed with ErrKeepaliveTimeout.
// libvirt clients call it once the daemon has confirmed it supports the
// keepalive program.
func (c *Conn) StartKeepalive(interval time.Duration, count int) {
	ka := &c.ka
	ka.mu.Lock()
	defer ka.mu.Unlock()
	if ka.stopped {
		return
	}
	ka.interval, ka.count, ka.sent = interval, count, 0
	if ka.tick != nil {
		ka.tick.Stop()
	}
	if interval <= 0 {
		return
	}
	if ka.tick == nil {
		ka.tick = time.AfterFunc(interval, c.keepaliveTick)
	} else {
		ka.tick.Reset(interval)
	}
}

// keepaliveTick runs when the peer may have been silent for an interval:
// it pings, or declares the peer dead, and sets the next tick.
func (c *Conn) keepaliveTick() {
	ka := &c.ka
	ka.mu.Lock()
	if ka.stopped || ka.interval <= 0 {
		ka.mu.Unlock()
		return
	}
	lastNano := c.lastRecv.Load()
	if lastNano != ka.silenceStart {
		ka.silenceStart, ka.sent = lastNano, 0 // the peer spoke: a new silence
	}
	last := time.Unix(0, lastNano)
	k := int(time.Since(last) / ka.interval)
	dead := k >= ka.count+1
	if !dead {
		if k > ka.sent && c.trySend(pingFrame) {
			ka.sent = k
		}
		ka.tick.Reset(time.Until(last.Add(ka.interval * time.Duration(k+1))))
	}
	ka.mu.Unlock()
	if dead {
		c.fail(ErrKeepaliveTimeout) // takes ka.mu (stopKeepalive)
	}
}

// sendPong answers a ping (or tells a peer that this side is alive). It
// never blocks, so readers call it: if another write is in progress, the
// pong is retried shortly.
func (c *Conn) sendPong() {
	ka := &c.ka
	ka.mu.Lock()
	defer ka.mu.Unlock()
	if ka.stopped || c.trySend(pongFrame) {
		return
	}
	if ka.retry == nil {
		ka.retry = time.AfterFunc(pongRetry, c.sendPong)
	} else {
		ka.retry.Reset(pongRetry)
	}
}

// stopKeepalive stops the timers for good; called by fail.
func (c *Conn) stopKeepalive() {
	ka := &c.ka
	ka.mu.Lock()
	ka.stopped = true
	if ka.tick != nil {
		ka.tick.Stop()
	}
	if ka.retry != nil {
		ka.retry.Stop()
	}
	ka.mu.Unlock()
}

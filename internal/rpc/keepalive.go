package rpc

import (
	"context"
	"time"

	"github.com/virtwire/libvirt/internal/wire"
)

var (
	pingFrame = wire.KeepaliveFrame(wire.ProcKeepalivePing)
	pongFrame = wire.KeepaliveFrame(wire.ProcKeepalivePong)
)

// trySend starts writing frame unless another write is in progress.
// Keepalive never waits for the write token, and the frame is written by
// a goroutine of its own: the keepalive loop must go on timing the peer's
// silence while a write is stuck on a dead peer, since that timeout is
// what unsticks it. The write itself is bounded by the write timeout.
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

type keepaliveConfig struct {
	interval time.Duration
	count    int
}

// StartKeepalive starts pinging a silent peer: after interval of silence a
// ping, one more each further interval, and once the silence reaches
// interval*(count+1) the connection is closed with ErrKeepaliveTimeout.
// libvirt clients call it once the daemon has confirmed it supports the
// keepalive program.
func (c *Conn) StartKeepalive(interval time.Duration, count int) {
	select {
	case c.kaStart <- keepaliveConfig{interval, count}:
	case <-c.done:
	}
}

// keepaliveLoop answers the server's pings and, when enabled, pings a
// silent server: after KeepaliveInterval of silence it sends a ping, one
// more each further interval, and once the silence reaches
// KeepaliveInterval*(KeepaliveCount+1) the connection is closed with
// ErrKeepaliveTimeout.
func (c *Conn) keepaliveLoop() {
	defer close(c.kaDone)
	var (
		interval time.Duration
		count    int
		timer    = time.NewTimer(time.Hour)
		tick     <-chan time.Time
	)
	timer.Stop()
	defer timer.Stop()
	pongDue := false
	retry := time.NewTicker(50 * time.Millisecond)
	retry.Stop()
	defer retry.Stop()
	sent := 0              // pings sent during the current silence
	var silenceStart int64 // lastRecv when that silence began
	for {
		select {
		case <-c.done:
			return
		case <-c.pongReq:
			pongDue = true
		case cfg := <-c.kaStart:
			interval, count, sent = cfg.interval, cfg.count, 0
			if interval > 0 {
				timer.Reset(interval)
				tick = timer.C
			}
		case <-retry.C:
		case <-tick:
			lastNano := c.lastRecv.Load()
			if lastNano != silenceStart {
				silenceStart, sent = lastNano, 0 // the peer spoke: a new silence
			}
			last := time.Unix(0, lastNano)
			idle := time.Since(last)
			k := int(idle / interval)
			if k >= count+1 {
				c.fail(ErrKeepaliveTimeout)
				return
			}
			if k > sent && c.trySend(pingFrame) {
				sent = k
			}
			timer.Reset(time.Until(last.Add(interval * time.Duration(k+1))))
		}
		if pongDue {
			if c.trySend(pongFrame) {
				pongDue = false
				retry.Stop()
			} else {
				retry.Reset(50 * time.Millisecond)
			}
		}
	}
}

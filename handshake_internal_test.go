package libvirt

import (
	"context"
	"testing"
	"time"
)

func TestHandshakeContextDefault(t *testing.T) {
	if d := newConfig(nil).handshakeTimeout; d != DefaultHandshakeTimeout {
		t.Fatalf("default handshake timeout %v, want %v", d, DefaultHandshakeTimeout)
	}
	before := time.Now()
	ctx, cancel, timeout := handshakeContext(context.Background(), DefaultHandshakeTimeout)
	defer cancel()
	d, ok := ctx.Deadline()
	if !ok || timeout == nil || d.Before(before.Add(DefaultHandshakeTimeout)) || d.After(time.Now().Add(DefaultHandshakeTimeout)) {
		t.Fatalf("no-deadline context: deadline %v (%v), want now+%v", d, ok, DefaultHandshakeTimeout)
	}
	// The caller's deadline wins, even a longer one.
	parent, pcancel := context.WithTimeout(context.Background(), time.Hour)
	defer pcancel()
	ctx, cancel, timeout = handshakeContext(parent, time.Second)
	defer cancel()
	pd, _ := parent.Deadline()
	if d, _ := ctx.Deadline(); !d.Equal(pd) || timeout != nil {
		t.Fatalf("caller deadline replaced: %v, want %v", d, pd)
	}
	// Zero means no bound.
	ctx, cancel, timeout = handshakeContext(context.Background(), 0)
	defer cancel()
	if _, ok := ctx.Deadline(); ok || timeout != nil {
		t.Fatal("WithHandshakeTimeout(0) still bounded")
	}
}

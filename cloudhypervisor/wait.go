package cloudhypervisor

import (
	"context"
	"fmt"
	"time"
)

// WaitForState polls Info every interval (default 50ms when <= 0) until
// the VM reports state want, and returns that info. Errors from Info
// (for example while no VM exists yet) do not stop the wait; when ctx
// ends, the last state or error seen is part of the returned error.
func (v *VMM) WaitForState(ctx context.Context, want VmState, interval time.Duration) (*VmInfo, error) {
	if interval <= 0 {
		interval = 50 * time.Millisecond
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	var last string
	for {
		info, err := v.Info(ctx)
		switch {
		case err == nil && info.State == want:
			return info, nil
		case err == nil:
			last = "state " + string(info.State)
		case ctx.Err() == nil:
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("cloudhypervisor: waiting for state %s: %w (last: %s)", want, ctx.Err(), last)
		case <-t.C:
		}
	}
}

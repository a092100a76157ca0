package libvirt

import (
	"testing"
	"time"
)

// The redial schedule's documented numbers: defaults, doubling, the cap
// and the jitter's bounds.

func TestSupervisorConfigDefaults(t *testing.T) {
	for _, c := range []struct {
		name string
		in   SupervisorConfig
		want SupervisorConfig
	}{
		{"zero", SupervisorConfig{},
			SupervisorConfig{MinBackoff: 100 * time.Millisecond, MaxBackoff: 30 * time.Second, DialTimeout: DefaultHandshakeTimeout}},
		{"negative", SupervisorConfig{MinBackoff: -1, MaxBackoff: -1, DialTimeout: -1},
			SupervisorConfig{MinBackoff: 100 * time.Millisecond, MaxBackoff: 30 * time.Second, DialTimeout: DefaultHandshakeTimeout}},
		{"set", SupervisorConfig{MinBackoff: time.Millisecond, MaxBackoff: time.Second, DialTimeout: time.Minute},
			SupervisorConfig{MinBackoff: time.Millisecond, MaxBackoff: time.Second, DialTimeout: time.Minute}},
		{"max equal to min is kept", SupervisorConfig{MinBackoff: time.Second, MaxBackoff: time.Second},
			SupervisorConfig{MinBackoff: time.Second, MaxBackoff: time.Second, DialTimeout: DefaultHandshakeTimeout}},
		{"max below min: default max", SupervisorConfig{MinBackoff: time.Second, MaxBackoff: time.Millisecond},
			SupervisorConfig{MinBackoff: time.Second, MaxBackoff: 30 * time.Second, DialTimeout: DefaultHandshakeTimeout}},
		{"max below a large min: the min", SupervisorConfig{MinBackoff: time.Minute, MaxBackoff: time.Second},
			SupervisorConfig{MinBackoff: time.Minute, MaxBackoff: time.Minute, DialTimeout: DefaultHandshakeTimeout}},
		{"max unset, min above the default max", SupervisorConfig{MinBackoff: time.Minute},
			SupervisorConfig{MinBackoff: time.Minute, MaxBackoff: time.Minute, DialTimeout: DefaultHandshakeTimeout}},
	} {
		got := c.in
		got.defaults()
		if got != c.want {
			t.Errorf("%s: defaults(%+v) = %+v, want %+v", c.name, c.in, got, c.want)
		}
	}
}

func TestBackoffDoublesUpToTheCap(t *testing.T) {
	b := backoff{wait: 100 * time.Millisecond, max: time.Second}
	want := []time.Duration{200, 400, 800, 1000, 1000}
	for i, w := range want {
		b.failed()
		if b.wait != w*time.Millisecond {
			t.Fatalf("after %d failures wait = %v, want %v", i+1, b.wait, w*time.Millisecond)
		}
	}
}

func TestJitterAddsAtMostTwentyPercent(t *testing.T) {
	for _, d := range []time.Duration{0, 1, 4, 5, 100 * time.Millisecond, 30 * time.Second} {
		var most time.Duration
		for range 2000 {
			j := jittered(d)
			if j < d || j > d+d/5 {
				t.Fatalf("jittered(%v) = %v, outside [%v, %v]", d, j, d, d+d/5)
			}
			most = max(most, j)
		}
		// 2000 draws from [0, d/5]: the top 10% of the range is reached
		// unless the generator is broken (probability below 1e-90).
		if d >= 5 && most < d+d/5-d/50 {
			t.Errorf("jittered(%v): largest of 2000 draws %v, want near %v", d, most, d+d/5)
		}
	}
}

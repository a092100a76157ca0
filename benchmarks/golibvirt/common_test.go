package golibvirt

import (
	"context"
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	gl "github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"
	vw "github.com/virtwire/libvirt"
)

// This file holds what the daemon benchmarks (integration build tag) and
// the canned-server benchmarks (no tag) share, so it has no build tag.

// testURI is the driver every client opens.
const testURI = "test:///default"

// parallelGoroutines is how many goroutines share one connection in the
// Parallel64 benchmarks, whatever GOMAXPROCS is.
const parallelGoroutines = 64

// cpuNow returns the process's user+system CPU time so far.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measureCPU enables allocation reporting, resets the timer and returns a
// function that stops the timer, reports CPU per operation and returns it.
// Wall time alone hides how much of the 2 shared cores a client burns;
// cpu-ns/op includes every goroutine of the process (reader loops,
// keepalive, GC, and an in-process server if there is one).
func measureCPU(b *testing.B) func() float64 {
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuNow()
	return func() float64 {
		b.StopTimer()
		perOp := float64(cpuNow()-start) / float64(b.N)
		b.ReportMetric(perOp, "cpu-ns/op")
		return perOp
	}
}

// runSeq times b.N sequential calls and returns the CPU per call. One
// untimed call comes first, so that first-call costs (the raw floor's
// reply buffer growing to a large reply, a client's lazy set-up) stay out
// of every variant's numbers alike.
func runSeq(b *testing.B, call func() error) float64 {
	if err := call(); err != nil {
		b.Fatal(err)
	}
	done := measureCPU(b)
	for i := 0; i < b.N; i++ {
		if err := call(); err != nil {
			b.Fatal(err)
		}
	}
	return done()
}

// dialVirtwire opens a virtwire client on the test driver; it is closed
// when the (sub-)benchmark function returns.
func dialVirtwire(b testing.TB, path string) *vw.Client {
	c, err := vw.Dial(context.Background(), "test+unix:///default?socket="+path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// dialGoLibvirt opens a go-libvirt client on the test driver the way its
// documentation suggests (a local dialer, then ConnectToURI).
func dialGoLibvirt(b testing.TB, path string) *gl.Libvirt {
	l := gl.NewWithDialer(dialers.NewLocal(dialers.WithSocket(path)))
	if err := l.ConnectToURI(gl.TestDefault); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Disconnect() })
	return l
}

func checkCount(got, want int) error {
	if got != want {
		return fmt.Errorf("got %d results, want %d", got, want)
	}
	return nil
}

// runParallel64 times b.N calls spread over parallelGoroutines goroutines
// and also reports the throughput in calls/s.
func runParallel64(b *testing.B, call func() error) {
	procs := runtime.GOMAXPROCS(0)
	// RunParallel starts parallelism*GOMAXPROCS goroutines; round up so
	// that there are never fewer than parallelGoroutines.
	b.SetParallelism((parallelGoroutines + procs - 1) / procs)
	done := measureCPU(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := call(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	done()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

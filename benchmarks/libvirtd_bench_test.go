//go:build integration

// Package benchmarks measures virtwire against a real libvirtd (started by
// scripts/libvirtd.sh; see VIRTWIRE_TEST_SOCKET) and against the floor: a
// loop that writes pre-encoded requests on a raw unix socket.
//
// Besides ns/op and allocs/op every benchmark reports cpu-ns/op, the
// process CPU time (user+system, from getrusage) per operation: on a
// 2-core machine the client's CPU competes with libvirtd's, so client CPU
// per call is what limits throughput.
//
//	go test -tags integration -run XXX -bench . -benchmem ./benchmarks/
package benchmarks

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/virtwire/libvirt"
)

func socketPath(b *testing.B) string {
	p := os.Getenv("VIRTWIRE_TEST_SOCKET")
	if p == "" {
		b.Skip("VIRTWIRE_TEST_SOCKET not set: start a daemon with scripts/libvirtd.sh")
	}
	return p
}

// cpuNow returns the process's user+system CPU time.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measureCPU resets the timer and returns a function reporting CPU per op.
func measureCPU(b *testing.B) func() {
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuNow()
	return func() {
		b.StopTimer()
		b.ReportMetric(float64(cpuNow()-start)/float64(b.N), "cpu-ns/op")
	}
}

func dial(b *testing.B) *libvirt.Client {
	c, err := libvirt.Dial(context.Background(), "test+unix:///default?socket="+socketPath(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// rawFrame encodes a call with the given body.
func rawFrame(proc uint32, serial uint32, body []byte) []byte {
	f := make([]byte, 28, 28+len(body))
	binary.BigEndian.PutUint32(f[0:], uint32(28+len(body)))
	binary.BigEndian.PutUint32(f[4:], libvirt.Program)
	binary.BigEndian.PutUint32(f[8:], libvirt.ProtocolVersion)
	binary.BigEndian.PutUint32(f[12:], proc)
	binary.BigEndian.PutUint32(f[16:], 0) // call
	binary.BigEndian.PutUint32(f[20:], serial)
	binary.BigEndian.PutUint32(f[24:], 0) // ok
	return append(f, body...)
}

// rawRoundTrip writes frame and reads one reply frame into buf.
func rawRoundTrip(nc net.Conn, frame, buf []byte) ([]byte, error) {
	if _, err := nc.Write(frame); err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(nc, buf[:4]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(buf)
	if int(n) > len(buf) {
		return nil, fmt.Errorf("reply of %d bytes", n)
	}
	if _, err := io.ReadFull(nc, buf[4:n]); err != nil {
		return nil, err
	}
	if st := binary.BigEndian.Uint32(buf[24:]); st != 0 {
		return nil, fmt.Errorf("status %d", st)
	}
	return buf[:n], nil
}

// BenchmarkRawFloorGetLibVersion is the floor: pre-encoded
// ConnectGetLibVersion requests on a raw socket, no engine, no decoding
// beyond the length word.
func BenchmarkRawFloorGetLibVersion(b *testing.B) {
	nc, err := net.Dial("unix", socketPath(b))
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	buf := make([]byte, 4096)
	name := "test:///default"
	open := make([]byte, 0, 32)
	open = binary.BigEndian.AppendUint32(open, 1) // name present
	open = binary.BigEndian.AppendUint32(open, uint32(len(name)))
	open = append(open, name...)
	open = append(open, 0) // pad 15 -> 16
	open = binary.BigEndian.AppendUint32(open, 0)
	for _, f := range [][]byte{rawFrame(uint32(libvirt.ProcAuthList), 1, nil), rawFrame(uint32(libvirt.ProcConnectOpen), 2, open)} {
		if _, err := rawRoundTrip(nc, f, buf); err != nil {
			b.Fatal(err)
		}
	}
	frame := rawFrame(uint32(libvirt.ProcConnectGetLibVersion), 3, nil)
	done := measureCPU(b)
	for i := 0; i < b.N; i++ {
		binary.BigEndian.PutUint32(frame[20:], uint32(i+3))
		if _, err := rawRoundTrip(nc, frame, buf); err != nil {
			b.Fatal(err)
		}
	}
	done()
}

func BenchmarkConnectGetLibVersion(b *testing.B) {
	c := dial(b)
	ctx := context.Background()
	done := measureCPU(b)
	for i := 0; i < b.N; i++ {
		if _, err := c.ConnectGetLibVersion(ctx); err != nil {
			b.Fatal(err)
		}
	}
	done()
}

// BenchmarkConnectListAllDomains1000 lists 1000 domains defined on the
// test driver for the benchmark (plus the driver's own "test").
func BenchmarkConnectListAllDomains1000(b *testing.B) {
	c := dial(b)
	ctx := context.Background()
	const n = 1000
	for i := 0; i < n; i++ {
		xml := fmt.Sprintf("<domain type='test'><name>bench-%04d</name><memory>1024</memory><os><type>hvm</type></os></domain>", i)
		d, err := c.DomainDefineXML(ctx, xml)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.DomainUndefine(context.Background(), d) })
	}
	done := measureCPU(b)
	for i := 0; i < b.N; i++ {
		doms, err := c.ConnectListAllDomains(ctx, 0)
		if err != nil {
			b.Fatal(err)
		}
		if len(doms) < n {
			b.Fatalf("listed %d domains", len(doms))
		}
	}
	done()
}

// BenchmarkParallel64GetLibVersion runs 64 goroutines on one connection
// and reports calls per second.
func BenchmarkParallel64GetLibVersion(b *testing.B) {
	c := dial(b)
	ctx := context.Background()
	b.SetParallelism(max(1, 64/runtimeProcs()))
	var calls atomic.Int64
	start := time.Now()
	done := measureCPU(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.ConnectGetLibVersion(ctx); err != nil {
				b.Error(err)
				return
			}
			calls.Add(1)
		}
	})
	done()
	b.ReportMetric(float64(calls.Load())/time.Since(start).Seconds(), "calls/s")
}

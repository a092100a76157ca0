//go:build unix

package libvirt

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/virtwire/libvirt/internal/wire"
)

// Benchmarks of what tracing adds per call. The round trips run against a
// canned in-process server on a unix socket pair that answers from
// prepared bytes without allocating, so the process's allocations and
// CPU (getrusage, all goroutines) differ between variants only by the
// client's tracing. Run with
//
//	go test -run '^$' -bench 'Trace' -benchmem -count 5 .

// noopTracer does nothing; it measures the hook machinery itself.
type noopTracer struct{}

func (noopTracer) TraceCallStart(ctx context.Context, _ *Client, _ TraceCallStartData) context.Context {
	return ctx
}
func (noopTracer) TraceCallEnd(context.Context, *Client, TraceCallEndData) {}

// cannedServer answers the connect sequence and ConnectGetLibVersion.
func cannedServer(tb testing.TB) net.Conn {
	tb.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		tb.Fatal(err)
	}
	conn := func(fd int) net.Conn {
		f := osFile(fd)
		defer f.Close()
		nc, err := net.FileConn(f)
		if err != nil {
			tb.Fatal(err)
		}
		return nc
	}
	cli, srv := conn(fds[0]), conn(fds[1])
	bodies := map[int32][]byte{
		int32(ProcAuthList):               {0, 0, 0, 0},                      // no methods: none needed
		int32(ProcConnectSupportsFeature): {0, 0, 0, 0},                      // no keepalive program
		int32(ProcConnectGetLibVersion):   {0, 0, 0, 0, 0, 0x89, 0x54, 0x40}, // 9.0.0
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var req [frameHeaderLen]byte
		out := make([]byte, 0, 64)
		for {
			if _, err := io.ReadFull(srv, req[:]); err != nil {
				return
			}
			n := binary.BigEndian.Uint32(req[:4])
			if n > frameHeaderLen {
				if _, err := io.CopyN(io.Discard, srv, int64(n-frameHeaderLen)); err != nil {
					return
				}
			}
			proc := int32(binary.BigEndian.Uint32(req[12:]))
			body := bodies[proc]
			out = append(out[:0], req[:]...)
			binary.BigEndian.PutUint32(out[:4], uint32(frameHeaderLen+len(body)))
			binary.BigEndian.PutUint32(out[16:], uint32(wire.MessageTypeReply))
			out = append(out, body...)
			if _, err := srv.Write(out); err != nil {
				return
			}
			if proc == int32(ProcConnectClose) {
				srv.Close()
				return
			}
		}
	}()
	tb.Cleanup(func() { srv.Close(); <-done })
	return cli
}

func benchClient(b *testing.B, opts ...Option) *Client {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := NewClient(ctx, cannedServer(b), "test:///default", append(opts, WithKeepalive(0, 0))...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTraceGetLibVersion compares the same round trip with no
// tracer, a no-op tracer, and the wire trace written to io.Discard.
func BenchmarkTraceGetLibVersion(b *testing.B) {
	for _, v := range []struct {
		name string
		opts []Option
	}{
		{"none", nil},
		{"noop-tracer", []Option{WithTracer(noopTracer{})}},
		{"wire-trace", []Option{WithWireTrace(io.Discard)}},
	} {
		b.Run(v.name, func(b *testing.B) {
			c := benchClient(b, v.opts...)
			ctx := context.Background()
			if _, err := c.ConnectGetLibVersion(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			start := processCPU()
			for i := 0; i < b.N; i++ {
				if _, err := c.ConnectGetLibVersion(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkTraceHookOnly measures what a no-op tracer adds to a call in
// isolation: naming the procedure, the span from the pool, both hooks and
// the duration, without the round trip's noise.
func BenchmarkTraceHookOnly(b *testing.B) {
	c := benchClient(b, WithTracer(noopTracer{}))
	ctx := context.Background()
	call := c.newCall(Program, ProtocolVersion, uint32(ProcConnectGetLibVersion))
	defer call.Release()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, s := c.startCall(ctx, call)
		s.SetSerial(uint32(i))
		call.Trace = nil
		c.endCall(s, nil)
	}
}

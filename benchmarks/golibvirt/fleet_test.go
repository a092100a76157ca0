//go:build integration

package golibvirt

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gl "github.com/digitalocean/go-libvirt"
	vw "github.com/virtwire/libvirt"
)

// TestFleetFootprint measures, in one run and against the same daemon,
// what an idle connection holds and what a connection costs to make, for
// virtwire and go-libvirt: heap after GC and goroutines per idle
// connection; wall time, process CPU, bytes and allocations per
// connect+open+close; the daemon's own CPU per connection (from
// /proc/PID/stat of VIRTWIRE_TEST_PIDFILE, the floor for client CPU); and
// the handshake's frames on the wire. The libraries alternate for
// FLEET_ROUNDS rounds (default 3) so that machine load hits both alike;
// FLEET_IDLE (default 200) and FLEET_CONNECTS (default 300) size a round.
// Every number is logged as "FLEET lib metric value" for scripts to
// collect. It is a measurement, not a check, so it runs only when
// FLEET_MEASURE is set.
func TestFleetFootprint(t *testing.T) {
	if os.Getenv("FLEET_MEASURE") == "" {
		t.Skip("set FLEET_MEASURE=1 to measure (see the doc comment)")
	}
	path := os.Getenv("VIRTWIRE_TEST_SOCKET")
	if path == "" {
		t.Skip("VIRTWIRE_TEST_SOCKET not set")
	}
	idle := envInt("FLEET_IDLE", 200)
	connects := envInt("FLEET_CONNECTS", 300)
	rounds := envInt("FLEET_ROUNDS", 3)
	daemon := daemonPid(t)

	// One connection stays open throughout, so that the test driver keeps
	// its state and no connect pays for setting it up again.
	keep := dialVirtwire(t, path)
	_ = keep

	libs := []fleetLib{virtwireLib(path), golibvirtLib(path), rawLib(path, false), rawLib(path, true)}
	for _, l := range libs[:2] {
		frames := l.handshake(t)
		t.Logf("FLEET %s handshake %s", l.name, frames)
	}
	results := map[string]map[string][]float64{}
	add := func(lib, metric string, v float64) {
		if results[lib] == nil {
			results[lib] = map[string][]float64{}
		}
		results[lib][metric] = append(results[lib][metric], v)
		t.Logf("FLEET %s %s %.1f", lib, metric, v)
	}
	for r := 0; r < rounds; r++ {
		for _, l := range libs {
			heap, stack, gor := measureIdle(t, l, idle)
			add(l.name, "idle-heap-B", heap)
			add(l.name, "idle-stack-B", stack)
			add(l.name, "idle-goroutines", gor)
			c := measureConnects(t, l, connects, daemon)
			for k, v := range c {
				add(l.name, k, v)
			}
		}
	}
	var names []string
	for _, l := range libs {
		for m := range results[l.name] {
			names = append(names, l.name+" "+m)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		lib, m, _ := strings.Cut(n, " ")
		vs := append([]float64(nil), results[lib][m]...)
		sort.Float64s(vs)
		t.Logf("FLEET-SUMMARY %-9s %-18s median %10.1f  min %10.1f  max %10.1f", lib, m, vs[len(vs)/2], vs[0], vs[len(vs)-1])
	}
}

// fleetLib is one library's connect and close.
type fleetLib struct {
	name string
	// open connects and opens the driver over the given dialer's
	// connection and returns the close function.
	open func(dial func() (net.Conn, error)) (func() error, error)
	path string
}

func (l fleetLib) dial() (net.Conn, error) { return net.Dial("unix", l.path) }

func virtwireLib(path string) fleetLib {
	return fleetLib{name: "virtwire", path: path, open: func(dial func() (net.Conn, error)) (func() error, error) {
		c, err := vw.Dial(context.Background(), "test+unix:///default?socket="+path,
			vw.WithDialer(func(context.Context, string, string) (net.Conn, error) { return dial() }))
		if err != nil {
			return nil, err
		}
		return c.Close, nil
	}}
}

// rawLib is the floor: the handshake's frames, pre-encoded, written on a
// bare socket and each reply read whole (raw_test.go): AUTH_LIST,
// CONNECT_OPEN and CONNECT_CLOSE as go-libvirt sends them, and with
// probe the keepalive probe (CONNECT_SUPPORTS_FEATURE) too, as virtwire
// and libvirt's C client send them.
func rawLib(path string, probe bool) fleetLib {
	open := appendString(xdrUint32s(1), testURI)
	open = binary.BigEndian.AppendUint32(open, 0)
	frames := [][]byte{newFrame(vw.ProcAuthList, nil)}
	name := "raw3"
	if probe {
		// VIR_DRV_FEATURE_PROGRAM_KEEPALIVE is feature 10.
		frames = append(frames, newFrame(vw.ProcConnectSupportsFeature, xdrUint32s(10)))
		name = "raw4"
	}
	frames = append(frames, newFrame(vw.ProcConnectOpen, open))
	closeFrame := newFrame(vw.ProcConnectClose, nil)
	return fleetLib{name: name, path: path, open: func(dial func() (net.Conn, error)) (func() error, error) {
		nc, err := dial()
		if err != nil {
			return nil, err
		}
		r := &rawConn{nc: nc.(*net.UnixConn)}
		for _, f := range frames {
			if _, err := r.call(f); err != nil {
				nc.Close()
				return nil, err
			}
		}
		return func() error {
			_, err := r.call(closeFrame)
			nc.Close()
			return err
		}, nil
	}}
}

type dialerFunc func() (net.Conn, error)

func (f dialerFunc) Dial() (net.Conn, error) { return f() }

func golibvirtLib(path string) fleetLib {
	return fleetLib{name: "golibvirt", path: path, open: func(dial func() (net.Conn, error)) (func() error, error) {
		l := gl.NewWithDialer(dialerFunc(dial))
		if err := l.ConnectToURI(gl.TestDefault); err != nil {
			return nil, err
		}
		return l.Disconnect, nil
	}}
}

// heapNow returns live heap and stack bytes after two collections (the
// second one frees what the first one's finalizers released).
func heapNow() (heap, stack uint64, goroutines int) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, ms.StackInuse, runtime.NumGoroutine()
}

// settle waits until the goroutine count stops falling (goroutines of
// closed connections exit asynchronously in go-libvirt).
func settle() {
	last := runtime.NumGoroutine()
	for i := 0; i < 50; i++ {
		time.Sleep(20 * time.Millisecond)
		n := runtime.NumGoroutine()
		if n == last {
			return
		}
		last = n
	}
}

func measureIdle(t *testing.T, l fleetLib, n int) (heapPer, stackPer, gorPer float64) {
	settle()
	h0, s0, g0 := heapNow()
	closers := make([]func() error, 0, n)
	for i := 0; i < n; i++ {
		cl, err := l.open(l.dial)
		if err != nil {
			t.Fatalf("%s: connection %d: %v", l.name, i, err)
		}
		closers = append(closers, cl)
	}
	// Let background readers reach their idle state.
	time.Sleep(200 * time.Millisecond)
	h1, s1, g1 := heapNow()
	for _, cl := range closers {
		_ = cl()
	}
	runtime.KeepAlive(closers)
	return (float64(h1) - float64(h0)) / float64(n), (float64(s1) - float64(s0)) / float64(n), float64(g1-g0) / float64(n)
}

func measureConnects(t *testing.T, l fleetLib, n, daemon int) map[string]float64 {
	settle()
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	d0 := daemonCPU(daemon)
	c0 := cpuNow()
	start := time.Now()
	for i := 0; i < n; i++ {
		cl, err := l.open(l.dial)
		if err != nil {
			t.Fatalf("%s: connect %d: %v", l.name, i, err)
		}
		if err := cl(); err != nil {
			t.Fatalf("%s: close %d: %v", l.name, i, err)
		}
	}
	wall := time.Since(start)
	c1 := cpuNow()
	d1 := daemonCPU(daemon)
	runtime.ReadMemStats(&ms1)
	per := func(v float64) float64 { return v / float64(n) }
	return map[string]float64{
		"connect-wall-us": per(float64(wall.Microseconds())),
		"connect-cpu-us":  per(float64((c1 - c0).Microseconds())),
		"connect-B":       per(float64(ms1.TotalAlloc - ms0.TotalAlloc)),
		"connect-allocs":  per(float64(ms1.Mallocs - ms0.Mallocs)),
		"daemon-cpu-us":   per(float64((d1 - d0).Microseconds())),
	}
}

// daemonPid reads the private libvirtd's pid, or 0 when unknown.
func daemonPid(t *testing.T) int {
	b, err := os.ReadFile(os.Getenv("VIRTWIRE_TEST_PIDFILE"))
	if err != nil {
		t.Logf("no daemon pid (%v): daemon CPU not measured", err)
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// daemonCPU returns the daemon's user+system CPU from /proc/PID/stat
// (clock ticks of 10 ms: meaningful over hundreds of connections).
func daemonCPU(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// handshake connects once through a recording connection and returns the
// frames each side sent, in order, as "c:proc/size" and "s:proc/size".
func (l fleetLib) handshake(t *testing.T) string {
	var rec frameLog
	cl, err := l.open(func() (net.Conn, error) {
		nc, err := l.dial()
		if err != nil {
			return nil, err
		}
		return &recConn{Conn: nc, log: &rec}, nil
	})
	if err != nil {
		t.Fatalf("%s: %v", l.name, err)
	}
	_ = cl()
	return rec.String()
}

// frameLog splits each direction's bytes into frames and records them.
type frameLog struct {
	mu     sync.Mutex
	in     []byte
	out    []byte
	frames []string
	writes int
	reads  int
}

func (f *frameLog) add(buf *[]byte, dir string, p []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	*buf = append(*buf, p...)
	for len(*buf) >= 28 {
		n := int(binary.BigEndian.Uint32(*buf))
		if len(*buf) < n {
			return
		}
		prog := binary.BigEndian.Uint32((*buf)[4:])
		proc := binary.BigEndian.Uint32((*buf)[12:])
		typ := binary.BigEndian.Uint32((*buf)[16:])
		tag := strconv.Itoa(int(proc))
		if prog == 0x6b656570 {
			tag = "ka" + tag
		}
		f.frames = append(f.frames, fmt.Sprintf("%s:%s/t%d/%dB", dir, tag, typ, n))
		*buf = (*buf)[n:]
	}
}

func (f *frameLog) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fmt.Sprintf("writes=%d reads=%d frames=%d [%s]", f.writes, f.reads, len(f.frames), strings.Join(f.frames, " "))
}

type recConn struct {
	net.Conn
	log *frameLog
}

func (c *recConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.log.mu.Lock()
	c.log.reads++
	c.log.mu.Unlock()
	c.log.add(&c.log.in, "s", p[:n])
	return n, err
}

func (c *recConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.log.mu.Lock()
	c.log.writes++
	c.log.mu.Unlock()
	c.log.add(&c.log.out, "c", p[:n])
	return n, err
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

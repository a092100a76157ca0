package rpc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/virtwire/libvirt/internal/rpc/rpctest"
	"github.com/virtwire/libvirt/internal/wire"
)

// The hostile-peer table: each scenario runs a client against a peer
// (rpctest) that misbehaves in one way, and checks what a user of the
// engine would see: the class of the error, how long it took to come, that
// Close returned promptly, that no goroutine was left behind, and how much
// heap the scenario left after a collection. Bounds on time are generous
// (shared, noisy machines); the measured values are printed as a table
// with -v.

// hostile is one scenario.
type hostile struct {
	name string
	opts Options
	// wrap, when set, wraps the client's end of the socket.
	wrap func(net.Conn) net.Conn
	// keepalive, when set, is started before the client runs.
	kaInterval time.Duration
	kaCount    int
	// peer plays the daemon until stop is closed or its connection ends.
	peer func(p *rpctest.Peer, stop <-chan struct{})
	// client does what a user would and returns the error they get.
	client func(c *Conn) error
	// prep, when set instead of client, prepares before the clock starts
	// and returns the client.
	prep func(c *Conn) func() error
	// want classifies the error ("ok" when none is expected).
	want string
	// within bounds the time until client returns.
	within time.Duration
	// heapMax bounds the heap after Close and a collection.
	heapMax uint64
}

// classify names an error's class the way the table reports it.
func classify(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrProtocol):
		return "ErrProtocol"
	case errors.Is(err, ErrWriteTimeout):
		return "ErrWriteTimeout"
	case errors.Is(err, ErrKeepaliveTimeout):
		return "ErrKeepaliveTimeout"
	case errors.Is(err, context.DeadlineExceeded):
		return "DeadlineExceeded"
	case errors.Is(err, context.Canceled):
		return "Canceled"
	case errors.Is(err, ErrClosed):
		return "ErrClosed"
	}
	var de *DisconnectedError
	if errors.As(err, &de) {
		return "Disconnected"
	}
	return fmt.Sprintf("other(%v)", err)
}

// bigCall is a call carrying bigArg, encoded before any deadline starts:
// encoding megabytes is slow under the race detector, and is not what
// the scenarios time.
func bigCall(c *Conn) *Call {
	cl := c.NewCall(1, 1, 7)
	cl.Encoder().Opaque(bigArg, 1<<30)
	return cl
}

// doCall sends a prepared call and returns its error.
func doCall(ctx context.Context, c *Conn, cl *Call) error {
	_, err := c.Do(ctx, cl)
	if err == nil {
		cl.Release()
	}
	return err
}

// callWithin makes a small call bounded by d.
func callWithin(c *Conn, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_, err := callU64(ctx, c, 1)
	return err
}

// readOnly makes the peer read (and drop) whatever comes, answering
// nothing, until the connection ends.
func readOnly(p *rpctest.Peer, stop <-chan struct{}) {
	for {
		if _, err := p.Read(); err != nil {
			return
		}
	}
}

// stopReading makes the peer read nothing at all.
func stopReading(p *rpctest.Peer, stop <-chan struct{}) { <-stop }

// answerWith answers the first call with the frame edit makes of a
// correct reply carrying a uint64, then reads on.
func answerWith(edit func(h *wire.MessageHeader)) func(p *rpctest.Peer, stop <-chan struct{}) {
	return func(p *rpctest.Peer, stop <-chan struct{}) {
		f, err := p.ReadCall()
		if err != nil {
			return
		}
		h := rpctest.ReplyHeader(f)
		edit(&h)
		if p.Send(h, make([]byte, 8)) != nil {
			return
		}
		readOnly(p, stop)
	}
}

// echoU64 answers every call with a uint64.
func echoU64(p *rpctest.Peer) error {
	return p.Serve(func(f rpctest.Frame) []byte { return rpctest.Bytes(rpctest.ReplyHeader(f), make([]byte, 8)) })
}

// calls makes n small calls, each bounded by d, from 8 goroutines, and
// returns the first error.
func calls(c *Conn, n int, d time.Duration) error {
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < n; i += 8 {
				if err := callWithin(c, d); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

var (
	bigArg     = make([]byte, 8<<20) // larger than any socket buffer
	eventFrame = rpctest.Bytes(wire.MessageHeader{Prog: 1, Vers: 1, Proc: 100, Type: wire.MessageTypeMessage}, make([]byte, 64<<10))
)

// bigCallWithin is a scenario's prep: a call too large for the socket
// buffers, made with deadline d (none when d is 0).
func bigCallWithin(d time.Duration) func(c *Conn) func() error {
	return func(c *Conn) func() error {
		cl := bigCall(c)
		return func() error {
			ctx := context.Background()
			if d > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, d)
				defer cancel()
			}
			return doCall(ctx, c, cl)
		}
	}
}

var hostileScenarios = []hostile{
	{
		name: "peer stops reading: call with 100ms deadline", peer: stopReading,
		prep: bigCallWithin(100 * time.Millisecond),
		want: "DeadlineExceeded", within: time.Second, heapMax: 64 << 20,
	},
	{
		name: "peer stops reading: 64 callers, 100ms deadlines", peer: stopReading,
		prep: func(c *Conn) func() error { return sixtyFourCallers(c, bigCall(c)) },
		want: "DeadlineExceeded", within: time.Second, heapMax: 64 << 20,
	},
	{
		name: "no deadlines (pipe): peer stops reading, 100ms deadline", peer: stopReading,
		wrap: func(nc net.Conn) net.Conn { return noDeadlineConn{nc} },
		prep: bigCallWithin(100 * time.Millisecond),
		want: "DeadlineExceeded", within: time.Second, heapMax: 64 << 20,
	},
	{
		name: "no deadlines (pipe): peer stops reading, write timeout 300ms", peer: stopReading,
		wrap: func(nc net.Conn) net.Conn { return noDeadlineConn{nc} },
		opts: Options{WriteTimeout: 300 * time.Millisecond},
		prep: bigCallWithin(0),
		want: "ErrWriteTimeout", within: 2 * time.Second, heapMax: 64 << 20,
	},
	{
		name: "peer stops reading: no deadline, write timeout 300ms", peer: stopReading,
		opts: Options{WriteTimeout: 300 * time.Millisecond},
		prep: bigCallWithin(0),
		want: "ErrWriteTimeout", within: 2 * time.Second, heapMax: 64 << 20,
	},
	{
		name: "peer stops reading: keepalive 50ms x2 while a write blocks", peer: stopReading,
		opts: Options{WriteTimeout: time.Minute}, kaInterval: 50 * time.Millisecond, kaCount: 2,
		prep: bigCallWithin(0),
		want: "ErrKeepaliveTimeout", within: 2 * time.Second, heapMax: 64 << 20,
	},
	{
		name: "slowloris reply body (1 byte/10ms), 200ms deadline",
		peer: func(p *rpctest.Peer, stop <-chan struct{}) {
			f, err := p.ReadCall()
			if err != nil {
				return
			}
			b := rpctest.Bytes(rpctest.ReplyHeader(f), make([]byte, 1<<20))
			if p.Write(b[:40]) == nil {
				_ = p.Dribble(b[40:], 10*time.Millisecond, stop)
			}
			<-stop
		},
		client: func(c *Conn) error { return callWithin(c, 200*time.Millisecond) },
		want:   "DeadlineExceeded", within: 1 * time.Second, heapMax: 64 << 20,
	},
	{
		name: "slowloris header (1 byte/50ms), 200ms deadline",
		peer: func(p *rpctest.Peer, stop <-chan struct{}) {
			f, err := p.ReadCall()
			if err != nil {
				return
			}
			_ = p.Dribble(rpctest.Bytes(rpctest.ReplyHeader(f), make([]byte, 8)), 50*time.Millisecond, stop)
			<-stop
		},
		client: func(c *Conn) error { return callWithin(c, 200*time.Millisecond) },
		want:   "DeadlineExceeded", within: 1 * time.Second, heapMax: 64 << 20,
	},
	{
		name: "event flood (64 KiB events) during 2000 calls",
		opts: Options{OnMessage: func(*wire.MessageHeader, []byte) {}},
		peer: func(p *rpctest.Peer, stop <-chan struct{}) {
			go p.Flood(eventFrame, stop)
			_ = echoU64(p)
		},
		client: func(c *Conn) error { return calls(c, 2000, 5*time.Second) },
		want:   "ok", within: 20 * time.Second, heapMax: 64 << 20,
	},
	{
		name: "ping flood, peer reads pongs, during 2000 calls",
		peer: func(p *rpctest.Peer, stop <-chan struct{}) {
			go p.Flood(rpctest.Ping(), stop)
			_ = echoU64(p)
		},
		client: func(c *Conn) error { return calls(c, 2000, 5*time.Second) },
		want:   "ok", within: 20 * time.Second, heapMax: 64 << 20,
	},
	{
		name: "ping flood, peer never reads, write timeout 300ms",
		opts: Options{WriteTimeout: 300 * time.Millisecond},
		peer: func(p *rpctest.Peer, stop <-chan struct{}) { p.Flood(rpctest.Ping(), stop) },
		client: func(c *Conn) error {
			// Nothing is ever answered: the pongs fill the socket, and
			// the stuck pong write must fail the connection.
			_, err := callU64(context.Background(), c, 1)
			return err
		},
		want: "ErrWriteTimeout", within: 10 * time.Second, heapMax: 64 << 20,
	},
	{
		name: "AUTH_LIST never answered, 200ms deadline", peer: readOnly,
		client: func(c *Conn) error {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			cl := c.NewCall(0x20008086, 1, 66) // REMOTE_PROC_AUTH_LIST
			_, err := c.Do(ctx, cl)
			return err
		},
		want: "DeadlineExceeded", within: 1 * time.Second, heapMax: 64 << 20,
	},
	{
		name:   "reply with wrong program",
		peer:   answerWith(func(h *wire.MessageHeader) { h.Prog = 2 }),
		client: func(c *Conn) error { return callWithin(c, 5*time.Second) },
		want:   "ErrProtocol", within: time.Second, heapMax: 64 << 20,
	},
	{
		name:   "reply with wrong version",
		peer:   answerWith(func(h *wire.MessageHeader) { h.Vers = 9 }),
		client: func(c *Conn) error { return callWithin(c, 5*time.Second) },
		want:   "ErrProtocol", within: time.Second, heapMax: 64 << 20,
	},
	{
		name:   "reply with wrong procedure",
		peer:   answerWith(func(h *wire.MessageHeader) { h.Proc = 8 }),
		client: func(c *Conn) error { return callWithin(c, 5*time.Second) },
		want:   "ErrProtocol", within: time.Second, heapMax: 64 << 20,
	},
	{
		name:   "reply with type REPLY_WITH_FDS",
		peer:   answerWith(func(h *wire.MessageHeader) { h.Type = wire.MessageTypeReplyWithFDs }),
		client: func(c *Conn) error { return callWithin(c, 5*time.Second) },
		want:   "ErrProtocol", within: time.Second, heapMax: 64 << 20,
	},
	{
		name:   "CALL from the server on the call's serial",
		peer:   answerWith(func(h *wire.MessageHeader) { h.Type = wire.MessageTypeCall }),
		client: func(c *Conn) error { return callWithin(c, 5*time.Second) },
		want:   "ErrProtocol", within: time.Second, heapMax: 64 << 20,
	},
	{
		name:   "reply with status CONTINUE",
		peer:   answerWith(func(h *wire.MessageHeader) { h.Status = wire.MessageStatusContinue }),
		client: func(c *Conn) error { return callWithin(c, 5*time.Second) },
		want:   "ErrProtocol", within: time.Second, heapMax: 64 << 20,
	},
	{
		name:   "reply with status 77",
		peer:   answerWith(func(h *wire.MessageHeader) { h.Status = 77 }),
		client: func(c *Conn) error { return callWithin(c, 5*time.Second) },
		want:   "ErrProtocol", within: time.Second, heapMax: 64 << 20,
	},
	{
		name:   "reply with unknown serial",
		peer:   answerWith(func(h *wire.MessageHeader) { h.Serial += 1000 }),
		client: func(c *Conn) error { return callWithin(c, 5*time.Second) },
		want:   "ErrProtocol", within: time.Second, heapMax: 64 << 20,
	},
	{
		name: "duplicate reply",
		peer: func(p *rpctest.Peer, stop <-chan struct{}) {
			f, err := p.ReadCall()
			if err != nil {
				return
			}
			b := rpctest.Bytes(rpctest.ReplyHeader(f), make([]byte, 8))
			_ = p.Write(append(b, b...))
			readOnly(p, stop)
		},
		client: func(c *Conn) error {
			if err := callWithin(c, 5*time.Second); err != nil {
				return fmt.Errorf("first reply: %w", err)
			}
			select {
			case <-c.Done():
				return c.Err()
			case <-time.After(5 * time.Second):
				return errors.New("the duplicate reply went unnoticed for 5 s")
			}
		},
		want: "ErrProtocol", within: time.Second, heapMax: 64 << 20,
	},
	{
		name: "short length word (27), then silence",
		peer: func(p *rpctest.Peer, stop <-chan struct{}) {
			if _, err := p.ReadCall(); err == nil {
				_ = p.Write([]byte{0, 0, 0, 27})
			}
			<-stop
		},
		client: func(c *Conn) error { return callWithin(c, 5*time.Second) },
		want:   "ErrProtocol", within: time.Second, heapMax: 64 << 20,
	},
	{
		name: "huge length word (0xffffffff), then silence",
		peer: func(p *rpctest.Peer, stop <-chan struct{}) {
			if _, err := p.ReadCall(); err == nil {
				_ = p.Write([]byte{0xff, 0xff, 0xff, 0xff})
			}
			<-stop
		},
		client: func(c *Conn) error { return callWithin(c, 5*time.Second) },
		want:   "ErrProtocol", within: time.Second, heapMax: 64 << 20,
	},
	{
		name: fmt.Sprintf("%d events of 32 MiB, handler keeps nothing", floodEvents),
		opts: Options{OnMessage: func(*wire.MessageHeader, []byte) {}},
		peer: func(p *rpctest.Peer, stop <-chan struct{}) {
			h := wire.MessageHeader{Prog: 1, Vers: 1, Proc: 100, Type: wire.MessageTypeMessage}
			b := rpctest.Bytes(h, make([]byte, wire.MessageMax-wire.MessageHeaderMax))
			for i := 0; i < floodEvents; i++ {
				if p.Write(b) != nil {
					return
				}
			}
			_ = echoU64(p)
		},
		client: func(c *Conn) error { return callWithin(c, floodWithin) },
		want:   "ok", within: floodWithin, heapMax: 100 << 20,
	},
}

// sixtyFourCallers: one large request (big, prepared) blocks the socket
// and 63 small calls wait for the write token; every one must end with
// its 100 ms deadline.
func sixtyFourCallers(c *Conn, big *Call) func() error {
	return func() error {
		var wg sync.WaitGroup
		errs := make([]error, 64)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
				defer cancel()
				if i == 0 {
					errs[i] = doCall(ctx, c, big)
				} else {
					_, errs[i] = callU64(ctx, c, 1)
				}
			}()
		}
		wg.Wait()
		// The large request is abandoned part-way, which fails the
		// connection: a small caller whose deadline comes a moment
		// later may hear of that first.
		for _, err := range errs[1:] {
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, ErrProtocol) {
				return err
			}
		}
		return errs[0]
	}
}

// hostileResult is one row of the printed table.
type hostileResult struct {
	name, class     string
	took, closeTook time.Duration
	before, after   int
	heapMiB         float64
}

func TestHostilePeers(t *testing.T) {
	var rows []hostileResult
	for _, sc := range hostileScenarios {
		t.Run(sc.name, func(t *testing.T) {
			rows = append(rows, runHostile(t, sc))
		})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-62s %-20s %10s %9s %6s %6s %9s\n", "scenario", "error class", "to error", "Close", "g.bef", "g.aft", "heap MiB")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-62s %-20s %10v %9v %6d %6d %9.1f\n", r.name, r.class, r.took.Round(time.Millisecond/10),
			r.closeTook.Round(time.Millisecond/10), r.before, r.after, r.heapMiB)
	}
	t.Log(b.String())
}

// runHostile runs one scenario and checks its bounds.
func runHostile(t *testing.T, sc hostile) hostileResult {
	res := hostileResult{name: sc.name}
	runtime.GC()
	ignore := goleak.IgnoreCurrent()
	res.before = runtime.NumGoroutine()

	nc, p, err := rpctest.Pipe(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	peerDone := make(chan struct{})
	go func() {
		defer close(peerDone)
		sc.peer(p, stop)
	}()
	if sc.wrap != nil {
		nc = sc.wrap(nc)
	}
	c := New(nc, sc.opts)
	if sc.kaInterval > 0 {
		c.StartKeepalive(sc.kaInterval, sc.kaCount)
	}

	client := func() error { return sc.client(c) }
	if sc.prep != nil {
		client = sc.prep(c)
	}
	start := time.Now()
	got := make(chan error, 1)
	go func() { got <- client() }()
	var cerr error
	select {
	case cerr = <-got:
	case <-time.After(sc.within + 10*time.Second):
		t.Fatalf("client still running %v after start (bound %v): the engine is wedged", time.Since(start), sc.within)
	}
	res.took = time.Since(start)
	res.class = classify(cerr)

	closeStart := time.Now()
	closed := make(chan struct{})
	go func() {
		c.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatalf("Close still running after 5 s")
	}
	res.closeTook = time.Since(closeStart)
	close(stop)
	p.Close()
	select {
	case <-peerDone:
	case <-time.After(5 * time.Second):
		t.Fatalf("the test peer did not stop within 5 s")
	}

	if err := goleak.Find(ignore); err != nil {
		t.Errorf("goroutines left behind: %v", err)
	}
	res.after = runtime.NumGoroutine()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.heapMiB = float64(ms.HeapAlloc) / (1 << 20)

	if res.class != sc.want {
		t.Errorf("error %v: class %s, want %s", cerr, res.class, sc.want)
	}
	if res.took > sc.within {
		t.Errorf("error after %v, bound %v", res.took, sc.within)
	}
	if res.closeTook > 1500*time.Millisecond {
		t.Errorf("Close took %v, bound 1.5s", res.closeTook)
	}
	if ms.HeapAlloc > sc.heapMax {
		t.Errorf("heap after GC %.1f MiB, bound %d MiB", res.heapMiB, sc.heapMax>>20)
	}
	if cerr != nil {
		t.Logf("error: %v", cerr)
	}
	return res
}

package libvirt_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/libvirttest"
)

// recorder is a Tracer, StreamTracer and EventTracer that keeps what it
// is told. Each start hook returns a context carrying a span number, so
// the test can check that the end hook got it and that it nests under
// the caller's context.
type recorder struct {
	mu      sync.Mutex
	next    int
	starts  []libvirt.TraceCallStartData
	ends    []callEnd
	sStarts []libvirt.TraceStreamStartData
	sEnds   []libvirt.TraceStreamEndData
	sSpans  [][2]any // per stream: the span number its start returned, the one its end got
	eStarts []libvirt.TraceEventStartData
	eEnds   []libvirt.TraceEventEndData
	eSpans  [][2]any      // per event, as sSpans
	evSeen  chan struct{} // one token per TraceEventEnd, if not nil
}

type spanKey struct{}
type parentKey struct{}

type callEnd struct {
	libvirt.TraceCallEndData
	span, parent any // the span number and the caller's mark, read from ctx
}

func (r *recorder) TraceCallStart(ctx context.Context, _ *libvirt.Client, d libvirt.TraceCallStartData) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next++
	r.starts = append(r.starts, d)
	return context.WithValue(ctx, spanKey{}, r.next)
}

func (r *recorder) TraceCallEnd(ctx context.Context, _ *libvirt.Client, d libvirt.TraceCallEndData) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ends = append(r.ends, callEnd{d, ctx.Value(spanKey{}), ctx.Value(parentKey{})})
}

func (r *recorder) TraceStreamStart(ctx context.Context, _ *libvirt.Client, d libvirt.TraceStreamStartData) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sStarts = append(r.sStarts, d)
	return r.startSpan(ctx, &r.sSpans)
}

// startSpan numbers a new stream or event span in spans and returns ctx
// carrying its number; r.mu is held.
func (r *recorder) startSpan(ctx context.Context, spans *[][2]any) context.Context {
	r.next++
	*spans = append(*spans, [2]any{r.next, nil})
	return context.WithValue(ctx, spanKey{}, r.next)
}

func (r *recorder) TraceStreamEnd(ctx context.Context, _ *libvirt.Client, d libvirt.TraceStreamEndData) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, sd := range r.sStarts {
		if sd.Serial == d.Serial && r.sSpans[i][1] == nil {
			r.sSpans[i][1] = ctx.Value(spanKey{})
			break
		}
	}
	r.sEnds = append(r.sEnds, d)
}

// TraceEventStart and TraceEventEnd run one after the other on the
// connection's reader, so the end belongs to the last start.
func (r *recorder) TraceEventStart(ctx context.Context, _ *libvirt.Client, d libvirt.TraceEventStartData) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.eStarts = append(r.eStarts, d)
	return r.startSpan(ctx, &r.eSpans)
}

func (r *recorder) TraceEventEnd(ctx context.Context, _ *libvirt.Client, d libvirt.TraceEventEndData) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.eSpans[len(r.eSpans)-1][1] = ctx.Value(spanKey{})
	r.eEnds = append(r.eEnds, d)
	if r.evSeen != nil {
		r.evSeen <- struct{}{}
	}
}

// newVolume creates a volume called name of capacity bytes in the fake
// daemon's default pool.
func newVolume(ctx context.Context, t *testing.T, c *libvirt.Client, name string, capacity int) libvirt.StorageVol {
	t.Helper()
	pool, err := c.StoragePoolLookupByName(ctx, "default-pool")
	require.NoError(t, err)
	vol, err := c.StorageVolCreateXML(ctx, pool, fmt.Sprintf("<volume><name>%s</name><capacity>%d</capacity></volume>", name, capacity), 0)
	require.NoError(t, err)
	return vol
}

// syncBuffer is a bytes.Buffer safe for the trace writer and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// traceLine is one parsed wire-trace line.
type traceLine struct {
	dir, typ, proc, status, body string
	procNum                      int
	serial                       uint32
	length                       int
}

var traceRE = regexp.MustCompile(`^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z) (->|<-) (\S+) (\S+) proc=(-?\d+) serial=(\d+) status=(\S+) len=(\d+) (.*)$`)

func parseTrace(t *testing.T, s string) []traceLine {
	t.Helper()
	var out []traceLine
	for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		m := traceRE.FindStringSubmatch(l)
		require.NotNil(t, m, "unparseable trace line %q", l)
		pn, _ := strconv.Atoi(m[5])
		sn, _ := strconv.ParseUint(m[6], 10, 32)
		ln, _ := strconv.Atoi(m[8])
		out = append(out, traceLine{dir: m[2], typ: m[3], proc: m[4], procNum: pn, serial: uint32(sn), status: m[7], length: ln, body: m[9]})
	}
	return out
}

func tracedClient(t *testing.T, opts ...libvirt.Option) (*libvirttest.Server, *libvirt.Client) {
	t.Helper()
	srv := libvirttest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := srv.Client(ctx, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return srv, c
}

func TestTracerSeesEveryCall(t *testing.T) {
	rec := &recorder{}
	wt := &syncBuffer{}
	_, c := tracedClient(t, libvirt.WithTracer(rec), libvirt.WithWireTrace(wt))
	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), parentKey{}, "caller"), 10*time.Second)
	defer cancel()

	dom, err := c.DomainDefineXML(ctx, domainXML("traced"))
	require.NoError(t, err)
	_, err = c.DomainLookupByName(ctx, "no-such-domain")
	require.ErrorIs(t, err, libvirt.ErrNoDomain)
	lookupErr := err
	_, _, err = c.DomainGetState(ctx, dom, 0)
	require.NoError(t, err)

	rec.mu.Lock()
	starts, ends := append([]libvirt.TraceCallStartData(nil), rec.starts...), append([]callEnd(nil), rec.ends...)
	rec.mu.Unlock()
	// The handshake's calls are traced too.
	wantMethods := []string{"AuthList", "ConnectSupportsFeature", "ConnectOpen", "DomainDefineXML", "DomainLookupByName", "DomainGetState"}
	require.Len(t, starts, len(wantMethods))
	require.Len(t, ends, len(wantMethods))
	wantProcs := []libvirt.Procedure{libvirt.ProcAuthList, libvirt.ProcConnectSupportsFeature, libvirt.ProcConnectOpen,
		libvirt.ProcDomainDefineXML, libvirt.ProcDomainLookupByName, libvirt.ProcDomainGetState}
	serials := map[uint32]bool{}
	for i, e := range ends {
		s := starts[i]
		assert.Equal(t, wantMethods[i], s.Method)
		assert.Equal(t, wantMethods[i], e.Method)
		assert.Equal(t, int32(wantProcs[i]), e.Procedure)
		assert.Equal(t, uint32(libvirt.Program), e.Program)
		assert.Equal(t, "remote", e.ProgramName)
		assert.Equal(t, "test:///default", e.URI)
		assert.Equal(t, s.BytesSent, e.BytesSent)
		assert.GreaterOrEqual(t, e.BytesSent, 28)
		if e.Err == nil {
			assert.GreaterOrEqual(t, e.BytesReceived, 28)
		} else {
			assert.Zero(t, e.BytesReceived, "not known for a failed call")
		}
		assert.Positive(t, e.Duration)
		assert.Equal(t, i+1, e.span, "end hook of %s got its start's context", e.Method)
		assert.NotZero(t, e.Serial)
		assert.False(t, serials[e.Serial], "serial %d reused", e.Serial)
		serials[e.Serial] = true
	}
	assert.Equal(t, "virDomainDefineXML", ends[3].CFunc)
	assert.Equal(t, "virConnectOpen", ends[2].CFunc)
	// Spans nest under the caller's context.
	for _, e := range ends[3:] {
		assert.Equal(t, "caller", e.parent, "%s", e.Method)
	}
	assert.NoError(t, ends[3].Err)
	assert.Same(t, lookupErr, ends[4].Err, "the tracer sees the error the method returns")
	assert.NoError(t, ends[5].Err)

	// Serials and lengths agree with the wire trace.
	lines := parseTrace(t, wt.String())
	for _, e := range ends {
		var call, reply *traceLine
		for i := range lines {
			l := &lines[i]
			if l.serial == e.Serial && int32(l.procNum) == e.Procedure {
				switch l.typ {
				case "call":
					call = l
				case "reply":
					reply = l
				}
			}
		}
		require.NotNil(t, call, "no call line for %s serial %d", e.Method, e.Serial)
		require.NotNil(t, reply, "no reply line for %s serial %d", e.Method, e.Serial)
		assert.Equal(t, "->", call.dir)
		assert.Equal(t, "<-", reply.dir)
		assert.Equal(t, "remote."+e.Method, call.proc)
		assert.Equal(t, e.BytesSent, call.length)
		if e.Err != nil {
			assert.Equal(t, "error", reply.status)
			assert.Contains(t, reply.body, `Code: 42, Domain: 12, Message: "Domain not found"`)
		} else {
			assert.Equal(t, e.BytesReceived, reply.length)
		}
	}
}

func TestWireTraceDecodesQuickstartFlow(t *testing.T) {
	wt := &syncBuffer{}
	_, c := tracedClient(t, libvirt.WithWireTrace(wt))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, nil)
	require.NoError(t, err)
	defer sub.Close()
	dom, err := c.DomainDefineXML(ctx, domainXML("wired"))
	require.NoError(t, err)
	_, err = c.DomainCreate(ctx, dom)
	require.NoError(t, err)
	for i := 0; i < 2; i++ { // defined, started
		select {
		case <-sub.Events():
		case <-ctx.Done():
			t.Fatal("lifecycle events did not arrive")
		}
	}
	_, err = c.ConnectListAllDomains(ctx, 0)
	require.NoError(t, err)

	lines := parseTrace(t, wt.String())
	find := func(typ, proc string) []traceLine {
		var out []traceLine
		for _, l := range lines {
			if l.typ == typ && l.proc == proc {
				out = append(out, l)
			}
		}
		return out
	}
	def := find("call", "remote.DomainDefineXML")
	require.Len(t, def, 1)
	assert.Contains(t, def[0].body, `{XML: "<domain type='test'><name>wired</name>`)
	assert.Contains(t, def[0].body, `…(`, "long XML is cut")
	assert.Equal(t, "ok", def[0].status)
	reply := find("reply", "remote.DomainDefineXML")
	require.Len(t, reply, 1)
	assert.Equal(t, def[0].serial, reply[0].serial)
	assert.Regexp(t, `^\{Dom: \{Name: "wired", UUID: [0-9a-f-]{36}, ID: -1\}\}$`, reply[0].body)

	evs := find("event", "remote.DomainEventCallbackLifecycle")
	require.GreaterOrEqual(t, len(evs), 2)
	assert.Equal(t, "<-", evs[0].dir)
	assert.Equal(t, uint32(0), evs[0].serial)
	assert.Contains(t, evs[0].body, "Event: Defined")
	assert.Contains(t, evs[1].body, "Event: Started")

	list := find("reply", "remote.ConnectListAllDomains")
	require.Len(t, list, 1)
	assert.Contains(t, list[0].body, `{Name: "wired"`)
}

func TestStreamTraceAndWireTraceOfUpload(t *testing.T) {
	rec := &recorder{}
	wt := &syncBuffer{}
	_, c := tracedClient(t, libvirt.WithTracer(rec), libvirt.WithWireTrace(wt))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	vol := newVolume(ctx, t, c, "up.raw", 1048576)
	data := bytes.Repeat([]byte("virtwire"), 300000/8) // 300000 bytes: two frames
	up, err := c.StorageVolUpload(ctx, vol, 0, 0, 0)
	require.NoError(t, err)
	_, err = libvirt.CopyWithin(t, "io.Copy", func() (int64, error) { return io.Copy(up, bytes.NewReader(data)) })
	require.NoError(t, err)
	require.NoError(t, up.Finish())
	down, err := c.StorageVolDownload(ctx, vol, 0, uint64(len(data)), 0)
	require.NoError(t, err)
	got, err := io.ReadAll(down)
	require.NoError(t, err)
	require.NoError(t, down.Close())
	require.Equal(t, data, got)

	rec.mu.Lock()
	sStarts, sEnds, sSpans, calls := rec.sStarts, rec.sEnds, rec.sSpans, rec.ends
	rec.mu.Unlock()
	require.Len(t, sStarts, 2)
	require.Len(t, sEnds, 2)
	for i, sp := range sSpans {
		assert.Equal(t, sp[0], sp[1], "stream %d's end gets the context its start returned", i)
	}
	assert.Equal(t, "StorageVolUpload", sStarts[0].Method)
	assert.True(t, sStarts[0].Sends)
	assert.False(t, sStarts[0].Recvs)
	assert.Equal(t, int64(len(data)), sEnds[0].BytesSent)
	assert.Equal(t, int64(len(data)), sEnds[1].BytesReceived)
	assert.False(t, sEnds[0].Aborted)
	assert.NoError(t, sEnds[0].Err)
	assert.Equal(t, "StorageVolDownload", sEnds[1].Method)
	assert.Equal(t, sStarts[0].Serial, sEnds[0].Serial)

	// The wire trace shows the upload's data frames by length, under the
	// stream's serial, and its finish.
	lines := parseTrace(t, wt.String())
	var sent int
	var finished bool
	for _, l := range lines {
		if l.serial != sEnds[0].Serial || l.typ != "stream" {
			continue
		}
		assert.Equal(t, "remote.StorageVolUpload", l.proc)
		if l.dir == "->" && l.status == "continue" {
			assert.Equal(t, "data "+strconv.Itoa(l.length-28)+" bytes", l.body)
			sent += l.length - 28
		}
		if l.dir == "->" && l.status == "ok" {
			finished = true
		}
	}
	assert.Equal(t, len(data), sent)
	assert.True(t, finished, "no finish frame in the trace")
	// The calls that opened the streams count their replies' full frames.
	opened := 0
	for _, e := range calls {
		if e.Method != "StorageVolUpload" && e.Method != "StorageVolDownload" {
			continue
		}
		opened++
		for _, l := range lines {
			if l.serial == e.Serial && l.typ == "reply" {
				assert.Equal(t, l.length, e.BytesReceived, "%s reply", e.Method)
			}
		}
	}
	assert.Equal(t, 2, opened, "stream-opening calls traced")
	assert.NotContains(t, wt.String(), "virtwirevirtwire", "stream data is never printed")
}

func TestSecretValuesNeverInWireTrace(t *testing.T) {
	wt := &syncBuffer{}
	_, c := tracedClient(t, libvirt.WithWireTrace(wt))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sec, err := c.SecretDefineXML(ctx, `<secret ephemeral='no' private='no'><usage type='volume'><volume>/v/a.img</volume></usage></secret>`, 0)
	require.NoError(t, err)
	value := []byte("correct horse battery staple")
	require.NoError(t, c.SecretSetValue(ctx, sec, value, 0))
	got, err := c.SecretGetValue(ctx, sec, 0)
	require.NoError(t, err)
	require.Equal(t, value, got)

	out := wt.String()
	assert.NotContains(t, out, "horse")
	lines := parseTrace(t, out)
	var set, get bool
	for _, l := range lines {
		switch {
		case l.typ == "call" && l.proc == "remote.SecretSetValue":
			set = true
			assert.Contains(t, l.body, "Value: <redacted 28 bytes>")
			assert.Contains(t, l.body, "UsageID: \"/v/a.img\"", "the rest of the message is shown")
		case l.typ == "reply" && l.proc == "remote.SecretGetValue":
			get = true
			assert.Equal(t, "{Value: <redacted 28 bytes>}", l.body)
		}
	}
	assert.True(t, set && get, "set and get lines missing from:\n%s", out)
}

func TestEventTracerCountsDeliveriesAndDrops(t *testing.T) {
	rec := &recorder{evSeen: make(chan struct{}, 16)}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	wt := &syncBuffer{}
	_, c := tracedClient(t, libvirt.WithTracer(rec), libvirt.WithLogger(logger), libvirt.WithWireTrace(wt))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, nil, libvirt.WithEventBuffer(1))
	require.NoError(t, err)
	defer sub.Close()
	// Four lifecycle events nobody reads: defined, started, stopped, undefined.
	dom, err := c.DomainDefineXML(ctx, domainXML("evtrace"))
	require.NoError(t, err)
	_, err = c.DomainCreate(ctx, dom)
	require.NoError(t, err)
	require.NoError(t, c.DomainDestroy(ctx, dom))
	require.NoError(t, c.DomainUndefine(ctx, dom))
	// The daemon may send the events after the replies: wait for all four.
	for i := 0; i < 4; i++ {
		select {
		case <-rec.evSeen:
		case <-ctx.Done():
			t.Fatalf("event tracer saw %d of 4 lifecycle events", i)
		}
	}
	rec.mu.Lock()
	ev := append([]libvirt.TraceEventEndData(nil), rec.eEnds...)
	evStarts := append([]libvirt.TraceEventStartData(nil), rec.eStarts...)
	evSpans := append([][2]any(nil), rec.eSpans...)
	rec.mu.Unlock()
	require.Len(t, ev, 4)
	require.Len(t, evStarts, 4)
	// Each event's start counts its whole frame, as the wire trace does,
	// and its end gets the context its start returned.
	var frames []int
	for _, l := range parseTrace(t, wt.String()) {
		if l.typ == "event" {
			frames = append(frames, l.length)
		}
	}
	require.Len(t, frames, 4)
	for i, s := range evStarts {
		assert.Equal(t, frames[i], s.BytesReceived, "event %d", i)
		assert.Equal(t, "DomainEventCallbackLifecycle", s.Method)
		assert.Equal(t, evSpans[i][0], evSpans[i][1], "event %d", i)
	}
	dropped := 0
	for _, e := range ev {
		assert.Equal(t, "DomainEventCallbackLifecycle", e.Method)
		assert.Equal(t, sub.CallbackID(), e.CallbackID)
		assert.Equal(t, 1, e.Delivered)
		assert.IsType(t, &libvirt.DomainEventCallbackLifecycleMsg{}, e.Event)
		assert.NoError(t, e.Err)
		dropped += e.Dropped
	}
	assert.Equal(t, 3, dropped)
	assert.Equal(t, uint64(3), sub.Dropped())
	// Logged at the 1st and 2nd drop, not the 3rd.
	out := logs.String()
	assert.Equal(t, 2, strings.Count(out, "events dropped"), "log:\n%s", out)
	assert.Contains(t, out, "level=WARN")
	assert.Contains(t, out, "dropped=2")
}

func TestLoggerReportsDisconnect(t *testing.T) {
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := libvirttest.New(t, libvirttest.WithDropAfter(1))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := srv.Client(ctx, libvirt.WithLogger(logger))
	require.NoError(t, err)
	defer c.Close()
	_, err = c.ConnectGetLibVersion(ctx)
	var de *libvirt.DisconnectedError
	require.True(t, errors.As(err, &de), "got %v", err)
	<-c.Disconnected()
	out := logs.String()
	assert.Contains(t, out, "level=WARN msg=\"libvirt: connection lost\"")
	assert.Contains(t, out, "uri=test:///default")

	// A Close by the owner logs at Debug only.
	logs2 := &syncBuffer{}
	_, c2 := tracedClient(t, libvirt.WithLogger(slog.New(slog.NewTextHandler(logs2, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, c2.Close())
	assert.Contains(t, logs2.String(), "level=DEBUG msg=\"libvirt: connection closed\"")
	assert.NotContains(t, logs2.String(), "WARN")
}

// TestLoggerReportsSupervisorReconnect restarts the fake daemon under a
// Supervisor with a logger: the disconnect is logged at Warn, failed
// redials at Debug, the reconnection at Info with the count.
func TestLoggerReportsSupervisorReconnect(t *testing.T) {
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sock := filepath.Join(t.TempDir(), "libvirt-sock")
	srv, err := libvirttest.NewServer(libvirttest.WithUnixSocket(sock))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sup, err := libvirt.Supervise(ctx, srv.URI(), libvirt.SupervisorConfig{MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond},
		libvirt.WithLogger(logger))
	require.NoError(t, err)
	defer sup.Close()
	old := sup.Client()
	require.NoError(t, srv.Close())
	select {
	case <-old.Disconnected():
	case <-ctx.Done():
		t.Fatal("the client did not notice the daemon closing")
	}
	srv2, err := libvirttest.NewServer(libvirttest.WithUnixSocket(sock))
	require.NoError(t, err)
	defer srv2.Close()
	_, err = sup.Wait(ctx)
	require.NoError(t, err, "waiting for the reconnection")
	// Wait returns once the new client is installed; the Info line is
	// written just after, by the supervisor's goroutine: Close waits for it.
	require.NoError(t, sup.Close())
	out := logs.String()
	assert.Contains(t, out, `level=WARN msg="libvirt: connection lost"`)
	assert.Contains(t, out, `level=WARN msg="libvirt: supervised connection down, redialling"`)
	assert.Contains(t, out, `level=INFO msg="libvirt: supervised connection reconnected"`)
	assert.Contains(t, out, "reconnects=1")
}

// TestTracerSeesAbandonedStreamOpen cancels a stream opening while the
// daemon delays it: the tracer is told the call failed with the context's
// error, and the opening that completes in the background (then aborted)
// does not disturb later traced calls (run with -race).
func TestTracerSeesAbandonedStreamOpen(t *testing.T) {
	rec := &recorder{}
	srv := libvirttest.New(t, libvirttest.WithDelay(libvirt.ProcStorageVolUpload, 200*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := srv.Client(ctx, libvirt.WithTracer(rec))
	require.NoError(t, err)
	defer c.Close()
	vol := newVolume(ctx, t, c, "slow.raw", 1048576)
	octx, ocancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer ocancel()
	_, err = c.StorageVolUpload(octx, vol, 0, 0, 0)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	for i := 0; i < 20; i++ { // calls while the opening completes behind them
		_, err := c.ConnectGetLibVersion(ctx)
		require.NoError(t, err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var up *callEnd
	for i := range rec.ends {
		if rec.ends[i].Method == "StorageVolUpload" {
			up = &rec.ends[i]
		}
	}
	require.NotNil(t, up, "no end hook for the abandoned upload")
	assert.ErrorIs(t, up.Err, context.DeadlineExceeded)
	assert.Empty(t, rec.sStarts, "no stream was opened")
	for _, e := range rec.ends {
		if e.Method == "ConnectGetLibVersion" {
			assert.NoError(t, e.Err)
			assert.Equal(t, int32(libvirt.ProcConnectGetLibVersion), e.Procedure)
		}
	}
}

// A StreamTracer counts the holes of a sparse upload, and only holes that
// were sent (SendHole on a plain stream fails and counts nothing).
func TestStreamTraceCountsHoles(t *testing.T) {
	rec := &recorder{}
	_, c := tracedClient(t, libvirt.WithTracer(rec))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	vol := newVolume(ctx, t, c, "holes.raw", 1048576)
	for _, sparse := range []bool{true, false} {
		var flags libvirt.StorageVolUploadFlags
		if sparse {
			flags = libvirt.StorageVolUploadSparseStream
		}
		up, err := c.StorageVolUpload(ctx, vol, 0, 0, flags)
		require.NoError(t, err)
		_, err = up.Write([]byte("head"))
		require.NoError(t, err)
		err = up.SendHole(8192)
		assert.Equal(t, sparse, err == nil, "SendHole on a sparse stream: %v", err)
		require.NoError(t, up.Finish())
	}
	rec.mu.Lock()
	ends := rec.sEnds
	rec.mu.Unlock()
	require.Len(t, ends, 2)
	assert.Equal(t, int64(8192), ends[0].Holes, "sparse upload")
	assert.Equal(t, int64(0), ends[1].Holes, "plain upload")
}

// A sparse upload from a file (ReadFrom) reports the file's holes as
// Holes and only its data as BytesSent, wherever the holes lie; a sparse
// download into a file (WriteTo) reports them as received.
func TestStreamTraceCountsFileHoles(t *testing.T) {
	const size, run, second = 2 << 20, 4 << 10, 1 << 20
	path := filepath.Join(t.TempDir(), "holey.raw")
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	data := bytes.Repeat([]byte{0x5a}, run)
	for _, off := range []int64{0, second} {
		_, err := f.WriteAt(data, off)
		require.NoError(t, err)
	}
	require.NoError(t, f.Truncate(size))
	if d, err := f.Seek(run, 3 /* SEEK_DATA */); err != nil || d != second {
		t.Skipf("the file system does not report the file's holes (SEEK_DATA from %d: %d, %v)", run, d, err)
	}
	_, err = f.Seek(0, io.SeekStart)
	require.NoError(t, err)

	rec := &recorder{}
	_, c := tracedClient(t, libvirt.WithTracer(rec))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	vol := newVolume(ctx, t, c, "fileholes.raw", 2097152)
	up, err := c.StorageVolUpload(ctx, vol, 0, 0, libvirt.StorageVolUploadSparseStream)
	require.NoError(t, err)
	n, err := libvirt.CopyWithin(t, "ReadFrom", func() (int64, error) { return up.ReadFrom(f) })
	require.NoError(t, err)
	require.Equal(t, int64(size), n)
	require.NoError(t, up.Finish())

	// Downloaded into a file (WriteTo), the same volume counts the same
	// data and holes as received.
	down, err := c.StorageVolDownload(ctx, vol, 0, 0, libvirt.StorageVolDownloadSparseStream)
	require.NoError(t, err)
	out, err := os.Create(filepath.Join(t.TempDir(), "copy.raw"))
	require.NoError(t, err)
	defer out.Close()
	n, err = libvirt.CopyWithin(t, "WriteTo", func() (int64, error) { return down.WriteTo(out) })
	require.NoError(t, err)
	require.Equal(t, int64(size), n)
	require.NoError(t, down.Finish())

	rec.mu.Lock()
	ends := rec.sEnds
	rec.mu.Unlock()
	require.Len(t, ends, 2)
	assert.Equal(t, int64(2*run), ends[0].BytesSent, "data sent")
	assert.Equal(t, int64(size-2*run), ends[0].Holes, "holes sent")
	assert.Equal(t, int64(2*run), ends[1].BytesReceived, "data received")
	assert.Equal(t, int64(size-2*run), ends[1].Holes, "holes received")
}

// A call that opens a stream with a reply body (a screenshot's MIME type)
// counts the reply's whole frame, as the wire trace does.
func TestStreamOpeningCallCountsItsReply(t *testing.T) {
	rec := &recorder{}
	wt := &syncBuffer{}
	_, c := tracedClient(t, libvirt.WithTracer(rec), libvirt.WithWireTrace(wt))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dom, err := c.DomainDefineXML(ctx, domainXML("shot"))
	require.NoError(t, err)
	_, err = c.DomainCreate(ctx, dom)
	require.NoError(t, err)
	st, mime, err := c.DomainScreenshot(ctx, dom, 0, 0)
	require.NoError(t, err)
	require.NotNil(t, mime)
	_, err = io.ReadAll(st)
	require.NoError(t, err)
	require.NoError(t, st.Close())

	rec.mu.Lock()
	calls := rec.ends
	rec.mu.Unlock()
	var shot *callEnd
	for i := range calls {
		if calls[i].Method == "DomainScreenshot" {
			shot = &calls[i]
		}
	}
	require.NotNil(t, shot, "the screenshot call was not traced")
	var reply *traceLine
	for _, l := range parseTrace(t, wt.String()) {
		if l.serial == shot.Serial && l.typ == "reply" {
			reply = &l
		}
	}
	require.NotNil(t, reply, "no reply line for the screenshot call")
	assert.Greater(t, reply.length, 28, "the reply carries the MIME type")
	assert.Equal(t, reply.length, shot.BytesReceived)
}

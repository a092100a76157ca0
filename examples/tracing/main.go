// Command tracing shows the Tracer hook feeding OpenTelemetry spans and a
// Prometheus latency histogram, the way a service that embeds virtwire
// would wire it. It lives in its own module so that the library itself
// depends on no tracing or metrics package.
//
//	cd examples/tracing && go run .
//
// With no -uri it runs against the embedded fake daemon (libvirttest). It
// defines, starts and lists a guest, uploads and downloads a volume under
// one parent span, then prints the spans (OpenTelemetry's stdout
// exporter) and the histogram in Prometheus's text format.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/libvirttest"
)

// hook implements libvirt.Tracer and libvirt.StreamTracer: one client
// span per call and per stream, and a latency histogram per method and
// outcome.
type hook struct {
	tr      trace.Tracer
	latency *prometheus.HistogramVec
}

func newHook(tp trace.TracerProvider, reg prometheus.Registerer) *hook {
	h := &hook{
		tr: tp.Tracer("github.com/virtwire/libvirt"),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "libvirt_call_duration_seconds",
			Help:    "Duration of libvirt RPC calls by method and outcome.",
			Buckets: prometheus.ExponentialBuckets(50e-6, 2, 16), // 50 µs .. 1.6 s
		}, []string{"method", "code"}),
	}
	reg.MustRegister(h.latency)
	return h
}

func (h *hook) TraceCallStart(ctx context.Context, _ *libvirt.Client, d libvirt.TraceCallStartData) context.Context {
	ctx, _ = h.tr.Start(ctx, "libvirt "+d.Method, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			attribute.String("rpc.system", "libvirt"),
			attribute.String("rpc.service", d.ProgramName),
			attribute.String("rpc.method", d.Method),
			attribute.String("libvirt.function", d.CFunc),
			attribute.String("libvirt.uri", d.URI), // already redacted
			attribute.Int("libvirt.request.bytes", d.BytesSent),
		))
	return ctx
}

func (h *hook) TraceCallEnd(ctx context.Context, _ *libvirt.Client, d libvirt.TraceCallEndData) {
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(attribute.Int64("libvirt.serial", int64(d.Serial)),
		attribute.Int("libvirt.response.bytes", d.BytesReceived))
	code := "ok"
	if d.Err != nil {
		code = "error"
		var le *libvirt.Error
		if errors.As(d.Err, &le) {
			code = le.Code.GoString() // a stable label: the Go constant name
		}
		span.RecordError(d.Err)
		span.SetStatus(codes.Error, code)
	}
	span.End()
	h.latency.WithLabelValues(d.Method, code).Observe(d.Duration.Seconds())
}

func (h *hook) TraceStreamStart(ctx context.Context, _ *libvirt.Client, d libvirt.TraceStreamStartData) context.Context {
	ctx, _ = h.tr.Start(ctx, "libvirt stream "+d.Method, trace.WithAttributes(
		attribute.Int64("libvirt.serial", int64(d.Serial)), attribute.Bool("libvirt.stream.sparse", d.Sparse)))
	return ctx
}

func (h *hook) TraceStreamEnd(ctx context.Context, _ *libvirt.Client, d libvirt.TraceStreamEndData) {
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(attribute.Int64("libvirt.stream.sent", d.BytesSent),
		attribute.Int64("libvirt.stream.received", d.BytesReceived),
		attribute.Bool("libvirt.stream.aborted", d.Aborted))
	if d.Err != nil {
		span.RecordError(d.Err)
		span.SetStatus(codes.Error, d.Err.Error())
	}
	span.End()
}

func main() {
	uri := flag.String("uri", "", "libvirt connection URI (empty: an embedded fake daemon)")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// A real service exports to a collector (OTLP); the example keeps the
	// spans in memory and prints them.
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	defer tp.Shutdown(context.Background())
	reg := prometheus.NewRegistry()
	opts := []libvirt.Option{libvirt.WithTracer(newHook(tp, reg))}

	var c *libvirt.Client
	var err error
	if *uri != "" {
		c, err = libvirt.Dial(ctx, *uri, opts...)
	} else {
		var srv *libvirttest.Server
		if srv, err = libvirttest.NewServer(); err != nil {
			log.Fatal(err)
		}
		defer srv.Close()
		c, err = srv.Client(ctx, opts...)
	}
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	// Every call below nests under this span.
	ctx, parent := tp.Tracer("example").Start(ctx, "provision guest")
	if err := work(ctx, c); err != nil {
		log.Fatal(err)
	}
	parent.End()
	printSpans(exp.GetSpans())

	mfs, err := reg.Gather()
	if err != nil {
		log.Fatal(err)
	}
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(os.Stdout, mf); err != nil {
			log.Fatal(err)
		}
	}
}

func work(ctx context.Context, c *libvirt.Client) error {
	dom, err := c.DomainDefineXML(ctx, `<domain type='test'><name>traced</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>`)
	if err != nil {
		return err
	}
	if _, err := c.DomainCreate(ctx, dom); err != nil {
		return err
	}
	if _, err := c.ConnectListAllDomains(ctx, 0); err != nil {
		return err
	}
	if _, err := c.DomainLookupByName(ctx, "missing"); !errors.Is(err, libvirt.ErrNoDomain) {
		return fmt.Errorf("looking up a missing domain: %v", err)
	}
	pool, err := c.StoragePoolLookupByName(ctx, "default-pool")
	if err != nil {
		return err
	}
	vol, err := c.StorageVolCreateXML(ctx, pool, `<volume><name>traced.raw</name><capacity>1048576</capacity></volume>`, 0)
	if err != nil {
		return err
	}
	up, err := c.StorageVolUpload(ctx, vol, 0, 0, 0)
	if err != nil {
		return err
	}
	if _, err := io.Copy(up, bytes.NewReader(make([]byte, 300000))); err != nil {
		return err
	}
	if err := up.Finish(); err != nil {
		return err
	}
	if err := c.DomainDestroy(ctx, dom); err != nil {
		return err
	}
	return c.DomainUndefine(ctx, dom)
}

// printSpans prints one line per span, indented under its parent.
func printSpans(spans tracetest.SpanStubs) {
	depth := map[trace.SpanID]int{}
	for i := len(spans) - 1; i >= 0; i-- { // parents end last
		s := spans[i]
		d := 0
		if s.Parent.IsValid() {
			d = depth[s.Parent.SpanID()] + 1
		}
		depth[s.SpanContext.SpanID()] = d
	}
	for _, s := range spans {
		attrs := ""
		for _, a := range s.Attributes {
			switch a.Key {
			case "libvirt.serial", "libvirt.stream.sent", "libvirt.response.bytes":
				attrs += fmt.Sprintf(" %s=%s", a.Key, a.Value.Emit())
			}
		}
		status := ""
		if s.Status.Code == codes.Error {
			status = " error=" + s.Status.Description
		}
		fmt.Printf("%*s%s %v%s%s\n", 2*depth[s.SpanContext.SpanID()], "", s.Name, s.EndTime.Sub(s.StartTime).Round(time.Microsecond), attrs, status)
	}
}

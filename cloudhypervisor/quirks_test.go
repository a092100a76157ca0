package cloudhypervisor_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	ch "github.com/virtwire/libvirt/cloudhypervisor"
	"github.com/virtwire/libvirt/cloudhypervisor/chtest"
)

// rawRequest sends one HTTP request on a new connection to the fake.
func rawRequest(t *testing.T, socket, request string) (*http.Response, string) {
	t.Helper()
	c, err := net.Dial("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestShutdownVMMAnswers200: the real server answers 200 where the spec
// says 204; the client accepts it.
func TestShutdownVMMAnswers200(t *testing.T) {
	fake := chtest.New(t, chtest.Options{})
	v := newClient(t, fake)
	resp, err := v.Generated().ShutdownVMM(ctxT(t))
	must(t, "raw vmm.shutdown", err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("vmm.shutdown status = %d, want 200", resp.StatusCode)
	}

	fake2 := chtest.New(t, chtest.Options{})
	v2 := newClient(t, fake2)
	must(t, "ShutdownVMM with 200 answer", v2.ShutdownVMM(ctxT(t)))
}

// TestErrorChainJSON decodes the v47+ JSON array error body, which
// starts with "Error from API" (v53.0: HttpError::ApiError wraps the
// operation's ApiError and its VmError causes). Boot without a VM is
// VmMissingConfig, 404 from v53.0.
func TestErrorChainJSON(t *testing.T) {
	fake := chtest.New(t, chtest.Options{ErrorBody: chtest.ErrorBodyJSON})
	v := newClient(t, fake)
	err := v.Boot(ctxT(t))
	var e *ch.Error
	if !errors.As(err, &e) {
		t.Fatalf("boot without VM: %v, want *Error", err)
	}
	want := []string{"Error from API", "The VM could not boot", "VM config is missing"}
	if e.StatusCode != 404 || !slices.Equal(e.Chain, want) || string(e.Body) != `["Error from API","The VM could not boot","VM config is missing"]` {
		t.Fatalf("error = %d %q body %s", e.StatusCode, e.Chain, e.Body)
	}
	if got := e.Error(); got != "cloudhypervisor: PUT /vm.boot: 404 Not Found: Error from API: The VM could not boot: VM config is missing" {
		t.Fatalf("Error() = %q", got)
	}
}

// TestErrorChainText decodes the pre-v47 plain-text error body (with the
// all-500 statuses of those releases).
func TestErrorChainText(t *testing.T) {
	fake := chtest.New(t, chtest.Options{Release: chtest.ReleaseV52, ErrorBody: chtest.ErrorBodyText})
	v := newClient(t, fake)
	resp, err := v.Generated().BootVM(ctxT(t))
	must(t, "raw boot", err)
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("content type %q, want the mislabelled application/json", ct)
	}
	err = v.Boot(ctxT(t))
	var e *ch.Error
	if !errors.As(err, &e) {
		t.Fatalf("boot without VM: %v, want *Error", err)
	}
	if e.StatusCode != 500 || !slices.Equal(e.Chain, []string{"Error from API: The VM could not boot: VM config is missing"}) {
		t.Fatalf("error = %d %q", e.StatusCode, e.Chain)
	}
}

// TestWrongMethodIs400: the real server answers 400 ["Bad Request"] (not
// the spec's 405) for GET/PUT on the wrong path, a bare 400 for other
// methods on VmActionHandler paths, and 404 ["Not Found"] for unknown
// paths; every answer names "Cloud Hypervisor API" as Server (v53.0,
// vmm/src/api/http/mod.rs).
func TestWrongMethodIs400(t *testing.T) {
	fake := chtest.New(t, chtest.Options{})
	cases := []struct {
		req, body string
		status    int
	}{
		{"GET /api/v1/vm.boot HTTP/1.1\r\nHost: localhost\r\n\r\n", `["Bad Request"]`, 400},
		{"PUT /api/v1/vm.boot HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}", `["Bad Request"]`, 400},
		{"POST /api/v1/vm.boot HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n", ``, 400},
		{"POST /api/v1/vm.info HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n", `["Bad Request"]`, 400},
		{"PUT /api/v1/vm.create HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n", ``, 400},
		{"PUT /api/v1/vm.add-disk HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n", `["Bad Request"]`, 400},
		{"GET /api/v1/vm.nothing HTTP/1.1\r\nHost: localhost\r\n\r\n", `["Not Found"]`, 404},
		{"GET /api/vm.info HTTP/1.1\r\nHost: localhost\r\n\r\n", `["Not Found"]`, 404},
	}
	for _, c := range cases {
		resp, body := rawRequest(t, fake.SocketPath(), c.req)
		line, _, _ := strings.Cut(c.req, "\r\n")
		if resp.StatusCode != c.status || body != c.body || resp.Header.Get("Server") != "Cloud Hypervisor API" {
			t.Errorf("%s = %d %q (Server %q), want %d %q", line, resp.StatusCode, body, resp.Header.Get("Server"), c.status, c.body)
		}
	}
}

// TestChunkedBodyRefused: the server needs Content-Length; the fake
// refuses chunked bodies and counts them, so TestAllOperations' zero
// count is meaningful.
func TestChunkedBodyRefused(t *testing.T) {
	fake := chtest.New(t, chtest.Options{})
	resp, body := rawRequest(t, fake.SocketPath(),
		"PUT /api/v1/vm.create HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
	if resp.StatusCode != http.StatusBadRequest || fake.Stats().WithoutContentLength != 1 {
		t.Fatalf("chunked create = %d %s, counted %d", resp.StatusCode, body, fake.Stats().WithoutContentLength)
	}
}

// TestSpecValidationRejects: a body that violates the spec is refused
// before reaching the handlers and recorded.
func TestSpecValidationRejects(t *testing.T) {
	fake := chtest.New(t, chtest.Options{})
	v := newClient(t, fake)
	resp, err := v.Generated().CreateVMWithBody(ctxT(t), "application/json", strings.NewReader(`{"payload":{"kernel":7}}`))
	must(t, "raw create", err)
	resp.Body.Close()
	st := fake.Stats()
	if resp.StatusCode != http.StatusBadRequest || len(st.ValidationFailures) != 1 {
		t.Fatalf("invalid create = %d, validation failures %v", resp.StatusCode, st.ValidationFailures)
	}
	if _, _, ok := fake.VM(); ok {
		t.Fatal("invalid create defined a VM")
	}
}

// TestUnknownFieldsIgnored: answers carry a field the spec lacks.
func TestUnknownFieldsIgnored(t *testing.T) {
	fake := chtest.New(t, chtest.Options{})
	v := newClient(t, fake)
	resp, err := v.Generated().GetVmmPing(ctxT(t))
	must(t, "raw ping", err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "chtest_field_not_in_spec") {
		t.Fatalf("ping body %s lacks the extra field", body)
	}
	if _, err := v.Ping(ctxT(t)); err != nil {
		t.Fatalf("ping with unknown field: %v", err)
	}
}

// TestHandlerErrorsAreNotRetried: a 503 that mentions the connection
// limit but comes from a handler, after the request was read, is not a
// refusal; repeating it would run a non-idempotent operation again.
func TestHandlerErrorsAreNotRetried(t *testing.T) {
	fake := chtest.New(t, chtest.Options{})
	v := newClient(t, fake)
	ctx := ctxT(t)
	must(t, "create", v.Create(ctx, testConfig()))
	must(t, "boot", v.Boot(ctx))
	fake.Inject("/vm.reboot", chtest.Fault{Times: 50, Status: 503, Chain: []string{"Too many open connections"}})
	err := v.Reboot(ctx)
	if !ch.IsStatus(err, 503) {
		t.Fatalf("reboot with a handler 503: %v", err)
	}
	if n := fake.Stats().Requests["PUT /vm.reboot"]; n != 1 {
		t.Fatalf("vm.reboot sent %d times, want 1", n)
	}
}

// TestFaultInjection covers an injected error, a delay and a dropped
// connection (which the client does not retry: the request may have run).
func TestFaultInjection(t *testing.T) {
	fake := chtest.New(t, chtest.Options{})
	v := newClient(t, fake)
	ctx := ctxT(t)
	must(t, "create", v.Create(ctx, testConfig()))

	fake.Inject("/vm.boot", chtest.Fault{Times: 1, Status: 500, Chain: []string{"Error booting the VM", "injected"}})
	var e *ch.Error
	if err := v.Boot(ctx); !errors.As(err, &e) || !slices.Equal(e.Chain, []string{"Error booting the VM", "injected"}) {
		t.Fatalf("injected boot failure: %v", err)
	}
	must(t, "boot after the one-shot fault", v.Boot(ctx))

	fake.Inject("/vm.info", chtest.Fault{Delay: 300 * time.Millisecond})
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := v.Info(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("delayed info: %v, want deadline exceeded", err)
	}
	fake.ClearFaults()

	before := fake.Stats().Requests["PUT /vm.pause"]
	fake.Inject("/vm.pause", chtest.Fault{Times: 1, Drop: true})
	err := v.Pause(ctx)
	if err == nil || errors.As(err, &e) {
		t.Fatalf("dropped pause: %v, want a transport error", err)
	}
	if n := fake.Stats().Requests["PUT /vm.pause"] - before; n != 1 {
		t.Fatalf("dropped pause sent %d times, want 1", n)
	}
}

// TestWaitForState waits for a boot done by someone else.
func TestWaitForState(t *testing.T) {
	fake := chtest.New(t, chtest.Options{})
	v := newClient(t, fake)
	other := newClient(t, fake)
	ctx := ctxT(t)
	go func() {
		time.Sleep(30 * time.Millisecond)
		_ = other.Create(ctx, testConfig())
		time.Sleep(30 * time.Millisecond)
		_ = other.Boot(ctx)
	}()
	info, err := v.WaitForState(ctx, ch.VmStateRunning, 5*time.Millisecond)
	if err != nil || info.State != ch.VmStateRunning {
		t.Fatalf("wait: %v %v", info, err)
	}
	short, cancel := context.WithTimeout(ctx, 40*time.Millisecond)
	defer cancel()
	if _, err := v.WaitForState(short, ch.VmStatePaused, 5*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "state Running") {
		t.Fatalf("wait timeout: %v", err)
	}
}

// TestNewRejectsBadOptions checks option validation.
func TestNewRejectsBadOptions(t *testing.T) {
	if _, err := ch.New(""); err == nil {
		t.Error("empty socket accepted")
	}
	if _, err := ch.New("/x", ch.WithMaxConns(11)); err == nil {
		t.Error("11 connections accepted")
	}
	if _, err := ch.New("/x", ch.WithRetry(0, time.Millisecond)); err == nil {
		t.Error("0 attempts accepted")
	}
}

package cloudhypervisor_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ch "github.com/virtwire/libvirt/cloudhypervisor"
)

// hostile is a raw unix-socket server that answers each connection with
// serve(conn, index). It stands for a broken or hostile peer, which the
// fake (modelling the real server) never is.
type hostile struct {
	ln       net.Listener
	wg       sync.WaitGroup
	conns    atomic.Int32
	requests atomic.Int32 // requests read completely
}

func newHostile(t *testing.T, serve func(h *hostile, c net.Conn, index int)) *hostile {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "api.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	h := &hostile{ln: ln}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			i := int(h.conns.Add(1)) - 1
			h.wg.Add(1)
			go func() {
				defer h.wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				serve(h, c, i)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); h.wg.Wait() })
	return h
}

// readRequest reads one complete request (headers and body) from c.
func (h *hostile) readRequest(br *bufio.Reader) error {
	req, err := http.ReadRequest(br)
	if err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, req.Body); err != nil {
		return err
	}
	h.requests.Add(1)
	return nil
}

// answerWith reads the request, then writes head followed by body.
func answerWith(head string, body func(w io.Writer)) func(*hostile, net.Conn, int) {
	return func(h *hostile, c net.Conn, _ int) {
		if h.readRequest(bufio.NewReader(c)) != nil {
			return
		}
		bw := bufio.NewWriter(c)
		_, _ = io.WriteString(bw, head)
		if body != nil {
			body(bw)
		}
		_ = bw.Flush()
	}
}

// repeat writes n bytes of b.
func repeat(w io.Writer, b byte, n int) {
	chunk := []byte(strings.Repeat(string(b), 64<<10))
	for n > 0 {
		k := min(n, len(chunk))
		if _, err := w.Write(chunk[:k]); err != nil {
			return
		}
		n -= k
	}
}

const refusal = "HTTP/1.1 503\r\nServer: Firecracker API\r\nConnection: close\r\nContent-Length: 40\r\n\r\n{ \"error\": \"Too many open connections\" }"

// TestHostileServer runs the client against answers a correct server
// never sends and checks each gives a clear error (logged for the record).
func TestHostileServer(t *testing.T) {
	const mib = 1 << 20
	cases := []struct {
		name  string
		serve func(*hostile, net.Conn, int)
		call  func(v *ch.VMM) error
		check func(t *testing.T, err error)
	}{
		{"empty 200 for vm.info", answerWith("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", nil),
			func(v *ch.VMM) error { _, err := v.Info(ctxT(t)); return err },
			func(t *testing.T, err error) {
				if !errors.Is(err, ch.ErrUnexpectedAnswer) {
					t.Errorf("want ErrUnexpectedAnswer")
				}
			}},
		{"null 200 for vmm.ping", answerWith("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnull", nil),
			func(v *ch.VMM) error { _, err := v.Ping(ctxT(t)); return err },
			func(t *testing.T, err error) {
				if !errors.Is(err, ch.ErrUnexpectedAnswer) {
					t.Errorf("want ErrUnexpectedAnswer")
				}
			}},
		{"null 200 for vm.counters", answerWith("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnull", nil),
			func(v *ch.VMM) error { _, err := v.Counters(ctxT(t)); return err },
			func(t *testing.T, err error) {
				if !errors.Is(err, ch.ErrUnexpectedAnswer) {
					t.Errorf("want ErrUnexpectedAnswer")
				}
			}},
		{"{} 200 for vm.info (no state)", answerWith("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", nil),
			func(v *ch.VMM) error { _, err := v.Info(ctxT(t)); return err },
			func(t *testing.T, err error) {
				if !errors.Is(err, ch.ErrUnexpectedAnswer) {
					t.Errorf("want ErrUnexpectedAnswer")
				}
			}},
		{"empty 200 for vm.add-disk", answerWith("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", nil),
			func(v *ch.VMM) error { _, err := v.AddDisk(ctxT(t), ch.DiskConfig{Path: ptr("/d")}); return err },
			func(t *testing.T, err error) {
				if !errors.Is(err, ch.ErrUnexpectedAnswer) {
					t.Errorf("want ErrUnexpectedAnswer")
				}
			}},
		{"truncated 200 for vm.info", answerWith("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"state\":", nil),
			func(v *ch.VMM) error { _, err := v.Info(ctxT(t)); return err },
			func(t *testing.T, err error) {
				if !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("want io.ErrUnexpectedEOF")
				}
			}},
		{"20 MiB error body with Content-Length", answerWith(fmt.Sprintf("HTTP/1.1 500 Internal Server Error\r\nContent-Length: %d\r\n\r\n", 20*mib),
			func(w io.Writer) { repeat(w, 'x', 20*mib) }),
			func(v *ch.VMM) error { return v.Boot(ctxT(t)) },
			func(t *testing.T, err error) {
				var e *ch.Error
				if !errors.Is(err, ch.ErrResponseTooLarge) || !errors.As(err, &e) || e.StatusCode != 500 || !e.Truncated {
					t.Errorf("want a truncated 500 *Error matching ErrResponseTooLarge")
				}
			}},
		{"20 MiB error chain without Content-Length", answerWith("HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\n\r\n",
			func(w io.Writer) {
				_, _ = io.WriteString(w, `["`)
				repeat(w, 'x', 20*mib)
				_, _ = io.WriteString(w, `"]`)
			}),
			func(v *ch.VMM) error { return v.Boot(ctxT(t)) },
			func(t *testing.T, err error) {
				var e *ch.Error
				if !errors.Is(err, ch.ErrResponseTooLarge) || !errors.As(err, &e) || len(e.Body) > 4096 {
					t.Errorf("want ErrResponseTooLarge with at most 4 KiB of body kept")
				}
			}},
		{"1 MiB error chain (under the limit)", answerWith(fmt.Sprintf("HTTP/1.1 500 Internal Server Error\r\nContent-Length: %d\r\n\r\n", mib+8),
			func(w io.Writer) {
				_, _ = io.WriteString(w, `["a","`)
				repeat(w, 'y', mib)
				_, _ = io.WriteString(w, `"]`)
			}),
			func(v *ch.VMM) error { return v.Boot(ctxT(t)) },
			func(t *testing.T, err error) {
				var e *ch.Error
				if !errors.As(err, &e) || len(e.Chain) != 2 || len(e.Chain[1]) != mib {
					t.Errorf("want the decoded 2-element chain")
				}
			}},
		{"100000-element error chain", answerWith("HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\n\r\n",
			func(w io.Writer) {
				_, _ = io.WriteString(w, `["e0"`)
				for i := 1; i < 100000; i++ {
					fmt.Fprintf(w, `,"e%d"`, i)
				}
				_, _ = io.WriteString(w, `]`)
			}),
			func(v *ch.VMM) error { return v.Boot(ctxT(t)) },
			func(t *testing.T, err error) {
				var e *ch.Error
				if !errors.As(err, &e) || len(e.Chain) != 100000 || !strings.Contains(err.Error(), "more chain elements") {
					t.Errorf("want the whole chain decoded and Error() shortened")
				}
			}},
		{"17 MiB 200 for vm.info", answerWith(fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", 17*mib+28),
			func(w io.Writer) {
				_, _ = io.WriteString(w, `{"state":"Running","pad":"`)
				repeat(w, 'z', 17*mib)
				_, _ = io.WriteString(w, `"}`)
			}),
			func(v *ch.VMM) error { _, err := v.Info(ctxT(t)); return err },
			func(t *testing.T, err error) {
				if !errors.Is(err, ch.ErrResponseTooLarge) {
					t.Errorf("want ErrResponseTooLarge")
				}
			}},
		{"refusal after reading the request", answerWith(refusal, nil),
			func(v *ch.VMM) error { return v.Reboot(ctxT(t)) },
			func(t *testing.T, err error) {
				if !ch.IsStatus(err, 503) {
					t.Errorf("want the 503, not retried")
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHostile(t, c.serve)
			v, err := ch.New(h.ln.Addr().String(), ch.WithRetry(5, time.Millisecond))
			must(t, "new", err)
			defer v.Close()
			err = c.call(v)
			if err == nil {
				t.Fatal("no error")
			}
			if n := len(err.Error()); n > 4096 {
				t.Errorf("Error() is %d bytes, want at most 4096", n)
			}
			t.Logf("error (%d bytes): %.300s", len(err.Error()), err.Error())
			c.check(t, err)
			if n := h.conns.Load(); n != 1 {
				t.Errorf("%d connections, want 1 (no retry)", n)
			}
		})
	}
}

// TestLargerResponseLimit: WithMaxResponseSize raises the limit; the
// 17 MiB vm.info then decodes (its unknown field is ignored).
func TestLargerResponseLimit(t *testing.T) {
	const mib = 1 << 20
	h := newHostile(t, answerWith(fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", 17*mib+28),
		func(w io.Writer) {
			_, _ = io.WriteString(w, `{"state":"Running","pad":"`)
			repeat(w, 'z', 17*mib)
			_, _ = io.WriteString(w, `"}`)
		}))
	v, err := ch.New(h.ln.Addr().String(), ch.WithMaxResponseSize(32*mib))
	must(t, "new", err)
	defer v.Close()
	info, err := v.Info(ctxT(t))
	must(t, "info with a 32 MiB limit", err)
	if info.State != ch.VmStateRunning {
		t.Fatalf("state %q", info.State)
	}
	if _, err := ch.New("/x", ch.WithMaxResponseSize(0)); err == nil {
		t.Fatal("limit 0 accepted")
	}
}

// TestRefusalBeforeReadIsRetried: the first connection gets the refusal
// and is closed unread (as micro_http does); the PUT is sent again on a
// second connection and runs once.
func TestRefusalBeforeReadIsRetried(t *testing.T) {
	h := newHostile(t, func(h *hostile, c net.Conn, i int) {
		if i == 0 {
			_, _ = io.WriteString(c, refusal)
			return // closed without reading
		}
		if h.readRequest(bufio.NewReader(c)) == nil {
			_, _ = io.WriteString(c, "HTTP/1.1 204 No Content\r\n\r\n")
		}
	})
	v, err := ch.New(h.ln.Addr().String(), ch.WithRetry(5, time.Millisecond))
	must(t, "new", err)
	defer v.Close()
	must(t, "reboot after one refusal", v.Reboot(ctxT(t)))
	if c, r := h.conns.Load(), h.requests.Load(); c != 2 || r != 1 {
		t.Fatalf("%d connections, %d requests read; want 2 and 1", c, r)
	}

	// With no retries left, the error matches ErrRefused (it is the 503
	// *Error when the answer was read before the write failed).
	h2 := newHostile(t, func(_ *hostile, c net.Conn, _ int) { _, _ = io.WriteString(c, refusal) })
	v2, err := ch.New(h2.ln.Addr().String(), ch.WithRetry(3, time.Millisecond))
	must(t, "new", err)
	defer v2.Close()
	err = v2.Reboot(ctxT(t))
	t.Logf("refused 3 times: %v", err)
	if !errors.Is(err, ch.ErrRefused) || h2.conns.Load() != 3 || h2.requests.Load() != 0 {
		t.Fatalf("err %v after %d connections, %d requests read", err, h2.conns.Load(), h2.requests.Load())
	}
}

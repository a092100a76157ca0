package libvirt_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/socket"
)

// silentPeer accepts TCP connections on loopback and never sends a byte.
func silentPeer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return l.Addr().String()
}

// fullBacklog returns a loopback address whose listen queue is full, so
// that a TCP connect to it hangs (the kernel drops the SYNs).
func fullBacklog(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	// Fill the queue: connects succeed until it is full.
	for i := 0; i < 8; i++ {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return addr
		}
		t.Cleanup(func() { c.Close() })
	}
	t.Skip("could not fill a listen queue on this kernel")
	return ""
}

func caDir(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "CA"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "cacert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestHandshakeTimeout dials peers that never answer with a context
// without deadline: Dial must give up after the handshake timeout with an
// error matching ErrHandshakeTimeout and context.DeadlineExceeded.
func TestHandshakeTimeout(t *testing.T) {
	// Registered first, so it runs after the peers' cleanups.
	current := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, current) })
	t.Setenv("HOME", t.TempDir()) // no ~/.ssh keys or known_hosts
	t.Setenv("SSH_AUTH_SOCK", "")
	silent := silentPeer(t)
	silentExt := filepath.Join(t.TempDir(), "silent.sh")
	// ForkLock: see socket/ext_test.go writeExecutable (ETXTBSY).
	syscall.ForkLock.RLock()
	err := os.WriteFile(silentExt, []byte("#!/bin/sh\nexec sleep 60\n"), 0o755)
	syscall.ForkLock.RUnlock()
	if err != nil {
		t.Fatal(err)
	}
	const timeout = 500 * time.Millisecond
	for _, c := range []struct{ name, uri string }{
		{"silent TLS peer", "test+tls://" + silent + "/default?pkipath=" + caDir(t)},
		{"silent SSH peer", "test+ssh://root@" + silent + "/default?known_hosts_verify=ignore"},
		{"silent TCP (libvirt) peer", "test+tcp://" + silent + "/default"},
		{"silent ext command", "test+ext:///default?command=" + silentExt},
		{"TCP connect never completes", "test+tcp://" + fullBacklog(t) + "/default"},
	} {
		// In parallel: each case waits out the timeout; the leak check
		// registered above runs after all of them.
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			_, err := libvirt.Dial(context.Background(), c.uri, libvirt.WithHandshakeTimeout(timeout))
			took := time.Since(start)
			if !errors.Is(err, libvirt.ErrHandshakeTimeout) || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want ErrHandshakeTimeout and context.DeadlineExceeded", err)
			}
			if errors.Is(err, context.Canceled) || errors.Is(err, libvirt.ErrClosed) || errors.Is(err, libvirt.ErrKeepaliveTimeout) {
				t.Errorf("err = %v also matches an unrelated error", err)
			}
			// The ext command gets up to a second to exit after SIGTERM.
			if took < timeout || took > timeout+3*time.Second {
				t.Errorf("Dial took %v with a %v timeout", took, timeout)
			}
			t.Logf("error after %v: %v", took.Round(time.Millisecond), err)
		})
	}
}

// TestDialContextErrors: when the caller's context ends during Dial, the
// error matches the context's error, even when net's own deadline timer
// noticed first (a bare "i/o timeout" before).
func TestDialContextErrors(t *testing.T) {
	addr := fullBacklog(t)
	for i := 0; i < 20; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		_, err := libvirt.Dial(ctx, "test+tcp://"+addr+"/default")
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, libvirt.ErrHandshakeTimeout) {
			t.Fatalf("dial %d: err = %v, want context.DeadlineExceeded (not the handshake timeout)", i, err)
		}
	}
	silent := silentPeer(t)
	ctx, cancel := context.WithCancel(context.Background())
	stop := time.AfterFunc(100*time.Millisecond, cancel)
	defer stop.Stop()
	_, err := libvirt.Dial(ctx, "test+tls://"+silent+"/default?pkipath="+caDir(t))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled during the TLS handshake: err = %v, want context.Canceled", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	stop = time.AfterFunc(100*time.Millisecond, cancel)
	defer stop.Stop()
	_, err = libvirt.Dial(ctx, "test+tcp://"+addr+"/default")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled during TCP connect: err = %v, want context.Canceled", err)
	}
}

// TestDialRefusesPasswordURI: Dial refuses a URI with a password before
// connecting anywhere, and no error shows it, from the argument or from
// $LIBVIRT_DEFAULT_URI.
func TestDialRefusesPasswordURI(t *testing.T) {
	for _, uri := range []string{"test+ssh://root:S3cret@127.0.0.1:1/default", "test+tcp://u:S3cret@[::1:1/default"} {
		_, err := libvirt.Dial(context.Background(), uri)
		if err == nil || strings.Contains(err.Error(), "S3cret") {
			t.Fatalf("%s: err = %v", uri, err)
		}
		t.Setenv("LIBVIRT_DEFAULT_URI", uri)
		_, err = libvirt.Dial(context.Background(), "")
		if err == nil || strings.Contains(err.Error(), "S3cret") {
			t.Fatalf("LIBVIRT_DEFAULT_URI %s: err = %v", uri, err)
		}
	}
	_, err := libvirt.Dial(context.Background(), "test+ssh://root:S3cret@127.0.0.1:1/default")
	if !errors.Is(err, socket.ErrURIPassword) {
		t.Fatalf("err = %v, want socket.ErrURIPassword", err)
	}
	// libvirt refuses a flag parameter that is not an integer, whatever
	// the transport.
	if _, err := libvirt.Dial(context.Background(), "test:///default?no_tty=yes&socket=/nonexistent"); err == nil || !strings.Contains(err.Error(), "no_tty") {
		t.Fatalf("no_tty=yes: err = %v", err)
	}
}

package libvirt_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/virtwire/libvirt"
)

// TestFakeErrorCarriesEveryField sends an error with a distinct value in
// every virError field from the fake daemon and checks that the caller
// gets each one in the field of the same name.
func TestFakeErrorCarriesEveryField(t *testing.T) {
	srv, c := fakeClient(t)
	want := libvirt.Error{
		Code:    libvirt.ErrNoNetwork,
		Domain:  libvirt.FromQEMU,
		Message: "the message",
		Level:   libvirt.ErrWarning,
		Str1:    "first",
		Str2:    "second",
		Str3:    "third",
		Int1:    11,
		Int2:    -22,
	}
	injected := want
	srv.SetError(libvirt.ProcConnectGetHostname, &injected)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.ConnectGetHostname(ctx)
	var got *libvirt.Error
	if !errors.As(err, &got) {
		t.Fatalf("ConnectGetHostname: got %v (%T), want a *libvirt.Error", err, err)
	}
	if *got != want {
		t.Fatalf("error fields:\n got %+v\nwant %+v", *got, want)
	}
	if got.Error() != "the message" {
		t.Errorf("Error() = %q, want the daemon's message", got.Error())
	}
}

// TestFakeErrorIsMatchesOnlyItsCode checks errors.Is against the code the
// daemon sent and against other codes, domains and plain errors.
func TestFakeErrorIsMatchesOnlyItsCode(t *testing.T) {
	srv, c := fakeClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.DomainLookupByName(ctx, "no-such-domain")
	if !errors.Is(err, libvirt.ErrNoDomain) {
		t.Fatalf("lookup of a missing domain: %v, want ErrNoDomain", err)
	}
	wrapped := fmt.Errorf("while looking: %w", err)
	for _, other := range []error{libvirt.ErrNoNetwork, libvirt.ErrOK, libvirt.ErrInternalError, libvirt.ErrNoStoragePool,
		libvirt.ErrClosed, libvirt.ErrProtocol, errors.New("no domain")} {
		if errors.Is(err, other) || errors.Is(wrapped, other) {
			t.Errorf("errors.Is(%v, %v) = true, want false", err, other)
		}
	}
	if !errors.Is(wrapped, libvirt.ErrNoDomain) {
		t.Errorf("errors.Is through a wrapping error lost the code: %v", wrapped)
	}

	// An error the daemon sent for another code does not match ErrNoDomain.
	srv.SetError(libvirt.ProcConnectGetHostname, &libvirt.Error{Code: libvirt.ErrNoNetwork, Domain: libvirt.FromDom, Message: "m"})
	_, err = c.ConnectGetHostname(ctx)
	if errors.Is(err, libvirt.ErrNoDomain) || !errors.Is(err, libvirt.ErrNoNetwork) {
		t.Fatalf("ErrNoNetwork reply: errors.Is(ErrNoDomain)=%v, errors.Is(ErrNoNetwork)=%v, want false, true",
			errors.Is(err, libvirt.ErrNoDomain), errors.Is(err, libvirt.ErrNoNetwork))
	}
}

// TestErrorText covers the texts a user sees when logging errors: the
// daemon's message, a fallback naming code and domain when it sent none,
// and a sentinel's words; %#v gives the Go names.
func TestErrorText(t *testing.T) {
	if got := (&libvirt.Error{Code: libvirt.ErrNoDomain, Domain: libvirt.FromQEMU, Message: "gone"}).Error(); got != "gone" {
		t.Errorf("with message: %q", got)
	}
	if got, want := (&libvirt.Error{Code: libvirt.ErrNoDomain, Domain: libvirt.FromQEMU}).Error(), "libvirt: no such domain (ErrNoDomain, domain FromQEMU)"; got != want {
		t.Errorf("without message: %q, want %q", got, want)
	}
	for code, want := range map[libvirt.ErrorNumber]string{
		libvirt.ErrNoDomain:         "libvirt: no such domain",
		libvirt.ErrNoSupport:        "libvirt: operation not supported by the driver",
		libvirt.ErrOperationInvalid: "libvirt: operation invalid in the current state",
		libvirt.ErrorNumber(9999):   "libvirt: ErrorNumber(9999)",
	} {
		if got := fmt.Sprintf("%v", code); got != want {
			t.Errorf("%%v of %d: %q, want %q", int32(code), got, want)
		}
	}
	if got := fmt.Sprintf("%#v", libvirt.ErrNoSupport); got != "ErrNoSupport" {
		t.Errorf("%%#v: %q, want the Go name", got)
	}
}

// TestEveryErrorCodeHasWords checks that no error code of the headers
// falls back to its Go name: a code added to libvirt needs a description
// in the generator's table.
func TestEveryErrorCodeHasWords(t *testing.T) {
	for n := libvirt.ErrorNumber(0); n < 200; n++ {
		if name := n.GoString(); !strings.HasPrefix(name, "ErrorNumber(") && n.String() == name {
			t.Errorf("%s (%d) has no words", name, int32(n))
		}
	}
}

package libvirt_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/libvirttest"
)

// nineOhUnknownProc is, field for field, what libvirtd 9.0.0 (Debian
// 9.0.0-4+deb12u2) sent for DomainGetAutostartOnce, procedure 449.
func nineOhUnknownProc(msg string) *libvirt.Error {
	return &libvirt.Error{
		Code: libvirt.ErrRPC, Domain: libvirt.FromRPC, Level: libvirt.ErrError,
		Message: msg, Str1: "%s", Str2: msg, Int1: -1, Int2: -1,
	}
}

// TestUnknownProcedureOverTheWire replays libvirt 9.0's answer to a
// procedure it does not know through the fake daemon and checks what a
// caller sees, and that the connection carries on.
func TestUnknownProcedureOverTheWire(t *testing.T) {
	_, c := fakeClient(t, libvirttest.WithError(libvirt.ProcDomainGetAutostartOnce, nineOhUnknownProc("unknown procedure: 449")))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dom, err := c.DomainLookupByName(ctx, "test")
	require.NoError(t, err)

	_, err = c.DomainGetAutostartOnce(ctx, dom)
	require.Error(t, err)
	assert.ErrorIs(t, err, libvirt.ErrUnknownProcedure)
	assert.ErrorIs(t, err, libvirt.ErrRPC, "the code stays libvirt's")
	assert.NotErrorIs(t, err, libvirt.ErrNoSupport)
	assert.EqualError(t, err, "unknown procedure: 449")

	_, err = c.ConnectGetHostname(ctx)
	require.NoError(t, err, "the connection after the refusal")
}

func TestErrUnknownProcedureMatchesOnlyThatError(t *testing.T) {
	for _, c := range []struct {
		name string
		err  *libvirt.Error
		want bool
	}{
		{"libvirtd's English text", nineOhUnknownProc("unknown procedure: 451"), true},
		{"a translation keeps the number last", nineOhUnknownProc("procédure inconnue : 451"), true},
		{"another RPC error", nineOhUnknownProc("Unable to decode message payload"), false},
		{"program mismatch", nineOhUnknownProc("program mismatch (actual 12345678, expected 20008086)"), false},
		{"driver without the API", &libvirt.Error{Code: libvirt.ErrNoSupport, Domain: libvirt.FromDomain,
			Message: "this function is not supported by the connection driver: virDomainSetThrottleGroup"}, false},
		{"right text, other domain", &libvirt.Error{Code: libvirt.ErrRPC, Domain: libvirt.FromRemote, Message: "unknown procedure: 1"}, false},
		{"right text, other code", &libvirt.Error{Code: libvirt.ErrNoSupport, Domain: libvirt.FromRPC, Message: "unknown procedure: 1"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error = c.err
			assert.Equal(t, c.want, errors.Is(err, libvirt.ErrUnknownProcedure))
			// Wrapped errors are matched too.
			assert.Equal(t, c.want, errors.Is(errors.Join(errors.New("context"), err), libvirt.ErrUnknownProcedure))
			// The code's sentinel is unaffected.
			assert.True(t, errors.Is(err, c.err.Code))
		})
	}
	assert.False(t, errors.Is(libvirt.ErrClosed, libvirt.ErrUnknownProcedure))
}

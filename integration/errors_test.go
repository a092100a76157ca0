//go:build integration

package integration_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
)

func TestErrorNoDomain(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport) {
		c := dial(t, tr.uri("test", "default"))
		ctx := ctxFor(t, callTimeout)
		missing := uniqueName("missing")

		_, err := c.DomainLookupByName(ctx, missing)
		require.Error(t, err)
		assert.True(t, errors.Is(err, libvirt.ErrNoDomain), "errors.Is(%v, ErrNoDomain)", err)
		assert.False(t, errors.Is(err, libvirt.ErrNoNetwork), "a missing domain is not ErrNoNetwork")
		assert.False(t, errors.Is(err, libvirt.ErrClosed))

		var lerr *libvirt.Error
		require.True(t, errors.As(err, &lerr), "want *libvirt.Error, got %T", err)
		assert.Equal(t, libvirt.ErrNoDomain, lerr.Code)
		assert.Equal(t, libvirt.FromTest, lerr.Domain, "raised by the test driver")
		assert.Equal(t, libvirt.ErrError, lerr.Level)
		// libvirt 9.0's test driver gives no detail for a lookup by name.
		assert.True(t, strings.HasPrefix(lerr.Message, "Domain not found"), "message %q", lerr.Message)
		assert.Equal(t, lerr.Message, err.Error(), "the error reads like libvirt's message")

		// The connection is still fine after an error reply.
		v, err := c.ConnectGetLibVersion(ctx)
		require.NoError(t, err)
		assert.NotZero(t, v)

		_, err = c.NetworkLookupByName(ctx, missing)
		assert.True(t, errors.Is(err, libvirt.ErrNoNetwork), "missing network: %v", err)
		assert.False(t, errors.Is(err, libvirt.ErrNoDomain))
	})
}

func TestErrorDuplicateDefine(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport) {
		c := dial(t, tr.uri("test", "default"))
		ctx := ctxFor(t, callTimeout)
		name := uniqueName("dup")
		defineTestDomain(t, c, name)
		if _, err := c.DomainCreate(ctx, mustLookup(t, c, name)); err != nil {
			t.Fatalf("DomainCreate: %v", err)
		}

		// Defining a second, different domain under a running domain's
		// name (a fresh UUID) is refused.
		_, err := c.DomainCreateXML(ctx, testDomainXML(name), 0)
		var lerr *libvirt.Error
		require.True(t, errors.As(err, &lerr), "want *libvirt.Error, got %T: %v", err, err)
		assert.Equal(t, libvirt.ErrOperationFailed, lerr.Code, "%v", err)
		assert.Contains(t, lerr.Message, name)
	})
}

// mustLookup looks a domain up by name.
func mustLookup(t *testing.T, c *libvirt.Client, name string) libvirt.Domain {
	t.Helper()
	dom, err := c.DomainLookupByName(ctxFor(t, callTimeout), name)
	require.NoError(t, err)
	return dom
}

func TestErrorAfterClose(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport) {
		c, err := libvirt.Dial(ctxFor(t, callTimeout), tr.uri("test", "default"))
		require.NoError(t, err)
		require.NoError(t, c.Close())

		select {
		case <-c.Disconnected():
		default:
			t.Fatal("Disconnected() not closed after Close")
		}
		assert.True(t, errors.Is(c.Err(), libvirt.ErrClosed), "Err() after Close: %v", c.Err())
		_, err = c.ConnectGetLibVersion(ctxFor(t, callTimeout))
		assert.True(t, errors.Is(err, libvirt.ErrClosed), "call after Close: %v", err)
	})
}

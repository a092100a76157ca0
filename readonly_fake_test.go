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

// WithReadOnly opens the connection with VIR_CONNECT_RO: reads work, and
// the daemon refuses changes with an error matching ErrOperationDenied.
func TestWithReadOnlyRefusesWrites(t *testing.T) {
	srv := libvirttest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := srv.Client(ctx, libvirt.WithReadOnly())
	require.NoError(t, err)
	defer c.Close()

	dom, err := c.DomainLookupByName(ctx, "test")
	require.NoError(t, err, "reads work on a read-only connection")
	_, err = c.DomainGetXMLDesc(ctx, dom, 0)
	require.NoError(t, err)

	_, err = c.DomainDefineXML(ctx, domainXML("ro"))
	require.Error(t, err)
	assert.True(t, errors.Is(err, libvirt.ErrOperationDenied), "want ErrOperationDenied, got %v", err)
	assert.EqualError(t, err, "operation forbidden: read only access prevents virDomainDefineXML")
	err = c.DomainSuspend(ctx, dom)
	assert.True(t, errors.Is(err, libvirt.ErrOperationDenied), "want ErrOperationDenied, got %v", err)
	_, err = c.DomainGetXMLDesc(ctx, dom, libvirt.DomainXMLSecure)
	assert.True(t, errors.Is(err, libvirt.ErrOperationDenied), "want ErrOperationDenied, got %v", err)
	_, err = c.DomainLookupByName(ctx, "ro")
	assert.True(t, errors.Is(err, libvirt.ErrNoDomain), "the refused define left a domain: %v", err)
}

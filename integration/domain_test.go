//go:build integration

package integration_test

import (
	"encoding/xml"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
)

// Sizes of the domains testDomainXML describes.
const (
	testDomMaxMemKiB = 65536
	testDomMemKiB    = 32768
	testDomVCPUs     = 2
)

// testDomainXML describes a domain for libvirt's test driver.
func testDomainXML(name string) string {
	return fmt.Sprintf(`<domain type='test'>
  <name>%s</name>
  <memory unit='KiB'>%d</memory>
  <currentMemory unit='KiB'>%d</currentMemory>
  <vcpu>%d</vcpu>
  <os><type arch='i686'>hvm</type></os>
</domain>`, name, testDomMaxMemKiB, testDomMemKiB, testDomVCPUs)
}

// defineTestDomain defines a persistent test-driver domain and removes it
// when the test ends, whatever state it is left in.
func defineTestDomain(t *testing.T, c *libvirt.Client, name string) libvirt.Domain {
	t.Helper()
	dom, err := c.DomainDefineXML(ctxFor(t, callTimeout), testDomainXML(name))
	require.NoError(t, err)
	t.Cleanup(func() { removeDomain(t, c, name) })
	return dom
}

// removeDomain destroys and undefines the domain called name if it still
// exists.
func removeDomain(t *testing.T, c *libvirt.Client, name string) {
	ctx := ctxFor(t, callTimeout)
	dom, err := c.DomainLookupByName(ctx, name)
	if errors.Is(err, libvirt.ErrNoDomain) {
		return
	}
	if err != nil {
		t.Logf("cleanup: looking up %s: %v", name, err)
		return
	}
	if active, err := c.DomainIsActive(ctx, dom); err == nil && active == 1 {
		if err := c.DomainDestroy(ctx, dom); err != nil && !errors.Is(err, libvirt.ErrNoDomain) {
			t.Logf("cleanup: destroying %s: %v", name, err)
		}
	}
	if err := c.DomainUndefine(ctx, dom); err != nil && !errors.Is(err, libvirt.ErrNoDomain) {
		t.Logf("cleanup: undefining %s: %v", name, err)
	}
}

// listNames lists the names of the domains matching flags.
func listNames(t *testing.T, c *libvirt.Client, flags libvirt.ConnectListAllDomainsFlags) []string {
	t.Helper()
	doms, err := c.ConnectListAllDomains(ctxFor(t, callTimeout), flags)
	require.NoError(t, err, "ConnectListAllDomains(%v)", flags)
	names := make([]string, len(doms))
	for i, d := range doms {
		names[i] = d.Name
	}
	return names
}

// wantState checks DomainGetState and the state in DomainGetInfo.
func wantState(t *testing.T, c *libvirt.Client, dom libvirt.Domain, state libvirt.DomainState, reason int32) {
	t.Helper()
	ctx := ctxFor(t, callTimeout)
	st, rs, err := c.DomainGetState(ctx, dom, 0)
	require.NoError(t, err)
	assert.Equal(t, state, libvirt.DomainState(st), "state")
	assert.Equal(t, reason, rs, "reason of state %v", libvirt.DomainState(st))
	info, err := c.DomainGetInfo(ctx, dom)
	require.NoError(t, err)
	assert.Equal(t, state, libvirt.DomainState(info.State), "DomainGetInfo state")
}

// domainXML is the part of a domain's XML description the tests read.
type domainXML struct {
	Type        string `xml:"type,attr"`
	ID          string `xml:"id,attr"`
	Name        string `xml:"name"`
	UUID        string `xml:"uuid"`
	Title       string `xml:"title"`
	Description string `xml:"description"`
	Memory      struct {
		Unit  string `xml:"unit,attr"`
		Value int    `xml:",chardata"`
	} `xml:"memory"`
	VCPU     int `xml:"vcpu"`
	Metadata struct {
		Inner string `xml:",innerxml"`
	} `xml:"metadata"`
}

func parseDomainXML(t *testing.T, raw string) domainXML {
	t.Helper()
	var d domainXML
	require.NoError(t, xml.Unmarshal([]byte(raw), &d), "domain XML:\n%s", raw)
	return d
}

func TestDomainLifecycle(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport) {
		c := dial(t, tr.uri("test", "default"))
		ctx := ctxFor(t, callTimeout)
		name := uniqueName("dom")

		dom := defineTestDomain(t, c, name)
		assert.Equal(t, name, dom.Name)
		assert.Equal(t, int32(-1), dom.ID, "an inactive domain has no ID")
		assert.NotEqual(t, libvirt.UUID{}, dom.UUID, "the daemon assigns a UUID")

		// Defined, not running.
		wantState(t, c, dom, libvirt.DomainShutoff, int32(libvirt.DomainShutoffUnknown))
		assert.Contains(t, listNames(t, c, libvirt.ConnectListDomainsInactive), name)
		assert.Contains(t, listNames(t, c, libvirt.ConnectListDomainsPersistent), name)
		assert.NotContains(t, listNames(t, c, libvirt.ConnectListDomainsActive), name)
		assert.NotContains(t, listNames(t, c, libvirt.ConnectListDomainsTransient), name)

		info, err := c.DomainGetInfo(ctx, dom)
		require.NoError(t, err)
		assert.Equal(t, uint64(testDomMaxMemKiB), info.MaxMem)
		assert.Equal(t, uint64(testDomMemKiB), info.Memory)
		assert.Equal(t, uint16(testDomVCPUs), info.NrVirtCPU)

		// Started.
		if _, err := c.DomainCreate(ctx, dom); err != nil {
			t.Fatalf("DomainCreate: %v", err)
		}
		wantState(t, c, dom, libvirt.DomainRunning, int32(libvirt.DomainRunningBooted))
		running, err := c.DomainLookupByName(ctx, name)
		require.NoError(t, err)
		assert.Greater(t, running.ID, int32(0), "a running domain has an ID")
		assert.Equal(t, dom.UUID, running.UUID)
		assert.Contains(t, listNames(t, c, libvirt.ConnectListDomainsActive), name)
		assert.Contains(t, listNames(t, c, libvirt.ConnectListDomainsActive|libvirt.ConnectListDomainsRunning), name)
		assert.NotContains(t, listNames(t, c, libvirt.ConnectListDomainsInactive), name)
		info, err = c.DomainGetInfo(ctx, dom)
		require.NoError(t, err)
		assert.NotZero(t, info.CPUTime, "a running domain has used CPU time")

		byID, err := c.DomainLookupByID(ctx, running.ID)
		require.NoError(t, err)
		assert.Equal(t, running, byID)
		byUUID, err := c.DomainLookupByUUID(ctx, dom.UUID)
		require.NoError(t, err)
		assert.Equal(t, running, byUUID)

		// Paused and resumed.
		require.NoError(t, c.DomainSuspend(ctx, dom))
		wantState(t, c, dom, libvirt.DomainPaused, int32(libvirt.DomainPausedUser))
		assert.Contains(t, listNames(t, c, libvirt.ConnectListDomainsPaused), name)
		assert.NotContains(t, listNames(t, c, libvirt.ConnectListDomainsRunning), name)
		require.NoError(t, c.DomainResume(ctx, dom))
		wantState(t, c, dom, libvirt.DomainRunning, int32(libvirt.DomainRunningUnpaused))

		// Shut down, started again, destroyed.
		require.NoError(t, c.DomainShutdown(ctx, dom))
		wantState(t, c, dom, libvirt.DomainShutoff, int32(libvirt.DomainShutoffShutdown))
		if _, err := c.DomainCreate(ctx, dom); err != nil {
			t.Fatalf("DomainCreate: %v", err)
		}
		wantState(t, c, dom, libvirt.DomainRunning, int32(libvirt.DomainRunningBooted))
		require.NoError(t, c.DomainDestroy(ctx, dom))
		wantState(t, c, dom, libvirt.DomainShutoff, int32(libvirt.DomainShutoffDestroyed))
		_, err = c.DomainLookupByID(ctx, running.ID)
		assert.True(t, errors.Is(err, libvirt.ErrNoDomain), "lookup by the old ID after destroy: %v", err)

		// Destroying a stopped domain is refused.
		err = c.DomainDestroy(ctx, dom)
		assert.True(t, errors.Is(err, libvirt.ErrOperationInvalid), "destroying a stopped domain: %v", err)

		// Undefined.
		require.NoError(t, c.DomainUndefine(ctx, dom))
		_, err = c.DomainLookupByName(ctx, name)
		assert.True(t, errors.Is(err, libvirt.ErrNoDomain), "lookup after undefine: %v", err)
		_, err = c.DomainLookupByUUID(ctx, dom.UUID)
		assert.True(t, errors.Is(err, libvirt.ErrNoDomain), "lookup by UUID after undefine: %v", err)
		assert.NotContains(t, listNames(t, c, 0), name)
	})
}

// TestDomainTransient starts a domain without defining it: it is listed as
// transient while it runs and disappears when destroyed.
func TestDomainTransient(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport) {
		c := dial(t, tr.uri("test", "default"))
		ctx := ctxFor(t, callTimeout)
		name := uniqueName("transient")

		dom, err := c.DomainCreateXML(ctx, testDomainXML(name), 0)
		require.NoError(t, err)
		t.Cleanup(func() { removeDomain(t, c, name) })
		assert.Equal(t, name, dom.Name)
		assert.Greater(t, dom.ID, int32(0))

		persistent, err := c.DomainIsPersistent(ctx, dom)
		require.NoError(t, err)
		assert.Equal(t, int32(0), persistent)
		assert.Contains(t, listNames(t, c, libvirt.ConnectListDomainsTransient), name)
		assert.Contains(t, listNames(t, c, libvirt.ConnectListDomainsActive|libvirt.ConnectListDomainsTransient), name)
		assert.NotContains(t, listNames(t, c, libvirt.ConnectListDomainsPersistent), name)

		require.NoError(t, c.DomainDestroy(ctx, dom))
		_, err = c.DomainLookupByName(ctx, name)
		assert.True(t, errors.Is(err, libvirt.ErrNoDomain), "a destroyed transient domain is gone: %v", err)
	})
}

func TestDomainXMLDesc(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport) {
		c := dial(t, tr.uri("test", "default"))
		ctx := ctxFor(t, callTimeout)
		name := uniqueName("xml")
		dom := defineTestDomain(t, c, name)

		raw, err := c.DomainGetXMLDesc(ctx, dom, 0)
		require.NoError(t, err)
		d := parseDomainXML(t, raw)
		assert.Equal(t, "test", d.Type)
		assert.Equal(t, name, d.Name)
		assert.Equal(t, uuidString(dom.UUID), d.UUID)
		assert.Equal(t, "KiB", d.Memory.Unit)
		assert.Equal(t, testDomMaxMemKiB, d.Memory.Value)
		assert.Equal(t, testDomVCPUs, d.VCPU)
		assert.Empty(t, d.ID, "an inactive domain's XML has no id attribute")

		if _, err := c.DomainCreate(ctx, dom); err != nil {
			t.Fatalf("DomainCreate: %v", err)
		}
		running, err := c.DomainLookupByName(ctx, name)
		require.NoError(t, err)
		raw, err = c.DomainGetXMLDesc(ctx, dom, 0)
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprint(running.ID), parseDomainXML(t, raw).ID, "a running domain's XML carries its ID")
		raw, err = c.DomainGetXMLDesc(ctx, dom, libvirt.DomainXMLInactive)
		require.NoError(t, err)
		assert.Empty(t, parseDomainXML(t, raw).ID, "the inactive XML of a running domain has no id")
	})
}

func TestDomainAutostart(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport) {
		c := dial(t, tr.uri("test", "default"))
		ctx := ctxFor(t, callTimeout)
		name := uniqueName("autostart")
		dom := defineTestDomain(t, c, name)

		on, err := c.DomainGetAutostart(ctx, dom)
		require.NoError(t, err)
		assert.Equal(t, int32(0), on)
		assert.Contains(t, listNames(t, c, libvirt.ConnectListDomainsNoAutostart), name)

		require.NoError(t, c.DomainSetAutostart(ctx, dom, 1))
		on, err = c.DomainGetAutostart(ctx, dom)
		require.NoError(t, err)
		assert.Equal(t, int32(1), on)
		assert.Contains(t, listNames(t, c, libvirt.ConnectListDomainsAutostart), name)
		assert.NotContains(t, listNames(t, c, libvirt.ConnectListDomainsNoAutostart), name)

		require.NoError(t, c.DomainSetAutostart(ctx, dom, 0))
		on, err = c.DomainGetAutostart(ctx, dom)
		require.NoError(t, err)
		assert.Equal(t, int32(0), on)
	})
}

func TestDomainMetadata(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport) {
		c := dial(t, tr.uri("test", "default"))
		ctx := ctxFor(t, callTimeout)
		name := uniqueName("meta")
		dom := defineTestDomain(t, c, name)
		str := func(s string) *string { return &s }

		// Nothing set yet.
		_, err := c.DomainGetMetadata(ctx, dom, libvirt.DomainMetadataTitle, nil, libvirt.DomainAffectCurrent)
		assert.True(t, errors.Is(err, libvirt.ErrNoDomainMetadata), "title before setting one: %v", err)

		title := "virtwire title " + name
		desc := "a description\nover two lines & with <markup> characters"
		require.NoError(t, c.DomainSetMetadata(ctx, dom, libvirt.DomainMetadataTitle, str(title), nil, nil, libvirt.DomainAffectCurrent))
		require.NoError(t, c.DomainSetMetadata(ctx, dom, libvirt.DomainMetadataDescription, str(desc), nil, nil, libvirt.DomainAffectCurrent))

		const ns = "https://virtwire.invalid/integration"
		elem := `<build><id>42</id></build>`
		require.NoError(t, c.DomainSetMetadata(ctx, dom, libvirt.DomainMetadataElement, str(elem), str("vw"), str(ns), libvirt.DomainAffectCurrent))

		got, err := c.DomainGetMetadata(ctx, dom, libvirt.DomainMetadataTitle, nil, libvirt.DomainAffectCurrent)
		require.NoError(t, err)
		assert.Equal(t, title, got)
		got, err = c.DomainGetMetadata(ctx, dom, libvirt.DomainMetadataDescription, nil, libvirt.DomainAffectCurrent)
		require.NoError(t, err)
		assert.Equal(t, desc, got)
		got, err = c.DomainGetMetadata(ctx, dom, libvirt.DomainMetadataElement, str(ns), libvirt.DomainAffectCurrent)
		require.NoError(t, err)
		var b struct {
			XMLName xml.Name
			ID      int `xml:"id"`
		}
		require.NoError(t, xml.Unmarshal([]byte(got), &b), "metadata element %q", got)
		// libvirt hands the element back without its namespace.
		assert.Equal(t, "build", b.XMLName.Local)
		assert.Equal(t, 42, b.ID)

		// The domain's XML shows all three.
		raw, err := c.DomainGetXMLDesc(ctx, dom, 0)
		require.NoError(t, err)
		d := parseDomainXML(t, raw)
		assert.Equal(t, title, d.Title)
		assert.Equal(t, desc, d.Description)
		// In the domain XML the element carries the key as its prefix.
		assert.Contains(t, d.Metadata.Inner, `<vw:build xmlns:vw="`+ns+`">`)

		// A nil value removes the element again.
		require.NoError(t, c.DomainSetMetadata(ctx, dom, libvirt.DomainMetadataElement, nil, nil, str(ns), libvirt.DomainAffectCurrent))
		_, err = c.DomainGetMetadata(ctx, dom, libvirt.DomainMetadataElement, str(ns), libvirt.DomainAffectCurrent)
		assert.True(t, errors.Is(err, libvirt.ErrNoDomainMetadata), "element after removal: %v", err)
	})
}

// TestDomainCreateReturnsID checks that DomainCreate hands back the domain
// with the ID the daemon gave the running guest, as libvirt's remote
// driver refreshes it, where the protocol's reply carries nothing.
func TestDomainCreateReturnsID(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport) {
		c := dial(t, tr.uri("test", "default"))
		ctx := ctxFor(t, callTimeout)
		dom := defineTestDomain(t, c, uniqueName("create-id"))
		require.Equal(t, int32(-1), dom.ID, "a defined, inactive domain has no ID")
		started, err := c.DomainCreate(ctx, dom)
		require.NoError(t, err)
		assert.Positive(t, started.ID)
		assert.Equal(t, dom.UUID, started.UUID)
		looked, err := c.DomainLookupByName(ctx, dom.Name)
		require.NoError(t, err)
		assert.Equal(t, looked, started)
	})
}

//go:build integration

package integration_test

import (
	"encoding/xml"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
)

// cString turns a fixed-size C char array from the wire into a Go string.
func cString(b []int8) string {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c == 0 {
			break
		}
		out = append(out, byte(c))
	}
	return string(out)
}

// installedLibVersion returns libvirtd's version as libvirt encodes it
// (major*1000000 + minor*1000 + micro), from `libvirtd --version` of the
// daemon's root tree (the host's when it has none).
func installedLibVersion(t *testing.T) uint64 {
	t.Helper()
	cmd := exec.Command("libvirtd", "--version")
	if root := os.Getenv(envRoot); root != "" {
		cmd = exec.Command("chroot", root, "/usr/sbin/libvirtd", "--version")
	}
	out, err := cmd.Output()
	require.NoError(t, err, "%s", cmd)
	m := regexp.MustCompile(`(\d+)\.(\d+)\.(\d+)`).FindStringSubmatch(string(out))
	require.NotNil(t, m, "no version in %q", out)
	var v uint64
	for _, part := range m[1:] {
		n, err := strconv.ParseUint(part, 10, 32)
		require.NoError(t, err)
		v = v*1000 + n
	}
	return v
}

func TestConnectInfo(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport) {
		c := dial(t, tr.uri("test", "default"))
		ctx := ctxFor(t, callTimeout)

		uri, err := c.ConnectGetURI(ctx)
		require.NoError(t, err)
		assert.Equal(t, "test:///default", uri, "the daemon opened a different URI than the one sent")

		typ, err := c.ConnectGetType(ctx)
		require.NoError(t, err)
		assert.Equal(t, "TEST", typ)

		hv, err := c.ConnectGetVersion(ctx)
		require.NoError(t, err)
		assert.Equal(t, libvirt.NewVersion(0, 0, 2), hv, "the test driver reports hypervisor version 0.0.2")
		assert.Equal(t, "0.0.2", hv.String())

		lib, err := c.ConnectGetLibVersion(ctx)
		require.NoError(t, err)
		assert.True(t, lib.AtLeast(9, 0, 0), "libvirt %s", lib)
		assert.Equal(t, installedLibVersion(t), uint64(lib), "daemon version differs from `libvirtd --version`")

		host, err := c.ConnectGetHostname(ctx)
		require.NoError(t, err)
		want, err := os.Hostname()
		require.NoError(t, err)
		assert.Equal(t, want, host)
	})
}

func TestNodeGetInfo(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport) {
		c := dial(t, tr.uri("test", "default"))
		info, err := c.NodeGetInfo(ctxFor(t, callTimeout))
		require.NoError(t, err)
		// The test driver's fixed host: 2 NUMA cells, 2 sockets, 2 cores,
		// 2 threads, 16 CPUs at 1400 MHz, 3 GiB.
		assert.Equal(t, "i686", cString(info.Model[:]))
		assert.Equal(t, uint64(3*1024*1024), info.Memory, "memory in KiB")
		assert.Equal(t, int32(16), info.CPUs)
		assert.Equal(t, int32(1400), info.Mhz)
		assert.Equal(t, int32(2), info.Nodes)
		assert.Equal(t, int32(2), info.Sockets)
		assert.Equal(t, int32(2), info.Cores)
		assert.Equal(t, int32(2), info.Threads)
	})
}

// capabilities is the part of libvirt's capabilities XML the test reads.
type capabilities struct {
	Host struct {
		Arch  string `xml:"cpu>arch"`
		Cells struct {
			Num  int `xml:"num,attr"`
			Cell []struct {
				ID     int `xml:"id,attr"`
				Memory int `xml:"memory"`
			} `xml:"cell"`
		} `xml:"topology>cells"`
	} `xml:"host"`
	Guests []struct {
		OSType string `xml:"os_type"`
		Arch   struct {
			Name    string `xml:"name,attr"`
			Domains []struct {
				Type string `xml:"type,attr"`
			} `xml:"domain"`
		} `xml:"arch"`
	} `xml:"guest"`
}

func TestConnectGetCapabilities(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport) {
		c := dial(t, tr.uri("test", "default"))
		ctx := ctxFor(t, callTimeout)
		raw, err := c.ConnectGetCapabilities(ctx)
		require.NoError(t, err)
		var caps capabilities
		require.NoError(t, xml.Unmarshal([]byte(raw), &caps), "capabilities XML:\n%s", raw)

		node, err := c.NodeGetInfo(ctx)
		require.NoError(t, err)
		assert.Equal(t, cString(node.Model[:]), caps.Host.Arch)
		assert.Equal(t, int(node.Nodes), caps.Host.Cells.Num, "NUMA cells in the XML vs NodeGetInfo")
		require.Len(t, caps.Host.Cells.Cell, int(node.Nodes))
		for i, cell := range caps.Host.Cells.Cell {
			assert.Equal(t, i, cell.ID, "cell IDs in order")
			assert.Positive(t, cell.Memory, "memory of cell %d", i)
		}

		var hasTestHVM bool
		for _, g := range caps.Guests {
			for _, d := range g.Arch.Domains {
				if g.OSType == "hvm" && d.Type == "test" {
					hasTestHVM = true
				}
			}
		}
		assert.True(t, hasTestHVM, "no hvm guest with domain type 'test' in:\n%s", raw)
	})
}

// TestReadOnlySocket connects to the daemon's read-only socket: reads work,
// changes are refused by the daemon.
func TestReadOnlySocket(t *testing.T) {
	d := requireDaemon(t)
	c := dial(t, "test+unix:///default?socket="+d.socket+"-ro", libvirt.WithReadOnly())
	ctx := ctxFor(t, callTimeout)

	dom, err := c.DomainLookupByName(ctx, "test")
	require.NoError(t, err, "the test driver's built-in domain 'test'")
	assert.Equal(t, "test", dom.Name)

	_, err = c.DomainDefineXML(ctx, testDomainXML(uniqueName("ro")))
	require.Error(t, err)
	assert.True(t, errors.Is(err, libvirt.ErrOperationDenied), "want ErrOperationDenied, got %v", err)
}

//go:build integration

package libvirttest_test

import (
	"strings"
	"testing"

	"github.com/virtwire/libvirt/libvirttest"
)

// virshReadOnlyScript is run with virsh -r (a read-only connection):
// reads answer, changes and the reads libvirt reserves for read-write
// connections fail with libvirt's "operation forbidden" errors, and the
// state stays as it was.
var virshReadOnlyScript = []string{
	"-r list --all",
	"-r dominfo test",
	"-r dumpxml --security-info test",
	"-r dumpxml --migratable test",
	"-r define dom.xml",
	"-r create dom2.xml",
	"-r destroy test",
	"-r suspend test",
	"-r undefine test",
	"-r setmem test 1024",
	"-r autostart test",
	"-r domrename test renamed",
	"-r snapshot-create-as test s1",
	"-r domcapabilities",
	"-r domhostname test",
	"-r domfsinfo test",
	"-r domtime test",
	"-r vcpucount --guest test",
	"-r domifaddr test --source agent",
	"-r net-destroy default",
	"-r net-define net.xml",
	"-r pool-refresh default-pool",
	"-r vol-create-as default-pool ro.img 1M",
	"-r nodedev-destroy scsi_host1",
	"-r iface-begin",
	"-r list --all",
	"-r net-list --all",
}

// TestVirshReadOnlyMatchesLibvirtd runs virshReadOnlyScript against the
// fake and against libvirtd's test:///default and requires identical
// transcripts.
func TestVirshReadOnlyMatchesLibvirtd(t *testing.T) {
	virshPath(t)
	sock := realDaemonSocket(t)
	dir := virshDir(t)
	real := normalize(runScript(t, "test+unix:///default?socket="+sock, dir, virshReadOnlyScript))
	srv := libvirttest.New(t, libvirttest.WithUnixSocket(""))
	fake := normalize(runScript(t, srv.URI(), dir, virshReadOnlyScript))
	if d := lineDiff(real, fake); d != "" {
		t.Errorf("virsh -r transcript: fake differs from libvirtd (-libvirtd +fake):\n%s", d)
	}
	if n := strings.Count(real, "operation forbidden"); n < 20 {
		t.Errorf("libvirtd refused only %d commands:\n%s", n, real)
	}
	t.Logf("compared %d virsh -r commands", len(virshReadOnlyScript))
}

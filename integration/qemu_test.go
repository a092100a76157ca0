//go:build integration

package integration_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
)

// qemuTimeout bounds each step against the QEMU driver: starting and
// destroying a guest take a few seconds on a loaded machine.
const qemuTimeout = 2 * time.Minute

// tinyGuestXML describes a TCG guest with 64 MiB, one vCPU, no disk, no NIC
// and no graphics: it boots into SeaBIOS and idles there.
func tinyGuestXML(name string) string {
	return fmt.Sprintf(`<domain type='qemu'>
  <name>%s</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <boot dev='hd'/>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <video><model type='cirrus'/></video>
    <memballoon model='none'/>
  </devices>
</domain>`, name)
}

// qmpStatus runs query-status over QMP and returns its status field.
func qmpStatus(t *testing.T, c *libvirt.Client, dom libvirt.Domain) (status string, running bool) {
	t.Helper()
	out, err := c.QEMUDomainMonitorCommand(ctxFor(t, qemuTimeout), dom, `{"execute":"query-status"}`, libvirt.DomainQEMUMonitorCommandDefault)
	require.NoError(t, err)
	var reply struct {
		Return *struct {
			Status  string `json:"status"`
			Running bool   `json:"running"`
		} `json:"return"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &reply), "QMP reply %q", out)
	require.NotNil(t, reply.Return, "QMP reply without return: %q", out)
	return reply.Return.Status, reply.Return.Running
}

func TestQEMUGuest(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport) {
		c := dial(t, tr.uri("qemu", "system"))
		ctx := ctxFor(t, qemuTimeout)
		name := uniqueName("qemu")

		typ, err := c.ConnectGetType(ctx)
		require.NoError(t, err)
		assert.Equal(t, "QEMU", typ)

		dom, err := c.DomainDefineXML(ctx, tinyGuestXML(name))
		require.NoError(t, err)
		t.Cleanup(func() { removeDomain(t, c, name) })
		info, err := c.DomainGetInfo(ctx, dom)
		require.NoError(t, err)
		assert.Equal(t, libvirt.DomainShutoff, libvirt.DomainState(info.State))

		start := time.Now()
		if _, err := c.DomainCreate(ctx, dom); err != nil {
			t.Fatalf("DomainCreate: %v", err)
		}
		t.Logf("guest started in %v", time.Since(start).Round(time.Millisecond))

		info, err = c.DomainGetInfo(ctx, dom)
		require.NoError(t, err)
		assert.Equal(t, libvirt.DomainRunning, libvirt.DomainState(info.State))
		assert.Equal(t, uint64(64*1024), info.MaxMem, "KiB")
		assert.Equal(t, uint16(1), info.NrVirtCPU)
		wantState(t, c, dom, libvirt.DomainRunning, int32(libvirt.DomainRunningBooted))

		status, running := qmpStatus(t, c, dom)
		assert.Equal(t, "running", status)
		assert.True(t, running)

		hmp, err := c.QEMUDomainMonitorCommand(ctx, dom, "info status", libvirt.DomainQEMUMonitorCommandHMP)
		require.NoError(t, err)
		assert.Equal(t, "VM status: running", strings.TrimSpace(hmp))

		require.NoError(t, c.DomainSuspend(ctx, dom))
		status, running = qmpStatus(t, c, dom)
		assert.Equal(t, "paused", status)
		assert.False(t, running)
		wantState(t, c, dom, libvirt.DomainPaused, int32(libvirt.DomainPausedUser))
		require.NoError(t, c.DomainResume(ctx, dom))
		status, _ = qmpStatus(t, c, dom)
		assert.Equal(t, "running", status)

		start = time.Now()
		require.NoError(t, c.DomainDestroy(ctx, dom))
		t.Logf("guest destroyed in %v", time.Since(start).Round(time.Millisecond))
		wantState(t, c, dom, libvirt.DomainShutoff, int32(libvirt.DomainShutoffDestroyed))

		_, err = c.QEMUDomainMonitorCommand(ctx, dom, `{"execute":"query-status"}`, libvirt.DomainQEMUMonitorCommandDefault)
		assert.True(t, errors.Is(err, libvirt.ErrOperationInvalid), "monitor command on a stopped guest: %v", err)

		require.NoError(t, c.DomainUndefine(ctx, dom))
		_, err = c.DomainLookupByName(ctx, name)
		assert.True(t, errors.Is(err, libvirt.ErrNoDomain), "lookup after undefine: %v", err)
	})
}

//go:build integration

package libvirttest_test

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/virtwire/libvirt"
)

// rodomXML is a domain the read-only steps try to define and start.
const rodomXML = `<domain type='test'>
  <name>rodom</name>
  <memory unit='KiB'>131072</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='i686'>hvm</type>
  </os>
</domain>`

// withErrorFields adds to a call's results the fields of its libvirt
// error that the comparison of errors leaves out (the strings and
// integers libvirt fills in besides the message), so that the read-only
// steps compare them too. Releases after 9.0 number the format's
// argument ("%1$s" for "%s"); that is normalised away.
func withErrorFields(vals []any, err error) ([]any, error) {
	var le *libvirt.Error
	if errors.As(err, &le) {
		str1 := strings.ReplaceAll(le.Str1, "%1$s", "%s")
		vals = append(vals, r(le.Level, str1, le.Str2, le.Str3, le.Int1, le.Int2)...)
	}
	return vals, err
}

// readOnlySteps make their calls on a connection opened read-only
// (VIR_CONNECT_RO): what changes state is refused by libvirt's public API
// with VIR_ERR_OPERATION_DENIED before the driver sees the call (so even
// for missing objects, bad flags or malformed XML), a few reads are
// refused whatever their arguments (domain capabilities, guest agent
// queries, peeks) and some only with flags that reveal secrets. Calls
// whose earlier argument checks fail report those instead. Nothing may
// change: the event comparison afterwards sees any change.
func readOnlySteps() []step {
	var steps []step
	ro := func(name string, proc libvirt.Procedure, call func(ctx context.Context, c *libvirt.Client) ([]any, error)) {
		steps = append(steps, step{"ro " + name, proc, func(ctx context.Context, s *side) ([]any, error) {
			c, err := s.dial(ctx, libvirt.WithReadOnly())
			if err != nil {
				return nil, err
			}
			defer c.Close()
			return withErrorFields(call(ctx, c))
		}})
	}
	// onTest runs call on the built-in domain "test", looked up on the
	// read-only connection (look-ups are allowed).
	onTest := func(name string, proc libvirt.Procedure, call func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error)) {
		ro(name, proc, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
			d, err := c.DomainLookupByName(ctx, "test")
			if err != nil {
				return nil, err
			}
			return call(ctx, c, d)
		})
	}
	none := func(err error) ([]any, error) { return nil, err }
	missing := libvirt.Domain{Name: "nope", UUID: libvirt.UUID{1, 2, 3}, ID: -1}
	sp := func(v string) *string { return &v }

	// A domain of their own for the reads that stay allowed, defined on
	// the read-write connection: the built-in "test" has been changed
	// by earlier steps. It is undefined again at the end.
	steps = append(steps, step{"ro setup: define rodom (read-write)", libvirt.ProcDomainDefineXML, func(ctx context.Context, s *side) ([]any, error) {
		d, err := s.c.DomainDefineXML(ctx, rodomXML)
		return r(d.Name), err
	}})
	onRodom := func(name string, proc libvirt.Procedure, call func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error)) {
		ro(name, proc, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
			d, err := c.DomainLookupByName(ctx, "rodom")
			if err != nil {
				return nil, err
			}
			return call(ctx, c, d)
		})
	}

	// Reads that stay allowed.
	ro("list domains", libvirt.ProcConnectListAllDomains, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		v, err := c.ConnectListAllDomains(ctx, 0)
		return r(len(v)), err
	})
	onRodom("xml", libvirt.ProcDomainGetXMLDesc, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainGetXMLDesc(ctx, d, 0)
		return r(v), err
	})
	onRodom("xml inactive", libvirt.ProcDomainGetXMLDesc, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainGetXMLDesc(ctx, d, libvirt.DomainXMLInactive)
		return r(v), err
	})
	onRodom("vcpus flags", libvirt.ProcDomainGetVCPUsFlags, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainGetVCPUsFlags(ctx, d, 0)
		return r(v), err
	})
	onRodom("iface addresses lease", libvirt.ProcDomainInterfaceAddresses, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainInterfaceAddresses(ctx, d, uint32(libvirt.DomainInterfaceAddressesSrcLease), 0)
		return r(v), err
	})
	onTest("snapshot xml missing", libvirt.ProcDomainSnapshotGetXMLDesc, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainSnapshotGetXMLDesc(ctx, libvirt.DomainSnapshot{Name: "nope", Dom: d}, 0)
		return r(v), err
	})
	onTest("checkpoint xml missing", libvirt.ProcDomainCheckpointGetXMLDesc, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainCheckpointGetXMLDesc(ctx, libvirt.DomainCheckpoint{Name: "nope", Dom: d}, 0)
		return r(v), err
	})
	onRodom("managed save xml", libvirt.ProcDomainManagedSaveGetXMLDesc, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainManagedSaveGetXMLDesc(ctx, d, 0)
		return r(v), err
	})
	ro("nodedev get autostart", libvirt.ProcNodeDeviceGetAutostart, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		v, err := c.NodeDeviceGetAutostart(ctx, "computer")
		return r(v), err
	})

	// Reads refused only with flags that reveal secrets.
	onTest("xml secure", libvirt.ProcDomainGetXMLDesc, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainGetXMLDesc(ctx, d, libvirt.DomainXMLSecure)
		return r(v), err
	})
	onTest("xml migratable", libvirt.ProcDomainGetXMLDesc, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainGetXMLDesc(ctx, d, libvirt.DomainXMLMigratable)
		return r(v), err
	})
	ro("xml secure missing domain", libvirt.ProcDomainGetXMLDesc, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		v, err := c.DomainGetXMLDesc(ctx, missing, libvirt.DomainXMLSecure)
		return r(v), err
	})
	onTest("xml secure bogus flags", libvirt.ProcDomainGetXMLDesc, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainGetXMLDesc(ctx, d, libvirt.DomainXMLSecure|bogus)
		return r(v), err
	})
	onTest("xml bogus flags", libvirt.ProcDomainGetXMLDesc, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainGetXMLDesc(ctx, d, bogus)
		return r(v), err
	})
	onTest("snapshot xml secure", libvirt.ProcDomainSnapshotGetXMLDesc, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainSnapshotGetXMLDesc(ctx, libvirt.DomainSnapshot{Name: "nope", Dom: d}, libvirt.DomainSnapshotXMLSecure)
		return r(v), err
	})
	onTest("checkpoint xml secure", libvirt.ProcDomainCheckpointGetXMLDesc, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainCheckpointGetXMLDesc(ctx, libvirt.DomainCheckpoint{Name: "nope", Dom: d}, libvirt.DomainCheckpointXMLSecure)
		return r(v), err
	})
	onTest("managed save xml secure", libvirt.ProcDomainManagedSaveGetXMLDesc, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainManagedSaveGetXMLDesc(ctx, d, libvirt.DomainSaveImageXMLSecure)
		return r(v), err
	})
	onTest("vcpus flags guest", libvirt.ProcDomainGetVCPUsFlags, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainGetVCPUsFlags(ctx, d, libvirt.DomainVCPUGuest)
		return r(v), err
	})
	onTest("iface addresses agent", libvirt.ProcDomainInterfaceAddresses, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainInterfaceAddresses(ctx, d, uint32(libvirt.DomainInterfaceAddressesSrcAgent), 0)
		return r(v), err
	})

	// Reads refused whatever their arguments.
	ro("domcaps", libvirt.ProcConnectGetDomainCapabilities, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		v, err := c.ConnectGetDomainCapabilities(ctx, nil, nil, nil, nil, 0)
		return r(v), err
	})
	onTest("hostname", libvirt.ProcDomainGetHostname, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainGetHostname(ctx, d, 0)
		return r(v), err
	})
	onTest("fsinfo", libvirt.ProcDomainGetFSInfo, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, n, err := c.DomainGetFSInfo(ctx, d, 0)
		return r(v, n), err
	})
	onTest("time", libvirt.ProcDomainGetTime, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		_, _, err := c.DomainGetTime(ctx, d, 0)
		return nil, err
	})
	onTest("guest vcpus", libvirt.ProcDomainGetGuestVCPUs, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainGetGuestVCPUs(ctx, d, 0)
		return r(v), err
	})
	onTest("guest info", libvirt.ProcDomainGetGuestInfo, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainGetGuestInfo(ctx, d, 0, 0)
		return r(v), err
	})
	onTest("memory peek", libvirt.ProcDomainMemoryPeek, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainMemoryPeek(ctx, d, 0, 16, libvirt.MemoryVirtual)
		return r(v), err
	})
	onTest("block peek", libvirt.ProcDomainBlockPeek, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainBlockPeek(ctx, d, "/guest/diskimage", 0, 16, 0)
		return r(v), err
	})
	onTest("block peek too large", libvirt.ProcDomainBlockPeek, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainBlockPeek(ctx, d, "/guest/diskimage", 0, libvirt.DomainBlockPeekBufferMax+1, 0)
		return r(v), err
	})
	ro("save image xml", libvirt.ProcDomainSaveImageGetXMLDesc, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		v, err := c.DomainSaveImageGetXMLDesc(ctx, "/nonexistent/ro.img", 0)
		return r(v), err
	})
	ro("find pool sources", libvirt.ProcConnectFindStoragePoolSources, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		v, err := c.ConnectFindStoragePoolSources(ctx, "logical", nil, 0)
		return r(v), err
	})
	ro("secret value", libvirt.ProcSecretGetValue, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		v, err := c.SecretGetValue(ctx, libvirt.Secret{UUID: libvirt.UUID{9}}, 0)
		return r(v), err
	})
	onTest("migrate max speed", libvirt.ProcDomainMigrateGetMaxSpeed, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainMigrateGetMaxSpeed(ctx, d, 0)
		return r(v), err
	})
	onTest("screenshot", libvirt.ProcDomainScreenshot, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		st, mime, err := c.DomainScreenshot(ctx, d, 0, 0)
		if err == nil {
			_, _ = io.Copy(io.Discard, st)
			st.Close()
		}
		return r(mime), err
	})
	ro("compare hypervisor cpu", libvirt.ProcConnectCompareHypervisorCPU, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		v, err := c.ConnectCompareHypervisorCPU(ctx, nil, nil, nil, nil, "<cpu/>", 0)
		return r(v), err
	})

	// Domain changes: refused before the driver's look-ups and checks.
	ro("define", libvirt.ProcDomainDefineXML, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		v, err := c.DomainDefineXML(ctx, rodomXML)
		return r(v), err
	})
	ro("define malformed", libvirt.ProcDomainDefineXML, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		v, err := c.DomainDefineXML(ctx, "<domain")
		return r(v), err
	})
	ro("create xml", libvirt.ProcDomainCreateXML, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		v, err := c.DomainCreateXML(ctx, rodomXML, 0)
		return r(v), err
	})
	onTest("create running", libvirt.ProcDomainCreate, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		_, err := c.DomainCreate(ctx, d)
		return nil, err
	})
	onTest("destroy", libvirt.ProcDomainDestroy, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainDestroy(ctx, d))
	})
	ro("destroy missing", libvirt.ProcDomainDestroy, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.DomainDestroy(ctx, missing))
	})
	onTest("destroy bogus flags", libvirt.ProcDomainDestroyFlags, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainDestroyFlags(ctx, d, bogus))
	})
	onTest("suspend", libvirt.ProcDomainSuspend, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainSuspend(ctx, d))
	})
	onTest("resume", libvirt.ProcDomainResume, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainResume(ctx, d))
	})
	onTest("shutdown", libvirt.ProcDomainShutdown, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainShutdown(ctx, d))
	})
	onTest("reboot", libvirt.ProcDomainReboot, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainReboot(ctx, d, 0))
	})
	onTest("undefine", libvirt.ProcDomainUndefineFlags, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainUndefineFlags(ctx, d, 0))
	})
	onTest("set autostart", libvirt.ProcDomainSetAutostart, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainSetAutostart(ctx, d, 1))
	})
	onTest("set memory", libvirt.ProcDomainSetMemoryFlags, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainSetMemoryFlags(ctx, d, 1<<20, 0))
	})
	onTest("set vcpus", libvirt.ProcDomainSetVCPUsFlags, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainSetVCPUsFlags(ctx, d, 1, 0))
	})
	onTest("set title", libvirt.ProcDomainSetMetadata, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainSetMetadata(ctx, d, libvirt.DomainMetadataTitle, sp("ro"), nil, nil, 0))
	})
	onTest("pin vcpu", libvirt.ProcDomainPinVCPUFlags, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainPinVCPUFlags(ctx, d, 0, []byte{1}, 0))
	})
	onTest("set scheduler", libvirt.ProcDomainSetSchedulerParametersFlags, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainSetSchedulerParametersFlags(ctx, d, libvirt.TypedParams{}.AddUint("weight", 10), 0))
	})
	onTest("set memory parameters", libvirt.ProcDomainSetMemoryParameters, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainSetMemoryParameters(ctx, d, libvirt.TypedParams{}, 0))
	})
	onTest("set perf events", libvirt.ProcDomainSetPerfEvents, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainSetPerfEvents(ctx, d, libvirt.TypedParams{}, 0))
	})
	onTest("set lifecycle action", libvirt.ProcDomainSetLifecycleAction, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainSetLifecycleAction(ctx, d, libvirt.DomainLifecyclePoweroff, libvirt.DomainLifecycleActionRestart, 0))
	})
	onTest("add iothread", libvirt.ProcDomainAddIOThread, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainAddIOThread(ctx, d, 7, 0))
	})
	onTest("save", libvirt.ProcDomainSave, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainSave(ctx, d, "/nonexistent/ro.img"))
	})
	ro("restore", libvirt.ProcDomainRestore, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.DomainRestore(ctx, "/nonexistent/ro.img"))
	})
	onTest("managed save", libvirt.ProcDomainManagedSave, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainManagedSave(ctx, d, 0))
	})
	onTest("managed save remove", libvirt.ProcDomainManagedSaveRemove, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainManagedSaveRemove(ctx, d, 0))
	})
	onTest("managed save define", libvirt.ProcDomainManagedSaveDefineXML, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainManagedSaveDefineXML(ctx, d, sp(rodomXML), 0))
	})
	onTest("managed save define running and paused", libvirt.ProcDomainManagedSaveDefineXML, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainManagedSaveDefineXML(ctx, d, sp(rodomXML), libvirt.DomainSaveRunning|libvirt.DomainSavePaused))
	})
	onTest("core dump", libvirt.ProcDomainCoreDumpWithFormat, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainCoreDumpWithFormat(ctx, d, "/nonexistent/ro.core", 0, 0))
	})
	onTest("attach device", libvirt.ProcDomainAttachDeviceFlags, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainAttachDeviceFlags(ctx, d, "<watchdog model='i6300esb'/>", 0))
	})
	onTest("detach alias", libvirt.ProcDomainDetachDeviceAlias, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainDetachDeviceAlias(ctx, d, "nope", 0))
	})
	onTest("inject nmi", libvirt.ProcDomainInjectNMI, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainInjectNMI(ctx, d, 0))
	})
	onTest("send key", libvirt.ProcDomainSendKey, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainSendKey(ctx, d, 0, 10, []uint32{28}, 0))
	})
	onTest("set time", libvirt.ProcDomainSetTime, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainSetTime(ctx, d, 0, 0, 0))
	})
	onTest("fs freeze", libvirt.ProcDomainFSFreeze, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainFSFreeze(ctx, d, nil, 0)
		return r(v), err
	})
	onTest("rename", libvirt.ProcDomainRename, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainRename(ctx, d, sp("renamed"), 0)
		return r(v), err
	})
	onTest("rename empty", libvirt.ProcDomainRename, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainRename(ctx, d, sp(""), 0)
		return r(v), err
	})
	onTest("signal", libvirt.ProcDomainSendProcessSignal, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainSendProcessSignal(ctx, d, 1, 0, 0))
	})
	onTest("signal pid 0", libvirt.ProcDomainSendProcessSignal, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainSendProcessSignal(ctx, d, 0, 0, 0))
	})
	onTest("ssh keys set append and remove", libvirt.ProcDomainAuthorizedSSHKeysSet, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainAuthorizedSSHKeysSet(ctx, d, "root", []string{"ssh-ed25519 AAAA"}, libvirt.DomainAuthorizedSSHKeysSetAppend|libvirt.DomainAuthorizedSSHKeysSetRemove))
	})
	onTest("ssh keys set", libvirt.ProcDomainAuthorizedSSHKeysSet, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainAuthorizedSSHKeysSet(ctx, d, "root", []string{"ssh-ed25519 AAAA"}, 0))
	})
	onTest("launch security state", libvirt.ProcDomainSetLaunchSecurityState, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainSetLaunchSecurityState(ctx, d, libvirt.TypedParams{}.AddString("sev-secret", "x"), 0))
	})
	onTest("launch security state without parameters", libvirt.ProcDomainSetLaunchSecurityState, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainSetLaunchSecurityState(ctx, d, nil, 0))
	})
	onTest("memory peek too large", libvirt.ProcDomainMemoryPeek, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainMemoryPeek(ctx, d, 0, libvirt.DomainMemoryPeekBufferMax+1, libvirt.MemoryVirtual)
		return r(v), err
	})
	// The argument checks that precede the read-only one are made on
	// read-write connections too, before the driver's.
	rw := func(name string, proc libvirt.Procedure, call func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) error) {
		steps = append(steps, step{"ro " + name + " (read-write)", proc, func(ctx context.Context, s *side) ([]any, error) {
			d, err := s.c.DomainLookupByName(ctx, "test")
			if err != nil {
				return nil, err
			}
			return withErrorFields(nil, call(ctx, s.c, d))
		}})
	}
	rw("rename empty", libvirt.ProcDomainRename, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) error {
		_, err := c.DomainRename(ctx, d, sp(""), 0)
		return err
	})
	rw("rename empty bogus flags", libvirt.ProcDomainRename, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) error {
		_, err := c.DomainRename(ctx, d, sp(""), bogus)
		return err
	})
	rw("signal pid 0", libvirt.ProcDomainSendProcessSignal, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) error {
		return c.DomainSendProcessSignal(ctx, d, 0, 0, 0)
	})
	rw("block peek too large", libvirt.ProcDomainBlockPeek, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) error {
		_, err := c.DomainBlockPeek(ctx, d, "/guest/diskimage", 0, libvirt.DomainBlockPeekBufferMax+1, 0)
		return err
	})
	rw("managed save define running and paused", libvirt.ProcDomainManagedSaveDefineXML, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) error {
		return c.DomainManagedSaveDefineXML(ctx, d, sp(rodomXML), libvirt.DomainSaveRunning|libvirt.DomainSavePaused)
	})
	onTest("snapshot create", libvirt.ProcDomainSnapshotCreateXML, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainSnapshotCreateXML(ctx, d, "<domainsnapshot><name>ro</name></domainsnapshot>", 0)
		return r(v), err
	})
	onTest("snapshot delete", libvirt.ProcDomainSnapshotDelete, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainSnapshotDelete(ctx, libvirt.DomainSnapshot{Name: "nope", Dom: d}, 0))
	})
	onTest("snapshot revert", libvirt.ProcDomainRevertToSnapshot, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainRevertToSnapshot(ctx, libvirt.DomainSnapshot{Name: "nope", Dom: d}, 0))
	})
	onTest("checkpoint create", libvirt.ProcDomainCheckpointCreateXML, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		v, err := c.DomainCheckpointCreateXML(ctx, d, "<domaincheckpoint><name>ro</name></domaincheckpoint>", 0)
		return r(v), err
	})
	onTest("checkpoint delete", libvirt.ProcDomainCheckpointDelete, func(ctx context.Context, c *libvirt.Client, d libvirt.Domain) ([]any, error) {
		return none(c.DomainCheckpointDelete(ctx, libvirt.DomainCheckpoint{Name: "nope", Dom: d}, 0))
	})

	// Networks.
	defNet := libvirt.Network{Name: "default"}
	ro("net define", libvirt.ProcNetworkDefineXML, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		v, err := c.NetworkDefineXML(ctx, "<network><name>ronet</name></network>")
		return r(v), err
	})
	ro("net create xml", libvirt.ProcNetworkCreateXML, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		v, err := c.NetworkCreateXML(ctx, "<network><name>ronet</name></network>")
		return r(v), err
	})
	ro("net destroy", libvirt.ProcNetworkDestroy, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.NetworkDestroy(ctx, defNet))
	})
	ro("net create", libvirt.ProcNetworkCreate, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.NetworkCreate(ctx, defNet))
	})
	ro("net undefine", libvirt.ProcNetworkUndefine, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.NetworkUndefine(ctx, defNet))
	})
	ro("net set autostart", libvirt.ProcNetworkSetAutostart, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.NetworkSetAutostart(ctx, defNet, 1))
	})
	ro("net update", libvirt.ProcNetworkUpdate, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.NetworkUpdate(ctx, defNet, libvirt.NetworkUpdateCommandAddLast, libvirt.NetworkSectionIPDHCPHost, -1, "<host mac='52:54:00:00:00:01' ip='192.168.122.9'/>", 0))
	})

	// Storage.
	defPool := libvirt.StoragePool{Name: "default-pool"}
	vol := libvirt.StorageVol{Pool: "default-pool", Name: "nope.img", Key: "/default-pool/nope.img"}
	ro("pool define", libvirt.ProcStoragePoolDefineXML, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		v, err := c.StoragePoolDefineXML(ctx, "<pool type='dir'><name>ropool</name><target><path>/ropool</path></target></pool>", 0)
		return r(v), err
	})
	ro("pool create xml", libvirt.ProcStoragePoolCreateXML, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		v, err := c.StoragePoolCreateXML(ctx, "<pool", 0)
		return r(v), err
	})
	ro("pool create", libvirt.ProcStoragePoolCreate, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.StoragePoolCreate(ctx, defPool, 0))
	})
	ro("pool build", libvirt.ProcStoragePoolBuild, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.StoragePoolBuild(ctx, defPool, 0))
	})
	ro("pool destroy", libvirt.ProcStoragePoolDestroy, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.StoragePoolDestroy(ctx, defPool))
	})
	ro("pool delete", libvirt.ProcStoragePoolDelete, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.StoragePoolDelete(ctx, defPool, 0))
	})
	ro("pool undefine", libvirt.ProcStoragePoolUndefine, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.StoragePoolUndefine(ctx, defPool))
	})
	ro("pool refresh", libvirt.ProcStoragePoolRefresh, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.StoragePoolRefresh(ctx, defPool, 0))
	})
	ro("pool set autostart", libvirt.ProcStoragePoolSetAutostart, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.StoragePoolSetAutostart(ctx, defPool, 1))
	})
	ro("vol create", libvirt.ProcStorageVolCreateXML, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		v, err := c.StorageVolCreateXML(ctx, defPool, "<volume><name>ro.img</name><capacity>1024</capacity></volume>", 0)
		return r(v), err
	})
	ro("vol clone", libvirt.ProcStorageVolCreateXMLFrom, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		v, err := c.StorageVolCreateXMLFrom(ctx, defPool, "<volume><name>ro2.img</name><capacity>1024</capacity></volume>", vol, 0)
		return r(v), err
	})
	ro("vol delete", libvirt.ProcStorageVolDelete, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.StorageVolDelete(ctx, vol, 0))
	})
	ro("vol wipe", libvirt.ProcStorageVolWipe, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.StorageVolWipe(ctx, vol, 0))
	})
	ro("vol resize", libvirt.ProcStorageVolResize, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.StorageVolResize(ctx, vol, 1<<20, 0))
	})
	ro("vol upload", libvirt.ProcStorageVolUpload, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		st, err := c.StorageVolUpload(ctx, vol, 0, 0, 0)
		if err == nil {
			st.Close()
		}
		return nil, err
	})
	ro("vol download", libvirt.ProcStorageVolDownload, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		st, err := c.StorageVolDownload(ctx, vol, 0, 0, 0)
		if err == nil {
			st.Close()
		}
		return nil, err
	})

	// Node devices, host interfaces, secrets, filters, the host.
	ro("nodedev create", libvirt.ProcNodeDeviceCreateXML, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		v, err := c.NodeDeviceCreateXML(ctx, "<device/>", 0)
		return r(v), err
	})
	ro("nodedev destroy", libvirt.ProcNodeDeviceDestroy, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.NodeDeviceDestroy(ctx, "nope"))
	})
	ro("nodedev define", libvirt.ProcNodeDeviceDefineXML, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		v, err := c.NodeDeviceDefineXML(ctx, "<device/>", 0)
		return r(v), err
	})
	ro("nodedev set autostart", libvirt.ProcNodeDeviceSetAutostart, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.NodeDeviceSetAutostart(ctx, "computer", 1))
	})
	ro("nodedev detach", libvirt.ProcNodeDeviceDetachFlags, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.NodeDeviceDetachFlags(ctx, "computer", nil, 0))
	})
	ro("nodedev reset", libvirt.ProcNodeDeviceReset, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.NodeDeviceReset(ctx, "computer"))
	})
	eth1 := libvirt.Interface{Name: "eth1", MAC: "aa:bb:cc:dd:ee:ff"}
	ro("iface define", libvirt.ProcInterfaceDefineXML, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		v, err := c.InterfaceDefineXML(ctx, "<interface", 0)
		return r(v), err
	})
	ro("iface destroy", libvirt.ProcInterfaceDestroy, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.InterfaceDestroy(ctx, eth1, 0))
	})
	ro("iface undefine", libvirt.ProcInterfaceUndefine, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.InterfaceUndefine(ctx, eth1))
	})
	ro("iface change begin", libvirt.ProcInterfaceChangeBegin, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.InterfaceChangeBegin(ctx, 0))
	})
	ro("iface change rollback", libvirt.ProcInterfaceChangeRollback, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.InterfaceChangeRollback(ctx, 0))
	})
	ro("secret define", libvirt.ProcSecretDefineXML, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		v, err := c.SecretDefineXML(ctx, "<secret ephemeral='no' private='yes'/>", 0)
		return r(v), err
	})
	ro("secret set value", libvirt.ProcSecretSetValue, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.SecretSetValue(ctx, libvirt.Secret{UUID: libvirt.UUID{9}}, []byte("x"), 0))
	})
	ro("nwfilter define", libvirt.ProcNWFilterDefineXML, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		v, err := c.NWFilterDefineXML(ctx, "<filter name='ro'/>")
		return r(v), err
	})
	ro("node suspend", libvirt.ProcNodeSuspendForDuration, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		return none(c.NodeSuspendForDuration(ctx, 0, 60, 0))
	})
	ro("node alloc pages", libvirt.ProcNodeAllocPages, func(ctx context.Context, c *libvirt.Client) ([]any, error) {
		v, err := c.NodeAllocPages(ctx, []uint32{4}, []uint64{1}, -1, 0, 0)
		return r(v), err
	})
	steps = append(steps, step{"ro cleanup: undefine rodom (read-write)", libvirt.ProcDomainUndefine, func(ctx context.Context, s *side) ([]any, error) {
		d, err := s.c.DomainLookupByName(ctx, "rodom")
		if err != nil {
			return nil, err
		}
		return nil, s.c.DomainUndefine(ctx, d)
	}})
	return steps
}

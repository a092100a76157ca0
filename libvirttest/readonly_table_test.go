package libvirttest

import (
	"strings"
	"testing"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/internal/xdr"
)

// familyDomain is the error domain of the libvirt source file that
// defines public function api: each family has its own file.
func familyDomain(api string) libvirt.ErrorDomain {
	switch {
	case strings.Contains(api, "Qemu"):
		return libvirt.FromNone // libvirt-qemu.c
	case strings.HasPrefix(api, "virDomainSnapshot"), api == "virDomainRevertToSnapshot":
		return libvirt.FromDomainSnapshot
	case strings.HasPrefix(api, "virDomainCheckpoint"):
		return libvirt.FromDomainCheckpoint
	case strings.HasPrefix(api, "virStorage"), api == "virConnectFindStoragePoolSources":
		return libvirt.FromStorage
	case strings.HasPrefix(api, "virNetwork"):
		return libvirt.FromNetwork
	case strings.HasPrefix(api, "virNodeDevice"):
		return libvirt.FromNodedev
	case strings.HasPrefix(api, "virInterface"):
		return libvirt.FromInterface
	case strings.HasPrefix(api, "virSecret"):
		return libvirt.FromSecret
	case strings.HasPrefix(api, "virNWFilter"):
		return libvirt.FromNWFilter
	}
	return libvirt.FromDomain // libvirt-domain.c, which also holds the host calls it guards
}

// The table's error domains agree with the API families, and no rule
// refuses or fails a call whose arguments do not decode: libvirtd
// reports the decoding error first, which the dispatcher does.
func TestReadOnlyTable(t *testing.T) {
	assert := func(ok bool, format string, a ...any) {
		t.Helper()
		if !ok {
			t.Errorf(format, a...)
		}
	}
	check := func(name string, r roRule) {
		assert(strings.HasPrefix(r.api, "vir"), "%s: API %q", name, r.api)
		assert(r.dom == familyDomain(r.api), "%s: %s reports under domain %v, its family under %v", name, r.api, r.dom, familyDomain(r.api))
		v, err := r.check.run(xdr.NewDecoder(nil))
		assert(v == roAllow && err == nil, "%s: an empty body gets %v, %v", name, v, err)
	}
	for p, r := range readOnlyRemote {
		check(p.String(), r)
	}
	for p, r := range readOnlyQEMU {
		check(p.String(), r)
	}
	// libvirt 11.3 guards 207 remote procedures this way; two take file
	// descriptors the fake never receives (see readonly_table.go).
	assert(len(readOnlyRemote) == 205, "%d remote procedures", len(readOnlyRemote))
	assert(len(readOnlyQEMU) == 5, "%d QEMU procedures", len(readOnlyQEMU))
}

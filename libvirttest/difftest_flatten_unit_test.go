package libvirttest_test

import (
	"testing"

	"github.com/virtwire/libvirt"
)

// The differential tester's normalisation: UUIDs by order of
// appearance, generated MACs likewise, whole-word host names, clock
// fields and snapshot times, errors in full.
func TestFlattenerNormalises(t *testing.T) {
	f := newFlattener("vm")
	u := libvirt.UUID{1, 2, 3}
	got := f.result([]any{
		libvirt.Domain{Name: "a", UUID: u, ID: 1},
		"uuid " + u.String() + " and 6695eb01-f6a4-8304-79aa-97f2502e193f on vm, not lvm2",
		libvirt.VCPUInfo{Number: 1, CPUTime: 12345},
		[]libvirt.TypedParam{{Field: "cpu.time", Value: libvirt.NewTypedParamValueUllong(9)}},
		"<mac address='52:54:00:0a:0b:0c'/><mac address='aa:bb:cc:dd:ee:ff'/><creationTime>1796555566</creationTime>",
	}, &libvirt.Error{Code: libvirt.ErrNoDomain, Domain: libvirt.FromTest, Message: "no " + u.String(), Level: libvirt.ErrError})
	want := []string{
		"ret0.Name = a", "ret0.UUID = uuid#1", "ret0.ID = 1",
		"ret1 = uuid uuid#1 and uuid#2 on <host>, not lvm2",
		"ret2.Number = 1", "ret2.State = offline", "ret2.CPUTime = <time>", "ret2.CPU = 0",
		"ret3.len = 1", "ret3[0].Field = cpu.time", "ret3[0].Value = <time>",
		"ret4 = <mac address='mac#1'/><mac address='aa:bb:cc:dd:ee:ff'/><creationTime><time></creationTime>",
		"err.code = 42 (ErrNoDomain)", "err.domain = 12 (FromTest)", "err.message = no uuid#1", "err.level = 2",
	}
	if d := diffLines(want, got); d != "" {
		t.Errorf("flattened differently:%s\ngot %q", d, got)
	}
}

//go:build integration

package libvirttest_test

import (
	"context"

	"github.com/virtwire/libvirt"
)

const difftIOXML = `<domain type='test'>
  <name>difftio</name>
  <uuid>1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d</uuid>
  <memory unit='KiB'>131072</memory>
  <vcpu placement='static'>4</vcpu>
  <iothreads>2</iothreads>
  <os>
    <type arch='i686'>hvm</type>
  </os>
</domain>`

// ioThreadSteps add, pin, tune and delete I/O threads of a domain
// defined with two, and read them back through GetIOThreadInfo and the
// "iothread" statistics group.
func ioThreadSteps() []step {
	var steps []step
	add := func(name string, proc libvirt.Procedure, call func(ctx context.Context, s *side) ([]any, error)) {
		steps = append(steps, step{name, proc, call})
	}
	info := func(name string, flags libvirt.DomainModificationImpact) {
		add("iothread info "+name, libvirt.ProcDomainGetIOThreadInfo, func(ctx context.Context, s *side) ([]any, error) {
			a, b, err := s.c.DomainGetIOThreadInfo(ctx, s.dom3, flags)
			return r(a, b), err
		})
	}
	stats := func(name string) {
		add("iothread stats "+name, libvirt.ProcConnectGetAllDomainStats, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.ConnectGetAllDomainStats(ctx, []libvirt.Domain{s.dom3}, 0, 0)
			return r(v), err
		})
	}
	addIO := func(name string, id uint32, flags libvirt.DomainModificationImpact) {
		add("iothread add "+name, libvirt.ProcDomainAddIOThread, func(ctx context.Context, s *side) ([]any, error) {
			return nil, s.c.DomainAddIOThread(ctx, s.dom3, id, flags)
		})
	}
	delIO := func(name string, id uint32, flags libvirt.DomainModificationImpact) {
		add("iothread del "+name, libvirt.ProcDomainDelIOThread, func(ctx context.Context, s *side) ([]any, error) {
			return nil, s.c.DomainDelIOThread(ctx, s.dom3, id, flags)
		})
	}
	pin := func(name string, id uint32, m []byte, flags libvirt.DomainModificationImpact) {
		add("iothread pin "+name, libvirt.ProcDomainPinIOThread, func(ctx context.Context, s *side) ([]any, error) {
			return nil, s.c.DomainPinIOThread(ctx, s.dom3, id, m, flags)
		})
	}
	set := func(name string, id uint32, ps libvirt.TypedParams, flags libvirt.DomainModificationImpact) {
		add("iothread params "+name, libvirt.ProcDomainSetIOThreadParams, func(ctx context.Context, s *side) ([]any, error) {
			return nil, s.c.DomainSetIOThreadParams(ctx, s.dom3, id, ps, flags)
		})
	}
	add("iothread define difftio", libvirt.ProcDomainDefineXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainDefineXML(ctx, difftIOXML)
		s.dom3 = v
		return r(v), err
	})
	info("defined", 0)
	info("live of shut off", libvirt.DomainAffectLive)
	info("bogus flags", libvirt.DomainModificationImpact(bogus))
	addIO("config", 7, libvirt.DomainAffectConfig)
	addIO("zero", 0, 0)
	addIO("existing", 1, 0)
	addIO("live of shut off", 8, libvirt.DomainAffectLive)
	addIO("bogus flags", 8, libvirt.DomainModificationImpact(bogus))
	info("after config add", libvirt.DomainAffectConfig)
	add("iothread start difftio", libvirt.ProcDomainCreate, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainCreate(ctx, s.dom3)
		return r(v), err
	})
	info("running", 0)
	stats("running")
	addIO("live", 5, libvirt.DomainAffectLive)
	addIO("both", 6, libvirt.DomainAffectLive|libvirt.DomainAffectConfig)
	pin("1", 1, []byte{0x06}, 0)
	pin("missing", 9, []byte{0x01}, 0)
	pin("empty map", 1, []byte{0, 0}, 0)
	pin("bogus flags", 1, []byte{1}, libvirt.DomainModificationImpact(bogus))
	info("after pin", 0)
	set("5", 5, libvirt.TypedParams{}.AddUint64("poll_max_ns", 1000).AddUint("poll_grow", 2).AddUint("poll_shrink", 3), 0)
	set("7 partial", 7, libvirt.TypedParams{}.AddUint("poll_grow", 4), libvirt.DomainAffectLive)
	set("1 without polling state", 1, libvirt.TypedParams{}.AddUint("poll_grow", 4), 0)
	set("missing", 9, libvirt.TypedParams{}.AddUint("poll_grow", 4), 0)
	set("zero", 0, libvirt.TypedParams{}.AddUint("poll_grow", 4), 0)
	set("wrong type", 5, libvirt.TypedParams{}.AddUint("poll_max_ns", 4), 0)
	set("unknown", 5, libvirt.TypedParams{}.AddUint("poll_speed", 4), 0)
	set("config flag", 5, libvirt.TypedParams{}.AddUint("poll_grow", 4), libvirt.DomainAffectConfig)
	stats("after params")
	delIO("5", 5, 0)
	delIO("missing", 5, 0)
	delIO("zero", 0, 0)
	delIO("bogus flags", 2, libvirt.DomainModificationImpact(bogus))
	info("after del", 0)
	stats("after del")
	add("iothread stats iothread group", libvirt.ProcConnectGetAllDomainStats, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.ConnectGetAllDomainStats(ctx, []libvirt.Domain{s.dom3, s.dom}, libvirt.DomainStatsIOThread, 0)
		return r(v), err
	})
	steps = append(steps, xmlDumpSteps("iothread difftio running", onDom3)...)
	add("iothread destroy difftio", libvirt.ProcDomainDestroy, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainDestroy(ctx, s.dom3)
	})
	stats("shut off")
	info("shut off", 0)
	steps = append(steps, xmlDumpSteps("iothread difftio shut off", onDom3)...)
	add("iothread undefine difftio", libvirt.ProcDomainUndefine, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainUndefine(ctx, s.dom3)
	})
	return steps
}

package libvirttest

import (
	"context"
	"fmt"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// The test driver keeps I/O threads twice: the definition's iothreadids
// (what GetIOThreadInfo, pinning and the add/delete checks see) and, in
// its private data, each thread's polling parameters (what
// SetIOThreadParams changes and the "iothread" statistics report).
// AddIOThread and DelIOThread change both; a definition's <iothreads>
// fills only the first, as in libvirt.

// ioThreadID is an I/O thread of a domain's definition.
type ioThreadID struct {
	id     uint32
	cpumap []byte // nil: not pinned
	auto   bool   // numbered from <iothreads> alone, not listed in <iothreadids>
}

// ioPoll is the polling state of an I/O thread.
type ioPoll struct {
	id           uint32
	maxNs        uint64
	grow, shrink uint32
}

// ioThreads are a domain's I/O threads, derived from def: those of the
// persistent definition and, while it runs, those of its live one (a
// copy made at start, dropped at stop, as libvirt's transient
// definition).
type ioThreads struct {
	def    *domainDef
	cfg    []ioThreadID
	live   []ioThreadID
	liveID int32 // the domain ID live belongs to
	poll   []ioPoll
}

// ids returns the thread list flags select (checked by oneDef): the live
// one of a running domain unless CONFIG is given.
func (io *ioThreads) ids(dom *domain, flags uint32) *[]ioThreadID {
	if dom.addressesConfig(flags) {
		return &io.cfg
	}
	if io.liveID != dom.id {
		io.live = append([]ioThreadID{}, io.cfg...)
		io.liveID = dom.id
	}
	return &io.live
}

// defaultPollMaxNs is the polling time the test driver gives a new thread.
const defaultPollMaxNs = 32768

// iothreads returns dom's I/O threads, reading a new definition's
// <iothreads> and <iothreadids> on first use; d.mu is held.
func (dom *domain) iothreads() *ioThreads {
	if dom.io != nil && dom.io.def == dom.def {
		return dom.io
	}
	io := &ioThreads{def: dom.def, liveID: -1}
	if dom.io != nil {
		io.poll = dom.io.poll // private data outlives a redefinition
	}
	if x := dom.def.doc; x != nil {
		if x.IOThreadIDs != nil {
			for _, t := range x.IOThreadIDs.IOThreads {
				io.cfg = append(io.cfg, ioThreadID{id: uint32(t.ID)})
			}
		}
		for next := uint32(1); uint(len(io.cfg)) < x.IOThreads; next++ {
			if findIOThread(io.cfg, next) < 0 {
				io.cfg = append(io.cfg, ioThreadID{id: next, auto: true})
			}
		}
	}
	dom.io = io
	return io
}

func findIOThread(ids []ioThreadID, id uint32) int {
	for i, t := range ids {
		if t.id == id {
			return i
		}
	}
	return -1
}

func ioThreadZero() error {
	return lvError(libvirt.ErrInvalidArg, libvirt.FromTest, prefixInvArg, "invalid value of 0 for iothread_id")
}

// DomainGetIOThreadInfo lists the definition's I/O threads and their CPU
// maps; an unpinned thread may run on every vCPU-numbered CPU, as
// libvirt sizes the map by the domain's vCPU count.
func (d *driver) DomainGetIOThreadInfo(ctx context.Context, args *protocol.DomainGetIOThreadInfoArgs) (*protocol.DomainGetIOThreadInfoRet, error) {
	ret := &protocol.DomainGetIOThreadInfoRet{Info: []libvirt.DomainIOThreadInfo{}}
	err := d.withDomain(args.Dom, func(dom *domain) error {
		if err := oneDef(dom, uint32(args.Flags)); err != nil {
			return err
		}
		for _, t := range *dom.iothreads().ids(dom, uint32(args.Flags)) {
			m := t.cpumap
			if m == nil {
				m = make([]byte, (dom.vcpus+7)/8)
				for i := 0; i < dom.vcpus; i++ {
					m[i/8] |= 1 << (i % 8)
				}
			}
			ret.Info = append(ret.Info, libvirt.DomainIOThreadInfo{IOThreadID: t.id, CPUMap: trimMap(m)})
		}
		ret.Ret = uint32(len(ret.Info))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ret, nil
}

// trimMap drops a CPU map's trailing zero bytes, as libvirt's bitmap
// export does.
func trimMap(m []byte) []byte {
	n := len(m)
	for n > 0 && m[n-1] == 0 {
		n--
	}
	return append([]byte{}, m[:n]...)
}

// DomainAddIOThread adds an I/O thread with the default polling state.
func (d *driver) DomainAddIOThread(ctx context.Context, args *protocol.DomainAddIOThreadArgs) error {
	if args.IOThreadID == 0 {
		return ioThreadZero()
	}
	return d.withDomain(args.Dom, func(dom *domain) error {
		if err := oneDef(dom, uint32(args.Flags)); err != nil {
			return err
		}
		io := dom.iothreads()
		ids := io.ids(dom, uint32(args.Flags))
		if findIOThread(*ids, args.IOThreadID) >= 0 {
			return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromDomain, prefixInvArg, "an IOThread is already using iothread_id '%d'", args.IOThreadID)
		}
		*ids = append(*ids, ioThreadID{id: args.IOThreadID})
		io.poll = append(io.poll, ioPoll{id: args.IOThreadID, maxNs: defaultPollMaxNs})
		return nil
	})
}

// DomainDelIOThread removes an I/O thread.
func (d *driver) DomainDelIOThread(ctx context.Context, args *protocol.DomainDelIOThreadArgs) error {
	if args.IOThreadID == 0 {
		// The public API refuses it before the driver's own check.
		return apiError("iothread_id in virDomainDelIOThread must not be zero")
	}
	return d.withDomain(args.Dom, func(dom *domain) error {
		if err := oneDef(dom, uint32(args.Flags)); err != nil {
			return err
		}
		io := dom.iothreads()
		ids := io.ids(dom, uint32(args.Flags))
		i := findIOThread(*ids, args.IOThreadID)
		if i < 0 {
			return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromDomain, prefixInvArg, "cannot find IOThread '%d' in iothreadids list", args.IOThreadID)
		}
		*ids = append((*ids)[:i], (*ids)[i+1:]...)
		for j, p := range io.poll {
			if p.id == args.IOThreadID {
				io.poll = append(io.poll[:j], io.poll[j+1:]...)
				break
			}
		}
		return nil
	})
}

// DomainPinIOThread pins an I/O thread to host CPUs.
func (d *driver) DomainPinIOThread(ctx context.Context, args *protocol.DomainPinIOThreadArgs) error {
	return d.withDomain(args.Dom, func(dom *domain) error {
		if err := oneDef(dom, uint32(args.Flags)); err != nil {
			return err
		}
		if len(trimMap(args.CPUMap)) == 0 {
			return lvError(libvirt.ErrInvalidArg, libvirt.FromTest, prefixInvArg, "Empty iothread cpumap list for pinning")
		}
		ids := *dom.iothreads().ids(dom, uint32(args.Flags))
		i := findIOThread(ids, args.IOThreadsID)
		if i < 0 {
			return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromTest, prefixInvArg, "iothreadid %d not found", args.IOThreadsID)
		}
		ids[i].cpumap = append([]byte{}, args.CPUMap...)
		return nil
	})
}

// ioThreadParams are the polling parameters SetIOThreadParams accepts.
var ioThreadParams = paramSpec{
	"poll_max_ns": libvirt.TypedParamUllong,
	"poll_grow":   libvirt.TypedParamUint,
	"poll_shrink": libvirt.TypedParamUint,
}

// DomainSetIOThreadParams changes an I/O thread's polling parameters.
func (d *driver) DomainSetIOThreadParams(ctx context.Context, args *protocol.DomainSetIOThreadParamsArgs) error {
	if args.IOThreadID == 0 {
		return ioThreadZero()
	}
	return d.withDomain(args.Dom, func(dom *domain) error {
		if err := oneDef(dom, uint32(args.Flags)); err != nil {
			return err
		}
		io := dom.iothreads()
		if findIOThread(*io.ids(dom, uint32(args.Flags)), args.IOThreadID) < 0 {
			return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromTest, prefixInvArg, "cannot find IOThread '%d' in iothreadids", args.IOThreadID)
		}
		for i := range io.poll {
			p := &io.poll[i]
			if p.id != args.IOThreadID {
				continue
			}
			if err := validateParams(args.Params, ioThreadParams); err != nil {
				return err
			}
			for _, tp := range args.Params {
				switch tp.Field {
				case "poll_max_ns":
					p.maxNs, _ = tp.Value.AsUllong()
				case "poll_grow":
					p.grow, _ = tp.Value.AsUint()
				case "poll_shrink":
					p.shrink, _ = tp.Value.AsUint()
				}
			}
			return nil
		}
		// A thread of the definition without polling state: the test
		// driver fails without saying why.
		return lvError(libvirt.ErrInternalError, libvirt.FromNone, "", "An error occurred, but the cause is unknown")
	})
}

// ioThreadStats are the "iothread" group of ConnectGetAllDomainStats for
// a running domain with I/O threads; d.mu is held.
func (dom *domain) ioThreadStats() []libvirt.TypedParam {
	if !dom.active() || dom.io == nil || len(dom.io.poll) == 0 {
		return nil
	}
	out := []libvirt.TypedParam{{Field: "iothread.count", Value: libvirt.NewTypedParamValueUint(uint32(len(dom.io.poll)))}}
	for _, p := range dom.io.poll {
		out = append(out,
			libvirt.TypedParam{Field: fmt.Sprintf("iothread.%d.poll-max-ns", p.id), Value: libvirt.NewTypedParamValueUllong(p.maxNs)},
			libvirt.TypedParam{Field: fmt.Sprintf("iothread.%d.poll-grow", p.id), Value: libvirt.NewTypedParamValueUint(p.grow)},
			libvirt.TypedParam{Field: fmt.Sprintf("iothread.%d.poll-shrink", p.id), Value: libvirt.NewTypedParamValueUint(p.shrink)})
	}
	return out
}

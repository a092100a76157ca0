package golibvirt

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"

	vw "github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// The canned server answers the remote protocol from replies encoded once,
// so that the canned benchmarks measure the clients and not libvirtd. It
// has no build tag: it needs nothing but a temporary directory.

const (
	// cannedRecords and cannedParams shape the canned
	// ConnectGetAllDomainStats reply: records of domains, each with that
	// many typed parameters.
	cannedRecords = 100
	cannedParams  = 20
	// cannedLibVersion is what ConnectGetLibVersion returns (9.7.0 in
	// libvirt's major*1000000+minor*1000+micro form).
	cannedLibVersion = 9_007_000

	// msgMessage is VIR_NET_MESSAGE, the type of keepalive pings and
	// pongs (and of events, which this server never sends).
	msgMessage = 2
	// keepaliveProgram and its procedures are from libvirt's
	// virkeepaliveprotocol.x; virtwire's constants for them are internal.
	keepaliveProgram = 0x6b656570
	keepalivePing    = 1
	keepalivePong    = 2
)

// cannedStats is the value the canned server's ConnectGetAllDomainStats
// reply encodes, built once per process. The parameters cycle through int,
// unsigned long long (twice) and string values, as the root package's
// codec benchmark does, since a real stats reply mixes them that way.
var cannedStats = sync.OnceValue(func() *protocol.ConnectGetAllDomainStatsRet {
	rng := rand.New(rand.NewPCG(1, 1))
	words := []string{"running", "paused", "vda", "virtio", "52:54:00:12:34:56"}
	ret := &protocol.ConnectGetAllDomainStatsRet{RetStats: make([]vw.DomainStatsRecord, cannedRecords)}
	for i := range ret.RetStats {
		rec := &ret.RetStats[i]
		rec.Dom.Name = fmt.Sprintf("domain-%04d", i+1)
		for j := range rec.Dom.UUID {
			rec.Dom.UUID[j] = byte(rng.Uint32())
		}
		rec.Dom.ID = int32(i + 1)
		rec.Params = make([]vw.TypedParam, cannedParams)
		for p := range rec.Params {
			tp := &rec.Params[p]
			switch p % 4 {
			case 0:
				tp.Field = fmt.Sprintf("vcpu.%d.state", p)
				tp.Value = vw.NewTypedParamValueInt(int32(p % 3))
			case 1, 2:
				tp.Field = fmt.Sprintf("block.%d.rd.bytes", p)
				tp.Value = vw.NewTypedParamValueUllong(uint64(i)<<32 | uint64(p)*4096)
			case 3:
				tp.Field = fmt.Sprintf("net.%d.name", p)
				tp.Value = vw.NewTypedParamValueString(words[(i+p)%len(words)])
			}
		}
	}
	return ret
})

// cannedStatsBody is the XDR encoding of cannedStats, the reply body of
// ConnectGetAllDomainStats. virtwire's EncodeXDR methods take an encoder
// from its internal xdr package, which a user of the library cannot
// construct, so the reply is encoded here by hand from the public value
// (TestCannedDecode checks both clients decode it back to that value).
var cannedStatsBody = sync.OnceValue(func() []byte {
	return appendStats(nil, cannedStats())
})

// appendStats appends remote_connect_get_all_domain_stats_ret:
//
//	remote_domain_stats_record retStats<>, each
//	  remote_nonnull_domain dom { string name; opaque uuid[16]; int id; }
//	  remote_typed_param params<>, each
//	    string field; union switch (int type) { ... } value
func appendStats(out []byte, v *protocol.ConnectGetAllDomainStatsRet) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(v.RetStats)))
	for _, rec := range v.RetStats {
		out = appendString(out, rec.Dom.Name)
		out = append(out, rec.Dom.UUID[:]...)
		out = binary.BigEndian.AppendUint32(out, uint32(rec.Dom.ID))
		out = binary.BigEndian.AppendUint32(out, uint32(len(rec.Params)))
		for _, tp := range rec.Params {
			out = appendString(out, tp.Field)
			out = binary.BigEndian.AppendUint32(out, uint32(tp.Value.Type()))
			switch x := tp.Value.Value().(type) {
			case int32: // int and boolean
				out = binary.BigEndian.AppendUint32(out, uint32(x))
			case uint32:
				out = binary.BigEndian.AppendUint32(out, x)
			case int64:
				out = binary.BigEndian.AppendUint64(out, uint64(x))
			case uint64:
				out = binary.BigEndian.AppendUint64(out, x)
			case float64:
				out = binary.BigEndian.AppendUint64(out, math.Float64bits(x))
			case string:
				out = appendString(out, x)
			default:
				panic(fmt.Sprintf("typed parameter %q: no arm for type %d", tp.Field, tp.Value.Type()))
			}
		}
	}
	return out
}

// appendString appends an XDR string: length, bytes, zero padding to a
// multiple of 4.
func appendString(out []byte, s string) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(s)))
	out = append(out, s...)
	for pad := -len(s) & 3; pad > 0; pad-- {
		out = append(out, 0)
	}
	return out
}

// cannedBody returns the reply body the canned server sends for a call of
// proc in the remote program. Whatever the clients call beyond the
// procedures named here (ConnectOpen, ConnectClose, ...) succeeds with an
// empty body, which is all those procedures return.
func cannedBody(proc vw.Procedure) []byte {
	switch proc {
	case vw.ProcAuthList:
		// One method, none: the client goes straight to ConnectOpen.
		return xdrUint32s(1, uint32(vw.AuthNone))
	case vw.ProcConnectSupportsFeature:
		// Every feature is supported; virtwire asks about keepalive
		// (and would then send pings, which serve answers).
		return xdrUint32s(1)
	case vw.ProcConnectGetLibVersion:
		return binary.BigEndian.AppendUint64(nil, cannedLibVersion)
	case vw.ProcConnectGetAllDomainStats:
		return cannedStatsBody()
	}
	return nil
}

// cannedServer is an in-process libvirt daemon stand-in on a unix socket.
// It serves any number of connections, each in its own goroutine, and
// answers calls in order with pre-built frames, so that in steady state
// it neither allocates nor encodes: its cost is the syscalls, which the
// raw sub-benchmarks measure as the floor.
type cannedServer struct {
	path string
	ln   net.Listener
	wg   sync.WaitGroup

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

// startCannedServer listens on a socket in a new temporary directory and
// stops, closing every connection, when tb's function returns.
func startCannedServer(tb testing.TB) *cannedServer {
	// Not tb.TempDir: its path embeds the benchmark's name and can
	// exceed the 108 bytes a unix socket path may have.
	dir, err := os.MkdirTemp("", "vwcanned")
	if err != nil {
		tb.Fatal(err)
	}
	s := &cannedServer{path: filepath.Join(dir, "sock"), conns: map[net.Conn]struct{}{}}
	s.ln, err = net.Listen("unix", s.path)
	if err != nil {
		os.RemoveAll(dir)
		tb.Fatal(err)
	}
	s.wg.Add(1)
	go s.accept()
	tb.Cleanup(func() {
		s.close()
		os.RemoveAll(dir)
	})
	return s
}

func (s *cannedServer) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return // closed
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return
		}
		s.conns[nc] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serve(nc)
	}
}

func (s *cannedServer) close() {
	s.mu.Lock()
	s.closed = true
	for nc := range s.conns {
		nc.Close()
	}
	s.mu.Unlock()
	s.ln.Close()
	s.wg.Wait()
}

// serve answers the calls on one connection until the client hangs up,
// asks for ConnectClose or sends something malformed.
func (s *cannedServer) serve(nc net.Conn) {
	defer func() {
		s.mu.Lock()
		delete(s.conns, nc)
		s.mu.Unlock()
		nc.Close()
		s.wg.Done()
	}()
	br := bufio.NewReaderSize(nc, 64<<10)
	var buf []byte
	// Reply frames by program and procedure, built on first use: a reply
	// then costs one serial patch and one write.
	frames := map[uint64][]byte{}
	pong := encodeFrame(keepaliveProgram, 1, keepalivePong, msgMessage, nil)
	for {
		in, next, err := readFrame(br, buf)
		buf = next
		if err != nil {
			return
		}
		prog := binary.BigEndian.Uint32(in[4:])
		vers := binary.BigEndian.Uint32(in[8:])
		proc := binary.BigEndian.Uint32(in[12:])
		typ := binary.BigEndian.Uint32(in[16:])
		serial := binary.BigEndian.Uint32(in[20:])
		if prog == keepaliveProgram {
			// A client that asked for keepalive pings when idle;
			// libvirtd answers with a pong, and so does this.
			if typ == msgMessage && proc == keepalivePing {
				if _, err := nc.Write(pong); err != nil {
					return
				}
			}
			continue
		}
		if typ != msgCall {
			continue // nothing else a client sends wants an answer
		}
		key := uint64(prog)<<32 | uint64(proc)
		f, ok := frames[key]
		if !ok {
			var body []byte
			if prog == vw.Program {
				body = cannedBody(vw.Procedure(proc))
			}
			f = encodeFrame(prog, vers, proc, msgReply, body)
			frames[key] = f
		}
		binary.BigEndian.PutUint32(f[20:], serial)
		if _, err := nc.Write(f); err != nil {
			return
		}
		if prog == vw.Program && vw.Procedure(proc) == vw.ProcConnectClose {
			return // libvirtd hangs up once it has answered ConnectClose
		}
	}
}

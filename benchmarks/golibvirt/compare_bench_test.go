//go:build integration

package golibvirt

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	vw "github.com/virtwire/libvirt"
)

const (
	// totalDomains is how many domains ConnectListAllDomains and
	// ConnectGetAllDomainStats return: the test driver's own "test" plus
	// the ones setupDomains defines.
	totalDomains = 1000
	// domainPrefix names the domains this package defines, so that
	// leftovers of an interrupted run can be told apart and removed.
	domainPrefix = "glbench-"
)

// socketPath returns the daemon's unix socket, skipping the benchmark when
// none was started: these benchmarks need a real libvirtd.
func socketPath(b *testing.B) string {
	p := os.Getenv("VIRTWIRE_TEST_SOCKET")
	if p == "" {
		b.Skip("VIRTWIRE_TEST_SOCKET not set: start a daemon with scripts/libvirtd.sh and source its env file")
	}
	return p
}

// fixture holds the domains shared by the list and stats benchmarks.
// test:///default keeps one state for all connections but drops it when the
// last one closes, so the connection that defined the domains stays open
// until TestMain tears them down.
var fixture struct {
	once    sync.Once
	err     error
	c       *vw.Client
	defined []vw.Domain
}

// ensureDomains makes the driver hold exactly totalDomains domains, once
// per process, so that every sub-benchmark sees the same daemon state.
func ensureDomains(b *testing.B, path string) {
	fixture.once.Do(func() { fixture.err = setupDomains(path) })
	if fixture.err != nil {
		b.Fatal(fixture.err)
	}
}

func setupDomains(path string) error {
	ctx := context.Background()
	c, err := vw.Dial(ctx, "test+unix:///default?socket="+path)
	if err != nil {
		return err
	}
	fixture.c = c
	doms, err := c.ConnectListAllDomains(ctx, 0)
	if err != nil {
		return err
	}
	n := 0
	for _, d := range doms {
		if strings.HasPrefix(d.Name, domainPrefix) {
			// Left over by a run that died while another client kept
			// the driver state alive; its name would clash.
			if err := c.DomainUndefine(ctx, d); err != nil {
				return fmt.Errorf("undefining leftover %s: %w", d.Name, err)
			}
			continue
		}
		n++
	}
	for i := 0; n < totalDomains; i++ {
		xml := fmt.Sprintf("<domain type='test'><name>%s%04d</name><memory>1024</memory><os><type>hvm</type></os></domain>", domainPrefix, i)
		d, err := c.DomainDefineXML(ctx, xml)
		if err != nil {
			return fmt.Errorf("defining domain %d: %w", i, err)
		}
		fixture.defined = append(fixture.defined, d)
		n++
	}
	return nil
}

// teardownDomains undefines what setupDomains defined, so a daemon reused
// for other tests is left as it was.
func teardownDomains() {
	if fixture.c == nil {
		return
	}
	ctx := context.Background()
	for _, d := range fixture.defined {
		if err := fixture.c.DomainUndefine(ctx, d); err != nil {
			fmt.Fprintf(os.Stderr, "undefining %s: %v\n", d.Name, err)
		}
	}
	fixture.c.Close()
}

func TestMain(m *testing.M) {
	code := m.Run()
	teardownDomains()
	os.Exit(code)
}

// BenchmarkGetLibVersion is the smallest round trip: no arguments, an
// 8-byte reply. raw is the floor, the cost of the syscalls and libvirtd.
func BenchmarkGetLibVersion(b *testing.B) {
	path := socketPath(b)
	ctx := context.Background()
	b.Run("raw", func(b *testing.B) {
		r := dialRaw(b, path)
		f := newFrame(vw.ProcConnectGetLibVersion, nil)
		runSeq(b, func() error {
			_, err := r.call(f)
			return err
		})
	})
	b.Run("virtwire", func(b *testing.B) {
		c := dialVirtwire(b, path)
		runSeq(b, func() error {
			_, err := c.ConnectGetLibVersion(ctx)
			return err
		})
	})
	b.Run("golibvirt", func(b *testing.B) {
		l := dialGoLibvirt(b, path)
		runSeq(b, func() error {
			_, err := l.ConnectGetLibVersion()
			return err
		})
	})
}

// BenchmarkListAllDomains1000 lists totalDomains domains: one large reply
// whose decoding (names, UUIDs) dominates the client's share.
func BenchmarkListAllDomains1000(b *testing.B) {
	path := socketPath(b)
	ensureDomains(b, path)
	ctx := context.Background()
	b.Run("raw", func(b *testing.B) {
		r := dialRaw(b, path)
		// need_results=1, flags=0
		f := newFrame(vw.ProcConnectListAllDomains, xdrUint32s(1, 0))
		list := func() error {
			body, err := r.call(f)
			if err != nil {
				return err
			}
			return checkCount(arrayLen(body), totalDomains)
		}
		runSeq(b, list)
	})
	b.Run("virtwire", func(b *testing.B) {
		c := dialVirtwire(b, path)
		runSeq(b, func() error {
			doms, err := c.ConnectListAllDomains(ctx, 0)
			if err != nil {
				return err
			}
			return checkCount(len(doms), totalDomains)
		})
	})
	b.Run("golibvirt", func(b *testing.B) {
		l := dialGoLibvirt(b, path)
		runSeq(b, func() error {
			doms, _, err := l.ConnectListAllDomains(1, 0)
			if err != nil {
				return err
			}
			return checkCount(len(doms), totalDomains)
		})
	})
}

// BenchmarkGetAllDomainStats1000 fetches every stats group the test driver
// offers for all totalDomains domains: many typed parameters per record.
func BenchmarkGetAllDomainStats1000(b *testing.B) {
	path := socketPath(b)
	ensureDomains(b, path)
	ctx := context.Background()
	b.Run("raw", func(b *testing.B) {
		r := dialRaw(b, path)
		// doms=<empty array> (all domains), stats=0 (all groups), flags=0
		f := newFrame(vw.ProcConnectGetAllDomainStats, xdrUint32s(0, 0, 0))
		stats := func() error {
			body, err := r.call(f)
			if err != nil {
				return err
			}
			return checkCount(arrayLen(body), totalDomains)
		}
		runSeq(b, stats)
	})
	b.Run("virtwire", func(b *testing.B) {
		c := dialVirtwire(b, path)
		runSeq(b, func() error {
			recs, err := c.ConnectGetAllDomainStats(ctx, nil, 0, 0)
			if err != nil {
				return err
			}
			return checkCount(len(recs), totalDomains)
		})
	})
	b.Run("golibvirt", func(b *testing.B) {
		l := dialGoLibvirt(b, path)
		runSeq(b, func() error {
			recs, err := l.ConnectGetAllDomainStats(nil, 0, 0)
			if err != nil {
				return err
			}
			return checkCount(len(recs), totalDomains)
		})
	})
}

// BenchmarkParallel64GetLibVersion has 64 goroutines share one connection,
// which measures how a client multiplexes calls rather than its codec. There
// is no raw floor: sharing one socket among goroutines needs a demultiplexer,
// which is what the clients under test are.
func BenchmarkParallel64GetLibVersion(b *testing.B) {
	path := socketPath(b)
	ctx := context.Background()
	b.Run("virtwire", func(b *testing.B) {
		c := dialVirtwire(b, path)
		runParallel64(b, func() error {
			_, err := c.ConnectGetLibVersion(ctx)
			return err
		})
	})
	b.Run("golibvirt", func(b *testing.B) {
		l := dialGoLibvirt(b, path)
		runParallel64(b, func() error {
			_, err := l.ConnectGetLibVersion()
			return err
		})
	})
}

//go:build integration

package integration_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
)

// TestConcurrentCallsOneConnection has 64 goroutines make 500 calls each
// on one connection. Every call's reply names what was asked (a domain's
// name, UUID or XML), so a reply handed to the wrong caller is caught.
func TestConcurrentCallsOneConnection(t *testing.T) {
	const goroutines, calls, ndoms = 64, 500, 16
	forEachTransport(t, func(t *testing.T, tr transport) {
		c := dial(t, tr.uri("test", "default"))
		ctx := ctxFor(t, 5*time.Minute)

		doms := make([]libvirt.Domain, ndoms)
		for i := range doms {
			doms[i] = defineTestDomain(t, c, uniqueName(fmt.Sprintf("conc%d", i)))
		}
		libVer, err := c.ConnectGetLibVersion(ctx)
		require.NoError(t, err)

		// check makes call number i of goroutine g and verifies that the
		// reply belongs to it.
		check := func(ctx context.Context, g, i int) error {
			k := (g*calls + i) % ndoms
			want := doms[k]
			switch (g + i) % 5 {
			case 0:
				got, err := c.DomainLookupByName(ctx, want.Name)
				if err != nil {
					return err
				}
				if got.Name != want.Name || got.UUID != want.UUID {
					return fmt.Errorf("lookup of %s answered with %s", want.Name, got.Name)
				}
			case 1:
				got, err := c.DomainLookupByUUID(ctx, want.UUID)
				if err != nil {
					return err
				}
				if got.Name != want.Name {
					return fmt.Errorf("lookup of UUID %s answered with %s", uuidString(want.UUID), got.Name)
				}
			case 2:
				xml, err := c.DomainGetXMLDesc(ctx, want, 0)
				if err != nil {
					return err
				}
				if !strings.Contains(xml, "<name>"+want.Name+"</name>") ||
					!strings.Contains(xml, "<uuid>"+uuidString(want.UUID)+"</uuid>") {
					return fmt.Errorf("XML of %s is another domain's:\n%s", want.Name, xml)
				}
			case 3:
				missing := fmt.Sprintf("vwit-absent-%d-%d", g, i)
				_, err := c.DomainLookupByName(ctx, missing)
				if !errors.Is(err, libvirt.ErrNoDomain) {
					return fmt.Errorf("lookup of missing %s: got %v, want ErrNoDomain", missing, err)
				}
			case 4:
				v, err := c.ConnectGetLibVersion(ctx)
				if err != nil {
					return err
				}
				if v != libVer {
					return fmt.Errorf("lib version %d, want %d", v, libVer)
				}
			}
			return nil
		}

		var (
			wg      sync.WaitGroup
			ok      atomic.Int64
			errMu   sync.Mutex
			errs    []error
			barrier = make(chan struct{})
		)
		for g := 0; g < goroutines; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				<-barrier
				for i := 0; i < calls; i++ {
					if err := check(ctx, g, i); err != nil {
						errMu.Lock()
						errs = append(errs, fmt.Errorf("goroutine %d call %d: %w", g, i, err))
						errMu.Unlock()
						continue
					}
					ok.Add(1)
				}
			}(g)
		}
		start := time.Now()
		close(barrier)
		wg.Wait()
		elapsed := time.Since(start)

		for i, err := range errs {
			if i == 10 {
				t.Errorf("... and %d more errors", len(errs)-10)
				break
			}
			t.Error(err)
		}
		assert.Equal(t, int64(goroutines*calls), ok.Load(), "calls answered correctly")
		t.Logf("%d calls from %d goroutines in %v: %.0f calls/s",
			goroutines*calls, goroutines, elapsed.Round(time.Millisecond), float64(goroutines*calls)/elapsed.Seconds())

		// The connection is still in order afterwards.
		v, err := c.ConnectGetLibVersion(ctx)
		require.NoError(t, err)
		assert.Equal(t, libVer, v)
	})
}

//go:build integration

package libvirttest_test

import (
	"context"
	"fmt"

	"github.com/virtwire/libvirt"
)

// legacyEventSteps register and deregister every domain event ID the
// legacy way (ConnectDomainEventRegisterAny, without callback IDs) on
// the connection without subscriptions: libvirtd serves only the IDs
// that existed before callback IDs did.
func legacyEventSteps() []step {
	var steps []step
	for id := int32(-1); id <= int32(libvirt.DomainEventIDMemoryDeviceSizeChange)+1; id++ {
		steps = append(steps, step{fmt.Sprintf("legacy event register any %d", id), libvirt.ProcConnectDomainEventRegisterAny,
			func(ctx context.Context, s *side) ([]any, error) {
				return nil, s.c2.ConnectDomainEventRegisterAny(ctx, id)
			}})
	}
	for id := int32(-1); id <= int32(libvirt.DomainEventIDMemoryDeviceSizeChange)+1; id++ {
		steps = append(steps, step{fmt.Sprintf("legacy event deregister any %d", id), libvirt.ProcConnectDomainEventDeregisterAny,
			func(ctx context.Context, s *side) ([]any, error) {
				return nil, s.c2.ConnectDomainEventDeregisterAny(ctx, id)
			}})
	}
	return steps
}

//go:build integration

package libvirttest_test

import (
	"context"
	"strings"

	"github.com/virtwire/libvirt"
)

// badUUIDSteps define objects whose <uuid> is not a UUID: libvirt's
// domain and network parsers report an internal error, its storage pool
// parser an XML error.
func badUUIDSteps() []step {
	bad := func(doc, uuid string) string {
		i, j := strings.Index(doc, "<uuid>"), strings.Index(doc, "</uuid>")
		return doc[:i] + "<uuid>" + uuid + doc[j:]
	}
	return []step{
		{"bad uuid domain define", libvirt.ProcDomainDefineXML, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainDefineXML(ctx, bad(difftDomainXML, "not-a-uuid"))
			return r(v), err
		}},
		{"bad uuid domain create", libvirt.ProcDomainCreateXML, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainCreateXML(ctx, bad(difftDomainXML, "4dea22b3-1d52-d8f3-2516-782e98a23fa"), 0)
			return r(v), err
		}},
		{"bad uuid network define", libvirt.ProcNetworkDefineXML, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.NetworkDefineXML(ctx, bad(difftNetXML, "zz"))
			return r(v), err
		}},
		{"bad uuid pool define", libvirt.ProcStoragePoolDefineXML, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.StoragePoolDefineXML(ctx, bad(difftPoolXML, "zz"), 0)
			return r(v), err
		}},
	}
}

package libvirttest

import (
	"context"
	"strings"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// Network metadata (libvirt 9.7 and later): a title, a description and
// namespaced elements, kept apart from the network's stored XML and
// shown by GetXMLDesc (networkXML), one set per definition.

// metadataFor returns the metadata sets flags address. LIVE, or CURRENT
// on a running network, is the running definition's; CONFIG on a stopped
// network is its only definition's, on a running one the persistent
// definition's once libvirt made one apart (splitConfig), else none: a
// get then fails and a set is dropped, as libvirt's test driver does.
// For a get (set false) the first set is the one to read.
func (n *network) metadataFor(flags libvirt.NetworkUpdateFlags, set bool) []metaSet {
	const live, config = libvirt.NetworkUpdateAffectLive, libvirt.NetworkUpdateAffectConfig
	if flags&(live|config) == 0 {
		if n.active {
			flags = live
		} else {
			flags = config
		}
	}
	if n.metadata == nil {
		n.metadata = metaSet{}
	}
	var out []metaSet
	if flags&config != 0 {
		switch {
		case !n.active:
			out = append(out, n.metadata)
		case n.configXML != "":
			out = append(out, n.configMeta)
		case !set:
			return nil
		}
	}
	if flags&live != 0 {
		out = append(out, n.metadata)
	}
	return out
}

// networkMetaKey checks a metadata type and URI as the public API and
// the network object do.
func networkMetaKey(typ libvirt.NetworkMetadataType, uri *string, fn string) (metaKey, error) {
	switch typ {
	case libvirt.NetworkMetadataDescription, libvirt.NetworkMetadataTitle:
		return metaKey{typ: int32(typ)}, nil
	case libvirt.NetworkMetadataElement:
		if uri == nil || *uri == "" {
			return metaKey{}, lvError(libvirt.ErrInvalidArg, libvirt.FromNetwork, "", "uri in "+fn+" must not be NULL")
		}
		return metaKey{typ: int32(typ), uri: *uri}, nil
	}
	return metaKey{}, lvErrorf(libvirt.ErrInvalidArg, libvirt.FromNetwork, prefixInvArg, "unknown metadata type '%d'", typ)
}

// networkImpact checks LIVE and CONFIG against a network's state.
func networkImpact(n *network, flags libvirt.NetworkUpdateFlags) error {
	if flags&libvirt.NetworkUpdateAffectLive != 0 && !n.active {
		return lvError(libvirt.ErrOperationInvalid, libvirt.FromNetwork, prefixInvalid, "network is not running")
	}
	if flags&libvirt.NetworkUpdateAffectConfig != 0 && !n.persistent {
		return lvError(libvirt.ErrOperationInvalid, libvirt.FromNetwork, prefixInvalid, "cannot change persistent config of a transient network")
	}
	return nil
}

// NetworkSetMetadata sets or (nil metadata) removes a title, description
// or namespaced element, and sends a metadata-change event.
func (d *driver) NetworkSetMetadata(ctx context.Context, args *protocol.NetworkSetMetadataArgs) error {
	key, err := networkMetaKey(args.Type, args.URI, "virNetworkSetMetadata")
	if err != nil {
		return err
	}
	if key.typ == int32(libvirt.NetworkMetadataElement) && args.Metadata != nil && (args.Key == nil || *args.Key == "") {
		return lvError(libvirt.ErrInvalidArg, libvirt.FromNetwork, "", "key in virNetworkSetMetadata must not be NULL")
	}
	return d.withNetwork(args.Network, func(n *network) error {
		if err := networkImpact(n, args.Flags); err != nil {
			return err
		}
		key, val, err := newMetaVal(key, args.Metadata, args.Key, libvirt.FromNetwork)
		if err != nil {
			return err
		}
		for _, m := range n.metadataFor(args.Flags, true) {
			if args.Metadata == nil || *args.Metadata == "" {
				delete(m, key)
			} else {
				m[key] = val
			}
		}
		msg := libvirt.NetworkEventCallbackMetadataChangeMsg{Net: n.ref(), Type: args.Type}
		if args.URI != nil {
			uri := *args.URI
			msg.Nsuri = &uri
		}
		d.emit(ctx, famNetwork, int32(libvirt.NetworkEventIDMetadataChange), n.uuid, libvirt.ProcNetworkEventCallbackMetadataChange,
			func(cb int32) encodable { m := msg; m.CallbackID = cb; return &m })
		return nil
	})
}

// NetworkGetMetadata returns a title, description or namespaced element.
func (d *driver) NetworkGetMetadata(ctx context.Context, args *protocol.NetworkGetMetadataArgs) (*protocol.NetworkGetMetadataRet, error) {
	key, err := networkMetaKey(args.Type, args.URI, "virNetworkGetMetadata")
	if err != nil {
		return nil, err
	}
	var ret protocol.NetworkGetMetadataRet
	err = d.withNetwork(args.Network, func(n *network) error {
		if err := networkImpact(n, args.Flags); err != nil {
			return err
		}
		ms := n.metadataFor(args.Flags, false)
		if len(ms) == 0 {
			// libvirt looks in the network's separate persistent
			// definition, which a running network of the test driver
			// has only after a CONFIG update or a redefinition, and
			// fails without saying why.
			return lvError(libvirt.ErrInternalError, libvirt.FromNone, "", "An error occurred, but the cause is unknown")
		}
		v, ok := ms[0][key]
		if !ok {
			return lvError(libvirt.ErrNoNetworkMetadata, libvirt.FromNetwork, "metadata not found: ", "Requested metadata element is not present")
		}
		ret.Metadata = v.get()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// shownXML is the running definition as GetXMLDesc shows it, with its
// title, description and metadata elements.
func (n *network) shownXML() string {
	var b strings.Builder
	if t := n.metadata.title(); t != "" {
		b.WriteString("  <title>" + escapeLibvirt(t) + "</title>\n")
	}
	if d := n.metadata.description(); d != "" {
		b.WriteString("  <description>" + escapeLibvirt(d) + "</description>\n")
	}
	b.WriteString(n.metadata.block())
	return insertTopLevel(n.xml, b.String(), "name", "uuid")
}

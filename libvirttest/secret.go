package libvirttest

import (
	"context"
	"encoding/xml"
	"strings"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// secret is one secret. libvirt's test driver has none; this one behaves
// like libvirtd's secret driver (as qemu:///system shows it).
type secret struct {
	xml       string // as defined, UUID filled in
	uuid      libvirt.UUID
	usageType libvirt.SecretUsageType
	usageID   string
	ephemeral bool
	private   bool
	value     []byte
}

func (s *secret) ref() libvirt.Secret {
	return libvirt.Secret{UUID: s.uuid, UsageType: libvirt.SecretUsageType(s.usageType), UsageID: s.usageID}
}

// secretUsages maps usage types to the element naming the usage.
var secretUsages = map[string]struct {
	typ  libvirt.SecretUsageType
	elem string
}{
	"none":   {libvirt.SecretUsageTypeNone, ""},
	"volume": {libvirt.SecretUsageTypeVolume, "volume"},
	"ceph":   {libvirt.SecretUsageTypeCeph, "name"},
	"iscsi":  {libvirt.SecretUsageTypeIscsi, "target"},
	"tls":    {libvirt.SecretUsageTypeTLS, "name"},
	"vtpm":   {libvirt.SecretUsageTypeVtpm, "name"},
}

func parseSecret(doc string) (*secret, error) {
	var v struct {
		XMLName   xml.Name
		Ephemeral string `xml:"ephemeral,attr"`
		Private   string `xml:"private,attr"`
		UUID      string `xml:"uuid"`
		Usage     *struct {
			Type   string `xml:"type,attr"`
			Volume string `xml:"volume"`
			Name   string `xml:"name"`
			Target string `xml:"target"`
		} `xml:"usage"`
	}
	if err := parseXML(doc, "secret_definition", &v); err != nil {
		return nil, err
	}
	if v.XMLName.Local != "secret" {
		return nil, lvError(libvirt.ErrXMLError, libvirt.FromSecret, prefixXML, "incorrect root element")
	}
	s := &secret{ephemeral: v.Ephemeral == "yes", private: v.Private == "yes"}
	u, err := uuidOrNew(v.UUID, libvirt.FromSecret)
	if err != nil {
		return nil, err
	}
	s.uuid = u
	if v.Usage != nil {
		us, ok := secretUsages[v.Usage.Type]
		if !ok {
			return nil, lvErrorf(libvirt.ErrInternalError, libvirt.FromSecret, prefixInternal, "unknown secret usage type %s", v.Usage.Type)
		}
		s.usageType = us.typ
		switch us.elem {
		case "volume":
			s.usageID = v.Usage.Volume
		case "name":
			s.usageID = v.Usage.Name
		case "target":
			s.usageID = v.Usage.Target
		}
		s.usageID = strings.TrimSpace(s.usageID)
		if us.elem != "" && s.usageID == "" {
			return nil, lvErrorf(libvirt.ErrXMLError, libvirt.FromSecret, prefixXML, "%s usage specified, but %s is missing", v.Usage.Type, us.elem)
		}
	}
	if s.xml, err = canonicalSecret(doc, u); err != nil {
		return nil, err
	}
	return s, nil
}

func (d *driver) secretOf(ref libvirt.Secret) (*secret, error) {
	for _, s := range d.secrets {
		if s.uuid == ref.UUID {
			return s, nil
		}
	}
	return nil, noSecret(ref.UUID)
}

func noSecret(u libvirt.UUID) error {
	return lvErrorf(libvirt.ErrNoSecret, libvirt.FromSecret, "Secret not found: ", "no secret with matching uuid '%s'", u)
}

func (d *driver) withSecret(ref libvirt.Secret, f func(s *secret) error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	s, err := d.secretOf(ref)
	if err != nil {
		return err
	}
	return f(s)
}

func (d *driver) emitSecret(ctx context.Context, s *secret, ev libvirt.SecretEventLifecycleType) {
	ref := s.ref()
	d.emit(ctx, famSecret, int32(libvirt.SecretEventIDLifecycle), s.uuid, libvirt.ProcSecretEventLifecycle,
		func(cb int32) encodable {
			return &libvirt.SecretEventLifecycleMsg{CallbackID: cb, Secret: ref, Event: ev}
		})
}

// SecretDefineXML defines or redefines a secret.
func (d *driver) SecretDefineXML(ctx context.Context, args *protocol.SecretDefineXMLArgs) (*protocol.SecretDefineXMLRet, error) {
	s, err := parseSecret(args.XML)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, o := range d.secrets {
		if o.uuid != s.uuid && o.usageType == s.usageType && s.usageType != libvirt.SecretUsageTypeNone && o.usageID == s.usageID {
			return nil, lvErrorf(libvirt.ErrInternalError, libvirt.FromSecret, prefixInternal,
				"a secret with UUID %s already defined for use with %s", o.uuid, o.usageID)
		}
	}
	for i, o := range d.secrets {
		if o.uuid == s.uuid {
			s.value = o.value
			d.secrets[i] = s
			d.emitSecret(ctx, s, libvirt.SecretEventDefined)
			return &protocol.SecretDefineXMLRet{Secret: s.ref()}, nil
		}
	}
	d.secrets = append(d.secrets, s)
	d.emitSecret(ctx, s, libvirt.SecretEventDefined)
	return &protocol.SecretDefineXMLRet{Secret: s.ref()}, nil
}

// SecretUndefine deletes a secret.
func (d *driver) SecretUndefine(ctx context.Context, args *protocol.SecretUndefineArgs) error {
	return d.withSecret(args.Secret, func(s *secret) error {
		for i, o := range d.secrets {
			if o == s {
				d.secrets = append(d.secrets[:i], d.secrets[i+1:]...)
				break
			}
		}
		d.emitSecret(ctx, s, libvirt.SecretEventUndefined)
		return nil
	})
}

// SecretLookupByUUID finds a secret by UUID.
func (d *driver) SecretLookupByUUID(ctx context.Context, args *protocol.SecretLookupByUUIDArgs) (*protocol.SecretLookupByUUIDRet, error) {
	var ret protocol.SecretLookupByUUIDRet
	err := d.withSecret(libvirt.Secret{UUID: args.UUID}, func(s *secret) error { ret.Secret = s.ref(); return nil })
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// SecretLookupByUsage finds a secret by usage type and ID.
func (d *driver) SecretLookupByUsage(ctx context.Context, args *protocol.SecretLookupByUsageArgs) (*protocol.SecretLookupByUsageRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range d.secrets {
		if libvirt.SecretUsageType(s.usageType) == args.UsageType && s.usageID == args.UsageID {
			return &protocol.SecretLookupByUsageRet{Secret: s.ref()}, nil
		}
	}
	return nil, lvErrorf(libvirt.ErrNoSecret, libvirt.FromSecret, "Secret not found: ", "no secret with matching usage '%s'", args.UsageID)
}

// SecretGetXMLDesc returns the secret's XML as defined.
func (d *driver) SecretGetXMLDesc(ctx context.Context, args *protocol.SecretGetXMLDescArgs) (*protocol.SecretGetXMLDescRet, error) {
	var ret protocol.SecretGetXMLDescRet
	err := d.withSecret(args.Secret, func(s *secret) error { ret.XML = s.xml; return nil })
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// SecretSetValue stores a secret's value and sends a value-changed event.
func (d *driver) SecretSetValue(ctx context.Context, args *protocol.SecretSetValueArgs) error {
	return d.withSecret(args.Secret, func(s *secret) error {
		s.value = append([]byte(nil), args.Value...)
		ref := s.ref()
		d.emit(ctx, famSecret, int32(libvirt.SecretEventIDValueChanged), s.uuid, libvirt.ProcSecretEventValueChanged,
			func(cb int32) encodable { return &libvirt.SecretEventValueChangedMsg{CallbackID: cb, Secret: ref} })
		return nil
	})
}

// SecretGetValue returns a secret's value unless it is private.
func (d *driver) SecretGetValue(ctx context.Context, args *protocol.SecretGetValueArgs) (*protocol.SecretGetValueRet, error) {
	var ret protocol.SecretGetValueRet
	err := d.withSecret(args.Secret, func(s *secret) error {
		if s.value == nil {
			return lvErrorf(libvirt.ErrNoSecret, libvirt.FromSecret, "Secret not found: ", "secret '%s' does not have a value", s.uuid)
		}
		if s.private {
			return lvError(libvirt.ErrInvalidSecret, libvirt.FromSecret, "Invalid secret: ", "secret is private")
		}
		ret.Value = append([]byte(nil), s.value...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// ConnectListAllSecrets lists the secrets that pass flags' filters.
func (d *driver) ConnectListAllSecrets(ctx context.Context, args *protocol.ConnectListAllSecretsArgs) (*protocol.ConnectListAllSecretsRet, error) {
	f := uint32(args.Flags)
	d.mu.Lock()
	defer d.mu.Unlock()
	ret := &protocol.ConnectListAllSecretsRet{}
	for _, s := range d.secrets {
		if !listFilter(f, uint32(libvirt.ConnectListSecretsEphemeral), uint32(libvirt.ConnectListSecretsNoEphemeral), s.ephemeral) ||
			!listFilter(f, uint32(libvirt.ConnectListSecretsPrivate), uint32(libvirt.ConnectListSecretsNoPrivate), s.private) {
			continue
		}
		ret.Ret++
		if args.NeedResults != 0 {
			ret.Secrets = append(ret.Secrets, s.ref())
		}
	}
	return ret, nil
}

// ConnectNumOfSecrets counts secrets.
func (d *driver) ConnectNumOfSecrets(ctx context.Context) (*protocol.ConnectNumOfSecretsRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return &protocol.ConnectNumOfSecretsRet{Num: int32(len(d.secrets))}, nil
}

// ConnectListSecrets lists secret UUIDs.
func (d *driver) ConnectListSecrets(ctx context.Context, args *protocol.ConnectListSecretsArgs) (*protocol.ConnectListSecretsRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	ret := &protocol.ConnectListSecretsRet{Uuids: []string{}}
	for _, s := range d.secrets {
		if len(ret.Uuids) < int(args.Maxuuids) {
			ret.Uuids = append(ret.Uuids, s.uuid.String())
		}
	}
	return ret, nil
}

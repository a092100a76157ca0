package libvirttest

import (
	"github.com/virtwire/libvirt"
)

// paramSpec names the typed parameters a setter accepts and their types.
type paramSpec map[string]libvirt.TypedParameterType

func boolParams(names ...string) paramSpec {
	s := paramSpec{}
	for _, n := range names {
		s[n] = libvirt.TypedParamBoolean
	}
	return s
}

var typedParamTypeNames = map[libvirt.TypedParameterType]string{
	libvirt.TypedParamInt: "int", libvirt.TypedParamUint: "uint",
	libvirt.TypedParamLlong: "llong", libvirt.TypedParamUllong: "ullong",
	libvirt.TypedParamDouble: "double", libvirt.TypedParamBoolean: "boolean",
	libvirt.TypedParamString: "string",
}

// validateParams checks parameters as libvirt's virTypedParamsValidate
// does, before a setter looks anything up: every name known, of its
// type, and given once.
func validateParams(params []libvirt.TypedParam, spec paramSpec) error {
	seen := map[string]bool{}
	for _, p := range params {
		want, ok := spec[p.Field]
		if !ok {
			return lvErrorf(libvirt.ErrArgumentUnsupported, libvirt.FromNone, "argument unsupported: ", "parameter '%s' not supported", p.Field)
		}
		if p.Value.Type() != want {
			return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromNone, prefixInvArg, "invalid type '%s' for parameter '%s', expected '%s'",
				typedParamTypeNames[p.Value.Type()], p.Field, typedParamTypeNames[want])
		}
		if seen[p.Field] {
			return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromNone, prefixInvArg, "parameter '%s' occurs multiple times", p.Field)
		}
		seen[p.Field] = true
	}
	return nil
}

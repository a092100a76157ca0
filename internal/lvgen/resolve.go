package lvgen

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/virtwire/libvirt/internal/lvgen/rpcl"
)

// goField gives the Go field name for an RPCL member name, which may be
// snake_case ("hv_ver") or camelCase ("nrVirtCpu").
func goField(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "_") {
		if part == "" {
			continue
		}
		if strings.IndexFunc(part, unicode.IsUpper) >= 0 {
			b.WriteString(fixInitialisms(strings.ToUpper(part[:1]) + part[1:]))
		} else {
			b.WriteString(camel(part))
		}
	}
	return b.String()
}

// bound resolves an array or string bound to a Go expression.
func (g *generator) bound(v rpcl.Value, pkg string) (string, error) {
	if v.IsZero() {
		return "xdr.Unbounded", nil
	}
	expr, _, err := g.value(v, pkg)
	return expr, err
}

// resolveType resolves the type part of a declaration.
func (g *generator) resolveType(pkg string, t rpcl.Type) (*gtype, error) {
	if t.Kind != rpcl.Named {
		if _, ok := basicGo[t.Kind]; !ok {
			return nil, fmt.Errorf("type %s is not supported here", t.Kind)
		}
		return &gtype{kind: kBasic, basic: t.Kind}, nil
	}
	x, ok := g.defs[t.Name]
	if !ok {
		return nil, fmt.Errorf("undefined type %s", t.Name)
	}
	if x.unit.pkg != pkg {
		return nil, fmt.Errorf("type %s is defined in package %s, not %s", t.Name, x.unit.pkg, pkg)
	}
	switch d := x.def.(type) {
	case *rpcl.Struct:
		return &gtype{kind: kStruct, name: x.goName}, nil
	case *rpcl.Union:
		return &gtype{kind: kUnion, name: x.goName}, nil
	case *rpcl.Enum:
		return &gtype{kind: kEnum, name: x.goName, wire: rpcl.Int}, nil
	case *rpcl.Typedef:
		inner, err := g.resolveDecl(pkg, d.Decl)
		if err != nil {
			return nil, err
		}
		if x.goName != "" {
			named := *inner
			named.name = x.goName
			return &named, nil
		}
		return inner, nil
	}
	return nil, fmt.Errorf("%s is not a type", t.Name)
}

// resolveDecl resolves a whole declaration (type plus array/optional shape).
func (g *generator) resolveDecl(pkg string, d rpcl.Decl) (*gtype, error) {
	switch {
	case d.Type.Kind == rpcl.String && d.Kind == rpcl.VarArray:
		b, err := g.bound(d.Size, pkg)
		return &gtype{kind: kString, bound: b}, err
	case d.Type.Kind == rpcl.Opaque && d.Kind == rpcl.VarArray:
		b, err := g.bound(d.Size, pkg)
		return &gtype{kind: kOpaque, bound: b}, err
	case d.Type.Kind == rpcl.Opaque && d.Kind == rpcl.FixedArray:
		expr, n, err := g.value(d.Size, pkg)
		return &gtype{kind: kFixedBytes, n: n, nExpr: expr}, err
	case d.Type.Kind == rpcl.String || d.Type.Kind == rpcl.Opaque:
		return nil, fmt.Errorf("%s: %s must be declared with a length", d.Pos, d.Type.Kind)
	}
	base, err := g.resolveType(pkg, d.Type)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.Pos, err)
	}
	switch d.Kind {
	case rpcl.Optional:
		return &gtype{kind: kPtr, elem: base}, nil
	case rpcl.FixedArray:
		expr, n, err := g.value(d.Size, pkg)
		return &gtype{kind: kArray, elem: base, n: n, nExpr: expr}, err
	case rpcl.VarArray:
		b, err := g.bound(d.Size, pkg)
		return &gtype{kind: kSlice, elem: base, bound: b, name: sliceTypeName(pkg, base)}, err
	}
	return base, nil
}

// fieldType resolves a field of struct owner, applying typed flags.
func (g *generator) fieldType(pkg, owner string, f rpcl.Decl) (*gtype, error) {
	if f.Name == "flags" && f.Kind == rpcl.Scalar && f.Type.Kind == rpcl.UInt {
		if ft, ok := g.flagTypes[owner]; ok {
			return &gtype{kind: kEnum, name: ft, wire: rpcl.UInt}, nil
		}
	}
	key := owner + "." + f.Name
	if cname, ok := fieldEnums[key]; ok && f.Kind == rpcl.Scalar {
		wire, ok := enumWire(f.Type.Kind)
		if !ok || wire == rpcl.Hyper || wire == rpcl.UHyper {
			return nil, fmt.Errorf("%s: enum %s on a %s field", key, cname, f.Type.Kind)
		}
		e, ok := g.enumsByC[cname]
		if !ok || e.under != "int32" {
			return nil, fmt.Errorf("%s: enum %s not found or not int32", key, cname)
		}
		g.usedFieldEnums[key] = true
		return &gtype{kind: kEnum, name: e.goName, wire: wire}, nil
	}
	if name, ok := fieldNamedScalars[key]; ok && f.Kind == rpcl.Scalar {
		wire, ok := enumWire(f.Type.Kind)
		if !ok {
			return nil, fmt.Errorf("%s: %s on a %s field", key, name, f.Type.Kind)
		}
		g.usedFieldEnums[key] = true
		return &gtype{kind: kEnum, name: name, wire: wire}, nil
	}
	return g.resolveDecl(pkg, f)
}

// minSize is the smallest number of bytes one value of t takes on the wire.
func (g *generator) minSize(t *gtype) int {
	switch t.kind {
	case kBasic:
		if t.basic == rpcl.Hyper || t.basic == rpcl.UHyper || t.basic == rpcl.Double {
			return 8
		}
		return 4
	case kFixedBytes:
		return int(t.n) + pad(int(t.n))
	case kArray:
		return int(t.n) * g.minSize(t.elem)
	case kStruct, kUnion:
		return g.minSizeOf(t.name)
	}
	return 4 // enums, lengths of strings/opaque/arrays, optional flags
}

func pad(n int) int { return (4 - n&3) & 3 }

// minSizeOf computes the minimum size of a named struct or union.
func (g *generator) minSizeOf(goName string) int {
	// Package protocol spells root types with their qualifier.
	goName = strings.TrimPrefix(goName, "libvirt.")
	if n, ok := g.minMemo[goName]; ok {
		return n
	}
	g.minMemo[goName] = 4 // guards against recursion through optional data
	var x *xdef
	for _, name := range sortedKeys(g.defs) {
		if g.defs[name].goName == goName {
			x = g.defs[name]
			break
		}
	}
	if x == nil {
		panic("lvgen: minSizeOf unknown type " + goName)
	}
	n := 4
	switch d := x.def.(type) {
	case *rpcl.Struct:
		n = 0
		for _, f := range d.Fields {
			t, err := g.fieldType(x.unit.pkg, d.Name, f)
			if err == nil {
				n += g.minSize(t)
			}
		}
	case *rpcl.Union:
		smallest := -1
		arms := []rpcl.Decl{}
		for _, c := range d.Cases {
			arms = append(arms, c.Arm)
		}
		if d.Default != nil {
			arms = append(arms, *d.Default)
		}
		for _, a := range arms {
			s := 0
			if a.Type.Kind != rpcl.Void {
				if t, err := g.resolveDecl(x.unit.pkg, a); err == nil {
					s = g.minSize(t)
				}
			}
			if smallest < 0 || s < smallest {
				smallest = s
			}
		}
		n = 4 + max(smallest, 0)
	}
	g.minMemo[goName] = n
	return n
}

// sliceTypeName names the Go type of a variable array whose elements have
// a hand-written list type with methods: remote_typed_param arrays are
// TypedParams (lookups, typed getters, builders; typedparams_values.go).
// Because the name's underlying type is the plain slice, []TypedParam
// values still assign to it.
func sliceTypeName(pkg string, elem *gtype) string {
	if (pkg == "libvirt" || rootAlias(pkg, elem.name)) && elem.kind == kStruct && elem.name == "TypedParam" {
		return "TypedParams"
	}
	return ""
}

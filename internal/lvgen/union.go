package lvgen

import (
	"fmt"
	"strings"

	"github.com/virtwire/libvirt/internal/lvgen/rpcl"
)

// unionArm is one arm of a union as generated.
type unionArm struct {
	labels []string // Go expressions of the case labels
	suffix string   // constructor/accessor suffix ("Int" for VIR_TYPED_PARAM_INT)
	field  string   // unexported field holding the arm's value; "" for void
	typ    *gtype
}

// emitUnion writes a union as a struct whose discriminant and arm fields
// are unexported: values are built with constructors that set both, so a
// value can only hold a discriminant the protocol defines (the zero value
// holds none and fails to encode).
func (g *generator) emitUnion(w *codeWriter, u *unit, x *xdef, d *rpcl.Union) error {
	discT, err := g.resolveDecl(u.pkg, d.Discriminant)
	if err != nil {
		return err
	}
	if discT.kind != kBasic && discT.kind != kEnum {
		return fmt.Errorf("%s: union discriminant must be an integer or enum", d.Pos)
	}
	// If every label is a member of one header enum, the discriminant gets
	// that enum's Go type.
	enum := ""
	for i, c := range d.Cases {
		for _, v := range c.Values {
			e := g.consts[v.Ref].enum
			if v.Ref == "" || e == "" || (i > 0 && e != enum) || g.consts[v.Ref].pkg != u.pkg {
				enum = "-"
			} else if enum == "" {
				enum = e
			}
		}
	}
	discType := discT.goExpr()
	wire := discT.basic
	if discT.kind == kEnum {
		wire = rpcl.Int
	}
	if enum != "-" && enum != "" {
		discType = enum
		discT = &gtype{kind: kEnum, name: enum, wire: wire}
	}
	var labelNames []string
	for _, c := range d.Cases {
		for _, v := range c.Values {
			labelNames = append(labelNames, v.Ref)
		}
	}
	prefix := commonWordPrefix(labelNames)
	var arms []unionArm
	for _, c := range d.Cases {
		a := unionArm{}
		for _, v := range c.Values {
			expr := fmt.Sprint(v.Lit)
			if v.Ref != "" {
				cr := g.consts[v.Ref]
				expr = fmt.Sprint(cr.value)
				if cr.pkg == u.pkg && (cr.enum == "" || cr.enum == discType) {
					expr = cr.goName
				}
			}
			a.labels = append(a.labels, expr)
		}
		if len(c.Values) == 1 && c.Values[0].Ref != "" {
			a.suffix = camel(strings.TrimPrefix(c.Values[0].Ref, prefix))
		} else {
			a.suffix = goField(c.Arm.Name)
		}
		if c.Arm.Type.Kind != rpcl.Void {
			t, err := g.resolveDecl(u.pkg, c.Arm)
			if err != nil {
				return err
			}
			a.field, a.typ = "v"+goField(c.Arm.Name), t
		}
		arms = append(arms, a)
	}
	if d.Default != nil {
		return fmt.Errorf("%s: unions with a default arm are not generated yet", d.Pos)
	}
	g.report.Types++
	name := x.goName
	discName := goField(d.Discriminant.Name)
	w.line("// %s is the wire form of the union %s. Build one with the", name, d.Name)
	w.line("// New%s... functions; the zero value holds no valid arm and fails to encode.", name)
	w.line("type %s struct {", name)
	w.line("disc %s", discType)
	for _, a := range arms {
		if a.field != "" {
			w.line("%s %s", a.field, a.typ.goExpr())
		}
	}
	w.line("}")
	w.line("")
	w.line("// %s returns the discriminant: which arm u holds.", discName)
	w.line("func (u %s) %s() %s { return u.disc }", name, discName, discType)
	w.line("")
	for _, a := range arms {
		multi := len(a.labels) > 1
		ctor := "New" + name + a.suffix
		switch {
		case a.field == "" && !multi:
			w.line("// %s returns a %s holding the void arm %s.", ctor, name, a.labels[0])
			w.line("func %s() %s { return %s{disc: %s} }", ctor, name, name, a.labels[0])
		case !multi:
			w.line("// %s returns a %s holding v in the arm %s.", ctor, name, a.labels[0])
			w.line("func %s(v %s) %s { return %s{disc: %s, %s: v} }", ctor, a.typ.goExpr(), name, name, a.labels[0], a.field)
		default:
			return fmt.Errorf("%s: union arms with several labels are not generated yet", d.Pos)
		}
		w.line("")
		if a.field != "" {
			w.line("// As%s returns the value of the arm %s and whether u holds that arm.", a.suffix, a.labels[0])
			w.line("func (u %s) As%s() (%s, bool) { return u.%s, u.disc == %s }", name, a.suffix, a.typ.goExpr(), a.field, a.labels[0])
			w.line("")
		}
	}
	w.line("// Value returns the value of the arm u holds, or nil for a void or invalid arm.")
	w.line("func (u %s) Value() any {", name)
	w.line("switch u.disc {")
	for _, a := range arms {
		if a.field != "" {
			w.line("case %s:", strings.Join(a.labels, ", "))
			w.line("return u.%s", a.field)
		}
	}
	w.line("}")
	w.line("return nil")
	w.line("}")
	w.line("")
	w.line("// EncodeXDR appends the XDR encoding of u to e; a discriminant with no")
	w.line("// arm records xdr.ErrBadDiscriminant.")
	w.line("func (u *%s) EncodeXDR(e *xdr.Encoder) {", name)
	w.encode("u.disc", discT)
	w.line("switch u.disc {")
	for _, a := range arms {
		w.line("case %s:", strings.Join(a.labels, ", "))
		if a.field != "" {
			w.encode("u."+a.field, a.typ)
		}
	}
	w.line("default:")
	w.line("if e.Err() == nil {")
	w.line("e.SetErr(fmt.Errorf(\"%%w: %%d in %s\", xdr.ErrBadDiscriminant, int64(u.disc)))", name)
	w.line("}")
	w.line("}")
	w.line("}")
	w.line("")
	w.line("// DecodeXDR reads u from d; d.Err reports any error.")
	w.line("func (u *%s) DecodeXDR(d *xdr.Decoder) {", name)
	w.line("*u = %s{}", name)
	w.decode("u.disc", discT, g)
	w.line("switch u.disc {")
	for _, a := range arms {
		w.line("case %s:", strings.Join(a.labels, ", "))
		if a.field != "" {
			w.decode("u."+a.field, a.typ, g)
		}
	}
	w.line("default:")
	w.line("if d.Err() == nil { // after an error every read is zero: no new error")
	w.line("d.SetErr(fmt.Errorf(\"%%w: %%d in %s\", xdr.ErrBadDiscriminant, int64(u.disc)))", name)
	w.line("}")
	w.line("}")
	w.line("}")
	w.line("")
	return nil
}

// commonWordPrefix returns the longest common prefix of names that ends
// with "_" ("VIR_TYPED_PARAM_" for VIR_TYPED_PARAM_INT, ..._STRING).
func commonWordPrefix(names []string) string {
	if len(names) < 2 {
		return ""
	}
	p := names[0]
	for _, n := range names[1:] {
		for !strings.HasPrefix(n, p) {
			p = p[:len(p)-1]
		}
	}
	if i := strings.LastIndex(p, "_"); i >= 0 {
		return p[:i+1]
	}
	return ""
}

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
	// word is set for a numeric arm, whose value lives in the union's
	// shared 64-bit field numWord rather than in a field of its own.
	word bool
}

// numWord is the field shared by every numeric arm of a generated union.
const numWord = "num"

// wordArm reports whether arms of type t are kept in the shared 64-bit
// word: every integer, enum and floating-point type, all of which fit.
// bool stays in a field of its own, as do strings, opaque data, arrays,
// structs and nested unions.
func wordArm(t *gtype) bool {
	switch t.kind {
	case kEnum:
		return true
	case kBasic:
		return t.basic != rpcl.Bool
	}
	return false
}

// toWord returns the Go expression storing v, of the word arm type t, in
// the shared word. Signed integers are sign-extended and floats keep their
// IEEE bits, so every value survives the round trip through fromWord.
func toWord(t *gtype, v string) string {
	switch {
	case t.kind == kBasic && t.basic == rpcl.Double:
		return "math.Float64bits(" + v + ")"
	case t.kind == kBasic && t.basic == rpcl.Float:
		return "uint64(math.Float32bits(" + v + "))"
	case t.kind == kBasic && t.basic == rpcl.UHyper:
		return v
	}
	return "uint64(" + v + ")"
}

// fromWord returns the Go expression reading the shared word w back as a
// value of the word arm type t.
func fromWord(t *gtype, w string) string {
	switch {
	case t.kind == kBasic && t.basic == rpcl.Double:
		return "math.Float64frombits(" + w + ")"
	case t.kind == kBasic && t.basic == rpcl.Float:
		return "math.Float32frombits(uint32(" + w + "))"
	case t.kind == kBasic && t.basic == rpcl.UHyper:
		return w
	}
	return t.goExpr() + "(" + w + ")"
}

// wordEncode returns the statement encoding the shared word w for an arm
// of type t. Every word arm is 4 or 8 bytes on the wire, and the low 32
// bits of the word of a 4-byte arm are exactly its wire bits.
func wordEncode(t *gtype, w string) string {
	if t.kind == kBasic && (t.basic == rpcl.Hyper || t.basic == rpcl.UHyper || t.basic == rpcl.Double) {
		return "e.Uint64(" + w + ")"
	}
	return "e.Uint32(uint32(" + w + "))"
}

// scalarDecode returns the expression decoding a value of t, a basic or
// enum type.
func scalarDecode(t *gtype) string {
	if t.kind == kEnum {
		switch t.wire {
		case rpcl.UInt:
			return t.name + "(d.Uint32())"
		case rpcl.Hyper:
			return t.name + "(d.Int64())"
		case rpcl.UHyper:
			return t.name + "(d.Uint64())"
		}
		return t.name + "(d.Int32())"
	}
	return basicDec[t.basic]
}

// wordDecode returns the expression decoding an arm of type t as the
// value its constructor would store in the shared word.
func wordDecode(t *gtype) string {
	if t.kind == kBasic {
		switch t.basic {
		case rpcl.Hyper, rpcl.UHyper, rpcl.Double:
			return "d.Uint64()" // the word of an 8-byte arm is its wire bits
		case rpcl.UInt, rpcl.Float:
			return "uint64(d.Uint32())"
		}
	}
	return toWord(t, scalarDecode(t))
}

// emitUnion writes a union as a struct whose discriminant and arm fields
// are unexported: values are built with constructors that set both, so a
// value can only hold a discriminant the protocol defines (the zero value
// holds none and fails to encode).
//
// The layout is compact, because a union is often an element of a large
// slice (typed parameters in a stats reply): all numeric arms share one
// 64-bit word, and arms of the same other Go type share one field. Only
// the discriminant says which arm a value holds, so accessors check it
// before reading a shared field.
func (g *generator) emitUnion(w *codeWriter, u *unit, x *xdef, d *rpcl.Union, uses map[string]bool) error {
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
	// fields lists the value fields in order of first use; byType maps a
	// Go type to the field its arms share.
	type field struct{ name, typ string }
	var fields []field
	byType := map[string]string{}
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
			a.typ = t
			key, name := t.goExpr(), "v"+goField(c.Arm.Name)
			if wordArm(t) {
				a.word = true
				key, name = "", numWord
				if t.kind == kBasic && (t.basic == rpcl.Float || t.basic == rpcl.Double) {
					uses["math"] = true
				}
			}
			if f, ok := byType[key]; ok {
				a.field = f
			} else {
				a.field = name
				byType[key] = name
				typ := key
				if a.word {
					typ = "uint64"
				}
				fields = append(fields, field{name, typ})
			}
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
	for _, f := range fields {
		if f.name == numWord {
			w.line("%s %s // the value of every numeric arm; disc says which", f.name, f.typ)
		} else {
			w.line("%s %s", f.name, f.typ)
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
			val := "v"
			if a.word {
				val = toWord(a.typ, "v")
			}
			w.line("// %s returns a %s holding v in the arm %s.", ctor, name, a.labels[0])
			w.line("func %s(v %s) %s { return %s{disc: %s, %s: %s} }", ctor, a.typ.goExpr(), name, name, a.labels[0], a.field, val)
		default:
			return fmt.Errorf("%s: union arms with several labels are not generated yet", d.Pos)
		}
		w.line("")
		if a.field != "" {
			val := "u." + a.field
			if a.word {
				val = fromWord(a.typ, val)
			}
			w.line("// As%s returns the value of the arm %s and whether u holds that arm;", a.suffix, a.labels[0])
			w.line("// the value is the zero value when it does not.")
			w.line("func (u %s) As%s() (%s, bool) {", name, a.suffix, a.typ.goExpr())
			w.line("if u.disc != %s {", a.labels[0])
			w.line("return %s, false", zeroValue(a.typ))
			w.line("}")
			w.line("return %s, true", val)
			w.line("}")
			w.line("")
		}
	}
	w.line("// Value returns the value of the arm u holds, or nil for a void or invalid arm.")
	w.line("func (u %s) Value() any {", name)
	w.line("switch u.disc {")
	for _, a := range arms {
		if a.field != "" {
			val := "u." + a.field
			if a.word {
				val = fromWord(a.typ, val)
			}
			w.line("case %s:", strings.Join(a.labels, ", "))
			w.line("return %s", val)
		}
	}
	w.line("}")
	w.line("return nil")
	w.line("}")
	w.line("")
	w.line("// EncodeXDR appends the XDR encoding of u to e; a discriminant with no")
	w.line("// arm records xdr.ErrBadDiscriminant.")
	if u.pkg == "libvirt" {
		w.line("// %s", codecHookDoc)
	}
	w.line("func (u *%s) EncodeXDR(e *xdr.Encoder) {", name)
	w.encode("u.disc", discT)
	w.line("switch u.disc {")
	var enc caseGroups
	for _, a := range arms {
		var body codeWriter
		switch {
		case a.word:
			body.line("%s", wordEncode(a.typ, "u."+a.field))
		case a.field != "":
			body.encode("u."+a.field, a.typ)
		}
		enc.add(a.labels, body.b.String())
	}
	enc.write(w)
	w.line("default:")
	w.line("if e.Err() == nil {")
	w.line("e.SetErr(fmt.Errorf(\"%%w: %%d in %s\", xdr.ErrBadDiscriminant, int64(u.disc)))", name)
	w.line("}")
	w.line("}")
	w.line("}")
	w.line("")
	// Each arm assigns the whole value, so no field keeps data from what
	// u held before, without first clearing all of u.
	w.line("// DecodeXDR reads u from d; d.Err reports any error. On an invalid")
	w.line("// discriminant u is left as the zero value, which holds no arm.")
	if u.pkg == "libvirt" {
		w.line("// %s", codecHookDoc)
	}
	w.line("func (u *%s) DecodeXDR(d *xdr.Decoder) {", name)
	w.line("disc := %s", scalarDecode(discT))
	w.line("switch disc {")
	var dec caseGroups
	for _, a := range arms {
		var body codeWriter
		switch {
		case a.word:
			body.line("*u = %s{disc: disc, %s: %s}", name, a.field, wordDecode(a.typ))
		case a.field == "":
			body.line("*u = %s{disc: disc}", name)
		case a.typ.kind == kString:
			body.line("*u = %s{disc: disc, %s: d.String(%s)}", name, a.field, a.typ.bound)
		case a.typ.kind == kOpaque:
			body.line("*u = %s{disc: disc, %s: d.Opaque(%s)}", name, a.field, a.typ.bound)
		default:
			body.line("*u = %s{disc: disc}", name)
			body.decode("u."+a.field, a.typ, g)
		}
		dec.add(a.labels, body.b.String())
	}
	dec.write(w)
	w.line("default:")
	w.line("*u = %s{}", name)
	w.line("if d.Err() == nil { // after an error every read is zero: no new error")
	w.line("d.SetErr(fmt.Errorf(\"%%w: %%d in %s\", xdr.ErrBadDiscriminant, int64(disc)))", name)
	w.line("}")
	w.line("}")
	w.line("}")
	w.line("")
	return nil
}

// caseGroups collects the cases of a switch, merging the labels of cases
// whose bodies are the same (arms sharing the word often encode alike).
type caseGroups struct {
	bodies []string
	labels [][]string
}

func (c *caseGroups) add(labels []string, body string) {
	for i, b := range c.bodies {
		if b == body {
			c.labels[i] = append(c.labels[i], labels...)
			return
		}
	}
	c.bodies = append(c.bodies, body)
	c.labels = append(c.labels, append([]string(nil), labels...))
}

// write writes the cases in order of first appearance.
func (c *caseGroups) write(w *codeWriter) {
	for i, b := range c.bodies {
		w.line("case %s:", strings.Join(c.labels[i], ", "))
		w.b.WriteString(b)
	}
}

// zeroValue returns a Go expression for the zero value of t.
func zeroValue(t *gtype) string {
	switch t.kind {
	case kBasic:
		if t.basic == rpcl.Bool {
			return "false"
		}
		return "0"
	case kEnum:
		return "0"
	case kString:
		return `""`
	case kOpaque, kPtr, kSlice:
		return "nil"
	}
	return t.goExpr() + "{}"
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

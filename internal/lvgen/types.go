package lvgen

import (
	"fmt"
	"strings"

	"github.com/virtwire/libvirt/internal/lvgen/rpcl"
)

// tkind is the shape of a resolved Go type.
type tkind int

const (
	kBasic      tkind = iota // int32, uint64, bool, ... (basic says which)
	kEnum                    // a named enum type (int32 on the wire)
	kString                  // string with a bound
	kOpaque                  // []byte with a bound
	kFixedBytes              // [N]byte, or a named type over it
	kStruct                  // a named struct
	kUnion                   // a named union
	kPtr                     // optional data: *elem
	kSlice                   // variable array: []elem with a bound
	kArray                   // fixed array: [N]elem
)

// gtype is an RPCL declaration resolved to a Go type plus everything the
// codec needs: bounds and fixed sizes as Go expressions and numbers.
type gtype struct {
	kind  tkind
	basic rpcl.TypeKind // for kBasic
	name  string        // Go name for kEnum, kStruct, kUnion, named kFixedBytes, named kSlice
	elem  *gtype        // for kPtr, kSlice, kArray
	bound string        // Go expression of the maximum length (kString, kOpaque, kSlice)
	n     int64         // fixed length (kFixedBytes, kArray)
	nExpr string        // Go expression of n
	// wire is the wire type of an enum-typed field whose Go type was
	// replaced by a header enum (typed flags): UInt or Int.
	wire rpcl.TypeKind
}

var basicGo = map[rpcl.TypeKind]string{
	rpcl.Int: "int32", rpcl.UInt: "uint32", rpcl.Hyper: "int64",
	rpcl.UHyper: "uint64", rpcl.Char: "int8", rpcl.UChar: "uint8",
	rpcl.Short: "int16", rpcl.UShort: "uint16", rpcl.Bool: "bool",
	rpcl.Float: "float32", rpcl.Double: "float64",
}

// goExpr returns the Go type expression; qual prefixes names defined in
// another package (empty within the same package).
func (t *gtype) goExpr() string {
	switch t.kind {
	case kBasic:
		return basicGo[t.basic]
	case kEnum, kStruct, kUnion:
		return t.name
	case kString:
		return "string"
	case kOpaque:
		return "[]byte"
	case kFixedBytes:
		if t.name != "" {
			return t.name
		}
		return "[" + t.nExpr + "]byte"
	case kPtr:
		return "*" + t.elem.goExpr()
	case kSlice:
		if t.name != "" {
			return t.name
		}
		return "[]" + t.elem.goExpr()
	case kArray:
		return "[" + t.nExpr + "]" + t.elem.goExpr()
	}
	panic(fmt.Sprintf("lvgen: unknown kind %d", t.kind))
}

// encoder statements per basic kind: format with the value expression.
var basicEnc = map[rpcl.TypeKind]string{
	rpcl.Int: "e.Int32(%s)", rpcl.UInt: "e.Uint32(%s)", rpcl.Hyper: "e.Int64(%s)",
	rpcl.UHyper: "e.Uint64(%s)", rpcl.Char: "e.Int32(int32(%s))",
	rpcl.UChar: "e.Uint32(uint32(%s))", rpcl.Short: "e.Int32(int32(%s))",
	rpcl.UShort: "e.Uint32(uint32(%s))", rpcl.Bool: "e.Bool(%s)",
	rpcl.Float: "e.Float32(%s)", rpcl.Double: "e.Float64(%s)",
}

var basicDec = map[rpcl.TypeKind]string{
	rpcl.Int: "d.Int32()", rpcl.UInt: "d.Uint32()", rpcl.Hyper: "d.Int64()",
	rpcl.UHyper: "d.Uint64()", rpcl.Char: "int8(d.Int32())",
	rpcl.UChar: "uint8(d.Uint32())", rpcl.Short: "int16(d.Int32())",
	rpcl.UShort: "uint16(d.Uint32())", rpcl.Bool: "d.Bool()",
	rpcl.Float: "d.Float32()", rpcl.Double: "d.Float64()",
}

// codeWriter accumulates generated statements with indentation.
type codeWriter struct {
	b     strings.Builder
	depth int // nesting depth, used to name loop variables
}

func (w *codeWriter) line(format string, a ...any) {
	fmt.Fprintf(&w.b, format, a...)
	w.b.WriteByte('\n')
}

// encode writes statements that append lv (an addressable expression of
// type t) to the Encoder e.
func (w *codeWriter) encode(lv string, t *gtype) {
	switch t.kind {
	case kBasic:
		w.line(basicEnc[t.basic], lv)
	case kEnum:
		switch t.wire {
		case rpcl.UInt:
			w.line("e.Uint32(uint32(%s))", lv)
		case rpcl.Hyper:
			w.line("e.Int64(int64(%s))", lv)
		case rpcl.UHyper:
			w.line("e.Uint64(uint64(%s))", lv)
		default:
			w.line("e.Int32(int32(%s))", lv)
		}
	case kString:
		w.line("e.String(%s, %s)", lv, t.bound)
	case kOpaque:
		w.line("e.Opaque(%s, %s)", lv, t.bound)
	case kFixedBytes:
		w.line("e.FixedOpaque(%s[:])", lv)
	case kStruct, kUnion:
		w.line("%s.EncodeXDR(e)", lv)
	case kPtr:
		w.line("if e.Optional(%s != nil) {", lv)
		w.encode("(*"+lv+")", t.elem)
		w.line("}")
	case kSlice:
		i := w.loopVar()
		w.line("if e.ArrayLen(len(%s), %s) {", lv, t.bound)
		w.line("for %s := range %s {", i, lv)
		w.encode(lv+"["+i+"]", t.elem)
		w.depth--
		w.line("}")
		w.line("}")
	case kArray:
		i := w.loopVar()
		w.line("for %s := range %s {", i, lv)
		w.encode(lv+"["+i+"]", t.elem)
		w.depth--
		w.line("}")
	}
}

// decode writes statements that read lv (an addressable expression of type
// t) from the Decoder d.
func (w *codeWriter) decode(lv string, t *gtype, g *generator) {
	switch t.kind {
	case kBasic, kEnum:
		w.line("%s = %s", lv, scalarDecode(t))
	case kString:
		w.line("%s = d.String(%s)", lv, t.bound)
	case kOpaque:
		w.line("%s = d.Opaque(%s)", lv, t.bound)
	case kFixedBytes:
		w.line("d.FixedOpaque(%s[:])", lv)
	case kStruct, kUnion:
		w.line("%s.DecodeXDR(d)", lv)
	case kPtr:
		w.line("if d.Optional() {")
		w.line("%s = new(%s)", lv, t.elem.goExpr())
		w.decode("(*"+lv+")", t.elem, g)
		w.line("} else {")
		w.line("%s = nil", lv)
		w.line("}")
	case kSlice:
		i := w.loopVar()
		n := "n" + i[1:]
		w.line("if %s := d.ArrayLen(%s, %d); %s > 0 {", n, t.bound, g.minSize(t.elem), n)
		w.line("%s = make(%s, %s)", lv, t.goExpr(), n)
		w.line("for %s := range %s {", i, lv)
		w.decode(lv+"["+i+"]", t.elem, g)
		w.line("}")
		w.line("} else {")
		w.line("%s = nil", lv)
		w.line("}")
		w.depth--
	case kArray:
		i := w.loopVar()
		w.line("for %s := range %s {", i, lv)
		w.decode(lv+"["+i+"]", t.elem, g)
		w.depth--
		w.line("}")
	}
}

func (w *codeWriter) loopVar() string {
	v := fmt.Sprintf("i%d", w.depth)
	w.depth++
	return v
}

// Runs of fixed-size fields.
//
// Decoding a struct field by field checks the remaining input once per
// field and, for fixed-length opaque data such as a UUID, calls out of
// line. Consecutive fields whose encodings have one fixed size and need no
// validation are instead read as a run: one xdr.Decoder.FixedView call checks
// and takes all their bytes, and each field is loaded from that slice at a
// constant offset, where the compiler can drop the bounds checks.

// runWire returns the encoded size of a field of type t when it can be part
// of a run, else 0. Booleans are left out (they must be checked for 0 or
// 1), and so is opaque data whose length needs padding (the padding must be
// checked for zeros).
func runWire(t *gtype) int {
	switch t.kind {
	case kEnum:
		if t.wire == rpcl.Hyper || t.wire == rpcl.UHyper {
			return 8
		}
		return 4
	case kBasic:
		switch t.basic {
		case rpcl.Bool:
			return 0
		case rpcl.Hyper, rpcl.UHyper, rpcl.Double:
			return 8
		}
		return 4
	case kFixedBytes:
		if t.n > 0 && t.n%4 == 0 {
			return int(t.n)
		}
	}
	return 0
}

// runLoad returns the expression reading a value of t (runWire(t) > 0)
// from the run slice b at offset off.
func runLoad(t *gtype, off int) string {
	at := fmt.Sprintf("b[%d:]", off)
	u32 := "binary.BigEndian.Uint32(" + at + ")"
	u64 := "binary.BigEndian.Uint64(" + at + ")"
	switch t.kind {
	case kEnum:
		switch t.wire {
		case rpcl.UInt:
			return t.name + "(" + u32 + ")"
		case rpcl.Hyper:
			return t.name + "(int64(" + u64 + "))"
		case rpcl.UHyper:
			return t.name + "(" + u64 + ")"
		}
		return t.name + "(int32(" + u32 + "))"
	case kFixedBytes:
		return fmt.Sprintf("%s(b[%d:%d])", t.goExpr(), off, off+int(t.n))
	}
	switch t.basic {
	case rpcl.Int:
		return "int32(" + u32 + ")"
	case rpcl.UInt:
		return u32
	case rpcl.Hyper:
		return "int64(" + u64 + ")"
	case rpcl.UHyper:
		return u64
	case rpcl.Char:
		return "int8(int32(" + u32 + "))"
	case rpcl.UChar:
		return "uint8(" + u32 + ")"
	case rpcl.Short:
		return "int16(int32(" + u32 + "))"
	case rpcl.UShort:
		return "uint16(" + u32 + ")"
	case rpcl.Float:
		return "math.Float32frombits(" + u32 + ")"
	case rpcl.Double:
		return "math.Float64frombits(" + u64 + ")"
	}
	panic(fmt.Sprintf("lvgen: runLoad of kind %d", t.kind))
}

// decodeFields writes the decoding of the fields lvs (of types types) in
// order, reading runs of two or more fixed-size fields with one
// d.FixedView call. It records in uses the imports the code needs.
func (w *codeWriter) decodeFields(lvs []string, types []*gtype, g *generator, uses map[string]bool) {
	for i := 0; i < len(lvs); {
		j, size := i, 0
		for j < len(lvs) && runWire(types[j]) > 0 {
			size += runWire(types[j])
			j++
		}
		if j-i < 2 {
			w.decode(lvs[i], types[i], g)
			i++
			continue
		}
		uses["encoding/binary"] = true
		// On a short input every field of the run reads as zero, as a
		// field-by-field decode would leave it.
		w.line("if b := d.FixedView(%d); len(b) == %d {", size, size)
		off := 0
		for k := i; k < j; k++ {
			load := runLoad(types[k], off)
			if types[k].kind == kBasic && (types[k].basic == rpcl.Float || types[k].basic == rpcl.Double) {
				uses["math"] = true
			}
			w.line("%s = %s", lvs[k], load)
			off += runWire(types[k])
		}
		var zl, zr []string
		for k := i; k < j; k++ {
			zl, zr = append(zl, lvs[k]), append(zr, zeroValue(types[k]))
		}
		w.line("} else {")
		w.line("%s = %s", strings.Join(zl, ", "), strings.Join(zr, ", "))
		w.line("}")
		i = j
	}
}

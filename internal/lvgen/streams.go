package lvgen

import (
	"fmt"
	"strings"
)

// bidirectionalStreams lists the @readstream procedures whose stream
// carries data both ways. The annotation names the direction the remote
// driver sets up, but a console or channel is a character device the
// client writes to as well.
var bidirectionalStreams = map[string]bool{
	"DOMAIN_OPEN_CONSOLE": true,
	"DOMAIN_OPEN_CHANNEL": true,
}

// streamMode is the Go expression for the direction of p's stream.
func (p *proc) streamMode() string {
	switch {
	case bidirectionalStreams[p.base]:
		return "streamBoth"
	case p.stream == "write":
		return "streamSend"
	default:
		return "streamRecv"
	}
}

// sparseFlag is the C name of the flag that makes p's stream sparse
// (@sparseflag), or "".
func (p *proc) sparseFlag() string {
	for _, a := range p.member.Annotations {
		if a.Key == "sparseflag" {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// emitStreamMethod writes the client method for p, a procedure that opens
// a stream: it returns the *Stream before the reply's own results.
func (g *generator) emitStreamMethod(w *codeWriter, p *proc) error {
	u := p.u
	used := map[string]bool{"st": true}
	params, err := g.methodParams(p, used)
	if err != nil {
		return err
	}
	var results []param
	if p.ret != nil {
		if len(p.ret.Fields) > maxFlatResults {
			return fmt.Errorf("%s: stream procedure with %d reply fields", p.member.Name, len(p.ret.Fields))
		}
		for _, f := range p.ret.Fields {
			t, err := g.fieldType(u.pkg, p.ret.Name, f)
			if err != nil {
				return err
			}
			n := lowerFirst(goField(f.Name))
			if used[n] {
				n += "Out"
			}
			results = append(results, param{name: n, field: goField(f.Name), typ: t.goExpr()})
		}
	}
	sparse := "false"
	if flag := p.sparseFlag(); flag != "" {
		c, ok := g.consts[flag]
		if !ok {
			return fmt.Errorf("%s: unknown sparse flag %s", p.member.Name, flag)
		}
		sparse = "args.Flags&" + c.goName + " != 0"
	}

	num := fmt.Sprintf("%s = %d", p.member.Name, p.num)
	if p.cfunc.Name != "" {
		w.line("// %s calls %s (%s) and returns the stream it opens.", p.goName, p.cfunc.Name, num)
	} else {
		lines, ok := phaseDocLines(p.goName, p.base, num)
		if !ok {
			return fmt.Errorf("%s has no C function and no entry in phaseDocs", p.member.Name)
		}
		for _, l := range lines {
			w.line("// %s", strings.TrimSuffix(l, "."))
		}
		w.line("// It returns the stream the procedure opens.")
	}
	w.line("//")
	switch p.streamMode() {
	case "streamBoth":
		w.line("// The stream carries data both ways (Read and Write).")
	case "streamSend":
		w.line("// The stream carries data to the daemon (Write).")
	default:
		w.line("// The stream carries data from the daemon (Read).")
	}
	if p.sparseFlag() != "" {
		w.line("// With %s in flags it is a sparse stream.", g.consts[p.sparseFlag()].goName)
	}
	w.line("// ctx bounds the stream's whole life; the stream must be ended with")
	w.line("// Finish, Abort or Close.")
	if p.cfunc.Name != "" {
		w.line("//")
		w.line("// See %s", apiURL(p.cfunc))
	}
	var sig strings.Builder
	fmt.Fprintf(&sig, "func (c *%s) %s(ctx context.Context", u.clientType, p.goName)
	for _, a := range params {
		fmt.Fprintf(&sig, ", %s %s", a.name, a.typ)
	}
	sig.WriteString(") (st *Stream, ")
	var zeros []string
	for _, r := range results {
		fmt.Fprintf(&sig, "%s %s, ", r.name, r.typ)
		zeros = append(zeros, r.name)
	}
	sig.WriteString("err error)")
	w.line("%s {", sig.String())
	w.line("call := c.newCall(%s, %s, uint32(%s))", g.consts[u.programC].goName, g.consts[u.versionC].goName, "Proc"+p.goName)
	if p.args != nil {
		w.line("args := %s{", g.defs[p.args.Name].goName)
		for _, a := range params {
			w.line("%s: %s,", a.field, a.name)
		}
		w.line("}")
		w.line("args.EncodeXDR(call.Encoder())")
	}
	if p.ret == nil {
		w.line("if st, _, err = c.openStream(ctx, call, %s, %s); err != nil {", p.streamMode(), sparse)
		w.line("return")
		w.line("}")
	} else {
		w.line("var d *xdr.Decoder")
		w.line("if st, d, err = c.openStream(ctx, call, %s, %s); err != nil {", p.streamMode(), sparse)
		w.line("return")
		w.line("}")
		w.line("var ret %s", g.defs[p.ret.Name].goName)
		w.line("ret.DecodeXDR(d)")
	}
	w.line("if err = c.openedStream(st, call); err != nil {")
	w.line("return nil, %serr", zeroList(zeros))
	w.line("}")
	if p.ret == nil {
		w.line("return st, nil")
	} else {
		var vals []string
		for _, r := range results {
			vals = append(vals, "ret."+r.field)
		}
		w.line("return st, %s, nil", strings.Join(vals, ", "))
	}
	w.line("}")
	w.line("")
	return nil
}

// zeroList returns "name, " for each result, so that an error return
// passes the zero values the named results still hold.
func zeroList(names []string) string {
	var b strings.Builder
	for _, n := range names {
		b.WriteString(n + ", ")
	}
	return b.String()
}

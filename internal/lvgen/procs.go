package lvgen

import (
	"fmt"
	"strings"

	"github.com/virtwire/libvirt/internal/lvgen/cheader"
	"github.com/virtwire/libvirt/internal/lvgen/rpcl"
)

// proc is one procedure of a program.
type proc struct {
	u      *unit
	member rpcl.EnumMember
	num    int64
	base   string // "DOMAIN_LOOKUP_BY_NAME"
	goName string // "DomainLookupByName"
	cfunc  cheader.Func
	args   *rpcl.Struct
	ret    *rpcl.Struct
	msg    *rpcl.Struct
	stream string // "read", "write" or ""
}

func (p *proc) event() bool { return p.msg != nil }

// callable reports whether the procedure becomes an ordinary client
// method: the client sends it, and it does not open a data stream
// (emitStreamMethod writes those).
func (p *proc) callable() bool { return !p.event() && p.stream == "" }

// cKey normalises a procedure or C function name for matching:
// lower case, no underscores.
func cKey(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }

// cFuncFor finds the public C function a procedure of unit u maps to, by
// comparing names without case, underscores, the "vir" prefix and the
// program's infix ("virDomainQemuMonitorCommand" for qemu's
// DOMAIN_MONITOR_COMMAND).
func (g *generator) cFuncFor(u *unit, base string) (cheader.Func, bool) {
	if u.cPrefix == "" {
		return cheader.Func{}, false
	}
	if g.funcIndex == nil {
		g.funcIndex = map[*unit]map[string]cheader.Func{}
	}
	idx, ok := g.funcIndex[u]
	if !ok {
		idx = map[string]cheader.Func{}
		for _, name := range sortedKeys(g.funcs) {
			f := g.funcs[name]
			if u.cHeader != "" && f.File != u.cHeader {
				continue
			}
			if u.cHeader == "" && (f.File == "libvirt-qemu.h" || f.File == "libvirt-lxc.h" || f.File == "libvirt-admin.h") {
				continue
			}
			if !strings.HasPrefix(name, u.cPrefix) {
				continue
			}
			n := strings.TrimPrefix(name, u.cPrefix)
			if u.cInfix != "" {
				n = strings.Replace(n, u.cInfix, "", 1)
			}
			if _, dup := idx[cKey(n)]; !dup {
				idx[cKey(n)] = f
			}
		}
		g.funcIndex[u] = idx
	}
	f, ok := idx[cKey(base)]
	return f, ok
}

// procName gives the Go method name for procedure enum member m of u.
func (g *generator) procName(u *unit, member string) string {
	base := strings.TrimPrefix(member, u.constPfx+"PROC_")
	if f, ok := g.cFuncFor(u, base); ok {
		n := strings.TrimPrefix(f.Name, u.cPrefix)
		if u.cInfix != "" {
			n = strings.Replace(n, u.cInfix, "", 1)
		}
		return u.goPrefix + fixInitialisms(n)
	}
	return u.goPrefix + camel(base)
}

// procEnum returns the procedure enum of u, or nil.
func (u *unit) procEnumDef() *rpcl.Enum {
	for _, d := range u.file.Defs {
		if e, ok := d.(*rpcl.Enum); ok && e.Name == u.procEnum {
			return e
		}
	}
	return nil
}

// procTypeNames maps the args/ret/msg struct names of u's procedures to Go
// names derived from the method name, so "remote_domain_create_xml_args"
// becomes "DomainCreateXMLArgs" like the method DomainCreateXML.
func (g *generator) procTypeNames(u *unit) map[string]string {
	names := map[string]string{}
	e := u.procEnumDef()
	if e == nil {
		return names
	}
	for _, m := range e.Members {
		base := strings.TrimPrefix(m.Name, u.constPfx+"PROC_")
		gn := g.procName(u, m.Name)
		stem := u.prefix + strings.ToLower(base)
		names[stem+"_args"] = gn + "Args"
		names[stem+"_ret"] = gn + "Ret"
		names[stem+"_msg"] = gn + "Msg"
	}
	return names
}

// procs lists the procedures of u in number order.
func (g *generator) procs(u *unit) ([]*proc, error) {
	e := u.procEnumDef()
	if e == nil {
		return nil, nil
	}
	var out []*proc
	for _, m := range e.Members {
		_, num, err := g.value(m.Value, u.pkg)
		if err != nil {
			return nil, err
		}
		p := &proc{u: u, member: m, num: num, base: strings.TrimPrefix(m.Name, u.constPfx+"PROC_")}
		p.goName = g.procName(u, m.Name)
		p.cfunc, _ = g.cFuncFor(u, p.base)
		stem := u.prefix + strings.ToLower(p.base)
		p.args = g.structDef(stem + "_args")
		p.ret = g.structDef(stem + "_ret")
		p.msg = g.structDef(stem + "_msg")
		for _, a := range m.Annotations {
			switch a.Key {
			case "readstream":
				p.stream = "read"
			case "writestream":
				p.stream = "write"
			}
		}
		if p.msg != nil && (p.args != nil || p.ret != nil) {
			return nil, fmt.Errorf("%s: %s has both a message and args/ret structs", m.Pos, m.Name)
		}
		out = append(out, p)
	}
	return out, nil
}

func (g *generator) structDef(name string) *rpcl.Struct {
	if x, ok := g.defs[name]; ok {
		if s, ok := x.def.(*rpcl.Struct); ok {
			return s
		}
	}
	return nil
}

// stringOkayProcs are the getters to which libvirt's C library adds
// VIR_TYPED_PARAM_STRING_OKAY when the daemon supports string typed
// parameters (VIR_DRV_FEATURE_TYPED_PARAM_STRING); without it the daemon
// leaves string parameters out. The generated methods do the same.
var stringOkayProcs = map[string]bool{
	"DOMAIN_GET_BLKIO_PARAMETERS": true, "DOMAIN_GET_MEMORY_PARAMETERS": true,
	"DOMAIN_GET_NUMA_PARAMETERS": true, "DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS": true,
	"DOMAIN_GET_INTERFACE_PARAMETERS": true, "DOMAIN_GET_BLOCK_IO_TUNE": true,
	"DOMAIN_BLOCK_STATS_FLAGS": true, "DOMAIN_GET_CPU_STATS": true,
	"NODE_GET_MEMORY_PARAMETERS": true,
}

// maxFlatResults is how many reply fields a method returns as separate
// results; a reply with more fields is returned as its Ret struct.
const maxFlatResults = 4

type param struct {
	name, field, typ string
}

// methodParams returns the method parameters for p's argument fields and
// records their names in used.
func (g *generator) methodParams(p *proc, used map[string]bool) ([]param, error) {
	if p.args == nil {
		return nil, nil
	}
	var params []param
	for _, f := range p.args.Fields {
		t, err := g.fieldType(p.u.pkg, p.args.Name, f)
		if err != nil {
			return nil, err
		}
		n := lowerFirst(goField(f.Name))
		used[n] = true
		params = append(params, param{name: n, field: goField(f.Name), typ: t.goExpr()})
	}
	return params, nil
}

// emitMethod writes the client method for p, and for procedures that
// libvirt's C library calls twice (learn the count, then fetch) a raw
// unexported method plus the exported one-call wrapper.
func (g *generator) emitMethod(w *codeWriter, p *proc) error {
	u := p.u
	used := map[string]bool{}
	params, err := g.methodParams(p, used)
	if err != nil {
		return err
	}
	var results []param
	flat := p.ret != nil && len(p.ret.Fields) <= maxFlatResults
	if flat {
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
	if flat && isCountedFetch(params, results) && !allocatingGetters[p.base] {
		if err := g.emitMethodBody(w, p, lowerFirst(p.goName), params, results, nil, true); err != nil {
			return err
		}
		g.emitCountedFetch(w, p, params, results)
		return nil
	}
	if u.procEnum == "remote_procedure" && p.base == "DOMAIN_CREATE" {
		if err := g.emitMethodBody(w, p, lowerFirst(p.goName), params, results, nil, true); err != nil {
			return err
		}
		emitDomainCreate(w, p)
		return nil
	}
	var fixed []param
	if i := paramIndex(params, "NeedResults"); i >= 0 && flat {
		// libvirt's C library always asks for the list; the count the
		// daemon returns with it is the list's length.
		fixed = append(fixed, param{field: "NeedResults", name: "1"})
		params = append(params[:i:i], params[i+1:]...)
		if j := paramIndex(results, "Ret"); j >= 0 {
			results = append(results[:j:j], results[j+1:]...)
		}
	}
	return g.emitMethodBody(w, p, p.goName, params, results, fixed, false)
}

// emitDomainCreate writes DomainCreate as libvirt's remote driver
// implements virDomainCreate: the reply of REMOTE_PROC_DOMAIN_CREATE
// carries no domain, so the driver looks the domain up by UUID afterwards
// to learn the ID the running guest got. The method returns that Domain.
func emitDomainCreate(w *codeWriter, p *proc) {
	w.line("// %s calls %s (%s = %d) and then, as libvirt's remote", p.goName, p.cfunc.Name, p.member.Name, p.num)
	w.line("// driver does, looks the domain up by UUID (REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID)")
	w.line("// to return it with the ID the daemon gave the running guest. If that")
	w.line("// lookup fails the guest may have started: the error says so, and dom is")
	w.line("// returned unchanged.")
	w.line("//")
	w.line("// See %s", apiURL(p.cfunc))
	w.line("func (c *Client) %s(ctx context.Context, dom Domain) (Domain, error) {", p.goName)
	w.line("if err := c.%s(ctx, dom); err != nil {", lowerFirst(p.goName))
	w.line("return dom, err")
	w.line("}")
	w.line("started, err := c.DomainLookupByUUID(ctx, dom.UUID)")
	w.line("if err != nil {")
	w.line(`return dom, fmt.Errorf("domain %%q was started, but looking up its ID failed: %%w", dom.Name, err)`)
	w.line("}")
	w.line("return started, nil")
	w.line("}")
	w.line("")
}

// paramIndex returns the index of the parameter for wire field field, or -1.
func paramIndex(ps []param, field string) int {
	for i, p := range ps {
		if p.field == field {
			return i
		}
	}
	return -1
}

// allocatingGetters take nparams on the wire but their C functions
// allocate the parameter list themselves (virTypedParameterPtr *params):
// the daemon returns everything in one call, so they are not wrapped.
var allocatingGetters = map[string]bool{
	"NODE_GET_SEV_INFO":           true,
	"NETWORK_PORT_GET_PARAMETERS": true,
}

// isCountedFetch reports whether a procedure follows libvirt's two-call
// pattern: it takes nparams and returns params with the count the daemon
// has when asked with nparams 0.
func isCountedFetch(params, results []param) bool {
	return paramIndex(params, "Nparams") >= 0 && paramIndex(results, "Nparams") >= 0 && paramIndex(results, "Params") >= 0
}

// emitCountedFetch writes the exported one-call form of a two-call
// procedure: ask for the count with nparams 0, then fetch that many, as
// libvirt's C callers do.
func (g *generator) emitCountedFetch(w *codeWriter, p *proc, params, results []param) {
	raw := lowerFirst(p.goName)
	var outer []param
	for _, a := range params {
		if a.field != "Nparams" {
			outer = append(outer, a)
		}
	}
	var outRes []param
	for _, r := range results {
		if r.field != "Nparams" {
			outRes = append(outRes, r)
		}
	}
	num := fmt.Sprintf("%s = %d", p.member.Name, p.num)
	if p.cfunc.Name != "" {
		w.line("// %s calls %s (%s) twice, as libvirt's C callers do: once with", p.goName, p.cfunc.Name, num)
	} else {
		w.line("// %s sends the %s procedure (%s) twice: once with", p.goName, strings.ToLower(p.base), num)
	}
	w.line("// nparams 0 to learn how many parameters the daemon has, then to fetch them.")
	if p.cfunc.Name != "" {
		w.line("//")
		w.line("// See %s", apiURL(p.cfunc))
	}
	var sig strings.Builder
	fmt.Fprintf(&sig, "func (c *%s) %s(ctx context.Context", p.u.clientType, p.goName)
	for _, a := range outer {
		fmt.Fprintf(&sig, ", %s %s", a.name, a.typ)
	}
	sig.WriteString(") (")
	for _, r := range outRes {
		fmt.Fprintf(&sig, "%s %s, ", r.name, r.typ)
	}
	sig.WriteString("err error)")
	w.line("%s {", sig.String())
	call := func(n string) string {
		var args []string
		for _, a := range params {
			if a.field == "Nparams" {
				args = append(args, n)
			} else {
				args = append(args, a.name)
			}
		}
		return fmt.Sprintf("c.%s(ctx, %s)", raw, strings.Join(args, ", "))
	}
	lhs := func(count string) string {
		var names []string
		for _, r := range results {
			if r.field == "Nparams" {
				names = append(names, count)
			} else {
				names = append(names, r.name)
			}
		}
		return strings.Join(names, ", ")
	}
	// The reply's count and the argument may differ in signedness.
	argType := params[paramIndex(params, "Nparams")].typ
	w.line("var n %s", results[paramIndex(results, "Nparams")].typ)
	w.line("if %s, err = %s; err != nil || n <= 0 {", lhs("n"), call("0"))
	w.line("return")
	w.line("}")
	w.line("%s, err = %s", lhs("_"), call(argType+"(n)"))
	w.line("return")
	w.line("}")
	w.line("")
}

// emitMethodBody writes one method named name: params become its
// parameters, fixed are argument fields set to constants, results its
// results. A raw method documents that the exported wrapper calls it.
func (g *generator) emitMethodBody(w *codeWriter, p *proc, name string, params, results, fixed []param, raw bool) error {
	u := p.u
	flat := p.ret != nil && len(p.ret.Fields) <= maxFlatResults

	// Doc comment.
	num := fmt.Sprintf("%s = %d", p.member.Name, p.num)
	switch {
	case raw:
		w.line("// %s sends %s once; %s wraps it.", name, num, p.goName)
	case p.cfunc.Name != "":
		w.line("// %s calls %s (%s).", name, p.cfunc.Name, num)
		if len(fixed) > 0 {
			w.line("// It asks for the whole list (need_results 1), as libvirt's C library does.")
		}
		w.line("//")
		w.line("// See %s", apiURL(p.cfunc))
	default:
		lines, ok := phaseDocLines(name, p.base, num)
		if !ok {
			return fmt.Errorf("%s has no C function and no entry in phaseDocs", p.member.Name)
		}
		for _, l := range lines {
			w.line("// %s", l)
		}
	}
	var sig strings.Builder
	fmt.Fprintf(&sig, "func (c *%s) %s(ctx context.Context", u.clientType, name)
	for _, a := range params {
		fmt.Fprintf(&sig, ", %s %s", a.name, a.typ)
	}
	sig.WriteString(") ")
	retName := ""
	switch {
	case p.ret == nil:
		sig.WriteString("(err error)")
	case flat:
		sig.WriteString("(")
		for _, r := range results {
			fmt.Fprintf(&sig, "%s %s, ", r.name, r.typ)
		}
		sig.WriteString("err error)")
	default:
		retName = g.defs[p.ret.Name].goName
		fmt.Fprintf(&sig, "(ret %s, err error)", retName)
	}
	w.line("%s {", sig.String())
	if u.procEnum == "remote_procedure" && stringOkayProcs[p.base] {
		flagType := ""
		for _, a := range params {
			if a.field == "Flags" {
				flagType = a.typ
			}
		}
		if flagType == "" {
			return fmt.Errorf("%s: listed in stringOkayProcs but has no flags", p.member.Name)
		}
		w.line("flags |= %s(c.typedParamStringOkay(ctx))", flagType)
	}
	w.line("call := c.newCall(%s, %s, uint32(%s))", g.consts[u.programC].goName, g.consts[u.versionC].goName, "Proc"+p.goName)
	if p.args != nil {
		w.line("args := %s{", g.defs[p.args.Name].goName)
		for _, a := range append(params, fixed...) {
			w.line("%s: %s,", a.field, a.name)
		}
		w.line("}")
		w.line("args.EncodeXDR(call.Encoder())")
	}
	if p.ret == nil {
		w.line("if _, err = c.do(ctx, call); err != nil {")
	} else {
		w.line("d, err := c.do(ctx, call)")
		w.line("if err != nil {")
	}
	w.line("return")
	w.line("}")
	switch {
	case p.ret == nil:
		w.line("return c.finish(call)")
	case flat:
		w.line("var ret %s", g.defs[p.ret.Name].goName)
		w.line("ret.DecodeXDR(d)")
		w.line("if err = c.finish(call); err != nil {")
		w.line("return")
		w.line("}")
		var vals []string
		for _, r := range results {
			vals = append(vals, "ret."+r.field)
		}
		w.line("return %s, nil", strings.Join(vals, ", "))
	default:
		w.line("ret.DecodeXDR(d)")
		w.line("if err = c.finish(call); err != nil {")
		w.line("return %s{}, err", retName)
		w.line("}")
		w.line("return ret, nil")
	}
	w.line("}")
	w.line("")
	return nil
}

// apiURL links a C function to libvirt's API reference.
func apiURL(f cheader.Func) string {
	return "https://libvirt.org/html/libvirt-" + strings.TrimSuffix(f.File, ".h") + ".html#" + f.Name
}

// emitProcMeta writes String, IsEvent and stream predicates for the
// procedure enum of u.
func (g *generator) emitProcMeta(w *codeWriter, u *unit, procs []*proc) {
	typ := g.defs[u.procEnum].goName
	w.line("// IsEvent reports whether p is a message the server sends on its own")
	w.line("// (an event) rather than a call the client makes.")
	w.line("func (p %s) IsEvent() bool {", typ)
	w.line("switch p {")
	var ev, rs, ws []string
	for _, p := range procs {
		switch {
		case p.event():
			ev = append(ev, "Proc"+p.goName)
		case p.stream == "read":
			rs = append(rs, "Proc"+p.goName)
		case p.stream == "write":
			ws = append(ws, "Proc"+p.goName)
		}
	}
	g.caseList(w, ev)
	w.line("}")
	w.line("")
	w.line("// ReadsStream reports whether p opens a stream that carries data from")
	w.line("// the server to the client (@readstream in the protocol file).")
	w.line("func (p %s) ReadsStream() bool {", typ)
	w.line("switch p {")
	g.caseList(w, rs)
	w.line("}")
	w.line("")
	w.line("// WritesStream reports whether p opens a stream that carries data from")
	w.line("// the client to the server (@writestream in the protocol file).")
	w.line("func (p %s) WritesStream() bool {", typ)
	w.line("switch p {")
	g.caseList(w, ws)
	w.line("}")
	w.line("")
	for _, p := range procs {
		if p.event() {
			g.report.Events[u.xfile] = append(g.report.Events[u.xfile], p.member.Name)
		}
		if p.stream != "" {
			g.report.Streams[u.xfile] = append(g.report.Streams[u.xfile], p.member.Name+" ("+p.stream+")")
		}
	}
	g.report.Procedures[u.xfile] = len(procs)
}

func (g *generator) caseList(w *codeWriter, names []string) {
	if len(names) > 0 {
		w.line("case %s:", strings.Join(names, ", "))
		w.line("return true")
	}
	w.line("}")
	w.line("return false")
}

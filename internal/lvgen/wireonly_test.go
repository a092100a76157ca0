package lvgen

import (
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/virtwire/libvirt/internal/lvgen/rpcl"
)

// A program of the root package with four procedures: one whose reply has
// few fields (returned one by one), one whose reply has five (returned
// whole), one whose reply another reply contains, and an event.
const wireOnlySrc = `
const T_STRING_MAX = 64;
typedef string t_nonnull_string<T_STRING_MAX>;
struct t_thing { t_nonnull_string name; int id; };
struct t_get_thing_args { t_thing dom; t_nonnull_string key<T_STRING_MAX>; unsigned int flags; };
struct t_get_thing_ret { t_thing things<T_STRING_MAX>; };
struct t_get_stats_args { t_thing dom; };
struct t_get_stats_ret { hyper a; hyper b; hyper c; hyper d; hyper e; };
struct t_get_label_ret { t_nonnull_string label; int enforcing; };
struct t_get_label_list_ret { t_get_label_ret labels<T_STRING_MAX>; };
struct t_thing_event_msg { t_thing dom; int event; };
enum t_procedure {
	T_PROC_GET_THING = 1,
	T_PROC_GET_STATS = 2,
	T_PROC_GET_LABEL = 3,
	T_PROC_GET_LABEL_LIST = 4,
	T_PROC_THING_EVENT = 5
};
`

func TestWireOnlyTypesMoveToProtocol(t *testing.T) {
	u := &unit{xfile: "t.x", pkg: "libvirt", dir: ".", out: "t.gen.go", prefix: "t_", constPfx: "T_", procEnum: "t_procedure"}
	f, err := rpcl.Parse(u.xfile, []byte(wireOnlySrc))
	if err != nil {
		t.Fatal(err)
	}
	u.file = f
	g := &generator{
		units: []*unit{u}, scopes: map[string]*scope{}, consts: map[string]constRef{},
		enumsByC: map[string]*headerEnum{}, defs: map[string]*xdef{}, usedFieldEnums: map[string]bool{},
		minMemo: map[string]int{}, files: map[string][]byte{},
		report: Report{Procedures: map[string]int{}, Events: map[string][]string{}, Streams: map[string][]string{}},
	}
	if err := g.declare(u); err != nil {
		t.Fatal(err)
	}
	if err := g.renderUnit(u); err != nil {
		t.Fatal(err)
	}
	root, proto := string(g.files["t.gen.go"]), string(g.files["protocol/t.gen.go"])
	for name, code := range map[string]string{"root": root, "protocol": proto} {
		if _, err := parser.ParseFile(token.NewFileSet(), name+".go", code, 0); err != nil {
			t.Fatalf("%s code does not parse: %v\n%s", name, err, code)
		}
	}
	has := func(where, code, decl string, want bool) {
		t.Helper()
		if strings.Contains(code, decl) != want {
			t.Errorf("%s: has %q = %v, want %v", where, decl, !want, want)
		}
	}
	// Arguments and small replies: unexported in the root, exported in protocol.
	for _, n := range []string{"GetThingArgs", "GetThingRet", "GetStatsArgs", "GetLabelListRet"} {
		lower := strings.ToLower(n[:1]) + n[1:]
		has("root", root, "type "+lower+" struct", true)
		has("root", root, "type "+n+" struct", false)
		has("protocol", proto, "type "+n+" struct", true)
		has("protocol", proto, "func (v *"+n+") DecodeXDR(d *xdr.Decoder)", true)
	}
	// Replies returned whole, replies inside other types and events stay.
	for _, n := range []string{"GetStatsRet", "GetLabelRet", "ThingEventMsg", "Thing"} {
		has("root", root, "type "+n+" struct", true)
		has("protocol", proto, "type "+n+" struct", false)
	}
	// Package protocol names the root's types and bounds with the qualifier,
	// and refers to its own types without one.
	has("protocol", proto, "Dom   libvirt.Thing", true)
	has("protocol", proto, "Things []libvirt.Thing", true)
	has("protocol", proto, "Labels []libvirt.GetLabelRet", true)
	has("protocol", proto, "e.ArrayLen(len(v.Key), libvirt.StringMax)", true)
	has("protocol", proto, "e.String(v.Key[i0], libvirt.StringMax)", true)
	has("protocol", proto, "make([]libvirt.Thing, n0)", true)
	// The exported types' codec methods say why users see them.
	has("root", root, "// "+codecHookDoc+"\nfunc (v *Thing) EncodeXDR", true)
	has("root", root, "// "+codecHookDoc+"\nfunc (v *getThingArgs) EncodeXDR", false)
}

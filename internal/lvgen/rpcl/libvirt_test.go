package rpcl

import (
	"os"
	"path/filepath"
	"testing"
)

// libvirtSource returns the root of a libvirt source tree: $LIBVIRT_SOURCE
// or the shared checkout next to the repository. The test is skipped when
// neither exists.
func libvirtSource(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("LIBVIRT_SOURCE")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "libvirt")
	}
	if _, err := os.Stat(filepath.Join(dir, "src", "remote", "remote_protocol.x")); err != nil {
		t.Skipf("libvirt source tree not found at %s (set LIBVIRT_SOURCE): %v", dir, err)
	}
	return dir
}

// parseLibvirt parses one protocol file below src/ of the libvirt tree.
func parseLibvirt(t *testing.T, rel string) *File {
	t.Helper()
	f, err := ParseFile(filepath.Join(libvirtSource(t), "src", rel))
	if err != nil {
		t.Fatalf("parse %s: %v", rel, err)
	}
	return f
}

// find returns the definition called name, failing the test if missing.
func find[T Def](t *testing.T, f *File, name string) T {
	t.Helper()
	for _, d := range f.Defs {
		if d.DefName() == name {
			v, ok := d.(T)
			if !ok {
				t.Fatalf("%s is a %T", name, d)
			}
			return v
		}
	}
	t.Fatalf("%s: no definition named %s", f.Name, name)
	panic("unreachable")
}

func member(t *testing.T, e *Enum, name string) EnumMember {
	t.Helper()
	for _, m := range e.Members {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("enum %s has no member %s", e.Name, name)
	return EnumMember{}
}

// annotationValues returns the values of every annotation with key.
func annotationValues(m EnumMember, key string) []string {
	var out []string
	for _, a := range m.Annotations {
		if a.Key == key {
			out = append(out, a.Value)
		}
	}
	return out
}

func TestEveryLibvirtProtocolFileParses(t *testing.T) {
	root := libvirtSource(t)
	var files []string
	err := filepath.WalkDir(filepath.Join(root, "src"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(path) == ".x" {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 6 {
		t.Fatalf("found only %d .x files: %v", len(files), files)
	}
	for _, path := range files {
		f, err := ParseFile(path)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if len(f.Defs) == 0 {
			t.Errorf("%s: no definitions", path)
		}
	}
}

func TestDefinitionCounts(t *testing.T) {
	// Counted with: grep -cE '^(const|enum|struct|union|typedef)\b' FILE
	want := map[string]int{
		"admin/admin_protocol.x":     43,
		"remote/lxc_protocol.x":      4,
		"remote/qemu_protocol.x":     15,
		"remote/remote_protocol.x":   788,
		"rpc/virkeepaliveprotocol.x": 3,
		"rpc/virnetprotocol.x":       21,
	}
	for rel, n := range want {
		if got := len(parseLibvirt(t, rel).Defs); got != n {
			t.Errorf("%s: %d definitions, want %d", rel, got, n)
		}
	}
}

func TestRemoteProcedures(t *testing.T) {
	f := parseLibvirt(t, "remote/remote_protocol.x")
	e := find[*Enum](t, f, "remote_procedure")
	if len(e.Members) != 453 {
		t.Fatalf("remote_procedure has %d members, want 453", len(e.Members))
	}
	for i, m := range e.Members {
		if m.Value.Ref != "" || m.Value.Lit != int64(i+1) {
			t.Errorf("member %d %s = %v, want %d", i, m.Name, m.Value, i+1)
		}
		if annotationValues(m, "generate") == nil {
			t.Errorf("%s has no @generate", m.Name)
		}
	}
	open := member(t, e, "REMOTE_PROC_CONNECT_OPEN")
	if g := annotationValues(open, "generate"); len(g) != 1 || g[0] != "none" {
		t.Errorf("CONNECT_OPEN @generate = %q, want [none]", g)
	}
	if pr := annotationValues(open, "priority"); len(pr) != 1 || pr[0] != "high" {
		t.Errorf("CONNECT_OPEN @priority = %q, want [high]", pr)
	}
	// The member comment is at lines 4067-4071; "@generate" is on 4068
	// after five blanks and "* ".
	if p := open.Annotations[0].Pos; p.Line != 4068 || p.Col != 8 || p.File != f.Name {
		t.Errorf("first CONNECT_OPEN annotation at %v, want %s:4068:8", p, f.Name)
	}
	if open.Pos.Line != 4072 || open.Pos.Col != 5 {
		t.Errorf("CONNECT_OPEN at %v, want line 4072 col 5", open.Pos)
	}

	// Real annotation lines only: the explanatory comment at the top of
	// the enum mentions "@readstream" too, but not as "@key:" lines of a
	// member's own comment.
	streams := map[string][]string{}
	keys := map[string]int{}
	for _, m := range e.Members {
		for _, a := range m.Annotations {
			keys[a.Key]++
			if a.Key == "readstream" || a.Key == "writestream" || a.Key == "sparseflag" {
				streams[a.Key] = append(streams[a.Key], m.Name+"="+a.Value)
			}
		}
	}
	wantStreams := map[string][]string{
		"readstream": {
			"REMOTE_PROC_DOMAIN_OPEN_CONSOLE=2", "REMOTE_PROC_STORAGE_VOL_DOWNLOAD=1",
			"REMOTE_PROC_DOMAIN_SCREENSHOT=1", "REMOTE_PROC_DOMAIN_OPEN_CHANNEL=2",
		},
		"writestream": {
			"REMOTE_PROC_DOMAIN_MIGRATE_PREPARE_TUNNEL=1", "REMOTE_PROC_STORAGE_VOL_UPLOAD=1",
			"REMOTE_PROC_DOMAIN_MIGRATE_PREPARE_TUNNEL3=1",
		},
		"sparseflag": {
			"REMOTE_PROC_STORAGE_VOL_UPLOAD=VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM",
			"REMOTE_PROC_STORAGE_VOL_DOWNLOAD=VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM",
		},
	}
	for k, want := range wantStreams {
		if got := streams[k]; !equalStrings(got, want) {
			t.Errorf("@%s: got %q, want %q", k, got, want)
		}
	}
	// Every annotation in the file is one of the known keys.
	for k := range keys {
		switch k {
		case "generate", "priority", "acl", "aclfilter", "readstream", "writestream", "sparseflag":
		default:
			t.Errorf("unexpected annotation key %q", k)
		}
	}
	if keys["generate"] != 453 {
		t.Errorf("%d @generate annotations, want 453", keys["generate"])
	}

	metadata := member(t, e, "REMOTE_PROC_NETWORK_SET_METADATA")
	wantACL := []string{
		"network:write",
		"network:save:!VIR_NETWORK_UPDATE_AFFECT_CONFIG|VIR_NETWORK_UPDATE_AFFECT_LIVE",
		"network:save:VIR_NETWORK_UPDATE_AFFECT_CONFIG",
	}
	if got := annotationValues(metadata, "acl"); !equalStrings(got, wantACL) {
		t.Errorf("NETWORK_SET_METADATA @acl = %q, want %q", got, wantACL)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRemoteTypes(t *testing.T) {
	f := parseLibvirt(t, "remote/remote_protocol.x")

	u := find[*Union](t, f, "remote_typed_param_value")
	if d := u.Discriminant; d.Name != "type" || d.Type.Kind != Int || d.Kind != Scalar {
		t.Errorf("discriminant = %+v, want int type", d)
	}
	if len(u.Cases) != 7 || u.Default != nil {
		t.Fatalf("%d cases (default %v), want 7 and none", len(u.Cases), u.Default)
	}
	last := u.Cases[6]
	if len(last.Values) != 1 || last.Values[0].Ref != "VIR_TYPED_PARAM_STRING" ||
		last.Arm.Name != "s" || last.Arm.Type != (Type{Kind: Named, Name: "remote_nonnull_string"}) {
		t.Errorf("last case = %+v", last)
	}
	if ul := u.Cases[3].Arm; ul.Name != "ul" || ul.Type.Kind != UHyper {
		t.Errorf("case 3 arm = %+v, want unsigned hyper ul", ul)
	}

	td := find[*Typedef](t, f, "remote_domain")
	if td.Decl.Kind != Optional || td.Decl.Type != (Type{Kind: Named, Name: "remote_nonnull_domain"}) {
		t.Errorf("remote_domain = %+v, want optional remote_nonnull_domain", td.Decl)
	}

	// struct remote_node_get_info_ret { char model[32]; ... }
	s := find[*Struct](t, f, "remote_node_get_info_ret")
	model := s.Fields[0]
	if model.Name != "model" || model.Type.Kind != Char || model.Kind != FixedArray || model.Size != (Value{Lit: 32}) {
		t.Errorf("model field = %+v, want char model[32]", model)
	}

	ns := find[*Typedef](t, f, "remote_nonnull_string")
	if ns.Decl.Type.Kind != String || ns.Decl.Kind != VarArray || ns.Decl.Size.Ref != "REMOTE_STRING_MAX" {
		t.Errorf("remote_nonnull_string = %+v", ns.Decl)
	}

	prog := find[*Const](t, f, "REMOTE_PROGRAM")
	if prog.Value.Lit != 0x20008086 {
		t.Errorf("REMOTE_PROGRAM = %v", prog.Value)
	}
	if len(f.Passthrough) != 4 || f.Passthrough[0] != "#include <libvirt/libvirt.h>" {
		t.Errorf("passthrough = %q", f.Passthrough)
	}
}

func TestShortAndBareUnsigned(t *testing.T) {
	f := parseLibvirt(t, "remote/remote_protocol.x")
	found := false
	for _, d := range f.Defs {
		if s, ok := d.(*Struct); ok {
			for _, fl := range s.Fields {
				if fl.Name == "nrVirtCpu" && fl.Type.Kind == UShort {
					found = true
				}
			}
		}
	}
	if !found {
		t.Error("no field 'unsigned short nrVirtCpu'")
	}

	net := parseLibvirt(t, "rpc/virnetprotocol.x")
	hdr := find[*Struct](t, net, "virNetMessageHeader")
	for _, fl := range hdr.Fields[:2] { // "unsigned prog; unsigned vers;"
		if fl.Type.Kind != UInt || fl.Kind != Scalar {
			t.Errorf("%s: %+v, want unsigned int", fl.Name, fl)
		}
	}
	if c := find[*Const](t, net, "VIR_NET_MESSAGE_MAX"); c.Value != (Value{Lit: 33554432}) {
		t.Errorf("VIR_NET_MESSAGE_MAX = %v", c.Value)
	}
}

func TestSmallerProtocols(t *testing.T) {
	admin := parseLibvirt(t, "admin/admin_protocol.x")
	ap := find[*Enum](t, admin, "admin_procedure")
	lastAdmin := ap.Members[len(ap.Members)-1]
	if lastAdmin.Name != "ADMIN_PROC_CONNECT_DAEMON_SHUTDOWN" || lastAdmin.Value.Lit != 20 {
		t.Errorf("last admin procedure = %s = %v", lastAdmin.Name, lastAdmin.Value)
	}
	if c := find[*Const](t, admin, "ADMIN_PROGRAM"); c.Value.Lit != 0x06900690 {
		t.Errorf("ADMIN_PROGRAM = %v", c.Value)
	}

	qemu := parseLibvirt(t, "remote/qemu_protocol.x")
	qp := find[*Enum](t, qemu, "qemu_procedure")
	if len(qp.Members) != 7 {
		t.Errorf("qemu has %d procedures, want 7", len(qp.Members))
	}
	// The explanatory comment directly before the doc comment of the first
	// member must not contribute annotations.
	first := qp.Members[0]
	if got := len(first.Annotations); got != 3 {
		t.Errorf("%s has %d annotations, want 3: %+v", first.Name, got, first.Annotations)
	}

	lxc := parseLibvirt(t, "remote/lxc_protocol.x")
	if lp := find[*Enum](t, lxc, "lxc_procedure"); len(lp.Members) != 1 {
		t.Errorf("lxc has %d procedures, want 1", len(lp.Members))
	}

	ka := parseLibvirt(t, "rpc/virkeepaliveprotocol.x")
	if c := find[*Const](t, ka, "KEEPALIVE_PROGRAM"); c.Value.Lit != 0x6b656570 {
		t.Errorf("KEEPALIVE_PROGRAM = %v", c.Value)
	}
	if len(ka.Passthrough) != 0 {
		t.Errorf("keepalive passthrough = %q", ka.Passthrough)
	}
}

package cheader

import (
	"path/filepath"

	"modernc.org/cc/v4"
)

// Func is a function declared in a libvirt header. The generator uses the
// names to spell Go methods the way libvirt spells its C API and to link
// each method to its page in the API reference.
type Func struct {
	// Name is the C function name, e.g. "virDomainCreateXML".
	Name string
	// File is the base name of the header declaring it.
	File string
}

// collectFuncs returns the functions declared at file scope in libvirt
// headers, in order of declaration.
func collectFuncs(ast *cc.AST) []Func {
	var out []Func
	seen := map[string]bool{}
	for _, d := range fileDeclarations(ast) {
		for l := d.InitDeclaratorList; l != nil; l = l.InitDeclaratorList {
			id := l.InitDeclarator
			if id == nil || id.Declarator == nil {
				continue
			}
			decl := id.Declarator
			if t := decl.Type(); t == nil || t.Kind() != cc.Function || decl.IsTypename() {
				continue
			}
			pos := decl.Position()
			name := decl.Name()
			if !fromLibvirt(pos.Filename) || seen[name] {
				continue
			}
			seen[name] = true
			out = append(out, Func{Name: name, File: filepath.Base(pos.Filename)})
		}
	}
	return out
}

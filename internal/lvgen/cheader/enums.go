package cheader

import (
	"fmt"
	"math"
	"path/filepath"

	"modernc.org/cc/v4"
)

// fromLibvirt reports whether a file lives in a directory named "libvirt".
func fromLibvirt(file string) bool {
	return filepath.Base(filepath.Dir(file)) == "libvirt"
}

// fileDeclarations returns the file-scope declarations of ast in order.
func fileDeclarations(ast *cc.AST) []*cc.Declaration {
	var out []*cc.Declaration
	for l := ast.TranslationUnit; l != nil; l = l.TranslationUnit {
		if ed := l.ExternalDeclaration; ed != nil && ed.Case == cc.ExternalDeclarationDecl && ed.Declaration != nil {
			out = append(out, ed.Declaration)
		}
	}
	return out
}

// enumDefinition returns the enum defined (with a body) by the specifiers
// of d, if any, and whether d is a typedef.
func enumDefinition(d *cc.Declaration) (es *cc.EnumSpecifier, isTypedef bool) {
	for ds := d.DeclarationSpecifiers; ds != nil; ds = ds.DeclarationSpecifiers {
		if sc := ds.StorageClassSpecifier; sc != nil && sc.Case == cc.StorageClassSpecifierTypedef {
			isTypedef = true
		}
		if ts := ds.TypeSpecifier; ts != nil && ts.Case == cc.TypeSpecifierEnum &&
			ts.EnumSpecifier != nil && ts.EnumSpecifier.Case == cc.EnumSpecifierDef {
			es = ts.EnumSpecifier
		}
	}
	return es, isTypedef
}

// enumName picks the typedef name that names the enum type itself, falling
// back to the tag. It returns "" for an anonymous enum without a typedef.
func enumName(d *cc.Declaration, es *cc.EnumSpecifier, isTypedef bool) string {
	if isTypedef {
		for l := d.InitDeclaratorList; l != nil; l = l.InitDeclaratorList {
			if id := l.InitDeclarator; id != nil && id.Declarator != nil {
				if t := id.Declarator.Type(); t != nil && t.Kind() == cc.Enum {
					return id.Declarator.Name()
				}
			}
		}
	}
	return es.Token2.SrcStr()
}

// collectEnums returns the enums defined at file scope in libvirt headers.
// Anonymous enums that are neither tagged nor typedef'd have no name a
// generator could use and are left out.
func collectEnums(ast *cc.AST) ([]Enum, error) {
	var out []Enum
	for _, d := range fileDeclarations(ast) {
		es, isTypedef := enumDefinition(d)
		if es == nil {
			continue
		}
		pos := es.Position()
		if !fromLibvirt(pos.Filename) {
			continue
		}
		name := enumName(d, es, isTypedef)
		if name == "" {
			continue
		}

		e := Enum{Name: name, File: filepath.Base(pos.Filename)}
		for l := es.EnumeratorList; l != nil; l = l.EnumeratorList {
			en := l.Enumerator
			if en == nil {
				continue
			}
			v, err := enumeratorValue(en)
			if err != nil {
				return nil, fmt.Errorf("cheader: %v: enum %s: %w", en.Position(), name, err)
			}
			e.Members = append(e.Members, Member{Name: en.Token.SrcStr(), Value: v})
		}
		out = append(out, e)
	}
	return out, nil
}

func enumeratorValue(en *cc.Enumerator) (int64, error) {
	switch x := en.Value().(type) {
	case cc.Int64Value:
		return int64(x), nil
	case cc.UInt64Value:
		if uint64(x) > math.MaxInt64 {
			return 0, fmt.Errorf("%s = %d does not fit in int64", en.Token.SrcStr(), uint64(x))
		}
		return int64(x), nil
	default:
		return 0, fmt.Errorf("%s has no constant integer value (%v)", en.Token.SrcStr(), x)
	}
}

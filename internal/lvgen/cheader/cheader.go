package cheader

import (
	"fmt"
	"strings"

	"modernc.org/cc/v4"
)

// Headers holds the constants extracted by Load.
type Headers struct {
	// Enums lists the enums in the order their definitions first appear in the
	// translation unit.
	Enums []Enum
	// Macros lists the object-like macros that evaluate to a constant integer
	// or string, ordered by header (in order of first appearance) and then by
	// position inside the header.
	Macros []Macro
	// Funcs lists the functions the headers declare, in order.
	Funcs []Func
}

// Enum is one C enum definition.
type Enum struct {
	// Name is the typedef name, or the enum tag when the enum is not
	// introduced by a typedef.
	Name string
	// File is the base name of the header defining the enum.
	File string
	// Members are the enumerators in declaration order.
	Members []Member
}

// Member is one enumerator with its value as evaluated by the C type checker.
type Member struct {
	// Name is the enumerator's identifier.
	Name string
	// Value is the enumerator's value.
	Value int64
}

// Macro is one object-like macro with a constant value.
type Macro struct {
	// Name is the macro name.
	Name string
	// File is the base name of the header defining the macro.
	File string
	// IsString reports whether the value is a string (Str) rather than an
	// integer (Int).
	IsString bool
	// Int is the integer value when IsString is false.
	Int int64
	// Str is the string value, without quotes and with adjacent literals
	// concatenated, when IsString is true.
	Str string
}

// Load preprocesses, parses and type checks the entry headers as one
// translation unit and returns every enum and constant macro declared in a
// file that lives in a directory named "libvirt".
//
// Entries are names such as "libvirt/libvirt.h"; each is looked up in
// includeDirs in order and the first match is used. includeDirs are also
// searched, before the host compiler's own directories, for the headers the
// entries include. When a directory holds libvirt/libvirt-common.h.in but no
// libvirt/libvirt-common.h (an unbuilt source tree), the header is generated
// in memory by substituting @LIBVIRT_VERSION_NUMBER@ with the version read
// from the project() call of the meson.build next to that directory; if no
// version can be found Load fails and says so.
func Load(includeDirs []string, entries []string) (*Headers, error) {
	if len(entries) == 0 {
		return nil, fmt.Errorf("cheader: no entry headers given")
	}

	includeDirs, err := absDirs(includeDirs)
	if err != nil {
		return nil, err
	}
	paths, err := resolveEntries(includeDirs, entries)
	if err != nil {
		return nil, err
	}

	cfg, err := newConfig(includeDirs)
	if err != nil {
		return nil, err
	}

	sources := []cc.Source{
		{Name: "<predefined>", Value: cfg.Predefined},
		{Name: "<builtin>", Value: cc.Builtin},
	}
	for _, p := range paths {
		sources = append(sources, cc.Source{Name: p})
	}

	what := strings.Join(entries, ", ")
	parsed, err := cc.Parse(cfg, sources)
	if err != nil {
		return nil, fmt.Errorf("cheader: parsing %s: %w", what, err)
	}

	cands := macroCandidates(parsed)
	ast, kept, err := translateWithProbes(cfg, sources, cands)
	if err != nil {
		return nil, fmt.Errorf("cheader: type checking %s: %w", what, err)
	}

	enums, err := collectEnums(ast)
	if err != nil {
		return nil, err
	}

	return &Headers{Enums: enums, Macros: collectMacros(ast, kept), Funcs: collectFuncs(ast)}, nil
}

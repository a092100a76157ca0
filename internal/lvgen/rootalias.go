package lvgen

// rootAliases are types of other programs that are the root package's
// types on the wire: the admin protocol declares its own typed parameter
// (admin_typed_param) with the same layout and bounds as the remote one.
// Generating it as an alias of libvirt.TypedParam gives admin callers the
// same TypedParams, with its lookups and builders, instead of a second
// type without them. Keyed by package, then Go name.
var rootAliases = map[string]map[string]bool{
	"admin": {"TypedParam": true, "TypedParamValue": true},
}

// rootAlias reports whether the type goName of package pkg is generated as
// an alias of the root package's type of that name.
func rootAlias(pkg, goName string) bool { return rootAliases[pkg][goName] }

// emitRootAlias writes the alias for a type of rootAliases; a TypedParam
// alias brings the list type along.
func emitRootAlias(w *codeWriter, goName, rpclName string) {
	w.line("// %s is libvirt.%s: %s has the same wire form.", goName, goName, rpclName)
	w.line("type %s = libvirt.%s", goName, goName)
	w.line("")
	if goName == "TypedParam" {
		w.line("// TypedParams is libvirt.TypedParams, with its lookups and builders.")
		w.line("type TypedParams = libvirt.TypedParams")
		w.line("")
	}
}

// Package cheader reads libvirt's public C headers and reports the constants
// they declare: every enum with its evaluated members, and every object-like
// macro whose value is a constant integer or string.
//
// Preprocessing, parsing and constant evaluation are done by modernc.org/cc/v4
// configured from the host C compiler. Enum members are taken from the type
// checker. Macro values are obtained by appending one probe declaration per
// candidate macro to the translation unit and reading the value the type
// checker computed for its initializer, so macros that refer to other macros
// or to enum constants are evaluated by cc/v4 as well.
//
// VIR_ENUM_SENTINELS is never defined, so the *_LAST sentinel members that
// libvirt hides behind it are not part of the result.
package cheader

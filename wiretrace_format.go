package libvirt

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of the wire trace's rendering of values.
const (
	traceStringMax = 64 // bytes of a string shown before it is cut
	traceListMax   = 8  // elements of a list shown
	traceDepthMax  = 8  // nesting shown
)

// redactedFields are the fields (type.field) whose values the wire trace
// never shows, whatever their name: credentials exchanged during SASL
// authentication, secret values, and typed parameters that carry launch
// secrets. Fields named like passwords are redacted by redactedName too.
var redactedFields = map[string]bool{
	"authSASLStartArgs.Data":                  true,
	"authSASLStartRet.Data":                   true,
	"authSASLStepArgs.Data":                   true,
	"authSASLStepRet.Data":                    true,
	"secretSetValueArgs.Value":                true,
	"secretGetValueRet.Value":                 true,
	"domainSetUserPasswordArgs.Password":      true,
	"domainSetLaunchSecurityStateArgs.Params": true,
}

// redactedCommands are string fields that carry free-form commands for
// QEMU or its guest agent: they are redacted when they mention passwords
// or secrets (QMP set_password, guest-set-user-password, secret objects).
var redactedCommands = map[string]bool{
	"qemuDomainMonitorCommandArgs.Cmd":          true,
	"qemuDomainMonitorCommandWithFilesArgs.Cmd": true,
	"qemuDomainAgentCommandArgs.Cmd":            true,
}

// sensitiveWord reports whether a name or text mentions a credential.
func sensitiveWord(s string) bool {
	s = strings.ToLower(s)
	return strings.Contains(s, "passw") || strings.Contains(s, "passwd") || strings.Contains(s, "secret")
}

// redactedName reports whether a field of this name and kind holds a
// credential: a string or byte field named like a password or secret
// (not the Secret object handles, which are structs).
func redactedName(name string, t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String, reflect.Slice:
		return sensitiveWord(name)
	}
	return false
}

var (
	stringerType   = reflect.TypeFor[fmt.Stringer]()
	typedParamType = reflect.TypeFor[TypedParam]()
)

// formatValue renders v, a pointer to a decoded body, as Go-like text.
func formatValue(b *strings.Builder, v any) {
	formatReflect(b, reflect.ValueOf(v), 0)
}

func formatReflect(b *strings.Builder, v reflect.Value, depth int) {
	if depth > traceDepthMax {
		b.WriteString("…")
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		formatReflect(b, v.Elem(), depth)
		return
	case reflect.Struct:
		if v.Type() == typedParamType {
			formatTypedParam(b, v.Interface().(TypedParam))
			return
		}
		if v.CanInterface() && v.Type().Implements(stringerType) {
			writeString(b, v.Interface().(fmt.Stringer).String(), false)
			return
		}
		formatStruct(b, v, depth)
		return
	case reflect.String:
		writeString(b, v.String(), true)
		return
	case reflect.Slice:
		if v.IsNil() {
			b.WriteString("[]")
			return
		}
		if k := v.Type().Elem().Kind(); k == reflect.Uint8 || k == reflect.Int8 {
			fmt.Fprintf(b, "<%d bytes>", v.Len())
			return
		}
		formatList(b, v, depth)
		return
	case reflect.Array:
		if v.CanInterface() && v.Type().Implements(stringerType) {
			b.WriteString(v.Interface().(fmt.Stringer).String())
			return
		}
		formatList(b, v, depth)
		return
	}
	if v.CanInterface() && v.Type().Implements(stringerType) {
		b.WriteString(v.Interface().(fmt.Stringer).String())
		return
	}
	switch v.Kind() {
	case reflect.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		b.WriteString(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		b.WriteString(strconv.FormatFloat(v.Float(), 'g', -1, 64))
	default:
		fmt.Fprintf(b, "<%s>", v.Type())
	}
}

func formatStruct(b *strings.Builder, v reflect.Value, depth int) {
	t := v.Type()
	b.WriteByte('{')
	first := true
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		b.WriteString(f.Name)
		b.WriteString(": ")
		fv := v.Field(i)
		key := t.Name() + "." + f.Name
		switch {
		case redactedFields[key] || redactedName(f.Name, f.Type):
			writeRedacted(b, fv)
		case redactedCommands[key] && sensitiveWord(fv.String()):
			writeRedacted(b, fv)
		default:
			formatReflect(b, fv, depth+1)
		}
	}
	b.WriteByte('}')
}

func formatList(b *strings.Builder, v reflect.Value, depth int) {
	b.WriteByte('[')
	n := v.Len()
	for i := 0; i < n && i < traceListMax; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		formatReflect(b, v.Index(i), depth+1)
	}
	if n > traceListMax {
		fmt.Fprintf(b, ", … %d more", n-traceListMax)
	}
	b.WriteByte(']')
}

// formatTypedParam renders a typed parameter, redacting the value of one
// named like a secret or password (SEV launch secrets, ...).
func formatTypedParam(b *strings.Builder, p TypedParam) {
	writeString(b, p.Field, true)
	b.WriteString(": ")
	if sensitiveWord(p.Field) {
		if s, ok := p.Value.AsString(); ok {
			fmt.Fprintf(b, "<redacted %d bytes>", len(s))
		} else {
			b.WriteString("<redacted>")
		}
		return
	}
	if s, ok := p.Value.AsString(); ok {
		writeString(b, s, true)
		return
	}
	b.WriteString(p.Value.String())
}

// writeRedacted stands in for a credential: only its size shows.
func writeRedacted(b *strings.Builder, v reflect.Value) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		v = v.Elem()
	}
	switch {
	case v.Kind() == reflect.String || v.Kind() == reflect.Slice && v.Type().Elem().Size() == 1:
		fmt.Fprintf(b, "<redacted %d bytes>", v.Len())
	case v.Kind() == reflect.Slice:
		fmt.Fprintf(b, "<redacted %d items>", v.Len())
	default:
		b.WriteString("<redacted>")
	}
}

// writeString writes s quoted (or bare), cut at traceStringMax bytes on a
// rune boundary with its full length noted.
func writeString(b *strings.Builder, s string, quote bool) {
	cut := s
	if len(s) > traceStringMax {
		// Cut before a rune that would be split (a few bytes back at most).
		k := traceStringMax
		for k > traceStringMax-utf8.UTFMax && !utf8.RuneStart(s[k]) {
			k--
		}
		cut = s[:k]
	}
	if quote {
		b.WriteString(strconv.Quote(cut))
	} else {
		b.WriteString(cut)
	}
	if len(cut) < len(s) {
		fmt.Fprintf(b, "…(%d bytes)", len(s))
	}
}

package libvirttest_test

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/virtwire/libvirt"
)

// This file turns call results into comparable lines for the
// differential tester (difftest_test.go). It has no build tag so that
// its normalisation is unit-tested without a daemon.

// flattener renders values as "path = value" lines, replacing what must
// differ between two daemons by stable placeholders: UUIDs become
// uuid#N by order of first appearance (generated UUIDs are random; fixed
// ones appear in the same order on both sides, so they still compare),
// the host name becomes <host>, and fields that hold times become <time>.
type flattener struct {
	uuids    map[string]string
	macs     map[string]string
	hostname string
	dir      string // the side's scratch directory, shown as <dir>
}

func newFlattener(hostname string) *flattener {
	return &flattener{uuids: map[string]string{}, macs: map[string]string{}, hostname: hostname}
}

// Generated MACs (libvirt's prefix 52:54:00) become mac#N by order of
// first appearance, like UUIDs; snapshot creation times become <time>.
var (
	diffMACRE  = regexp.MustCompile(`52:54:00(:[0-9a-f]{2}){3}`)
	diffTimeRE = regexp.MustCompile(`<creationTime>[0-9]+</creationTime>`)
)

func (f *flattener) mac(s string) string {
	if n, ok := f.macs[s]; ok {
		return n
	}
	n := fmt.Sprintf("mac#%d", len(f.macs)+1)
	f.macs[s] = n
	return n
}

var diffUUIDRE = regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// timeFields are fields (Go names or typed-parameter names) whose values
// are clocks or CPU times, different on every run.
var timeFields = map[string]bool{
	"CPUTime":  true,
	"cpu.time": true, "cpu_time": true, "vcpu.0.time": true, "vcpu.1.time": true,
	"user_time": true, "system_time": true, "state.time": true,
	// The test driver derives block and interface counters from the clock.
	"RdReq": true, "RdBytes": true, "WrReq": true, "WrBytes": true, "Errs": true,
	"RxBytes": true, "RxPackets": true, "RxErrs": true, "RxDrop": true,
	"TxBytes": true, "TxPackets": true, "TxErrs": true, "TxDrop": true,
	"CallbackID": true, // libvirtd numbers callbacks daemon-wide
}

func (f *flattener) uuid(s string) string {
	s = strings.ToLower(s)
	if n, ok := f.uuids[s]; ok {
		return n
	}
	n := fmt.Sprintf("uuid#%d", len(f.uuids)+1)
	f.uuids[s] = n
	return n
}

func (f *flattener) str(s string) string {
	if f.dir != "" {
		s = strings.ReplaceAll(s, f.dir, "<dir>")
	}
	s = diffUUIDRE.ReplaceAllStringFunc(s, func(u string) string { return f.uuid(u) })
	s = diffMACRE.ReplaceAllStringFunc(s, f.mac)
	s = diffTimeRE.ReplaceAllString(s, "<creationTime><time></creationTime>")
	if f.hostname != "" {
		s = regexp.MustCompile(`\b`+regexp.QuoteMeta(f.hostname)+`\b`).ReplaceAllString(s, "<host>")
	}
	return s
}

// result flattens a call's values and error.
func (f *flattener) result(vals []any, err error) []string {
	var out []string
	for i, v := range vals {
		f.walk(&out, fmt.Sprintf("ret%d", i), "", reflect.ValueOf(v))
	}
	if err != nil {
		var le *libvirt.Error
		if errors.As(err, &le) {
			out = append(out,
				fmt.Sprintf("err.code = %d (%#v)", le.Code, le.Code),
				fmt.Sprintf("err.domain = %d (%v)", le.Domain, le.Domain),
				"err.message = "+f.str(le.Message),
				fmt.Sprintf("err.level = %d", le.Level))
		} else {
			out = append(out, "err = "+err.Error())
		}
	}
	return out
}

func (f *flattener) walk(out *[]string, path, field string, v reflect.Value) {
	if timeFields[field] {
		*out = append(*out, path+" = <time>")
		return
	}
	if !v.IsValid() {
		*out = append(*out, path+" = nil")
		return
	}
	if v.Type() == reflect.TypeOf(libvirt.UUID{}) {
		var b [16]byte
		for i := range b {
			b[i] = byte(v.Index(i).Uint())
		}
		*out = append(*out, path+" = "+f.uuid(libvirt.UUID(b).String()))
		return
	}
	if v.Type() == reflect.TypeOf(libvirt.TypedParamValue{}) {
		tp := v.Interface().(libvirt.TypedParamValue)
		*out = append(*out, fmt.Sprintf("%s = %v:%s", path, tp.Type(), f.str(typedString(tp))))
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			*out = append(*out, path+" = nil")
			return
		}
		f.walk(out, path, field, v.Elem())
	case reflect.Struct:
		// Typed parameters name their time fields in Field.
		name := ""
		if fv := v.FieldByName("Field"); fv.IsValid() && fv.Kind() == reflect.String {
			name = fv.String()
		}
		for i := 0; i < v.NumField(); i++ {
			sf := v.Type().Field(i)
			if !sf.IsExported() {
				continue
			}
			fname := sf.Name
			if sf.Name == "Value" && timeFields[name] {
				fname = name
			}
			f.walk(out, path+"."+sf.Name, fname, v.Field(i))
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			*out = append(*out, path+" = []")
			return
		}
		if v.Type().Elem().Kind() == reflect.Uint8 || v.Type().Elem().Kind() == reflect.Int8 {
			b := make([]byte, v.Len())
			for i := range b {
				if v.Type().Elem().Kind() == reflect.Uint8 {
					b[i] = byte(v.Index(i).Uint())
				} else {
					b[i] = byte(v.Index(i).Int())
				}
			}
			*out = append(*out, fmt.Sprintf("%s = %q", path, f.str(string(b))))
			return
		}
		*out = append(*out, fmt.Sprintf("%s.len = %d", path, v.Len()))
		for i := 0; i < v.Len(); i++ {
			f.walk(out, fmt.Sprintf("%s[%d]", path, i), field, v.Index(i))
		}
	case reflect.String:
		*out = append(*out, path+" = "+f.str(v.String()))
	default:
		*out = append(*out, fmt.Sprintf("%s = %v", path, v.Interface()))
	}
}

// typedString renders a typed parameter's value.
func typedString(tp libvirt.TypedParamValue) string {
	if v, ok := tp.AsString(); ok {
		return v
	}
	if v, ok := tp.AsInt(); ok {
		return fmt.Sprint(v)
	}
	if v, ok := tp.AsUint(); ok {
		return fmt.Sprint(v)
	}
	if v, ok := tp.AsLlong(); ok {
		return fmt.Sprint(v)
	}
	if v, ok := tp.AsUllong(); ok {
		return fmt.Sprint(v)
	}
	if v, ok := tp.AsDouble(); ok {
		return fmt.Sprint(v)
	}
	if v, ok := tp.AsBoolean(); ok {
		return fmt.Sprint(v)
	}
	return "?"
}

// diffLines names the first lines where a and b differ, or "" when equal.
func diffLines(a, b []string) string {
	var sb strings.Builder
	n := max(len(a), len(b))
	shown := 0
	for i := 0; i < n && shown < 6; i++ {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			fmt.Fprintf(&sb, "\n    libvirtd: %s\n    fake:     %s", x, y)
			shown++
		}
	}
	return sb.String()
}

package libvirt

import (
	"fmt"
	"math"
	"strconv"
)

// TypedParams is a list of libvirt typed parameters (virTypedParameter), as
// getters such as DomainGetMemoryParameters and ConnectGetAllDomainStats
// return them and setters such as DomainSetSchedulerParametersFlags take
// them. Lookups go by field name; when a name occurs more than once (libvirt
// allows it for a few setters) the lookups return the last occurrence, the
// one libvirt's drivers act on.
//
// Build a list for a setter with the Add methods:
//
//	params := libvirt.TypedParams{}.AddUint64("cpu_shares", 2048).AddString("vcpupin", "0-1")
type TypedParams []TypedParam

// Get returns the value of the parameter named name.
func (ps TypedParams) Get(name string) (TypedParamValue, bool) {
	for i := len(ps) - 1; i >= 0; i-- {
		if ps[i].Field == name {
			return ps[i].Value, true
		}
	}
	return TypedParamValue{}, false
}

// Has reports whether a parameter named name is present.
func (ps TypedParams) Has(name string) bool {
	_, ok := ps.Get(name)
	return ok
}

// Uint64 returns the parameter named name as an unsigned integer. It is
// false when the parameter is missing or is not an integer that fits:
// signed arms convert when they are not negative.
func (ps TypedParams) Uint64(name string) (uint64, bool) {
	v, ok := ps.Get(name)
	if !ok {
		return 0, false
	}
	return v.Uint64()
}

// Int64 returns the parameter named name as a signed integer. It is false
// when the parameter is missing or is not an integer that fits.
func (ps TypedParams) Int64(name string) (int64, bool) {
	v, ok := ps.Get(name)
	if !ok {
		return 0, false
	}
	return v.Int64()
}

// Float64 returns the parameter named name as a float64, converting any
// numeric arm (integers, booleans as 0 or 1, doubles), which is what metric
// exporters want. It is false when the parameter is missing or a string.
func (ps TypedParams) Float64(name string) (float64, bool) {
	v, ok := ps.Get(name)
	if !ok {
		return 0, false
	}
	return v.Float64()
}

// String returns the parameter named name when it is a string parameter.
func (ps TypedParams) String(name string) (string, bool) {
	v, ok := ps.Get(name)
	if !ok {
		return "", false
	}
	return v.AsString()
}

// Bool returns the parameter named name when it is a boolean parameter.
func (ps TypedParams) Bool(name string) (bool, bool) {
	v, ok := ps.Get(name)
	if !ok {
		return false, false
	}
	return v.Bool()
}

// AddInt appends an int parameter (VIR_TYPED_PARAM_INT) and returns the list.
func (ps TypedParams) AddInt(name string, v int32) TypedParams {
	return append(ps, TypedParam{Field: name, Value: NewTypedParamValueInt(v)})
}

// AddUint appends a uint parameter (VIR_TYPED_PARAM_UINT).
func (ps TypedParams) AddUint(name string, v uint32) TypedParams {
	return append(ps, TypedParam{Field: name, Value: NewTypedParamValueUint(v)})
}

// AddInt64 appends a long long parameter (VIR_TYPED_PARAM_LLONG).
func (ps TypedParams) AddInt64(name string, v int64) TypedParams {
	return append(ps, TypedParam{Field: name, Value: NewTypedParamValueLlong(v)})
}

// AddUint64 appends an unsigned long long parameter (VIR_TYPED_PARAM_ULLONG).
func (ps TypedParams) AddUint64(name string, v uint64) TypedParams {
	return append(ps, TypedParam{Field: name, Value: NewTypedParamValueUllong(v)})
}

// AddFloat64 appends a double parameter (VIR_TYPED_PARAM_DOUBLE).
func (ps TypedParams) AddFloat64(name string, v float64) TypedParams {
	return append(ps, TypedParam{Field: name, Value: NewTypedParamValueDouble(v)})
}

// AddBool appends a boolean parameter (VIR_TYPED_PARAM_BOOLEAN).
func (ps TypedParams) AddBool(name string, v bool) TypedParams {
	var b int32
	if v {
		b = 1
	}
	return append(ps, TypedParam{Field: name, Value: NewTypedParamValueBoolean(b)})
}

// AddString appends a string parameter (VIR_TYPED_PARAM_STRING).
func (ps TypedParams) AddString(name string, v string) TypedParams {
	return append(ps, TypedParam{Field: name, Value: NewTypedParamValueString(v)})
}

// Map returns the parameters as a map from field name to Go value (int32,
// uint32, int64, uint64, float64, bool or string); a repeated name keeps its
// last value.
func (ps TypedParams) Map() map[string]any {
	m := make(map[string]any, len(ps))
	for _, p := range ps {
		m[p.Field] = p.Value.goValue()
	}
	return m
}

// Uint64 returns u as an unsigned integer when it holds an integer that is
// not negative.
func (u TypedParamValue) Uint64() (uint64, bool) {
	switch u.Type() {
	case TypedParamUint:
		v, _ := u.AsUint()
		return uint64(v), true
	case TypedParamUllong:
		return u.AsUllong()
	case TypedParamInt:
		v, _ := u.AsInt()
		return uint64(v), v >= 0
	case TypedParamLlong:
		v, _ := u.AsLlong()
		return uint64(v), v >= 0
	}
	return 0, false
}

// Int64 returns u as a signed integer when it holds an integer that fits.
func (u TypedParamValue) Int64() (int64, bool) {
	switch u.Type() {
	case TypedParamInt:
		v, _ := u.AsInt()
		return int64(v), true
	case TypedParamLlong:
		return u.AsLlong()
	case TypedParamUint:
		v, _ := u.AsUint()
		return int64(v), true
	case TypedParamUllong:
		v, _ := u.AsUllong()
		return int64(v), v <= math.MaxInt64
	}
	return 0, false
}

// Float64 returns any numeric value of u as a float64 (a boolean as 0 or 1);
// it is false for strings and for the zero TypedParamValue.
func (u TypedParamValue) Float64() (float64, bool) {
	switch u.Type() {
	case TypedParamDouble:
		return u.AsDouble()
	case TypedParamBoolean:
		v, _ := u.AsBoolean()
		if v != 0 {
			return 1, true
		}
		return 0, true
	case TypedParamUint, TypedParamUllong:
		v, _ := u.Uint64()
		return float64(v), true
	case TypedParamInt, TypedParamLlong:
		v, _ := u.Int64()
		return float64(v), true
	}
	return 0, false
}

// Bool returns u as a bool when it is a boolean parameter (any non-zero
// value is true, as in libvirt).
func (u TypedParamValue) Bool() (bool, bool) {
	v, ok := u.AsBoolean()
	return v != 0, ok
}

// goValue is u's value as the natural Go type of its arm.
func (u TypedParamValue) goValue() any {
	if u.Type() == TypedParamBoolean {
		b, _ := u.Bool()
		return b
	}
	return u.Value()
}

// String formats u's value: numbers in decimal, booleans as yes/no (as
// virsh prints them), strings quoted.
func (u TypedParamValue) String() string {
	switch u.Type() {
	case TypedParamBoolean:
		if b, _ := u.Bool(); b {
			return "yes"
		}
		return "no"
	case TypedParamString:
		s, _ := u.AsString()
		return strconv.Quote(s)
	case TypedParamDouble:
		f, _ := u.AsDouble()
		return strconv.FormatFloat(f, 'g', -1, 64)
	case TypedParamInt, TypedParamLlong:
		v, _ := u.Int64()
		return strconv.FormatInt(v, 10)
	case TypedParamUint, TypedParamUllong:
		v, _ := u.Uint64()
		return strconv.FormatUint(v, 10)
	}
	return fmt.Sprintf("<invalid typed parameter type %d>", int32(u.Type()))
}

package libvirt

import (
	"math"
	"testing"

	"github.com/virtwire/libvirt/internal/xdr"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTypedParamsLookups(t *testing.T) {
	ps := TypedParams{}.
		AddInt("int", -3).
		AddUint("uint", 7).
		AddInt64("llong", math.MinInt64).
		AddUint64("ullong", math.MaxUint64).
		AddFloat64("double", 2.5).
		AddBool("yes", true).
		AddBool("no", false).
		AddString("str", "a b").
		AddUint("dup", 1).
		AddUint("dup", 2)

	u, ok := ps.Uint64("uint")
	assert.True(t, ok)
	assert.Equal(t, uint64(7), u)
	u, ok = ps.Uint64("ullong")
	assert.True(t, ok)
	assert.Equal(t, uint64(math.MaxUint64), u)
	_, ok = ps.Uint64("int")
	assert.False(t, ok, "a negative int is not an unsigned value")
	_, ok = ps.Uint64("str")
	assert.False(t, ok, "a string is not a number")
	_, ok = ps.Uint64("missing")
	assert.False(t, ok)

	i, ok := ps.Int64("int")
	assert.True(t, ok)
	assert.Equal(t, int64(-3), i)
	i, ok = ps.Int64("llong")
	assert.True(t, ok)
	assert.Equal(t, int64(math.MinInt64), i)
	_, ok = ps.Int64("ullong")
	assert.False(t, ok, "MaxUint64 does not fit an int64")
	i, ok = ps.Int64("uint")
	assert.True(t, ok)
	assert.Equal(t, int64(7), i)

	for name, want := range map[string]float64{"int": -3, "uint": 7, "double": 2.5, "yes": 1, "no": 0, "ullong": math.MaxUint64} {
		f, ok := ps.Float64(name)
		assert.True(t, ok, name)
		assert.Equal(t, want, f, name)
	}
	_, ok = ps.Float64("str")
	assert.False(t, ok)

	b, ok := ps.Bool("yes")
	assert.True(t, ok)
	assert.True(t, b)
	b, ok = ps.Bool("no")
	assert.True(t, ok)
	assert.False(t, b)
	_, ok = ps.Bool("uint")
	assert.False(t, ok, "a uint is not a boolean parameter")

	s, ok := ps.String("str")
	assert.True(t, ok)
	assert.Equal(t, "a b", s)
	_, ok = ps.String("int")
	assert.False(t, ok)

	d, _ := ps.Uint64("dup")
	assert.Equal(t, uint64(2), d, "the last of a repeated name wins, as libvirt's drivers read it")
	assert.True(t, ps.Has("dup"))
	assert.False(t, ps.Has("nope"))

	m := ps.Map()
	assert.Equal(t, map[string]any{
		"int": int32(-3), "uint": uint32(7), "llong": int64(math.MinInt64),
		"ullong": uint64(math.MaxUint64), "double": 2.5, "yes": true, "no": false,
		"str": "a b", "dup": uint32(2),
	}, m)
}

func TestTypedParamValueString(t *testing.T) {
	for want, v := range map[string]TypedParamValue{
		"-3":                   NewTypedParamValueInt(-3),
		"7":                    NewTypedParamValueUint(7),
		"-9":                   NewTypedParamValueLlong(-9),
		"18446744073709551615": NewTypedParamValueUllong(math.MaxUint64),
		"0.25":                 NewTypedParamValueDouble(0.25),
		"yes":                  NewTypedParamValueBoolean(5),
		"no":                   NewTypedParamValueBoolean(0),
		`"x\n"`:                NewTypedParamValueString("x\n"),
	} {
		assert.Equal(t, want, v.String())
	}
	assert.Contains(t, TypedParamValue{}.String(), "invalid")
	_, ok := TypedParamValue{}.Float64()
	assert.False(t, ok, "the zero value holds no number")
}

// TestTypedParamsRoundTrip checks that what the builders make encodes as
// the matching union arms and decodes back to equal lookups.
func TestTypedParamsRoundTrip(t *testing.T) {
	in := DomainStatsRecord{Dom: Domain{Name: "d"}, Params: TypedParams{}.AddUint64("a", 1).AddString("b", "s").AddBool("c", true)}
	var e xdr.Encoder
	in.EncodeXDR(&e)
	var out DomainStatsRecord
	d := xdr.NewDecoder(e.Bytes())
	out.DecodeXDR(d)
	require.NoError(t, d.Err())
	types := []TypedParameterType{TypedParamUllong, TypedParamString, TypedParamBoolean}
	require.Len(t, out.Params, 3)
	for i, p := range out.Params {
		assert.Equal(t, types[i], p.Value.Type(), p.Field)
	}
	a, _ := out.Params.Uint64("a")
	b, _ := out.Params.String("b")
	c, _ := out.Params.Bool("c")
	assert.Equal(t, uint64(1), a)
	assert.Equal(t, "s", b)
	assert.True(t, c)
}

// TypedParamValue.Uint64 takes any integer arm that is not negative.
func TestTypedParamValueUint64(t *testing.T) {
	for _, c := range []struct {
		v    TypedParamValue
		want uint64
		ok   bool
	}{
		{NewTypedParamValueUint(7), 7, true},
		{NewTypedParamValueUllong(1 << 40), 1 << 40, true},
		{NewTypedParamValueInt(0), 0, true},
		{NewTypedParamValueInt(5), 5, true},
		{NewTypedParamValueInt(-1), 0, false},
		{NewTypedParamValueLlong(0), 0, true},
		{NewTypedParamValueLlong(-1), 0, false},
		{NewTypedParamValueLlong(1 << 40), 1 << 40, true},
		{NewTypedParamValueString("5"), 0, false},
		{NewTypedParamValueDouble(5), 0, false},
	} {
		got, ok := c.v.Uint64()
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("%v.Uint64() = %d, %v; want %d, %v", c.v, got, ok, c.want, c.ok)
		}
	}
}

// TypedParamValue.Int64 takes any integer arm whose value fits an int64,
// up to MaxInt64 itself.
func TestTypedParamValueInt64(t *testing.T) {
	for _, c := range []struct {
		v    TypedParamValue
		want int64
		ok   bool
	}{
		{NewTypedParamValueInt(-5), -5, true},
		{NewTypedParamValueLlong(math.MinInt64), math.MinInt64, true},
		{NewTypedParamValueUint(math.MaxUint32), math.MaxUint32, true},
		{NewTypedParamValueUllong(math.MaxInt64), math.MaxInt64, true},
		{NewTypedParamValueUllong(math.MaxInt64 + 1), 0, false},
		{NewTypedParamValueBoolean(1), 0, false},
		{NewTypedParamValueDouble(5), 0, false},
		{NewTypedParamValueString("5"), 0, false},
	} {
		got, ok := c.v.Int64()
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("%v.Int64() = %d, %v; want %d, %v", c.v, got, ok, c.want, c.ok)
		}
	}
}

package libvirt

import "testing"

// Versions encode as libvirt encodes them and compare field by field,
// an exact match counting as "at least".
func TestVersion(t *testing.T) {
	v := NewVersion(9, 8, 7)
	if uint64(v) != 9008007 || v.Major() != 9 || v.Minor() != 8 || v.Micro() != 7 || v.String() != "9.8.7" {
		t.Fatalf("NewVersion(9, 8, 7) = %d (%d.%d.%d, %q)", uint64(v), v.Major(), v.Minor(), v.Micro(), v.String())
	}
	for _, c := range []struct {
		major, minor, micro uint64
		want                bool
	}{
		{9, 8, 7, true},
		{9, 8, 6, true},
		{9, 8, 8, false},
		{9, 7, 999, true},
		{9, 9, 0, false},
		{8, 999, 999, true},
		{10, 0, 0, false},
	} {
		if got := v.AtLeast(c.major, c.minor, c.micro); got != c.want {
			t.Errorf("9.8.7 AtLeast(%d, %d, %d) = %v, want %v", c.major, c.minor, c.micro, got, c.want)
		}
	}
}

package libvirt

import "testing"

func TestUUIDRoundTrip(t *testing.T) {
	const s = "6695eb01-f6a4-8304-79aa-97f2502e193f"
	u, err := ParseUUID(s)
	if err != nil {
		t.Fatal(err)
	}
	if u.String() != s {
		t.Fatalf("String() = %s, want %s", u, s)
	}
	if v, err := ParseUUID("6695eb01f6a4830479aa97f2502e193f"); err != nil || v != u {
		t.Fatalf("undashed form: %v, %v", v, err)
	}
	for _, bad := range []string{"", "6695eb01", "zz95eb01-f6a4-8304-79aa-97f2502e193f"} {
		if _, err := ParseUUID(bad); err == nil {
			t.Errorf("ParseUUID(%q) succeeded", bad)
		}
	}
}

package socket

import (
	"errors"
	"strings"
	"testing"
)

// TestURIPasswordNeverShown parses URIs carrying the password S3cret,
// valid and malformed, and checks that every error leaves it out.
func TestURIPasswordNeverShown(t *testing.T) {
	for _, c := range []struct {
		uri        string
		isPassword bool // ErrURIPassword, rather than a syntax error
	}{
		{"test+ssh://root:S3cret@host/default", true},
		{"qemu+ssh://root:S3cret@host:2222/system?keyfile=/k", true},
		{"qemu+tls://:S3cret@host/system", true},
		{"qemu+ssh://root:S3cret@ho st/system", false},
		{"qemu+ssh://root:S3cret%zz@host/system", false},
		{"qemu+ssh://root:%zzS3cret@host/system", false},
		{"qemu+ssh://root:S3/cret@host/system", false},
		{"qemu+ssh://root:S3cret@host/system?x=%zz", true},
		{"qemu+ssh://root:S3cret@host/system?x=%00", true},
		{"qemu+bogus://root:S3cret@host/system", true},
		{"qemu+ssh://root:S3c@ret@host/system", true},
		// No scheme at all: the "://" at the very start still begins
		// the authority.
		{"://root:S3cret@host/system", false},
	} {
		_, err := Parse(c.uri)
		if err == nil {
			t.Errorf("%s: accepted", c.uri)
			continue
		}
		msg := err.Error()
		for _, leak := range []string{"S3cret", "cret", "S3c@ret", ":S3"} {
			if strings.Contains(msg, leak) {
				t.Errorf("%s: error shows %q: %s", c.uri, leak, msg)
			}
		}
		if c.isPassword && !errors.Is(err, ErrURIPassword) && !strings.Contains(msg, redactedPassword) {
			t.Errorf("%s: error neither ErrURIPassword nor redacted: %s", c.uri, msg)
		}
		t.Logf("%s\n  -> %s", c.uri, msg)
	}
	// A user without a password is fine.
	u, err := Parse("qemu+ssh://root@host/system")
	if err != nil || u.User != "root" {
		t.Fatalf("user only: %+v %v", u, err)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"qemu+ssh://root:pw@host/system":          "qemu+ssh://root:xxxxx@host/system",
		"qemu+ssh://root:p@w@host/system?a=b@c":   "qemu+ssh://root:xxxxx@host/system?a=b@c",
		"qemu+ssh://root@host/system":             "qemu+ssh://root@host/system",
		"qemu:///system?socket=/a:b@c":            "qemu:///system?socket=/a:b@c",
		"test:///a:b@c":                           "test:///a:b@c",
		"qemu+ssh://root:p/w@host/system":         "qemu+ssh://root:xxxxx@host/system",
		"qemu+ssh://root:@host/system":            "qemu+ssh://root:xxxxx@host/system",
		"not a uri":                               "not a uri",
		"qemu+ssh://[::1]:22/system?x=u:p@h":      "qemu+ssh://[::1]:22/system?x=u:p@h",
		"qemu+tcp://user:pw@[::1]:16509/system":   "qemu+tcp://user:xxxxx@[::1]:16509/system",
		"qemu+tcp://user:pw%40x@[::1]:1/system#f": "qemu+tcp://user:xxxxx@[::1]:1/system#f",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

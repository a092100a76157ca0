package sasl

import (
	"errors"
	"strings"
	"testing"
)

// TestScramPrepErrorHidesInput: a name or password SASLprep refuses is
// neither in the error text nor reachable through errors.Unwrap.
func TestScramPrepErrorHidesInput(t *testing.T) {
	for _, c := range []Credentials{{Username: "bad\u0007user", Password: "pw"}, {Username: "u", Password: "S3cret\u0000\u2028"}} {
		_, err := newScram(ScramSHA256, c)
		if err == nil {
			t.Fatalf("%q accepted", c.Username)
		}
		for e := err; e != nil; e = errors.Unwrap(e) {
			if strings.Contains(e.Error(), "bad") || strings.Contains(e.Error(), "S3cret") {
				t.Fatalf("error chain shows the input: %v", e)
			}
		}
	}
}

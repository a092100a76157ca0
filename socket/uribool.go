package socket

import (
	"fmt"
	"strconv"
	"strings"
)

// BoolParams are the flag parameters of libvirt's remote driver.
var BoolParams = []string{"no_verify", "no_tty", "no_sanity"}

// BoolParam reads one of libvirt's integer flag parameters (no_verify=,
// no_tty=, no_sanity=) the way libvirt does, with virStrToLong_i: absent
// is false; a base-10 integer that fits an int, optionally preceded by C
// white space and a sign ("1", "-1", "+1", " 1", "007"), is true unless it
// is zero; anything else, including "", "yes", "true", "0x1" and "1 ", is
// an error (libvirt refuses to connect). So no_verify=0 keeps
// verification on.
func (u *URI) BoolParam(name string) (bool, error) {
	v, ok := u.Param(name)
	if !ok {
		return false, nil
	}
	n, err := strconv.ParseInt(strings.TrimLeft(v, " \t\n\v\f\r"), 10, 32)
	if err != nil {
		return false, fmt.Errorf("libvirt: URI %s: parameter %s=%q is not an integer (libvirt takes 0 for off, any other integer for on)", u, name, v)
	}
	return n != 0, nil
}

package socket

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// parseQuery splits and decodes a URI's raw query the way libvirt's
// virURIParseParams does (checked against libvirt 9.0's virsh):
//
//   - a parameter ends at the next "&" or, only when none is left, at the
//     next ";" ("a=1;b=2" is two parameters, "a=1;b=2&c=3" gives a the
//     value "1;b=2");
//   - "name" without "=" has the value ""; "=value" is ignored;
//   - %XX is decoded and "+" stays "+" (not a space, as in HTML forms);
//   - a "%" not followed by two hex digits makes the URI invalid (libxml2
//     refuses to parse it), and so does %00, which libvirt would silently
//     cut the value at.
func parseQuery(raw string) ([]Param, error) {
	var out []Param
	for q := raw; q != ""; {
		end := strings.IndexByte(q, '&')
		if end < 0 {
			end = strings.IndexByte(q, ';')
		}
		if end < 0 {
			end = len(q)
		}
		kv := q[:end]
		if end < len(q) {
			q = q[end+1:]
		} else {
			q = ""
		}
		if kv == "" || kv[0] == '=' {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		name, err := unescapeValue(k)
		if err != nil {
			return nil, fmt.Errorf("bad query parameter name: %w", err)
		}
		value, err := unescapeValue(v)
		if err != nil {
			return nil, fmt.Errorf("bad value for query parameter %s: %w", name, err)
		}
		out = append(out, Param{name, value})
	}
	return out, nil
}

var errNUL = errors.New("%00 (a NUL byte) is not allowed")

// unescapeValue decodes %XX sequences and nothing else.
func unescapeValue(s string) (string, error) {
	v, err := url.PathUnescape(s)
	if err != nil {
		return "", err
	}
	if strings.IndexByte(v, 0) >= 0 {
		return "", errNUL
	}
	return v, nil
}

// uriEscape percent-encodes every byte of s except ASCII letters, digits
// and "-._~", so that libvirt's parser (and ours) decodes exactly s; a
// space becomes %20, never "+", which libvirt would keep as a "+".
func uriEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

package socket

import (
	"errors"
	"net/url"
	"strings"
)

// redactedPassword replaces a URI's password in everything printed.
const redactedPassword = "xxxxx"

// Redact returns s with the password of its user information, if any,
// replaced by "xxxxx". It works on strings url.Parse rejects too, so that
// even the error for a malformed URI never shows the password.
func Redact(s string) string {
	_, parseErr := url.Parse(s)
	pw, start, ok := uriPassword(s, parseErr != nil)
	if !ok {
		return s
	}
	return s[:start] + redactedPassword + s[start+len(pw):]
}

// uriPassword finds the password in s's user information
// ("scheme://user:pw@host") and its offset. The authority ends at the
// first "/", "?" or "#"; for a string url.Parse rejected (loose), only at
// "?" or "#", since the malformed part may be a "/" in the password.
func uriPassword(s string, loose bool) (pw string, start int, ok bool) {
	i := strings.Index(s, "://")
	if i < 0 {
		return "", 0, false
	}
	auth := s[i+3:]
	ends := "/?#"
	if loose {
		ends = "?#"
	}
	if j := strings.IndexAny(auth, ends); j >= 0 {
		auth = auth[:j]
	}
	at := strings.LastIndexByte(auth, '@')
	if at < 0 {
		return "", 0, false
	}
	colon := strings.IndexByte(auth[:at], ':')
	if colon < 0 {
		return "", 0, false
	}
	return auth[colon+1 : at], i + 3 + colon + 1, true
}

// redactErr strips what url.Parse's error adds about s: the *url.Error
// wrapper quotes the whole URI, and the detail may quote part of the
// password (an escape error quotes three bytes of it, a port error the
// text after a colon), so when s may hold a password the detail is
// replaced.
func redactErr(s string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if _, _, ok := uriPassword(s, true); ok {
		return errors.New("malformed host or user information (details withheld: the URI may contain a password)")
	}
	return err
}

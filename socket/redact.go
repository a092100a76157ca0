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
	pw, start, ok := uriPassword(s)
	if !ok {
		return s
	}
	return s[:start] + redactedPassword + s[start+len(pw):]
}

// uriPassword finds the password in s's authority ("scheme://user:pw@host")
// and its offset.
func uriPassword(s string) (pw string, start int, ok bool) {
	i := strings.Index(s, "://")
	if i < 0 {
		return "", 0, false
	}
	auth := s[i+3:]
	if j := strings.IndexAny(auth, "/?#"); j >= 0 {
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
// wrapper quotes the whole URI, and an escape error may quote part of the
// password.
func redactErr(s string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	pw, _, ok := uriPassword(s)
	if !ok || pw == "" || !strings.Contains(err.Error(), pw) && !containsPart(err.Error(), pw) {
		return err
	}
	return errors.New("malformed user information")
}

// containsPart reports whether msg quotes a %-escape taken from pw
// (url.EscapeError quotes at most three bytes of the input).
func containsPart(msg, pw string) bool {
	for i := strings.IndexByte(pw, '%'); i >= 0; i = strings.IndexByte(pw, '%') {
		part := pw[i:min(i+3, len(pw))]
		if strings.Contains(msg, `"`+part+`"`) {
			return true
		}
		pw = pw[i+1:]
	}
	return false
}

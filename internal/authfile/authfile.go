// Package authfile reads libvirt's client credentials file, auth.conf.
//
// The file is an ini-style key file with two kinds of groups:
//
//	[credentials-NAME]        a credential set: username=, authname=,
//	                          password=, realm= ...
//	[auth-SERVICE-HOST]       credentials=NAME: which set to use for a
//	                          service ("libvirt", "ssh", ...) on a host
//
// as documented at https://libvirt.org/auth.html#client-configuration.
package authfile

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// File is a parsed auth.conf.
type File struct {
	// Path is where the file was read from ("" when parsed from memory).
	Path   string
	groups map[string]map[string]string
}

// Parse reads auth.conf content. Blank lines and lines starting with '#'
// or ';' are ignored; keys before the first group are an error, as is a
// line that is neither a group header nor key=value. Values undergo the
// key-file escapes \s \n \t \r \\.
func Parse(data []byte) (*File, error) {
	f := &File{groups: map[string]map[string]string{}}
	var cur map[string]string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
			continue
		case line[0] == '[':
			if !strings.HasSuffix(line, "]") || len(line) < 3 {
				return nil, fmt.Errorf("auth.conf line %d: malformed group header", n)
			}
			name := line[1 : len(line)-1]
			if cur = f.groups[name]; cur == nil {
				cur = map[string]string{}
				f.groups[name] = cur
			}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return nil, fmt.Errorf("auth.conf line %d: expected key=value or [group]", n)
			}
			if cur == nil {
				return nil, fmt.Errorf("auth.conf line %d: key outside any group", n)
			}
			k = strings.TrimSpace(k)
			if k == "" {
				return nil, fmt.Errorf("auth.conf line %d: empty key", n)
			}
			val, err := unescape(strings.TrimSpace(v))
			if err != nil {
				// The value may be a secret: say where, not what.
				return nil, fmt.Errorf("auth.conf line %d: key %q: %w", n, k, err)
			}
			cur[k] = val
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("auth.conf: %w", err)
	}
	return f, nil
}

func unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		i++
		if i == len(s) {
			return "", fmt.Errorf("value ends with a lone backslash")
		}
		switch s[i] {
		case 's':
			b.WriteByte(' ')
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '\\':
			b.WriteByte('\\')
		default:
			return "", fmt.Errorf("unknown escape \\%c", s[i])
		}
	}
	return b.String(), nil
}

// Load reads and parses the file at path.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.Path = path
	return f, nil
}

// Lookup returns the value of credential key (e.g. "authname",
// "password") for service on host: the set named by the credentials= key
// of group [auth-SERVICE-HOST], or of [auth-SERVICE-default] when the
// host has no group of its own. An empty host means "localhost". ok is
// false when no group or key applies; a group naming a missing set is an
// error.
func (f *File) Lookup(service, host, key string) (value string, ok bool, err error) {
	if f == nil {
		return "", false, nil
	}
	if host == "" {
		host = "localhost"
	}
	auth, found := f.groups["auth-"+service+"-"+host]
	if !found {
		if auth, found = f.groups["auth-"+service+"-default"]; !found {
			return "", false, nil
		}
	}
	set, found := auth["credentials"]
	if !found {
		return "", false, nil
	}
	creds, found := f.groups["credentials-"+set]
	if !found {
		return "", false, fmt.Errorf("auth.conf %s: credential set %q is referenced but not defined", f.Path, set)
	}
	value, ok = creds[key]
	return value, ok, nil
}

// Locate returns the credentials file libvirt would use: $LIBVIRT_AUTH_FILE,
// then uriParam (the URI's authfile= parameter), then
// $XDG_CONFIG_HOME/libvirt/auth.conf (XDG_CONFIG_HOME defaulting to
// ~/.config), then /etc/libvirt/auth.conf. The first two are returned even
// when missing, so that a wrong explicit path surfaces as an error; the
// others only when they exist. "" means no file.
func Locate(uriParam string) string {
	return locate(uriParam, os.Getenv, os.UserHomeDir, func(p string) bool {
		_, err := os.Stat(p)
		return err == nil
	})
}

func locate(uriParam string, getenv func(string) string, home func() (string, error), exists func(string) bool) string {
	if p := getenv("LIBVIRT_AUTH_FILE"); p != "" {
		return p
	}
	if uriParam != "" {
		return uriParam
	}
	cfg := getenv("XDG_CONFIG_HOME")
	if cfg == "" {
		if h, err := home(); err == nil && h != "" {
			cfg = filepath.Join(h, ".config")
		}
	}
	if cfg != "" {
		if p := filepath.Join(cfg, "libvirt", "auth.conf"); exists(p) {
			return p
		}
	}
	if p := "/etc/libvirt/auth.conf"; exists(p) {
		return p
	}
	return ""
}

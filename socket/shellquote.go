package socket

import (
	"fmt"
	"strings"
)

// shellQuote is the one function that quotes values for a remote shell:
// it returns s as a single POSIX shell word. Words made only of
// characters no shell interprets are returned as they are (so the
// commands for ordinary paths are byte for byte libvirt's); anything
// else is put in single quotes, each ' written as '\”. Inside single
// quotes a POSIX shell interprets nothing: not ;, $(), backticks,
// newlines, spaces or non-ASCII bytes.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool { return !shellSafe(r) }) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellSafe reports whether r means nothing to a shell in any position
// of a word (an allow list: what is not listed is quoted).
func shellSafe(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return true
	}
	return strings.ContainsRune("@%+=:,./_-", r)
}

// remoteArg returns s as it must appear inside the single-quoted script
// of the `sh -c '...'` command the ssh transport runs, so that the inner
// sh sees exactly one word s: the outer quotes are closed, s is quoted
// twice (the login shell sshd starts removes one level, the inner sh the
// other) and the quotes are reopened. libvirt writes netcat= and the
// virt-ssh-helper URI this way.
func remoteArg(s string) string {
	return "'" + shellQuote(shellQuote(s)) + "'"
}

// remoteSocketArg is remoteArg for the socket path, except that a path
// neither shell would change is written bare, as libvirt writes it, so
// that the commands for ordinary socket paths stay libvirt's exactly.
//
// This deliberately differs from libvirt (9.0 to at least 11.3), which
// writes every socket= value bare: there a URI such as
// ?socket=/x%3Btouch%20/tmp/pwned runs "touch /tmp/pwned" on the remote
// host. Here such a value reaches netcat as one argument.
func remoteSocketArg(s string) string {
	if shellQuote(s) == s {
		return s
	}
	return remoteArg(s)
}

// checkRemoteValue rejects what no quoting can carry to a remote command:
// a NUL byte ends the string sshd hands to the shell, and a leading "-"
// would be read by netcat or virt-ssh-helper as an option.
func checkRemoteValue(u *URI, param, v string) error {
	if strings.IndexByte(v, 0) >= 0 {
		return fmt.Errorf("libvirt: URI %s: %s= contains a NUL byte", u, param)
	}
	if strings.HasPrefix(v, "-") {
		return fmt.Errorf("libvirt: URI %s: %s=%q starts with '-' and would be taken as an option by the remote command", u, param, v)
	}
	return nil
}

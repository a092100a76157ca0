package socket

import (
	"fmt"
)

// Remote ends of the ssh transport (libvirt's proxy= values).
const (
	ProxyAuto   = "auto"   // virt-ssh-helper when installed, else netcat
	ProxyNetcat = "netcat" // netcat to the daemon's unix socket
	ProxyNative = "native" // virt-ssh-helper
)

// remoteRunDir is where libvirt's client expects a remote daemon's
// sockets (libvirt spells it with /var/run).
const remoteRunDir = "/var/run/libvirt"

// SSHRemoteCommand returns the command libvirt's ssh transport runs on the
// remote host for u, built the same way:
//
//   - proxy= picks the remote end; without it, a socket= parameter means
//     netcat, a /session URI virt-ssh-helper, anything else "auto" (try
//     virt-ssh-helper, fall back to netcat);
//   - a netcat= parameter turns "auto" into netcat and is an error with
//     "native";
//   - netcat connects to socket=, else to the remote daemon's socket
//     chosen by mode= (legacy libvirt-sock by default, the driver's
//     modular daemon socket with mode=direct, "-ro" variants when
//     readOnly);
//   - virt-ssh-helper gets the URI the daemon should open, keeping mode=
//     and socket=, and -r when readOnly.
//
// Every value from the URI (netcat=, socket=, the virt-ssh-helper URI)
// is quoted by shellQuote, twice, because both the SSH server's shell and
// the "sh -c" libvirt wraps the command in parse them. Unlike libvirt,
// which writes socket= unquoted, no value can add commands (see
// remoteSocketArg); values with a NUL byte, and socket= or helper URIs
// starting with "-", are refused.
func SSHRemoteCommand(u *URI, readOnly bool) (string, error) {
	proxy, hasProxy := u.Param("proxy")
	sock, hasSock := u.Param("socket")
	netcat, hasNetcat := u.Param("netcat")
	if !hasProxy {
		switch {
		case hasSock:
			proxy = ProxyNetcat
		case u.Path == "/session":
			proxy = ProxyNative
		default:
			proxy = ProxyAuto
		}
	}
	switch proxy {
	case ProxyAuto, ProxyNetcat, ProxyNative:
	default:
		return "", fmt.Errorf("libvirt: URI %s: unknown proxy %q (want auto, netcat or native)", u, proxy)
	}
	if proxy == ProxyAuto && hasNetcat {
		proxy = ProxyNetcat
	}
	if proxy == ProxyNative && hasNetcat {
		return "", fmt.Errorf("libvirt: URI %s: netcat= cannot be used with proxy=native", u)
	}
	if !hasSock && proxy != ProxyNative {
		var err error
		if sock, err = remoteSocket(u, readOnly); err != nil {
			return "", err
		}
	}
	if !hasNetcat {
		netcat = "nc"
	}
	name := u.helperName()
	for _, v := range []struct{ param, value string }{{"socket", sock}, {"netcat", netcat}, {"name", name}} {
		if err := checkRemoteValue(u, v.param, v.value); err != nil {
			return "", err
		}
	}
	nc := remoteArg(netcat)
	nccmd := fmt.Sprintf(`if %s -q 2>&1 | grep "requires an argument" >/dev/null 2>&1; then ARG=-q0;else ARG=;fi;%s $ARG -U %s`, nc, nc, remoteSocketArg(sock))
	ro := " "
	if readOnly {
		ro = " -r "
	}
	helper := fmt.Sprintf("virt-ssh-helper%s%s", ro, remoteArg(name))
	switch proxy {
	case ProxyNetcat:
		return fmt.Sprintf("sh -c '%s'", nccmd), nil
	case ProxyNative:
		return fmt.Sprintf("sh -c '%s'", helper), nil
	}
	return fmt.Sprintf("sh -c 'which virt-ssh-helper 1>/dev/null 2>&1; if test $? = 0; then     %s; else    %s; fi'", helper, nccmd), nil
}

// remoteSocket is the daemon socket netcat connects to when the URI has
// no socket=: remote hosts cannot be probed, so mode=auto means legacy.
func remoteSocket(u *URI, readOnly bool) (string, error) {
	mode, _ := u.Param("mode")
	suffix := "-sock"
	if readOnly {
		suffix = "-sock-ro"
	}
	switch mode {
	case "", "auto", "legacy":
		if u.Path == "/session" {
			return "", fmt.Errorf("libvirt: URI %s: the remote session socket path is unknown; give socket= or use virt-ssh-helper (proxy=native)", u)
		}
		return remoteRunDir + "/libvirt" + suffix, nil
	case "direct":
		d, ok := daemons[u.Driver]
		if !ok {
			return "", fmt.Errorf("libvirt: URI %s: mode=direct: no modular daemon is known for driver %q", u, u.Driver)
		}
		if u.Path == "/session" {
			return "", fmt.Errorf("libvirt: URI %s: the remote session socket path is unknown; give socket=", u)
		}
		return remoteRunDir + "/" + d + suffix, nil
	}
	return "", fmt.Errorf("libvirt: URI %s: unknown mode %q (want auto, direct or legacy)", u, mode)
}

package socket

import (
	"fmt"
	"os"
	"path/filepath"
)

// daemons maps a driver to its modular daemon (libvirt 5.6 and later run
// one daemon per driver, each with its own socket).
var daemons = map[string]string{
	"qemu": "virtqemud", "kvm": "virtqemud", "lxc": "virtlxcd",
	"xen": "virtxend", "libxl": "virtxend", "vbox": "virtvboxd",
	"ch": "virtchd", "bhyve": "virtbhyved", "vz": "virtvzd",
	"network": "virtnetworkd", "storage": "virtstoraged",
	"nodedev": "virtnodedevd", "secret": "virtsecretd",
	"nwfilter": "virtnwfilterd", "interface": "virtinterfaced",
}

// SocketPath returns the unix socket a local URI connects to, as libvirt
// chooses it: the socket= parameter first; otherwise the driver's modular
// daemon socket when it exists (unless mode=legacy), else the monolithic
// libvirtd socket (unless mode=direct). "/session" URIs look in
// $XDG_RUNTIME_DIR/libvirt, others in /run/libvirt; read-only connections
// use the "-ro" socket.
func (u *URI) SocketPath(readOnly bool) (string, error) {
	if s, ok := u.Param("socket"); ok {
		if s == "" {
			return "", fmt.Errorf("libvirt: URI %s: empty socket parameter", u)
		}
		return s, nil
	}
	dir := "/run/libvirt"
	session := u.Path == "/session"
	if session {
		rt := os.Getenv("XDG_RUNTIME_DIR")
		if rt == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", fmt.Errorf("libvirt: no XDG_RUNTIME_DIR or home directory for %s: %w", u, err)
			}
			rt = filepath.Join(home, ".cache")
		}
		dir = filepath.Join(rt, "libvirt")
	}
	suffix := "-sock"
	if readOnly && !session {
		suffix = "-sock-ro"
	}
	mode, _ := u.Param("mode")
	switch mode {
	case "", "auto", "direct", "legacy":
	default:
		return "", fmt.Errorf("libvirt: URI %s: unknown mode %q (want auto, direct or legacy)", u, mode)
	}
	legacy := filepath.Join(dir, "libvirt"+suffix)
	daemon, ok := daemons[u.Driver]
	if !ok || mode == "legacy" {
		return legacy, nil
	}
	direct := filepath.Join(dir, daemon+suffix)
	if mode == "direct" {
		return direct, nil
	}
	if _, err := os.Stat(direct); err == nil {
		return direct, nil
	}
	return legacy, nil
}

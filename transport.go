package libvirt

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"

	"github.com/virtwire/libvirt/socket"
)

// dialTransport opens the byte stream for u's transport and records on
// cfg what authentication needs to know about it.
func dialTransport(ctx context.Context, u *socket.URI, cfg *config) (net.Conn, error) {
	switch t := u.EffectiveTransport(); t {
	case socket.TransportUnix:
		addr, err := u.SocketPath(cfg.readOnly)
		if err != nil {
			return nil, err
		}
		return cfg.dial(ctx, "unix", addr)
	case socket.TransportTCP:
		cfg.insecureLayer = true
		return cfg.dial(ctx, "tcp", u.Address())
	case socket.TransportTLS:
		return dialTLS(ctx, u, cfg)
	case socket.TransportSSH, socket.TransportLibSSH, socket.TransportLibSSH2:
		return socket.DialSSH(ctx, u, cfg.readOnly, cfg.sshOptions(u))
	case socket.TransportExt:
		return socket.DialExt(ctx, u)
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedTransport, t)
	}
}

func dialTLS(ctx context.Context, u *socket.URI, cfg *config) (net.Conn, error) {
	var tc *tls.Config
	if cfg.tlsConfig != nil {
		tc = cfg.tlsConfig.Clone()
		if tc.MinVersion < tls.VersionTLS12 {
			tc.MinVersion = tls.VersionTLS12
		}
		if tc.ServerName == "" {
			tc.ServerName = u.Host
			if tc.ServerName == "" {
				tc.ServerName = "localhost"
			}
		}
	} else {
		var err error
		if tc, err = socket.TLSConfig(u); err != nil {
			return nil, err
		}
	}
	raw, err := cfg.dial(ctx, "tcp", u.Address())
	if err != nil {
		return nil, err
	}
	return socket.Handshake(ctx, raw, tc)
}

// sshOptions completes the caller's SSH options: the dialer, and password
// and keyboard-interactive answers from auth.conf and the credential
// callback.
func (c *config) sshOptions(u *socket.URI) socket.SSHOptions {
	o := c.ssh
	if o.Dial == nil {
		o.Dial = c.dial
	}
	src := c.credentialSource(u)
	host := u.Host
	if host == "" {
		host = "localhost"
	}
	if o.Password == nil && (src.callback != nil || src.file != nil) {
		o.Password = func(ctx context.Context, user string) (string, error) {
			cr, err := src.get(ctx, &CredentialRequest{Service: "ssh", Server: host, Mechanism: "password", Username: user, Types: []ConnectCredentialType{CredPassphrase}})
			return cr.Password, err
		}
	}
	if o.KeyboardInteractive == nil && src.callback != nil {
		o.KeyboardInteractive = func(ctx context.Context, user, instruction string, questions []string, echos []bool) ([]string, error) {
			req := &CredentialRequest{Service: "ssh", Server: host, Mechanism: "keyboard-interactive", Username: user, Instruction: instruction}
			for i, q := range questions {
				req.Prompts = append(req.Prompts, Prompt{Text: q, Echo: echos[i]})
				if echos[i] {
					req.Types = append(req.Types, CredEchoprompt)
				} else {
					req.Types = append(req.Types, CredNoechoprompt)
				}
			}
			cr, err := src.get(ctx, req)
			if err != nil {
				return nil, err
			}
			if len(cr.Answers) != len(questions) {
				return nil, fmt.Errorf("libvirt: credential callback gave %d answers to %d keyboard-interactive prompts", len(cr.Answers), len(questions))
			}
			return cr.Answers, nil
		}
	}
	return o
}

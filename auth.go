package libvirt

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/virtwire/libvirt/internal/authfile"
)

// authConfKey is the key auth.conf uses for a credential type.
func authConfKey(t ConnectCredentialType) string {
	switch t {
	case CredUsername:
		return "username"
	case CredAuthname:
		return "authname"
	case CredPassphrase:
		return "password"
	case CredRealm:
		return "realm"
	}
	return ""
}

// Prompt is one question a server asks during SSH keyboard-interactive
// authentication.
type Prompt struct {
	Text string
	Echo bool // the answer may be displayed while typed
}

// CredentialRequest tells a CredentialFunc what is being authenticated.
type CredentialRequest struct {
	// Service is "libvirt" for SASL and "ssh" for SSH logins.
	Service string
	// Server is the host name from the URI ("localhost" for local
	// sockets).
	Server string
	// Mechanism is the method in use: a SASL mechanism such as
	// "SCRAM-SHA-256" or "DIGEST-MD5", or "password" and
	// "keyboard-interactive" for SSH.
	Mechanism string
	// Types lists what is needed, e.g. CredAuthname and CredPassphrase
	// (libvirt's VIR_CRED_* values).
	Types []ConnectCredentialType
	// Username is the name already known (from the URI or auth.conf),
	// if any; the callback may keep it.
	Username string
	// Instruction and Prompts carry an SSH keyboard-interactive
	// challenge; the answers go in Credentials.Answers, in order.
	Instruction string
	Prompts     []Prompt
}

// Needs reports whether t is among the requested types.
func (r *CredentialRequest) Needs(t ConnectCredentialType) bool { return slices.Contains(r.Types, t) }

// Credentials are the answers of a CredentialFunc. Formatting them with
// fmt never shows the password or the answers.
type Credentials struct {
	Username string
	Password string
	Answers  []string
}

// String describes c without its secrets.
func (c Credentials) String() string {
	return fmt.Sprintf("{Username:%q Password:<redacted> Answers:<%d redacted>}", c.Username, len(c.Answers))
}

// GoString describes c without its secrets, for %#v.
func (c Credentials) GoString() string { return "libvirt.Credentials" + c.String() }

// CredentialFunc supplies credentials when the daemon or the SSH server
// asks for them, like the callback of libvirt's virConnectAuth. It is
// called only for what auth.conf did not provide. Returning an error
// aborts the connection attempt with that error.
type CredentialFunc func(ctx context.Context, req *CredentialRequest) (Credentials, error)

// ErrNoCredentials is returned when authentication needs a user name or
// password and neither auth.conf nor a CredentialFunc supplied it.
var ErrNoCredentials = errors.New("libvirt: authentication needs credentials but none were supplied (use WithCredentials or auth.conf)")

// WithCredentials sets the callback asked for user names, passwords and
// keyboard-interactive answers.
func WithCredentials(f CredentialFunc) Option { return func(c *config) { c.credentials = f } }

// WithAuthFile reads credentials from the given auth.conf instead of
// libvirt's search ($LIBVIRT_AUTH_FILE, the URI's authfile=,
// $XDG_CONFIG_HOME/libvirt/auth.conf, /etc/libvirt/auth.conf). An empty
// path turns auth.conf off.
func WithAuthFile(path string) Option {
	return func(c *config) { c.authFile, c.authFileSet = path, true }
}

// WithSASLMechanisms sets the SASL mechanisms the client may use, in order
// of preference (default: SCRAM-SHA-256, SCRAM-SHA-1, DIGEST-MD5, PLAIN;
// PLAIN only over TLS, unix or SSH). The URI parameter auth=sasl.MECH
// narrows the choice to one mechanism, as in libvirt.
func WithSASLMechanisms(mechs ...string) Option {
	return func(c *config) { c.saslMechs = append([]string(nil), mechs...) }
}

// credentialSource answers credential requests from auth.conf first and
// then from the caller's callback, never logging what it returns.
type credentialSource struct {
	file     *authfile.File
	err      error // reading auth.conf failed
	callback CredentialFunc
}

// get fills the requested types. Username is returned for CredUsername or
// CredAuthname.
func (s *credentialSource) get(ctx context.Context, req *CredentialRequest) (Credentials, error) {
	if s.err != nil {
		return Credentials{}, s.err
	}
	var out Credentials
	out.Username = req.Username
	missing := false
	for _, t := range req.Types {
		var v string
		var ok bool
		if key := authConfKey(t); key != "" {
			var err error
			if v, ok, err = s.file.Lookup(req.Service, req.Server, key); err != nil {
				return Credentials{}, err
			}
		}
		switch {
		case ok && (t == CredUsername || t == CredAuthname):
			out.Username = v
		case ok && t == CredPassphrase:
			out.Password = v
		case t == CredUsername || t == CredAuthname:
			missing = missing || out.Username == ""
		case t == CredPassphrase:
			missing = true
		default:
			missing = true
		}
	}
	if len(req.Prompts) > 0 {
		missing = true
	}
	if !missing {
		return out, nil
	}
	if s.callback == nil {
		return Credentials{}, ErrNoCredentials
	}
	r := *req
	r.Username = out.Username
	got, err := s.callback(ctx, &r)
	if err != nil {
		return Credentials{}, fmt.Errorf("libvirt: credential callback: %w", err)
	}
	if got.Username == "" {
		got.Username = out.Username
	}
	if got.Password == "" {
		got.Password = out.Password
	}
	return got, nil
}

package libvirt

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/virtwire/libvirt/internal/authfile"
	"github.com/virtwire/libvirt/internal/sasl"
	"github.com/virtwire/libvirt/socket"
)

// saslService is the SASL service name libvirt's daemon registers.
const saslService = "libvirt"

// minInsecureSSF is the security strength libvirt's daemon demands from
// SASL when the transport itself does not protect the traffic.
const minInsecureSSF = 56

// ErrAuthentication wraps every failed SASL authentication.
var ErrAuthentication = errors.New("libvirt: SASL authentication failed")

// authSession is what the SASL exchange needs to know about the
// connection being opened.
type authSession struct {
	host   string      // the URI's host, "localhost" without one
	uri    *socket.URI // nil for NewClient
	layer  *sasl.Conn  // set when a security layer can be installed
	cfg    *config
	source *credentialSource
}

// credentialSource builds the credential lookup for u: auth.conf (as
// chosen by WithAuthFile or libvirt's search) and the callback.
func (c *config) credentialSource(u *socket.URI) *credentialSource {
	s := &credentialSource{callback: c.credentials}
	path := c.authFile
	if !c.authFileSet {
		param := ""
		if u != nil {
			param, _ = u.Param("authfile")
		}
		path = authfile.Locate(param)
	}
	if path != "" {
		f, err := authfile.Load(path)
		if err != nil {
			s.err = fmt.Errorf("libvirt: reading credentials file: %w", err)
		}
		s.file = f
	}
	return s
}

// authSASL runs libvirt's SASL exchange (AUTH_SASL_INIT, START, STEP...)
// and, when the mechanism negotiated one, installs its security layer.
func (c *Client) authSASL(ctx context.Context, s *authSession) error {
	mechlist, err := c.AuthSASLInit(ctx)
	if err != nil {
		return fmt.Errorf("%w: starting: %w", ErrAuthentication, err)
	}
	params := sasl.Params{Service: saslService, Host: s.host, Secure: !s.cfg.insecureLayer}
	if s.cfg.insecureLayer {
		params.MinSSF = minInsecureSSF
	}
	prefs := s.cfg.saslMechs
	if s.uri != nil {
		if a, ok := s.uri.Param("auth"); ok {
			kind, mech, _ := strings.Cut(a, ".")
			if kind != "sasl" {
				return fmt.Errorf("libvirt: URI parameter auth=%q: the daemon wants SASL", a)
			}
			if mech != "" {
				prefs = []string{mech}
			}
		}
	}
	offered := sasl.ParseMechList(mechlist)
	mech, err := sasl.Choose(offered, prefs, params)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrAuthentication, err)
	}
	creds, err := s.source.get(ctx, &CredentialRequest{
		Service: saslService, Server: s.host, Mechanism: mech,
		Types: []ConnectCredentialType{CredAuthname, CredPassphrase},
	})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrAuthentication, err)
	}
	if creds.Username == "" {
		return fmt.Errorf("%w: %s needs a user name (authname) and none was supplied", ErrAuthentication, mech)
	}
	cl, err := sasl.New(mech, sasl.Credentials{Username: creds.Username, Password: creds.Password}, params)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrAuthentication, err)
	}
	fail := func(err error) error {
		return fmt.Errorf("%w: %s as %q: %w", ErrAuthentication, mech, creds.Username, err)
	}
	first, err := cl.Start()
	if err != nil {
		return fail(err)
	}
	complete, _, data, err := c.AuthSASLStart(ctx, mech, nilFlag(first), toInt8(first))
	for {
		if err != nil {
			return fail(err)
		}
		resp, done, err2 := cl.Step(fromInt8(data))
		if err2 != nil {
			return fail(err2)
		}
		if complete == 1 {
			if !done {
				return fail(errors.New("the server declared success before the client could verify it"))
			}
			break
		}
		complete, _, data, err = c.AuthSASLStep(ctx, nilFlag(resp), toInt8(resp))
	}
	layer := cl.Layer()
	switch {
	case layer != nil && s.layer != nil:
		s.layer.Enable(layer)
	case layer != nil:
		return fail(errors.New("a security layer was negotiated but this connection cannot carry one"))
	case params.MinSSF > 0:
		return fail(fmt.Errorf("no security layer was negotiated; plain TCP needs strength >= %d", params.MinSSF))
	}
	return nil
}

func nilFlag(b []byte) int32 {
	if b == nil {
		return 1
	}
	return 0
}

func toInt8(b []byte) []int8 {
	out := make([]int8, len(b))
	for i, v := range b {
		out[i] = int8(v)
	}
	return out
}

func fromInt8(b []int8) []byte {
	out := make([]byte, len(b))
	for i, v := range b {
		out[i] = byte(v)
	}
	return out
}

package sasl

import (
	"fmt"

	"github.com/xdg-go/scram"
)

// scramClient adapts github.com/xdg-go/scram to Client.
type scramClient struct {
	name string
	conv *scram.ClientConversation
}

func newScram(name string, c Credentials) (*scramClient, error) {
	return newScramNonce(name, c, nil)
}

// newScramNonce is newScram with a fixed client nonce source (tests use
// the RFC's nonces); nil means random.
func newScramNonce(name string, c Credentials, nonce func() string) (*scramClient, error) {
	hash := scram.SHA256
	if name == ScramSHA1 {
		hash = scram.SHA1
	}
	cl, err := hash.NewClient(c.Username, c.Password, c.Authzid)
	if err != nil {
		// SASLprep rejected the name or password; do not echo them.
		return nil, fmt.Errorf("sasl: %s: user name or password not usable: %w", name, errHidden(err))
	}
	if nonce != nil {
		cl = cl.WithNonceGenerator(nonce)
	}
	return &scramClient{name: name, conv: cl.NewConversation()}, nil
}

func (m *scramClient) Name() string { return m.name }

func (m *scramClient) Start() ([]byte, error) {
	first, err := m.conv.Step("")
	if err != nil {
		return nil, fmt.Errorf("sasl: %s: %w", m.name, err)
	}
	return []byte(first), nil
}

func (m *scramClient) Step(challenge []byte) ([]byte, bool, error) {
	if m.conv.Done() {
		return nil, true, nil
	}
	out, err := m.conv.Step(string(challenge))
	if err != nil {
		return nil, false, fmt.Errorf("sasl: %s: %w", m.name, err)
	}
	if m.conv.Done() {
		if !m.conv.Valid() {
			return nil, false, fmt.Errorf("sasl: %s: the server's proof is wrong", m.name)
		}
		return nil, true, nil
	}
	return []byte(out), false, nil
}

func (m *scramClient) Layer() Layer { return nil }

// errHidden drops err, whose text (and so that of anything it wraps) may
// quote the user name or password SASLprep rejected: neither Error nor
// errors.Unwrap may lead back to it.
type hiddenError struct{}

func (hiddenError) Error() string { return "rejected by SASLprep" }

func errHidden(error) error { return hiddenError{} }

package sasl

import "errors"

// plainClient implements PLAIN (RFC 4616): one message carrying the
// authorization identity, the user name and the password.
type plainClient struct {
	c    Credentials
	sent bool
}

func (m *plainClient) Name() string { return Plain }

func (m *plainClient) Start() ([]byte, error) {
	m.sent = true
	msg := make([]byte, 0, len(m.c.Authzid)+len(m.c.Username)+len(m.c.Password)+2)
	msg = append(msg, m.c.Authzid...)
	msg = append(msg, 0)
	msg = append(msg, m.c.Username...)
	msg = append(msg, 0)
	msg = append(msg, m.c.Password...)
	return msg, nil
}

func (m *plainClient) Step(challenge []byte) ([]byte, bool, error) {
	if !m.sent {
		b, err := m.Start()
		return b, true, err
	}
	if len(challenge) > 0 {
		return nil, false, errors.New("sasl: PLAIN: unexpected server challenge")
	}
	return nil, true, nil
}

func (m *plainClient) Layer() Layer { return nil }

package libvirt

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/virtwire/libvirt/socket"
)

// Defaults for keepalive, the same as libvirt's client.
const (
	DefaultKeepaliveInterval = 5 * time.Second
	DefaultKeepaliveCount    = 5
)

// Option configures Dial and NewClient.
type Option func(*config)

type config struct {
	readOnly          bool
	keepaliveInterval time.Duration
	keepaliveCount    int
	handshakeTimeout  time.Duration
	writeTimeout      time.Duration
	dial              func(ctx context.Context, network, addr string) (net.Conn, error)

	// Authentication and remote transports (auth.go, transport.go).
	credentials   CredentialFunc
	authFile      string
	authFileSet   bool
	saslMechs     []string
	tlsConfig     *tls.Config
	ssh           socket.SSHOptions
	insecureLayer bool // the byte stream is plain TCP: SASL must add a security layer

	// Observability (tracer.go, logging.go, wiretrace.go).
	uri       string // the redacted URI Dial was given
	tracer    Tracer
	logger    *slog.Logger
	wireTrace io.Writer
}

func newConfig(opts []Option) config {
	var d net.Dialer
	cfg := config{
		keepaliveInterval: DefaultKeepaliveInterval,
		keepaliveCount:    DefaultKeepaliveCount,
		handshakeTimeout:  DefaultHandshakeTimeout,
		dial:              d.DialContext,
		wireTrace:         wireTraceFromEnv(),
	}
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// WithReadOnly opens a read-only connection (VIR_CONNECT_RO), which uses
// the daemon's read-only socket for local URIs.
func WithReadOnly() Option { return func(c *config) { c.readOnly = true } }

// WithKeepalive sets how long the connection may be silent before the
// client pings the daemon, and how many unanswered pings mean the daemon is
// gone: the connection is then closed with ErrKeepaliveTimeout after
// interval*(count+1) of silence. An interval of zero turns client pings
// off. The defaults are libvirt's: 5 s and 5.
func WithKeepalive(interval time.Duration, count int) Option {
	return func(c *config) { c.keepaliveInterval, c.keepaliveCount = interval, count }
}

// WithWriteTimeout bounds how long writing one message may take (30 s by
// default, as long as the default keepalive takes to declare the daemon
// dead). A write that makes no progress for that long means the daemon
// stopped reading: the connection is closed and calls fail with an error
// wrapping ErrWriteTimeout. Each write is also bounded by its caller's
// context; this timeout is what bounds writes no caller owns (keepalive
// messages, stream data) and calls whose context has no deadline.
func WithWriteTimeout(d time.Duration) Option { return func(c *config) { c.writeTimeout = d } }

// WithDialer replaces the function used to open unix and tcp connections
// (a net.Dialer's DialContext by default).
func WithDialer(dial func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(c *config) { c.dial = dial }
}

// WithTLSConfig uses cfg for +tls URIs instead of the PKI files libvirt's
// search finds (pkipath=, ~/.pki/libvirt, /etc/pki). A copy is used: its
// ServerName defaults to the URI's host and its MinVersion is raised to
// TLS 1.2 when lower. The status byte libvirt sends after the handshake is
// still checked.
func WithTLSConfig(cfg *tls.Config) Option { return func(c *config) { c.tlsConfig = cfg } }

// WithSSHOptions sets how +ssh (and +libssh, +libssh2) URIs authenticate
// and check host keys; see socket.SSHOptions. Password and
// keyboard-interactive logins use the WithCredentials callback unless
// opts has its own.
func WithSSHOptions(opts socket.SSHOptions) Option { return func(c *config) { c.ssh = opts } }

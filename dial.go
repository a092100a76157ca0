package libvirt

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/virtwire/libvirt/internal/sasl"
	"github.com/virtwire/libvirt/socket"
)

// featureProgramKeepalive is libvirt's VIR_DRV_FEATURE_PROGRAM_KEEPALIVE,
// an internal feature number the remote protocol uses to ask whether the
// daemon speaks the keepalive program.
const featureProgramKeepalive = 10

// ErrUnsupportedTransport is returned by Dial for a URI transport it
// cannot dial.
var ErrUnsupportedTransport = errors.New("libvirt: transport not supported")

// ErrUnsupportedAuth is returned when the daemon requires an
// authentication method this client does not implement.
var ErrUnsupportedAuth = errors.New("libvirt: authentication method not supported")

// Dial connects to the libvirt daemon named by uri (see
// https://libvirt.org/uri.html), authenticates and opens the connection.
// An empty uri means $LIBVIRT_DEFAULT_URI.
//
// All of libvirt's transports are supported: unix (the default for URIs
// without a host), tcp, tls (the default for URIs with a host), ssh
// (libssh and libssh2 URIs use the same Go SSH client) and ext. See the
// README's URI table for the parameters each honours.
//
// When ctx has no deadline, Dial as a whole (TCP connect, TLS or SSH
// handshake, the ext command's first reply, authentication and opening)
// is bounded by DefaultHandshakeTimeout, or the WithHandshakeTimeout
// option; a peer that never answers then fails with an error matching
// both ErrHandshakeTimeout and context.DeadlineExceeded. Interactive
// credential callbacks run within that time. When ctx ends during Dial,
// the error matches context.DeadlineExceeded or context.Canceled.
//
// A URI with a password (user:secret@host) is refused with
// socket.ErrURIPassword; no error shows the password.
func Dial(ctx context.Context, uri string, opts ...Option) (*Client, error) {
	if uri == "" {
		uri = os.Getenv("LIBVIRT_DEFAULT_URI")
		if uri == "" {
			return nil, errors.New("libvirt: no URI given and LIBVIRT_DEFAULT_URI is not set")
		}
	}
	u, err := socket.Parse(uri)
	if err != nil {
		return nil, err
	}
	// libvirt checks its flag parameters whatever the transport.
	for _, p := range socket.BoolParams {
		if _, err := u.BoolParam(p); err != nil {
			return nil, err
		}
	}
	cfg := newConfig(opts)
	cfg.uri = socket.Redact(uri)
	hctx, cancel, timeout := handshakeContext(ctx, cfg.handshakeTimeout)
	defer cancel()
	c, err := dial(hctx, u, cfg)
	if err != nil {
		return nil, fmt.Errorf("libvirt: connecting to %s: %w", socket.Redact(uri), dialError(ctx, hctx, timeout, err))
	}
	c.dialURI = uri
	return c, nil
}

func dial(ctx context.Context, u *socket.URI, cfg config) (*Client, error) {
	nc, err := dialTransport(ctx, u, &cfg)
	if err != nil {
		return nil, err
	}
	return newClient(ctx, nc, u.RemoteName(), u, cfg)
}

// NewClient opens a libvirt connection over an established byte stream
// (a unix or TCP socket, an SSH channel, a pipe to a test server, ...).
// name is the URI the daemon should open, already stripped of transport
// and host ("qemu:///system"); empty lets the daemon choose. On error nc
// is closed. A *net.TCPConn is treated like a +tcp URI: SASL must then
// negotiate a security layer, as libvirt's daemon requires.
func NewClient(ctx context.Context, nc net.Conn, name string, opts ...Option) (*Client, error) {
	cfg := newConfig(opts)
	if _, ok := nc.(*net.TCPConn); ok {
		cfg.insecureLayer = true
	}
	return newClient(ctx, nc, name, nil, cfg)
}

func newClient(ctx context.Context, nc net.Conn, name string, u *socket.URI, cfg config) (*Client, error) {
	auth := &authSession{host: "localhost", uri: u, cfg: &cfg}
	if u != nil && u.Host != "" {
		auth.host = u.Host
	}
	if cfg.insecureLayer {
		// Only plain TCP can need a SASL security layer; other streams
		// go to the engine unwrapped.
		auth.layer = sasl.NewConn(nc)
		nc = auth.layer
	}
	if cfg.uri == "" {
		cfg.uri = name
	}
	c := newClientOn(nc, &cfg)
	if err := c.open(ctx, name, auth); err != nil {
		c.conn.Close()
		return nil, err
	}
	return c, nil
}

// open runs libvirt's connect sequence: authentication, the keepalive
// probe, then ConnectOpen.
func (c *Client) open(ctx context.Context, name string, auth *authSession) error {
	cfg := auth.cfg
	if err := c.authenticate(ctx, auth); err != nil {
		return err
	}
	if cfg.keepaliveInterval > 0 {
		// libvirt asks before opening: the daemon starts its own pings
		// for clients that ask.
		ok, err := c.ConnectSupportsFeature(ctx, featureProgramKeepalive)
		if err != nil {
			return err
		}
		if ok == 1 {
			c.conn.StartKeepalive(cfg.keepaliveInterval, cfg.keepaliveCount)
		}
	}
	var flags ConnectFlags
	if cfg.readOnly {
		flags |= ConnectRo
	}
	var np *string
	if name != "" {
		np = &name
	}
	return c.ConnectOpen(ctx, np, flags)
}

// authenticate asks the daemon which methods it accepts and performs the
// first one this client supports, in the daemon's order.
func (c *Client) authenticate(ctx context.Context, auth *authSession) error {
	types, err := c.AuthList(ctx)
	if err != nil {
		return err
	}
	if len(types) == 0 {
		return nil
	}
	for _, t := range types {
		switch t {
		case AuthNone:
			return nil
		case AuthPolkit:
			complete, err := c.AuthPolkit(ctx)
			if err != nil {
				return err
			}
			if complete != 1 {
				return errors.New("libvirt: polkit authentication did not complete")
			}
			return nil
		case AuthSASL:
			auth.source = auth.cfg.credentialSource(auth.uri)
			return c.authSASL(ctx, auth)
		}
	}
	return fmt.Errorf("%w: the daemon requires %v", ErrUnsupportedAuth, types)
}

// Close closes the connection to the daemon, failing pending calls with
// ErrClosed. It tells the daemon first (ConnectClose, waiting at most a
// second) so that the daemon releases its side promptly.
func (c *Client) Close() error {
	select {
	case <-c.conn.Done():
	default:
		// The daemon hangs up as soon as it has answered ConnectClose;
		// that must read as ErrClosed, not as a lost connection.
		c.conn.BeginClose()
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		_ = c.ConnectClose(ctx)
		cancel()
	}
	return c.conn.Close()
}

// Disconnected is closed when the connection has ended, by Close or
// because it was lost; Err then says why.
func (c *Client) Disconnected() <-chan struct{} { return c.conn.Done() }

// Err returns why the connection ended, or nil while it is up.
func (c *Client) Err() error { return c.conn.Err() }

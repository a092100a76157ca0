package libvirt

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/virtwire/libvirt/internal/rpc"
	"github.com/virtwire/libvirt/socket"
)

// featureProgramKeepalive is libvirt's VIR_DRV_FEATURE_PROGRAM_KEEPALIVE,
// an internal feature number the remote protocol uses to ask whether the
// daemon speaks the keepalive program.
const featureProgramKeepalive = 10

// ErrUnsupportedTransport is returned by Dial for URI transports this
// version cannot dial yet.
var ErrUnsupportedTransport = errors.New("libvirt: transport not supported")

// ErrUnsupportedAuth is returned when the daemon requires an
// authentication method this client does not implement.
var ErrUnsupportedAuth = errors.New("libvirt: authentication method not supported")

// Dial connects to the libvirt daemon named by uri (see
// https://libvirt.org/uri.html), authenticates and opens the connection.
// An empty uri means $LIBVIRT_DEFAULT_URI.
//
// Supported transports are unix (the default for URIs without a host) and
// tcp.
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
	cfg := newConfig(opts)
	var network, addr string
	switch t := u.EffectiveTransport(); t {
	case socket.TransportUnix:
		network = "unix"
		if addr, err = u.SocketPath(cfg.readOnly); err != nil {
			return nil, err
		}
	case socket.TransportTCP:
		network, addr = "tcp", u.Address()
	default:
		return nil, fmt.Errorf("%w: %q in %s", ErrUnsupportedTransport, t, uri)
	}
	nc, err := cfg.dial(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("libvirt: connecting to %s: %w", uri, err)
	}
	return newClient(ctx, nc, u.RemoteName(), cfg)
}

// NewClient opens a libvirt connection over an established byte stream
// (a unix or TCP socket, an SSH channel, a pipe to a test server, ...).
// name is the URI the daemon should open, already stripped of transport
// and host ("qemu:///system"); empty lets the daemon choose. On error nc
// is closed.
func NewClient(ctx context.Context, nc net.Conn, name string, opts ...Option) (*Client, error) {
	return newClient(ctx, nc, name, newConfig(opts))
}

func newClient(ctx context.Context, nc net.Conn, name string, cfg config) (*Client, error) {
	c := &Client{conn: rpc.New(nc, rpc.Options{}), uri: name}
	if err := c.open(ctx, name, cfg); err != nil {
		c.conn.Close()
		return nil, err
	}
	return c, nil
}

// open runs libvirt's connect sequence: authentication, the keepalive
// probe, then ConnectOpen.
func (c *Client) open(ctx context.Context, name string, cfg config) error {
	if err := c.authenticate(ctx); err != nil {
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
func (c *Client) authenticate(ctx context.Context) error {
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
		}
	}
	return fmt.Errorf("%w: the daemon requires %v (SASL is not implemented yet)", ErrUnsupportedAuth, types)
}

// Close closes the connection to the daemon, failing pending calls with
// ErrClosed. It tells the daemon first (ConnectClose, waiting at most a
// second) so that the daemon releases its side promptly.
func (c *Client) Close() error {
	select {
	case <-c.conn.Done():
	default:
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

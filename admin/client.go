// Package admin is a client for libvirt's administration interface
// (virt-admin): daemon servers, their clients, thread pools and logging.
//
// It speaks the admin program of libvirt's RPC protocol over the daemon's
// admin socket, e.g. /run/libvirt/libvirt-admin-sock.
//
// See https://libvirt.org/html/libvirt-libvirt-admin.html
package admin

import (
	"context"
	"net"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/internal/rpc"
	"github.com/virtwire/libvirt/internal/xdr"
)

// DefaultSocket is the admin socket of a system libvirtd.
const DefaultSocket = "/run/libvirt/libvirt-admin-sock"

// Error is the error type of failed calls; it is libvirt's, so
// errors.Is(err, libvirt.ErrNoServer) and friends work here too.
type Error = libvirt.Error

// Client is a connection to a daemon's admin interface, safe for
// concurrent use.
type Client struct {
	conn *rpc.Conn
}

// Dial connects to the admin socket at path and opens the admin
// connection.
func Dial(ctx context.Context, path string) (*Client, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, err
	}
	return NewClient(ctx, nc)
}

// NewClient opens the admin connection over an established connection.
// On error nc is closed.
func NewClient(ctx context.Context, nc net.Conn) (*Client, error) {
	c := &Client{conn: rpc.New(nc, rpc.Options{})}
	if err := c.ConnectOpen(ctx, 0); err != nil {
		c.conn.Close()
		return nil, err
	}
	return c, nil
}

// Close closes the admin connection.
func (c *Client) Close() error {
	return c.conn.Close()
}

func (c *Client) newCall(prog, vers, proc uint32) *rpc.Call {
	return c.conn.NewCall(prog, vers, int32(proc))
}

func (c *Client) do(ctx context.Context, call *rpc.Call) (*xdr.Decoder, error) {
	return c.conn.Do(ctx, call)
}

func (c *Client) finish(call *rpc.Call) error { return call.Finish() }

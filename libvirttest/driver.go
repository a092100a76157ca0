package libvirttest

import (
	"context"
	"sync"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// Facts the driver reports, the same as libvirt's test driver.
const (
	driverType    = "TEST"
	hvVersion     = 2 // 0.0.2
	maxVcpus      = 32
	defaultURI    = "test:///default"
	nodeMemoryKiB = 3145728
)

// driver is the built-in RemoteHandler: an in-memory hypervisor shaped
// like libvirt's test:///default. One mutex guards all state; events are
// queued while it is held, so that they reach clients in the order of the
// changes.
type driver struct {
	UnimplementedRemoteHandler
	srv      *Server
	hostname string

	mu        sync.Mutex
	nextDomID int32
	domains   []*domain
	networks  []*network
	pools     []*pool
	secrets   []*secret
	ifaceSt   *ifaceState // the host's interfaces (iface.go)
	nodeDevs  []*nodeDev  // the host's devices (nodedev.go)
	events    eventRegistry
	volBytes  int64 // memory held by volume content
}

var _ RemoteHandler = (*driver)(nil)

func newDriver(s *Server, hostname string) *driver {
	d := &driver{srv: s, hostname: hostname, nextDomID: 1}
	d.events.init()
	d.addDefaults()
	return d
}

// connGone forgets a connection's registrations.
func (d *driver) connGone(c *conn) {
	d.mu.Lock()
	d.events.dropConn(c)
	d.mu.Unlock()
}

// connOf returns the connection of the call ctx belongs to.
func connOf(ctx context.Context) *conn {
	if ci := callFrom(ctx); ci != nil {
		return ci.conn
	}
	return nil
}

// AuthList reports the methods the server was configured with, or none
// once the client has authenticated.
func (d *driver) AuthList(ctx context.Context) (*protocol.AuthListRet, error) {
	c := connOf(ctx)
	ret := &protocol.AuthListRet{}
	if c != nil {
		c.mu.Lock()
		authed := c.authed
		c.mu.Unlock()
		if authed {
			ret.Types = []libvirt.AuthType{libvirt.AuthNone}
			return ret, nil
		}
	}
	ret.Types = append(ret.Types, d.srv.cfg.auth...)
	return ret, nil
}

// AuthPolkit grants access when polkit is one of the offered methods.
func (d *driver) AuthPolkit(ctx context.Context) (*protocol.AuthPolkitRet, error) {
	offered := false
	for _, m := range d.srv.cfg.auth {
		offered = offered || m == libvirt.AuthPolkit
	}
	if !offered {
		return nil, lvError(libvirt.ErrAuthFailed, libvirt.FromRPC, "authentication failed: ", "unsupported authentication type")
	}
	if c := connOf(ctx); c != nil {
		c.mu.Lock()
		c.authed = true
		c.mu.Unlock()
	}
	return &protocol.AuthPolkitRet{Complete: 1}, nil
}

// ConnectOpen opens the connection. Any URI is accepted: the driver is
// the same whatever it names, and ConnectGetURI reports it back.
func (d *driver) ConnectOpen(ctx context.Context, args *protocol.ConnectOpenArgs) error {
	c := connOf(ctx)
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.opened {
		return lvError(libvirt.ErrInternalError, libvirt.FromRPC, prefixInternal, "connection already open")
	}
	c.opened = true
	c.uri = defaultURI
	if args.Name != nil && *args.Name != "" {
		c.uri = *args.Name
	}
	c.readOnly = args.Flags&libvirt.ConnectRo != 0
	return nil
}

// ConnectClose is answered; the server then hangs up.
func (d *driver) ConnectClose(ctx context.Context) error { return nil }

// ConnectGetType reports "TEST".
func (d *driver) ConnectGetType(ctx context.Context) (*protocol.ConnectGetTypeRet, error) {
	return &protocol.ConnectGetTypeRet{Type: driverType}, nil
}

// ConnectGetVersion reports the hypervisor version 0.0.2.
func (d *driver) ConnectGetVersion(ctx context.Context) (*protocol.ConnectGetVersionRet, error) {
	return &protocol.ConnectGetVersionRet{HvVer: hvVersion}, nil
}

// LibVersion is the libvirt release whose daemon and test driver the
// fake models (11.3.0, as major*1000000 + minor*1000 + micro): its
// procedures, flags and answers are those of libvirt 11.3's
// test:///default, and ConnectGetLibVersion reports it, so that clients
// which choose what to call by the daemon's version choose as they would
// with that libvirtd. (The package doc lists where the fake still
// answers as libvirt 9.0 did.)
const LibVersion = 11003000

// ConnectGetLibVersion reports LibVersion.
func (d *driver) ConnectGetLibVersion(ctx context.Context) (*protocol.ConnectGetLibVersionRet, error) {
	return &protocol.ConnectGetLibVersionRet{LibVer: LibVersion}, nil
}

// ConnectGetHostname reports the configured host name.
func (d *driver) ConnectGetHostname(ctx context.Context) (*protocol.ConnectGetHostnameRet, error) {
	return &protocol.ConnectGetHostnameRet{Hostname: d.hostname}, nil
}

// ConnectGetURI reports the URI the client opened.
func (d *driver) ConnectGetURI(ctx context.Context) (*protocol.ConnectGetURIRet, error) {
	uri := defaultURI
	if c := connOf(ctx); c != nil {
		c.mu.Lock()
		uri = c.uri
		c.mu.Unlock()
	}
	return &protocol.ConnectGetURIRet{URI: uri}, nil
}

// ConnectGetMaxVCPUs reports 32, like the test driver.
func (d *driver) ConnectGetMaxVCPUs(ctx context.Context, args *protocol.ConnectGetMaxVCPUsArgs) (*protocol.ConnectGetMaxVCPUsRet, error) {
	return &protocol.ConnectGetMaxVCPUsRet{MaxVCPUs: maxVcpus}, nil
}

// supportedFeatures are the driver features libvirtd with the test driver
// reports: typed parameter strings (9), the keepalive program (10), event
// and close callbacks (14, 15) and the network update order fix (16).
var supportedFeatures = map[int32]bool{9: true, 10: true, 14: true, 15: true, 16: true}

// ConnectSupportsFeature answers the feature probes clients make.
func (d *driver) ConnectSupportsFeature(ctx context.Context, args *protocol.ConnectSupportsFeatureArgs) (*protocol.ConnectSupportsFeatureRet, error) {
	var ok int32
	if supportedFeatures[args.Feature] {
		ok = 1
	}
	return &protocol.ConnectSupportsFeatureRet{Supported: ok}, nil
}

// ConnectIsSecure reports a local, hence secure, connection.
func (d *driver) ConnectIsSecure(ctx context.Context) (*protocol.ConnectIsSecureRet, error) {
	return &protocol.ConnectIsSecureRet{Secure: 1}, nil
}

// NodeGetInfo describes the test driver's fictional host.
func (d *driver) NodeGetInfo(ctx context.Context) (*libvirt.NodeGetInfoRet, error) {
	ret := &libvirt.NodeGetInfoRet{Memory: nodeMemoryKiB, CPUs: 16, Mhz: 1400, Nodes: 2, Sockets: 2, Cores: 2, Threads: 2}
	for i, ch := range "i686" {
		ret.Model[i] = int8(ch)
	}
	return ret, nil
}

// NodeGetFreeMemory reports the same figure as the test driver.
func (d *driver) NodeGetFreeMemory(ctx context.Context) (*protocol.NodeGetFreeMemoryRet, error) {
	return &protocol.NodeGetFreeMemoryRet{FreeMem: nodeMemoryKiB}, nil
}

// NodeGetSecurityModel reports the test driver's security model.
func (d *driver) NodeGetSecurityModel(ctx context.Context) (*protocol.NodeGetSecurityModelRet, error) {
	return &protocol.NodeGetSecurityModelRet{Model: cString("testSecurity"), Doi: cString("")}, nil
}

// ConnectGetCapabilities describes the fictional host and its guests.
func (d *driver) ConnectGetCapabilities(ctx context.Context) (*protocol.ConnectGetCapabilitiesRet, error) {
	return &protocol.ConnectGetCapabilitiesRet{Capabilities: capabilitiesXML()}, nil
}

// ConnectRegisterCloseCallback asks to be told when the server closes the
// connection.
func (d *driver) ConnectRegisterCloseCallback(ctx context.Context) error {
	if c := connOf(ctx); c != nil {
		c.mu.Lock()
		c.closeCB = true
		c.mu.Unlock()
	}
	return nil
}

// ConnectUnregisterCloseCallback cancels ConnectRegisterCloseCallback.
func (d *driver) ConnectUnregisterCloseCallback(ctx context.Context) error {
	if c := connOf(ctx); c != nil {
		c.mu.Lock()
		c.closeCB = false
		c.mu.Unlock()
	}
	return nil
}

// cString is s as the NUL-terminated char array libvirtd sends.
func cString(s string) []int8 {
	b := make([]int8, len(s)+1)
	for i := 0; i < len(s); i++ {
		b[i] = int8(s[i])
	}
	return b
}

// listFilter tells whether an object passes one pair of ListAll flags
// (say ACTIVE and INACTIVE): with neither set everything passes.
func listFilter(flags, yes, no uint32, has bool) bool {
	if flags&(yes|no) == 0 {
		return true
	}
	return (flags&yes != 0 && has) || (flags&no != 0 && !has)
}

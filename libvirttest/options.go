package libvirttest

import (
	"time"

	"github.com/virtwire/libvirt"
)

// Option configures a Server.
type Option func(*config)

type config struct {
	unixPath   string
	unixSet    bool
	tcp        bool
	auth       []libvirt.AuthType
	faults     []func(*faults)
	kaInterval time.Duration
	kaCount    int
	wrapRemote func(RemoteHandler) RemoteHandler
	qemu       QEMUHandler
	hostname   string
	volLimit   int64
	cpuMap     string
}

// WithUnixSocket makes the server listen on a unix socket at path. An
// empty path picks a fresh one in a temporary directory that Close
// removes. Server.UnixSocket and Server.URI tell where it is.
func WithUnixSocket(path string) Option {
	return func(c *config) { c.unixPath, c.unixSet = path, true }
}

// WithTCP makes the server listen on a TCP port of 127.0.0.1 chosen by the
// system; Server.TCPAddr tells which. Clients reach it with
// test+tcp://ADDR/default. No SASL is offered, so the connection is
// like libvirtd's with auth_tcp = "none".
func WithTCP() Option { return func(c *config) { c.tcp = true } }

// WithAuth sets the authentication methods the server offers, in order
// (libvirt.AuthNone by default). Supported are AuthNone and AuthPolkit;
// polkit always grants access. Until a client has authenticated, every
// procedure but the authentication ones fails as it does with libvirtd
// ("authentication required").
func WithAuth(methods ...libvirt.AuthType) Option {
	return func(c *config) { c.auth = append([]libvirt.AuthType(nil), methods...) }
}

// WithDelay makes the server wait d before handling every call of proc
// (other calls on the same connection go on meanwhile). It is the way to
// test timeouts and cancellation.
func WithDelay(proc libvirt.Procedure, d time.Duration) Option {
	return func(c *config) { c.faults = append(c.faults, func(f *faults) { f.setDelay(proc, d) }) }
}

// WithError makes every call of proc fail with err instead of being
// handled.
func WithError(proc libvirt.Procedure, err *libvirt.Error) Option {
	return func(c *config) { c.faults = append(c.faults, func(f *faults) { f.setError(proc, err) }) }
}

// WithDropAfter makes the server hang up on each connection when it
// receives the n-th call after ConnectOpen, without answering it. The
// connection set-up (authentication, feature probes, ConnectOpen) is not
// counted. n <= 0 turns it off.
func WithDropAfter(n int) Option {
	return func(c *config) { c.faults = append(c.faults, func(f *faults) { f.setDropAfter(n) }) }
}

// WithKeepalive makes the server ping clients that have been silent for
// interval and hang up on those that stay silent for interval*(count+1),
// as libvirtd does with its keepalive_interval and keepalive_count
// settings. Off by default: the server then only answers clients' pings.
func WithKeepalive(interval time.Duration, count int) Option {
	return func(c *config) { c.kaInterval, c.kaCount = interval, count }
}

// WithRemoteHandler lets a test replace or extend the built-in driver:
// wrap receives the built-in handler and returns the one the server uses.
// Embed the given handler in a struct to override single procedures.
func WithRemoteHandler(wrap func(RemoteHandler) RemoteHandler) Option {
	return func(c *config) { c.wrapRemote = wrap }
}

// WithQEMUHandler serves the QEMU program (virsh qemu-monitor-command and
// friends) with h. Without it every QEMU procedure is unsupported, as on
// libvirt's test driver, and deregistering a monitor event callback
// reports the ID unknown, as libvirtd does.
func WithQEMUHandler(h QEMUHandler) Option { return func(c *config) { c.qemu = h } }

// WithHostname sets the name ConnectGetHostname reports (the machine's
// host name by default, like libvirt's test driver).
func WithHostname(name string) Option { return func(c *config) { c.hostname = name } }

// DefaultCPUMap is where libvirt installs its CPU map (models and
// features per architecture), which libvirtd reads at run time.
const DefaultCPUMap = "/usr/share/libvirt/cpu_map"

// WithCPUMap names the directory of libvirt's CPU map the fake reads the
// models ConnectGetCPUModelNames reports from (DefaultCPUMap by default),
// as libvirtd reads the one installed with it: to compare with a libvirtd
// of another tree, name that tree's. Without a CPU map the call fails as
// libvirtd's does.
func WithCPUMap(dir string) Option { return func(c *config) { c.cpuMap = dir } }

// DefaultVolumeDataLimit is how many bytes of volume content (uploaded
// data, counted in 4 KiB blocks; holes cost nothing) a Server keeps in
// memory at most, unless WithVolumeDataLimit says otherwise.
const DefaultVolumeDataLimit = 1 << 30

// WithVolumeDataLimit bounds the memory all volumes' content may take
// (DefaultVolumeDataLimit by default). An upload that would go beyond it
// fails like a write to a full disk ("No space left on device").
func WithVolumeDataLimit(bytes int64) Option { return func(c *config) { c.volLimit = bytes } }

package libvirt_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/libvirttest"
	"github.com/virtwire/libvirt/protocol"
)

func TestDomainMigrateParametersTypedParams(t *testing.T) {
	assert.Empty(t, libvirt.DomainMigrateParameters{}.TypedParams())

	p := libvirt.DomainMigrateParameters{
		URI:           "tcp://10.0.0.2:49152",
		DestName:      "web2",
		DestXML:       "<domain/>",
		PersistXML:    "<domain persistent/>",
		Bandwidth:     100,
		ListenAddress: "0.0.0.0",
		GraphicsURI:   "spice://10.0.0.2",
		Extra:         libvirt.TypedParams{}.AddInt(libvirt.MigrateParamParallelConnections, 4),
	}.TypedParams()
	want := map[string]any{
		"migrate_uri":          "tcp://10.0.0.2:49152",
		"destination_name":     "web2",
		"destination_xml":      "<domain/>",
		"persistent_xml":       "<domain persistent/>",
		"bandwidth":            uint64(100),
		"listen_address":       "0.0.0.0",
		"graphics_uri":         "spice://10.0.0.2",
		"parallel.connections": int32(4),
	}
	assert.Equal(t, want, p.Map())
	assert.Len(t, p, len(want), "each parameter once")
}

// phaseCall is one migration phase as a fake daemon received it.
type phaseCall struct {
	side      string // "src" or "dst"
	phase     libvirt.MigrationPhase
	cookieIn  string
	flags     libvirt.DomainMigrateFlags
	cancelled int32
	params    libvirt.TypedParams
	dconnuri  *string
}

// journal records the phases both fake daemons see, in order.
type journal struct {
	mu    sync.Mutex
	calls []phaseCall
}

func (j *journal) add(c phaseCall) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.calls = append(j.calls, c)
}

func (j *journal) get() []phaseCall {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]phaseCall(nil), j.calls...)
}

// phases returns "side:phase" for each call.
func (j *journal) phases() []string {
	var out []string
	for _, c := range j.get() {
		out = append(out, c.side+":"+string(c.phase))
	}
	return out
}

// migrationPeer answers the version 3 migration procedures the way a
// libvirtd does, on top of libvirttest's test driver: each phase hands out
// a cookie naming itself, and fail makes the named phase fail.
type migrationPeer struct {
	libvirttest.RemoteHandler
	side     string
	j        *journal
	fail     libvirt.MigrationPhase
	uriOut   *string
	features map[int32]bool // nil: migrationFeatures
	opts     []libvirttest.Option
}

// migrationFeatures are what a QEMU libvirtd reports on top of the test
// driver's: peer-to-peer, direct is absent, v3, change protection,
// offline, parameters.
var migrationFeatures = map[int32]bool{4: true, 6: true, 7: true, 12: true, 13: true}

func (p *migrationPeer) ConnectSupportsFeature(ctx context.Context, args *protocol.ConnectSupportsFeatureArgs) (*protocol.ConnectSupportsFeatureRet, error) {
	features := migrationFeatures
	if p.features != nil {
		features = p.features
	}
	if features[args.Feature] {
		return &protocol.ConnectSupportsFeatureRet{Supported: 1}, nil
	}
	return p.RemoteHandler.ConnectSupportsFeature(ctx, args)
}

func (p *migrationPeer) failure(phase libvirt.MigrationPhase) error {
	if p.fail != phase {
		return nil
	}
	return &libvirt.Error{Code: libvirt.ErrOperationFailed, Domain: libvirt.FromQEMU, Level: libvirt.ErrError,
		Message: fmt.Sprintf("operation failed: %s phase failed on %s", phase, p.side)}
}

func (p *migrationPeer) DomainMigrateBegin3Params(ctx context.Context, a *protocol.DomainMigrateBegin3ParamsArgs) (*protocol.DomainMigrateBegin3ParamsRet, error) {
	p.j.add(phaseCall{side: p.side, phase: libvirt.MigrationPhaseBegin, flags: a.Flags, params: a.Params})
	if err := p.failure(libvirt.MigrationPhaseBegin); err != nil {
		return nil, err
	}
	return &protocol.DomainMigrateBegin3ParamsRet{CookieOut: []byte("cookie-begin"), XML: "<domain>" + a.Dom.Name + "</domain>"}, nil
}

func (p *migrationPeer) DomainMigratePrepare3Params(ctx context.Context, a *protocol.DomainMigratePrepare3ParamsArgs) (*protocol.DomainMigratePrepare3ParamsRet, error) {
	p.j.add(phaseCall{side: p.side, phase: libvirt.MigrationPhasePrepare, cookieIn: string(a.CookieIn), flags: a.Flags, params: a.Params})
	if err := p.failure(libvirt.MigrationPhasePrepare); err != nil {
		return nil, err
	}
	return &protocol.DomainMigratePrepare3ParamsRet{CookieOut: []byte("cookie-prepare"), URIOut: p.uriOut}, nil
}

func (p *migrationPeer) DomainMigratePerform3Params(ctx context.Context, a *protocol.DomainMigratePerform3ParamsArgs) (*protocol.DomainMigratePerform3ParamsRet, error) {
	p.j.add(phaseCall{side: p.side, phase: libvirt.MigrationPhasePerform, cookieIn: string(a.CookieIn), flags: a.Flags, params: a.Params, dconnuri: a.Dconnuri})
	if err := p.failure(libvirt.MigrationPhasePerform); err != nil {
		return nil, err
	}
	return &protocol.DomainMigratePerform3ParamsRet{CookieOut: []byte("cookie-perform")}, nil
}

func (p *migrationPeer) DomainMigrateFinish3Params(ctx context.Context, a *protocol.DomainMigrateFinish3ParamsArgs) (*protocol.DomainMigrateFinish3ParamsRet, error) {
	p.j.add(phaseCall{side: p.side, phase: libvirt.MigrationPhaseFinish, cookieIn: string(a.CookieIn), flags: a.Flags, params: a.Params, cancelled: a.Cancelled})
	if err := p.failure(libvirt.MigrationPhaseFinish); err != nil {
		return nil, err
	}
	if a.Cancelled != 0 {
		// libvirtd's answer when it killed the incoming guest as told.
		return nil, &libvirt.Error{Code: libvirt.ErrMigrateFinishOK, Domain: libvirt.FromQEMU, Level: libvirt.ErrError, Message: "migration successfully aborted"}
	}
	name, _ := a.Params.String(libvirt.MigrateParamDestName)
	return &protocol.DomainMigrateFinish3ParamsRet{Dom: libvirt.Domain{Name: name, ID: 42}, CookieOut: []byte("cookie-finish")}, nil
}

func (p *migrationPeer) DomainMigrateConfirm3Params(ctx context.Context, a *protocol.DomainMigrateConfirm3ParamsArgs) error {
	p.j.add(phaseCall{side: p.side, phase: libvirt.MigrationPhaseConfirm, cookieIn: string(a.CookieIn), flags: a.Flags, params: a.Params, cancelled: a.Cancelled})
	return p.failure(libvirt.MigrationPhaseConfirm)
}

// migrationPair starts a source and a destination fake daemon and dials
// both; failing names the phase (on its side) that fails.
func migrationPair(t *testing.T, j *journal, srcFail, dstFail libvirt.MigrationPhase, uriOut *string, srcOpts ...libvirttest.Option) (src, dst *libvirt.Client, dom libvirt.Domain) {
	t.Helper()
	return peerPair(t, &migrationPeer{side: "src", j: j, fail: srcFail}, &migrationPeer{side: "dst", j: j, fail: dstFail, uriOut: uriOut}, srcOpts...)
}

// peerPair starts a fake daemon for each peer and dials both.
func peerPair(t *testing.T, srcPeer, dstPeer *migrationPeer, srcOpts ...libvirttest.Option) (src, dst *libvirt.Client, dom libvirt.Domain) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	clients := make([]*libvirt.Client, 2)
	for i, peer := range []*migrationPeer{srcPeer, dstPeer} {
		opts := []libvirttest.Option{libvirttest.WithUnixSocket(""), libvirttest.WithRemoteHandler(func(h libvirttest.RemoteHandler) libvirttest.RemoteHandler {
			peer.RemoteHandler = h
			return peer
		})}
		if i == 0 {
			opts = append(opts, srcOpts...)
		}
		opts = append(opts, peer.opts...)
		srv := libvirttest.New(t, opts...)
		c, err := libvirt.Dial(ctx, srv.URI())
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		clients[i] = c
	}
	dom, err := clients[0].DomainLookupByName(ctx, "test")
	require.NoError(t, err)
	return clients[0], clients[1], dom
}

func migrateCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestDomainMigrate3Managed(t *testing.T) {
	var j journal
	src, dst, dom := migrationPair(t, &j, "", "", nil)
	params := libvirt.DomainMigrateParameters{URI: "tcp://127.0.0.1:49152", Bandwidth: 10}.TypedParams()
	flags := libvirt.MigrateLive | libvirt.MigrateAutoConverge

	ddom, err := src.DomainMigrate3(migrateCtx(t), dom, dst, params, flags)
	require.NoError(t, err)
	assert.Equal(t, libvirt.Domain{Name: "test", ID: 42}, ddom, "the domain Finish returned")

	require.Equal(t, []string{"src:begin", "dst:prepare", "src:perform", "dst:finish", "src:confirm"}, j.phases())
	calls := j.get()
	begin, prepare, perform, finish, confirm := calls[0], calls[1], calls[2], calls[3], calls[4]

	// Change protection goes to the source's calls only; auto-converge is
	// the source's business.
	srcFlags := flags | libvirt.MigrateChangeProtection
	dstFlags := libvirt.MigrateLive
	assert.Equal(t, srcFlags, begin.flags)
	assert.Equal(t, dstFlags, prepare.flags)
	assert.Equal(t, srcFlags, perform.flags)
	assert.Equal(t, dstFlags, finish.flags)
	assert.Equal(t, srcFlags, confirm.flags)

	// Each phase gets the previous phase's cookie.
	assert.Equal(t, "cookie-begin", prepare.cookieIn)
	assert.Equal(t, "cookie-prepare", perform.cookieIn)
	assert.Equal(t, "cookie-perform", finish.cookieIn)
	assert.Equal(t, "cookie-finish", confirm.cookieIn)
	assert.Equal(t, int32(0), finish.cancelled)
	assert.Equal(t, int32(0), confirm.cancelled)
	assert.Nil(t, perform.dconnuri, "no destination libvirtd URI outside peer-to-peer")

	// Prepare starts the guest from the XML Begin produced; Finish is told
	// the name to look for.
	xml, _ := prepare.params.String(libvirt.MigrateParamDestXML)
	assert.Equal(t, "<domain>test</domain>", xml)
	name, _ := finish.params.String(libvirt.MigrateParamDestName)
	assert.Equal(t, "test", name)
	uri, _ := perform.params.String(libvirt.MigrateParamURI)
	assert.Equal(t, "tcp://127.0.0.1:49152", uri)
	bw, _ := perform.params.Uint64(libvirt.MigrateParamBandwidth)
	assert.Equal(t, uint64(10), bw)
	assert.False(t, params.Has(libvirt.MigrateParamDestXML), "the caller's parameters are not modified")
}

func TestDomainMigrate3ManagedURIFromPrepare(t *testing.T) {
	var j journal
	chosen := "tcp://192.0.2.7:49153"
	src, dst, dom := migrationPair(t, &j, "", "", &chosen)
	_, err := src.DomainMigrate3(migrateCtx(t), dom, dst, nil, libvirt.MigrateLive)
	require.NoError(t, err)
	perform := j.get()[2]
	require.Equal(t, libvirt.MigrationPhasePerform, perform.phase)
	uri, _ := perform.params.String(libvirt.MigrateParamURI)
	assert.Equal(t, chosen, uri, "Perform uses the URI the destination chose")
}

func TestDomainMigrate3ManagedFailures(t *testing.T) {
	for _, tc := range []struct {
		name             string
		srcFail, dstFail libvirt.MigrationPhase
		uriOut           *string
		phases           []string
		failed           libvirt.MigrationPhase
		finishCancelled  int32
		confirmCancelled int32
		code             libvirt.ErrorNumber
		cleanupFailed    bool
	}{{
		name: "begin", srcFail: libvirt.MigrationPhaseBegin,
		phases: []string{"src:begin"}, failed: libvirt.MigrationPhaseBegin, code: libvirt.ErrOperationFailed,
	}, {
		// Begin started a job on the source (change protection):
		// Confirm with cancelled ends it.
		name: "prepare", dstFail: libvirt.MigrationPhasePrepare,
		phases: []string{"src:begin", "dst:prepare", "src:confirm"}, failed: libvirt.MigrationPhasePrepare,
		confirmCancelled: 1, code: libvirt.ErrOperationFailed,
	}, {
		// The source cancelled its side itself; the destination is told
		// to kill the incoming guest, and its "successfully aborted"
		// does not hide Perform's error.
		name: "perform", srcFail: libvirt.MigrationPhasePerform,
		phases: []string{"src:begin", "dst:prepare", "src:perform", "dst:finish"}, failed: libvirt.MigrationPhasePerform,
		finishCancelled: 1, code: libvirt.ErrOperationFailed,
	}, {
		name: "finish", dstFail: libvirt.MigrationPhaseFinish,
		phases: []string{"src:begin", "dst:prepare", "src:perform", "dst:finish", "src:confirm"}, failed: libvirt.MigrationPhaseFinish,
		confirmCancelled: 1, code: libvirt.ErrOperationFailed,
	}, {
		name: "no uri", srcFail: "",
		phases: []string{"src:begin", "dst:prepare", "dst:finish", "src:confirm"}, failed: libvirt.MigrationPhasePrepare,
		finishCancelled: 1, confirmCancelled: 1, code: libvirt.ErrInternalError,
	}, {
		name: "finish and confirm", srcFail: libvirt.MigrationPhaseConfirm, dstFail: libvirt.MigrationPhaseFinish,
		phases: []string{"src:begin", "dst:prepare", "src:perform", "dst:finish", "src:confirm"}, failed: libvirt.MigrationPhaseFinish,
		confirmCancelled: 1, code: libvirt.ErrOperationFailed, cleanupFailed: true,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			var j journal
			src, dst, dom := migrationPair(t, &j, tc.srcFail, tc.dstFail, tc.uriOut)
			var params libvirt.TypedParams
			if tc.name != "no uri" {
				params = libvirt.DomainMigrateParameters{URI: "tcp://127.0.0.1:49152"}.TypedParams()
			}
			ddom, err := src.DomainMigrate3(migrateCtx(t), dom, dst, params, libvirt.MigrateLive)
			require.Error(t, err)
			assert.Equal(t, libvirt.Domain{}, ddom)
			var merr *libvirt.MigrationError
			require.True(t, errors.As(err, &merr), "%T: %v", err, err)
			assert.Equal(t, tc.failed, merr.Phase)
			assert.True(t, errors.Is(err, tc.code), "%v", err)
			assert.Equal(t, tc.cleanupFailed, merr.Cleanup != nil, "cleanup error %v", merr.Cleanup)
			require.Equal(t, tc.phases, j.phases())
			for _, c := range j.get() {
				switch c.phase {
				case libvirt.MigrationPhaseFinish:
					assert.Equal(t, tc.finishCancelled, c.cancelled, "Finish cancelled")
				case libvirt.MigrationPhaseConfirm:
					assert.Equal(t, tc.confirmCancelled, c.cancelled, "Confirm cancelled")
				}
			}
		})
	}
}

func TestDomainMigrate3ManagedConfirmFails(t *testing.T) {
	var j journal
	src, dst, dom := migrationPair(t, &j, libvirt.MigrationPhaseConfirm, "", nil)
	params := libvirt.DomainMigrateParameters{URI: "tcp://127.0.0.1:49152"}.TypedParams()
	ddom, err := src.DomainMigrate3(migrateCtx(t), dom, dst, params, libvirt.MigrateLive)
	var merr *libvirt.MigrationError
	require.True(t, errors.As(err, &merr), "%v", err)
	assert.Equal(t, libvirt.MigrationPhaseConfirm, merr.Phase)
	assert.Equal(t, "test", ddom.Name, "the guest runs on the destination: its domain comes with the error")
}

func TestDomainMigrate3PeerToPeer(t *testing.T) {
	var j journal
	src, dst, dom := migrationPair(t, &j, "", "", nil)
	params := libvirt.DomainMigrateParameters{URI: "tcp://127.0.0.1:49152"}.TypedParams()
	ddom, err := src.DomainMigrate3(migrateCtx(t), dom, dst, params, libvirt.MigrateLive|libvirt.MigratePeer2peer)
	require.NoError(t, err)
	assert.Equal(t, "test", ddom.Name, "looked up on the destination")

	require.Equal(t, []string{"src:perform"}, j.phases(), "one call; the source daemon runs the protocol")
	perform := j.get()[0]
	require.NotNil(t, perform.dconnuri)
	dstURI, err := dst.ConnectGetURI(migrateCtx(t))
	require.NoError(t, err)
	assert.NotEqual(t, dstURI, *perform.dconnuri, "not the daemon's own driver URI")
	assert.Contains(t, *perform.dconnuri, "test+unix:///default?socket=", "the URI the destination was dialled with")
	assert.Equal(t, libvirt.MigrateLive|libvirt.MigratePeer2peer, perform.flags)
	assert.Empty(t, perform.cookieIn)
}

func TestDomainMigrateToURI3(t *testing.T) {
	var j journal
	src, _, dom := migrationPair(t, &j, "", "", nil)
	ctx := migrateCtx(t)
	params := libvirt.DomainMigrateParameters{URI: "tcp://192.0.2.2:49152"}.TypedParams()
	require.NoError(t, src.DomainMigrateToURI3(ctx, dom, "qemu+tcp://192.0.2.2/system", params, libvirt.MigrateLive|libvirt.MigratePeer2peer))
	require.Equal(t, []string{"src:perform"}, j.phases())
	assert.Equal(t, "qemu+tcp://192.0.2.2/system", *j.get()[0].dconnuri)

	// URIs that lead the source back to itself are refused before any call.
	for _, uri := range []string{"qemu:///system", "qemu+tcp://localhost/system", "qemu+ssh://localhost.localdomain/system"} {
		err := src.DomainMigrateToURI3(ctx, dom, uri, params, libvirt.MigratePeer2peer)
		assert.True(t, errors.Is(err, libvirt.ErrInvalidArg), "%s: %v", uri, err)
	}
	// Without peer-to-peer QEMU has no direct migration (feature 5).
	err := src.DomainMigrateToURI3(ctx, dom, "", params, libvirt.MigrateLive)
	assert.True(t, errors.Is(err, libvirt.ErrArgumentUnsupported), "%v", err)
	// Exclusive flags.
	err = src.DomainMigrateToURI3(ctx, dom, "qemu+tcp://192.0.2.2/system", params,
		libvirt.MigratePeer2peer|libvirt.MigrateNonSharedDisk|libvirt.MigrateNonSharedInc)
	assert.True(t, errors.Is(err, libvirt.ErrInvalidArg), "%v", err)
	assert.Len(t, j.phases(), 1, "no further calls reached the daemon")
}

func TestDomainMigrate3Checks(t *testing.T) {
	var j journal
	src, dst, dom := migrationPair(t, &j, "", "", nil)
	ctx := migrateCtx(t)
	_, err := src.DomainMigrate3(ctx, dom, nil, nil, libvirt.MigrateLive)
	assert.True(t, errors.Is(err, libvirt.ErrInvalidArg), "%v", err)
	_, err = src.DomainMigrate3(ctx, dom, dst, nil, libvirt.MigrateTunnelled)
	assert.True(t, errors.Is(err, libvirt.ErrOperationInvalid), "tunnelled without peer-to-peer: %v", err)

	// A destination not made by Dial has no URI to give a peer-to-peer source.
	srv := libvirttest.New(t)
	piped, err := srv.Client(ctx)
	require.NoError(t, err)
	defer piped.Close()
	_, err = src.DomainMigrate3(ctx, dom, piped, nil, libvirt.MigratePeer2peer)
	assert.True(t, errors.Is(err, libvirt.ErrInvalidArg), "%v", err)
	assert.Empty(t, j.phases())
}

// A Perform abandoned because the context ended is still undone on both
// daemons, with calls of their own.
func TestDomainMigrate3ManagedContextEndsInPerform(t *testing.T) {
	var j journal
	src, dst, dom := migrationPair(t, &j, "", "", nil,
		libvirttest.WithDelay(libvirt.ProcDomainMigratePerform3Params, 2*time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	params := libvirt.DomainMigrateParameters{URI: "tcp://127.0.0.1:49152"}.TypedParams()
	_, err := src.DomainMigrate3(ctx, dom, dst, params, libvirt.MigrateLive)
	var merr *libvirt.MigrationError
	require.True(t, errors.As(err, &merr), "%v", err)
	assert.Equal(t, libvirt.MigrationPhasePerform, merr.Phase)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
	assert.NoError(t, merr.Cleanup)

	// The delayed Perform reaches the fake's handler only later, so look
	// at the undoing calls only.
	var undo []string
	for _, c := range j.get() {
		if c.phase == libvirt.MigrationPhaseFinish || c.phase == libvirt.MigrationPhaseConfirm {
			undo = append(undo, fmt.Sprintf("%s:%s cancelled=%d", c.side, c.phase, c.cancelled))
		}
	}
	assert.Equal(t, []string{"dst:finish cancelled=1", "src:confirm cancelled=1"}, undo)
}

// Feature numbers of libvirt's VIR_DRV_FEATURE_* that migration asks for.
const (
	featP2P     = 4
	featDirect  = 5
	featV3      = 6
	featProtect = 7
	featOffline = 12
	featParams  = 13
)

// Offline migration needs both hosts to support it, and then copies
// nothing: Begin, Prepare, Finish and Confirm, no Perform.
func TestDomainMigrate3Offline(t *testing.T) {
	all := map[int32]bool{featP2P: true, featV3: true, featProtect: true, featOffline: true, featParams: true}
	noOffline := map[int32]bool{featP2P: true, featV3: true, featProtect: true, featParams: true}
	flags := libvirt.MigrateOffline | libvirt.MigratePersistDest
	for _, c := range []struct {
		name     string
		src, dst map[int32]bool
		want     string // error message, or "" for success
	}{
		{"both hosts", all, all, ""},
		{"source without offline", noOffline, all, "offline migration is not supported by the source host"},
		{"destination without offline", all, noOffline, "offline migration is not supported by the destination host"},
	} {
		var j journal
		// libvirt asks for Prepare's URI before it skips Perform, and
		// QEMU's Prepare gives one for offline migrations too.
		uri := "tcp://192.0.2.3:49152"
		src, dst, dom := peerPair(t, &migrationPeer{side: "src", j: &j, features: c.src}, &migrationPeer{side: "dst", j: &j, features: c.dst, uriOut: &uri})
		_, err := src.DomainMigrate3(migrateCtx(t), dom, dst, nil, flags)
		if c.want == "" {
			require.NoError(t, err, c.name)
			assert.Equal(t, []string{"src:begin", "dst:prepare", "dst:finish", "src:confirm"}, j.phases(), c.name)
			for _, call := range j.get() {
				assert.Zero(t, call.cancelled, "%s: %s:%s cancelled", c.name, call.side, call.phase)
			}
			continue
		}
		assert.True(t, errors.Is(err, libvirt.ErrArgumentUnsupported), "%s: %v", c.name, err)
		assert.ErrorContains(t, err, c.want, c.name)
		assert.Empty(t, j.phases(), "%s: no migration call", c.name)
	}
}

// DomainMigrateToURI3 checks the source's features before its one call.
func TestDomainMigrateToURI3Features(t *testing.T) {
	params := libvirt.DomainMigrateParameters{URI: "tcp://192.0.2.2:49152"}.TypedParams()
	for _, c := range []struct {
		name     string
		features map[int32]bool
		flags    libvirt.DomainMigrateFlags
		want     string
	}{
		{"offline without support", map[int32]bool{featP2P: true, featParams: true}, libvirt.MigrateOffline | libvirt.MigratePeer2peer,
			"offline migration is not supported by the source host"},
		{"peer-to-peer without support", map[int32]bool{featParams: true}, libvirt.MigratePeer2peer,
			"the source host does not support peer-to-peer migration"},
		{"peer-to-peer without parameters", map[int32]bool{featP2P: true}, libvirt.MigratePeer2peer,
			"the source host does not support migration parameters"},
		{"direct without parameters", map[int32]bool{featDirect: true}, libvirt.MigrateLive,
			"the source host does not support migration parameters"},
	} {
		var j journal
		src, _, dom := peerPair(t, &migrationPeer{side: "src", j: &j, features: c.features}, &migrationPeer{side: "dst", j: &j})
		err := src.DomainMigrateToURI3(migrateCtx(t), dom, "qemu+tcp://192.0.2.2/system", params, c.flags)
		assert.True(t, errors.Is(err, libvirt.ErrArgumentUnsupported), "%s: %v", c.name, err)
		assert.ErrorContains(t, err, c.want, c.name)
		assert.Empty(t, j.phases(), "%s: no migration call", c.name)
	}
	// Direct migration with parameters reaches Perform, without a
	// destination URI (the hypervisor migrates to params' URI).
	var j journal
	src, _, dom := peerPair(t, &migrationPeer{side: "src", j: &j, features: map[int32]bool{featDirect: true, featParams: true}}, &migrationPeer{side: "dst", j: &j})
	require.NoError(t, src.DomainMigrateToURI3(migrateCtx(t), dom, "ignored", params, libvirt.MigrateLive))
	require.Equal(t, []string{"src:perform"}, j.phases())
	assert.Nil(t, j.get()[0].dconnuri)
}

// A paused guest stays paused: the destination's calls get MigratePaused
// (libvirt's virDomainMigrateVersion3Full does the same).
func TestDomainMigrate3PausedGuestStaysPaused(t *testing.T) {
	var j journal
	src, dst, dom := migrationPair(t, &j, "", "", nil)
	ctx := migrateCtx(t)
	require.NoError(t, src.DomainSuspend(ctx, dom))
	params := libvirt.DomainMigrateParameters{URI: "tcp://127.0.0.1:49152"}.TypedParams()
	_, err := src.DomainMigrate3(ctx, dom, dst, params, libvirt.MigrateLive)
	require.NoError(t, err)
	calls := j.get()
	require.Len(t, calls, 5)
	assert.Equal(t, libvirt.MigrateLive, calls[0].flags&^libvirt.MigrateChangeProtection, "Begin: as given")
	for _, c := range calls[1:] {
		assert.NotZero(t, c.flags&libvirt.MigratePaused, "%s:%s flags %v", c.side, c.phase, c.flags)
	}

	// Resuming a failed post-copy migration of a guest paused by it does
	// not ask for a paused guest.
	var j2 journal
	src, dst, dom = migrationPair(t, &j2, "", "", nil)
	require.NoError(t, src.DomainSuspend(ctx, dom))
	_, err = src.DomainMigrate3(ctx, dom, dst, params, libvirt.MigrateLive|libvirt.MigratePostcopy|libvirt.MigratePostcopyResume)
	require.NoError(t, err)
	for _, c := range j2.get() {
		assert.Zero(t, c.flags&libvirt.MigratePaused, "post-copy resume: %s:%s flags %v", c.side, c.phase, c.flags)
	}
}

// A context that ends while the destination finishes still lets the
// source be told: Confirm (resume the guest here) runs with a bound of its
// own, so neither side is left holding a half-done migration.
func TestDomainMigrate3ContextEndsInFinish(t *testing.T) {
	var j journal
	src, dst, dom := peerPair(t, &migrationPeer{side: "src", j: &j},
		&migrationPeer{side: "dst", j: &j, opts: []libvirttest.Option{libvirttest.WithDelay(libvirt.ProcDomainMigrateFinish3Params, 2*time.Second)}})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	params := libvirt.DomainMigrateParameters{URI: "tcp://127.0.0.1:49152"}.TypedParams()
	_, err := src.DomainMigrate3(ctx, dom, dst, params, libvirt.MigrateLive)
	var merr *libvirt.MigrationError
	require.True(t, errors.As(err, &merr), "%v", err)
	assert.Equal(t, libvirt.MigrationPhaseFinish, merr.Phase)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
	assert.NoError(t, merr.Cleanup, "Confirm after the context ended")
	var confirms []string
	for _, c := range j.get() {
		if c.phase == libvirt.MigrationPhaseConfirm {
			confirms = append(confirms, fmt.Sprintf("%s cancelled=%d", c.side, c.cancelled))
		}
	}
	assert.Equal(t, []string{"src cancelled=1"}, confirms)
}

package libvirt

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Driver features (libvirt's internal virDrvFeature numbers) that decide how
// a migration is driven; virConnectSupportsFeature answers for them.
const (
	featureMigrationP2P            = 4
	featureMigrationDirect         = 5
	featureMigrationV3             = 6
	featureMigrateChangeProtection = 7
	featureMigrationOffline        = 12
	featureMigrationParams         = 13
)

// DomainMigrateParameters are the typed migration parameters most callers
// set. A zero field is left out; Extra is appended as given, for the
// parameters without a field here (compression, parallel connections, disk
// lists, ... named by the MigrateParam constants).
type DomainMigrateParameters struct {
	// URI is the hypervisor's own migration URI as seen from the source
	// (MigrateParamURI), e.g. "tcp://10.0.0.2:49152". Empty lets the
	// destination pick one.
	URI string
	// DestName renames the domain on the destination (MigrateParamDestName).
	DestName string
	// DestXML is the domain XML to start the guest with on the destination
	// (MigrateParamDestXML); it may change only host-specific details.
	DestXML string
	// PersistXML is the persistent configuration to define on the
	// destination with MigratePersistDest (MigrateParamPersistXML).
	PersistXML string
	// Bandwidth limits the migration to this many MiB/s
	// (MigrateParamBandwidth).
	Bandwidth uint64
	// ListenAddress is the address the destination hypervisor listens on
	// for the incoming stream (MigrateParamListenAddress).
	ListenAddress string
	// GraphicsURI tells graphical clients where to reconnect
	// (MigrateParamGraphicsURI).
	GraphicsURI string
	// Extra holds any further parameters.
	Extra TypedParams
}

// TypedParams returns the parameters in the form the migration calls take.
func (p DomainMigrateParameters) TypedParams() TypedParams {
	var ps TypedParams
	for _, s := range []struct{ name, v string }{
		{MigrateParamURI, p.URI},
		{MigrateParamDestName, p.DestName},
		{MigrateParamDestXML, p.DestXML},
		{MigrateParamPersistXML, p.PersistXML},
		{MigrateParamListenAddress, p.ListenAddress},
		{MigrateParamGraphicsURI, p.GraphicsURI},
	} {
		if s.v != "" {
			ps = ps.AddString(s.name, s.v)
		}
	}
	if p.Bandwidth != 0 {
		ps = ps.AddUint64(MigrateParamBandwidth, p.Bandwidth)
	}
	return append(ps, p.Extra...)
}

// MigrationPhase names a step of libvirt's version 3 migration protocol.
type MigrationPhase string

// The phases, in the order the managed migration runs them. Perform is
// also the single call of a peer-to-peer migration; Lookup is the look-up
// of the migrated domain on the destination that follows it in
// DomainMigrate3; Check is a check made before any call that changes state.
const (
	MigrationPhaseCheck   MigrationPhase = "check"
	MigrationPhaseBegin   MigrationPhase = "begin"
	MigrationPhasePrepare MigrationPhase = "prepare"
	MigrationPhasePerform MigrationPhase = "perform"
	MigrationPhaseFinish  MigrationPhase = "finish"
	MigrationPhaseConfirm MigrationPhase = "confirm"
	MigrationPhaseLookup  MigrationPhase = "lookup"
)

// MigrationError is returned by DomainMigrate3 and DomainMigrateToURI3:
// the phase that failed and libvirt's error, which errors.Is and errors.As
// reach through Unwrap. Cleanup is the error of the cancelling Confirm call
// made after the failure, if that failed too (the guest may then be left
// paused on the source).
type MigrationError struct {
	Phase   MigrationPhase
	Err     error
	Cleanup error
}

// Error describes the failed phase and the cause.
func (e *MigrationError) Error() string {
	msg := fmt.Sprintf("libvirt: migration failed in the %s phase: %v", e.Phase, e.Err)
	if e.Cleanup != nil {
		msg += fmt.Sprintf(" (cancelling on the source failed too: %v)", e.Cleanup)
	}
	return msg
}

// Unwrap returns the cause.
func (e *MigrationError) Unwrap() error { return e.Err }

// migrateArgError is a usage error found before any call, reported the
// way libvirt's C library reports it (from the domain API).
func migrateArgError(code ErrorNumber, msg string) error {
	return &MigrationError{Phase: MigrationPhaseCheck, Err: &Error{Code: code, Domain: FromDomain, Level: ErrError, Message: msg}}
}

// supports asks the daemon whether its driver has feature.
func (c *Client) supports(ctx context.Context, feature int32) (bool, error) {
	ok, err := c.ConnectSupportsFeature(ctx, feature)
	return ok == 1, err
}

// DomainMigrateToURI3 migrates dom from this connection's host to the one
// dconnuri names, as libvirt's virDomainMigrateToURI3 does. With
// MigratePeer2peer in flags the source daemon connects to dconnuri itself
// (so the URI must work from the source host: "qemu+tcp://dest/system")
// and runs the whole protocol; this client makes one call, which returns
// when the migration is over. Without it, dconnuri is ignored and the
// hypervisor migrates directly to params' URI, which only drivers with
// direct migration support (not QEMU).
//
// A dconnuri without a host, or whose host begins with "localhost", is
// refused unless it names a unix socket, as the C library does, since it
// would point the source back at itself.
//
// See https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainMigrateToURI3
func (c *Client) DomainMigrateToURI3(ctx context.Context, dom Domain, dconnuri string, params TypedParams, flags DomainMigrateFlags) error {
	if err := checkMigrateFlags(flags); err != nil {
		return err
	}
	if flags&MigrateOffline != 0 {
		if err := c.needFeature(ctx, featureMigrationOffline, "offline migration is not supported by the source host"); err != nil {
			return err
		}
	}
	var uri *string
	if flags&MigratePeer2peer != 0 {
		if err := c.needFeature(ctx, featureMigrationP2P, "the source host does not support peer-to-peer migration"); err != nil {
			return err
		}
		if err := checkNotLocal(dconnuri); err != nil {
			return err
		}
		if err := c.needFeature(ctx, featureMigrationParams, "the source host does not support migration parameters"); err != nil {
			return err
		}
		uri = &dconnuri
	} else {
		if flags&MigrateTunnelled != 0 {
			return migrateArgError(ErrOperationInvalid, "cannot perform tunnelled migration without using peer2peer flag")
		}
		if err := c.needFeature(ctx, featureMigrationDirect, "direct migration is not supported by the connection driver"); err != nil {
			return err
		}
		if err := c.needFeature(ctx, featureMigrationParams, "the source host does not support migration parameters"); err != nil {
			return err
		}
	}
	if _, err := c.DomainMigratePerform3Params(ctx, dom, uri, params, nil, flags); err != nil {
		return &MigrationError{Phase: MigrationPhasePerform, Err: err}
	}
	return nil
}

// DomainMigrate3 migrates dom from this connection's host to dest's and
// returns the domain as dest knows it, as libvirt's virDomainMigrate3 does.
//
// With MigratePeer2peer in flags the source daemon drives the migration to
// the URI dest was dialled with (so that URI must work from the source
// host, and dest must come from Dial) and the domain is then looked up on
// dest by name.
//
// Otherwise this client drives libvirt's version 3 protocol itself,
// talking to both daemons: Begin on the source (the domain XML and a
// cookie), Prepare on the destination (ready to receive; may choose the
// migration URI), Perform on the source (the hypervisor copies the guest),
// Finish on the destination (starts the guest there, or kills it if
// Perform failed) and Confirm on the source (kills the guest there, or
// resumes it if Finish failed). A failure in any phase is followed by the
// calls libvirt makes to undo it, and reported as a *MigrationError naming
// that phase. Whenever the destination reports the guest running there
// (for instance when only the final Confirm failed), the returned Domain is
// valid even alongside an error.
//
// Each phase is a separate call bounded by ctx. A context ending during
// Perform abandons the call, not the migration: the source daemon goes on
// (libvirt cannot cancel a call once sent; DomainAbortJob on the source
// cancels a migration in progress). The Finish and Confirm calls that undo
// a failed migration are still made when ctx has ended, each bounded by a
// minute of its own, so that neither daemon is left holding a half-done
// migration.
//
// See https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainMigrate3
func (c *Client) DomainMigrate3(ctx context.Context, dom Domain, dest *Client, params TypedParams, flags DomainMigrateFlags) (Domain, error) {
	if dest == nil {
		return Domain{}, migrateArgError(ErrInvalidArg, "no destination connection")
	}
	if err := checkMigrateFlags(flags); err != nil {
		return Domain{}, err
	}
	if flags&MigrateOffline != 0 {
		if err := c.needFeature(ctx, featureMigrationOffline, "offline migration is not supported by the source host"); err != nil {
			return Domain{}, err
		}
		if err := dest.needFeature(ctx, featureMigrationOffline, "offline migration is not supported by the destination host"); err != nil {
			return Domain{}, err
		}
	}
	if flags&MigratePeer2peer != 0 {
		// Like the C library, the source gets the URI this client used
		// for dest, not the daemon's own name for its driver
		// (ConnectGetURI, "qemu:///system"), which would lead the source
		// back to itself.
		dconnuri := dest.dialURI
		if dconnuri == "" {
			return Domain{}, migrateArgError(ErrInvalidArg, "the destination connection was not made by Dial, so its URI is unknown; use DomainMigrateToURI3")
		}
		if err := c.DomainMigrateToURI3(ctx, dom, dconnuri, params, flags); err != nil {
			return Domain{}, err
		}
		name := dom.Name
		if v, ok := params.String(MigrateParamDestName); ok {
			name = v
		}
		ddom, err := dest.DomainLookupByName(ctx, name)
		if err != nil {
			return Domain{}, &MigrationError{Phase: MigrationPhaseLookup, Err: err}
		}
		return ddom, nil
	}
	if flags&MigrateTunnelled != 0 {
		return Domain{}, migrateArgError(ErrOperationInvalid, "cannot perform tunnelled migration without using peer2peer flag")
	}
	// Change protection is re-added below for the source's calls only, so
	// that an older destination that rejects the flag is not sent it.
	protection, err := c.supports(ctx, featureMigrateChangeProtection)
	if err != nil {
		return Domain{}, &MigrationError{Phase: MigrationPhaseCheck, Err: err}
	}
	if flags&MigrateChangeProtection != 0 && !protection {
		return Domain{}, migrateArgError(ErrArgumentUnsupported, "cannot enforce change protection")
	}
	flags &^= MigrateChangeProtection
	for _, side := range []struct {
		c    *Client
		host string
	}{{c, "source"}, {dest, "destination"}} {
		for _, f := range []int32{featureMigrationV3, featureMigrationParams} {
			if err := side.c.needFeature(ctx, f, "the "+side.host+" host does not support migration protocol 3 with parameters"); err != nil {
				return Domain{}, err
			}
		}
	}
	var srcFlags DomainMigrateFlags
	if protection {
		srcFlags = MigrateChangeProtection
	}
	return c.migrateManaged(ctx, dom, dest, params, flags, srcFlags)
}

// needFeature fails with ErrArgumentUnsupported and msg unless the daemon
// has feature.
func (c *Client) needFeature(ctx context.Context, feature int32, msg string) error {
	ok, err := c.supports(ctx, feature)
	if err != nil {
		return &MigrationError{Phase: MigrationPhaseCheck, Err: err}
	}
	if !ok {
		return migrateArgError(ErrArgumentUnsupported, msg)
	}
	return nil
}

// checkMigrateFlags rejects flag combinations libvirt rejects before any
// call.
func checkMigrateFlags(flags DomainMigrateFlags) error {
	if flags&MigrateNonSharedDisk != 0 && flags&MigrateNonSharedInc != 0 {
		return migrateArgError(ErrInvalidArg, "flags MigrateNonSharedDisk and MigrateNonSharedInc are mutually exclusive")
	}
	return nil
}

// checkNotLocal refuses a peer-to-peer destination URI that would lead
// the source daemon back to its own host: no host at all (a local
// driver URI) or one starting with "localhost". A URI naming a unix
// socket explicitly is let through: whoever writes one means it.
func checkNotLocal(dconnuri string) error {
	u, err := url.Parse(dconnuri)
	if err != nil {
		return migrateArgError(ErrInvalidArg, fmt.Sprintf("invalid destination URI %q: %v", dconnuri, err))
	}
	if strings.HasPrefix(u.Hostname(), "localhost") || (u.Hostname() == "" && !namesUnixSocket(u)) {
		return migrateArgError(ErrInvalidArg, fmt.Sprintf("destination URI %q: attempt to migrate guest to the same host", dconnuri))
	}
	return nil
}

// namesUnixSocket reports whether u uses the unix transport with an
// explicit socket path.
func namesUnixSocket(u *url.URL) bool {
	_, transport, _ := strings.Cut(u.Scheme, "+")
	return transport == "unix" && u.Query().Get("socket") != ""
}

// withString returns a copy of ps with name set to v, replacing every
// earlier value of name.
func withString(ps TypedParams, name, v string) TypedParams {
	out := make(TypedParams, 0, len(ps)+1)
	for _, p := range ps {
		if p.Field != name {
			out = append(out, p)
		}
	}
	return out.AddString(name, v)
}

// migrateManaged runs the Begin, Prepare, Perform, Finish and Confirm
// phases the way libvirt's client library does for virDomainMigrate3
// without peer-to-peer: cookies are handed from each phase to the next,
// and a failure is undone by telling the other side the migration was
// cancelled.
func (c *Client) migrateManaged(ctx context.Context, dom Domain, dest *Client, params TypedParams, flags, srcFlags DomainMigrateFlags) (Domain, error) {
	params = append(TypedParams(nil), params...) // the caller's slice is left alone

	cookie, domXML, err := c.DomainMigrateBegin3Params(ctx, dom, params, flags|srcFlags)
	if err != nil {
		return Domain{}, &MigrationError{Phase: MigrationPhaseBegin, Err: err}
	}

	// A paused guest stays paused on the destination, except when resuming
	// a failed post-copy migration (the guest is paused because of it).
	if state, _, err := c.DomainGetState(ctx, dom, 0); err == nil && state == DomainPaused && flags&MigratePostcopyResume == 0 {
		flags |= MigratePaused
	}
	// These only steer the source's side of the stream.
	destFlags := flags &^ (MigrateAbortOnError | MigrateAutoConverge)

	params = withString(params, MigrateParamDestXML, domXML)
	cookie, uriOut, err := dest.DomainMigratePrepare3Params(ctx, params, cookie, destFlags)
	if err != nil {
		merr := &MigrationError{Phase: MigrationPhasePrepare, Err: err}
		if srcFlags&MigrateChangeProtection != 0 {
			// Begin started a migration job on the source; Confirm with
			// cancelled set ends it.
			cctx, cancel := cleanupContext(ctx)
			defer cancel()
			merr.Cleanup = c.DomainMigrateConfirm3Params(cctx, dom, params, nil, flags|srcFlags, 1)
		}
		return Domain{}, merr
	}

	var failure *MigrationError
	notifySource := true
	cancelled := int32(1)
	switch {
	case uriOut != nil:
		params = withString(params, MigrateParamURI, *uriOut)
	case !params.Has(MigrateParamURI):
		failure = &MigrationError{Phase: MigrationPhasePrepare, Err: &Error{Code: ErrInternalError, Domain: FromDomain, Level: ErrError,
			Message: "the destination's Prepare phase did not set a migration URI"}}
	}

	if failure == nil {
		if flags&MigrateOffline != 0 {
			// Nothing to copy: the destination only defines the domain.
			cookie, cancelled = nil, 0
		} else {
			cookie, err = c.DomainMigratePerform3Params(ctx, dom, nil, params, cookie, flags|srcFlags)
			if err != nil {
				failure = &MigrationError{Phase: MigrationPhasePerform, Err: err}
				// A failure reported by the source needs no Confirm: the
				// source cancelled its side itself. A Perform this client
				// abandoned (ctx ended) may still be running or may have
				// finished and left the guest paused there, so the source
				// is told to resume it.
				notifySource = ctx.Err() != nil
			} else {
				cancelled = 0
			}
		}
	}

	if _, ok := params.String(MigrateParamDestName); !ok {
		params = withString(params, MigrateParamDestName, dom.Name)
	}
	// Finish runs even after a failure: with cancelled set, the destination
	// kills the half-received guest. The daemon answers with the domain
	// only when it runs there.
	if failure != nil {
		var cancel context.CancelFunc
		ctx, cancel = cleanupContext(ctx)
		defer cancel()
	}
	ddom, cookie, err := dest.DomainMigrateFinish3Params(ctx, params, cookie, destFlags, cancelled)
	started := err == nil
	if err != nil {
		switch {
		case failure == nil:
			failure = &MigrationError{Phase: MigrationPhaseFinish, Err: err}
		case failure.Phase == MigrationPhasePerform && finishErrorExplains(failure.Err, err):
			failure.Err = err
		}
	}

	if notifySource {
		// Confirm kills the source's guest if it runs on the destination,
		// or resumes it on the source otherwise.
		var undo int32
		if !started {
			undo = 1
		}
		if failure != nil {
			var cancel context.CancelFunc
			ctx, cancel = cleanupContext(ctx)
			defer cancel()
		}
		if cerr := c.DomainMigrateConfirm3Params(ctx, dom, params, cookie, flags|srcFlags, undo); cerr != nil {
			if failure == nil {
				failure = &MigrationError{Phase: MigrationPhaseConfirm, Err: cerr}
			} else {
				failure.Cleanup = cerr
			}
		}
	}
	if !started {
		return Domain{}, failure
	}
	if failure != nil {
		return ddom, failure
	}
	return ddom, nil
}

// migrateCleanupTimeout bounds the calls that undo a failed migration
// when the caller's context has already ended.
const migrateCleanupTimeout = time.Minute

// cleanupContext returns ctx, or, when ctx has ended (often the very
// reason the migration failed), a context bounded by migrateCleanupTimeout
// that keeps ctx's values: the calls that cancel the migration on both
// daemons must still be made, or a half-received guest stays on the
// destination and the guest stays paused on the source.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx.Err() == nil {
		return ctx, func() {}
	}
	return context.WithTimeout(context.WithoutCancel(ctx), migrateCleanupTimeout)
}

// finishErrorExplains reports whether the destination's Finish error says
// more than the source's Perform error, as libvirt's client library decides
// it: Perform's generic "operation failed" from QEMU is replaced by a QEMU
// error from Finish other than "migration successfully aborted", which
// then tells why the guest died on the destination.
func finishErrorExplains(performErr, finishErr error) bool {
	var pe, fe *Error
	return errors.As(performErr, &pe) && errors.As(finishErr, &fe) &&
		pe.Domain == FromQEMU && pe.Code == ErrOperationFailed &&
		fe.Domain == FromQEMU && fe.Code != ErrMigrateFinishOK
}

package libvirt

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/virtwire/libvirt/socket"
)

// ErrSupervisorClosed is returned by a Supervisor's methods after Close.
var ErrSupervisorClosed = errors.New("libvirt: supervisor closed")

// SupervisorConfig tunes how a Supervisor redials.
type SupervisorConfig struct {
	// MinBackoff is the wait before the first redial after a disconnect
	// (default 100 ms); each failed attempt doubles it up to MaxBackoff
	// (default 30 s), with up to 20% random jitter so that a fleet of
	// clients does not redial a restarted daemon in lockstep.
	MinBackoff, MaxBackoff time.Duration
	// DialTimeout bounds each redial (default DefaultHandshakeTimeout).
	DialTimeout time.Duration
}

func (cfg *SupervisorConfig) defaults() {
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 100 * time.Millisecond
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(30*time.Second, cfg.MinBackoff)
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultHandshakeTimeout
	}
}

// Supervisor keeps a connection to one daemon across disconnects and
// daemon restarts: when the connection ends it redials with backoff, and
// its subscriptions register again on the new connection, each telling its
// reader about the gap with an *EventGap.
//
// Calls are never retried, since libvirt calls are not idempotent: Client
// returns the current connection, on which calls fail fast (with the
// disconnect error) while it is down; Wait returns a live one, waiting for
// the reconnection within the caller's context. Streams belong to one
// connection and end with its error.
type Supervisor struct {
	uri  string
	opts []Option
	cfg  SupervisorConfig

	mu        sync.Mutex
	cur       *Client
	changed   chan struct{} // closed and replaced whenever cur's state changes
	closed    bool
	reconnect atomic.Uint64 // successful redials
	log       *slog.Logger  // WithLogger's, or nil

	ctx  context.Context // ends with Close; bounds redials
	stop context.CancelFunc
	done <-chan struct{} // ctx.Done()
	wg   sync.WaitGroup
}

// Supervise dials uri (as Dial does, with opts) and keeps the connection
// up until Close. The first dial's error is returned as is; later ones
// are retried.
func Supervise(ctx context.Context, uri string, cfg SupervisorConfig, opts ...Option) (*Supervisor, error) {
	cfg.defaults()
	c, err := Dial(ctx, uri, opts...)
	if err != nil {
		return nil, err
	}
	s := &Supervisor{uri: uri, opts: opts, cfg: cfg, cur: c, changed: make(chan struct{}), log: newConfig(opts).logger}
	s.ctx, s.stop = context.WithCancel(context.Background())
	s.done = s.ctx.Done()
	s.wg.Add(1)
	go s.run(c)
	return s, nil
}

// Client returns the current connection. While the daemon is unreachable
// it is the connection that ended, whose calls fail at once with its
// error (ErrClosed, a *DisconnectedError, ...).
func (s *Supervisor) Client() *Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// Wait returns a connected Client, waiting for the reconnection if the
// connection is down, until ctx ends.
func (s *Supervisor) Wait(ctx context.Context) (*Client, error) {
	for {
		s.mu.Lock()
		c, changed, closed := s.cur, s.changed, s.closed
		s.mu.Unlock()
		if closed {
			return nil, ErrSupervisorClosed
		}
		if !isClosed(c.Disconnected()) {
			return c, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-s.done:
			return nil, ErrSupervisorClosed
		}
	}
}

// setState replaces the current client (when next is not nil) and wakes
// every waiter.
func (s *Supervisor) setState(next *Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if next != nil {
		s.cur = next
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

// Reconnects returns how many times the supervisor has redialled
// successfully.
func (s *Supervisor) Reconnects() uint64 { return s.reconnect.Load() }

// Close stops redialling, ends every subscription and closes the current
// connection. It waits for the supervisor's goroutines.
func (s *Supervisor) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	c := s.cur
	s.mu.Unlock()
	s.stop()
	err := c.Close()
	s.wg.Wait()
	return err
}

// run waits for the connection to end and redials.
func (s *Supervisor) run(c *Client) {
	defer s.wg.Done()
	for {
		select {
		case <-c.Disconnected():
		case <-s.done:
			return
		}
		s.setState(nil) // waiters now see the ended connection
		down := time.Now()
		if s.log != nil {
			s.log.LogAttrs(s.ctx, slog.LevelWarn, "libvirt: supervised connection down, redialling",
				slog.String("uri", socket.Redact(s.uri)), slog.Any("error", c.Err()))
		}
		next := s.redial()
		if next == nil {
			return // closed
		}
		s.mu.Lock()
		closed := s.closed
		s.mu.Unlock()
		if closed {
			next.Close()
			return
		}
		s.setState(next)
		n := s.reconnect.Add(1)
		if s.log != nil {
			s.log.LogAttrs(s.ctx, slog.LevelInfo, "libvirt: supervised connection reconnected",
				slog.String("uri", socket.Redact(s.uri)), slog.Duration("down", time.Since(down)),
				slog.Uint64("reconnects", n))
		}
		c = next
	}
}

// redial dials with exponential backoff until it succeeds or Close.
func (s *Supervisor) redial() *Client {
	b := backoff{wait: s.cfg.MinBackoff, max: s.cfg.MaxBackoff}
	for {
		t := time.NewTimer(jittered(b.wait))
		select {
		case <-t.C:
		case <-s.done:
			t.Stop()
			return nil
		}
		ctx, cancel := context.WithTimeout(s.ctx, s.cfg.DialTimeout)
		c, err := Dial(ctx, s.uri, s.opts...)
		cancel()
		if err == nil {
			return c
		}
		b.failed()
		if s.log != nil {
			s.log.LogAttrs(s.ctx, slog.LevelDebug, "libvirt: redial failed",
				slog.String("uri", socket.Redact(s.uri)), slog.Any("error", err), slog.Duration("next_in", b.wait))
		}
	}
}

// backoff is the redial schedule: the wait doubles after each failed
// attempt, up to max.
type backoff struct{ wait, max time.Duration }

func (b *backoff) failed() { b.wait = min(b.wait*2, b.max) }

// jittered adds up to 20% to d at random, so that clients that lost the
// same daemon do not all redial at the same instant.
func jittered(d time.Duration) time.Duration {
	return d + time.Duration(rand.Int64N(int64(d)/5+1))
}

// EventGap is delivered on a supervised subscription after its connection
// ended and it was registered again on a new one: events the daemon sent
// between Disconnected and Reconnected were lost, so a reader that keeps
// state from events should read it afresh (list the objects again).
type EventGap struct {
	Disconnected time.Time // when the old connection was found ended
	Reconnected  time.Time // when the subscription was registered again
	Cause        error     // why the old connection ended
}

func (*EventGap) isEvent() {}

// SupervisedSubscription is a subscription that lives across reconnects.
type SupervisedSubscription struct {
	ch      chan Event
	cancel  context.CancelFunc
	done    chan struct{}
	dropped atomic.Uint64
	err     atomic.Pointer[error]
}

// Events returns the channel events arrive on, each *EventGap included.
// It is closed by Close, when the context given when subscribing ends, or
// when the supervisor closes.
func (ss *SupervisedSubscription) Events() <-chan Event { return ss.ch }

// Dropped returns how many events were dropped because the reader fell
// behind, over all the connections the subscription has lived on.
func (ss *SupervisedSubscription) Dropped() uint64 { return ss.dropped.Load() }

// Err returns the error that ended the subscription, if the daemon
// refused to register it again after a reconnect (nil otherwise).
func (ss *SupervisedSubscription) Err() error {
	if p := ss.err.Load(); p != nil {
		return *p
	}
	return nil
}

// Close ends the subscription and waits until its channel is closed.
func (ss *SupervisedSubscription) Close() error {
	ss.cancel()
	<-ss.done
	return nil
}

// SubscribeDomainEvents is Client.SubscribeDomainEvents on every
// connection the supervisor makes.
func (s *Supervisor) SubscribeDomainEvents(ctx context.Context, id DomainEventID, dom *Domain, opts ...SubscribeOption) (*SupervisedSubscription, error) {
	return s.subscribe(ctx, func(ctx context.Context, c *Client) (*Subscription, error) {
		return c.SubscribeDomainEvents(ctx, id, dom, opts...)
	})
}

// SubscribeNetworkEvents is Client.SubscribeNetworkEvents on every
// connection the supervisor makes.
func (s *Supervisor) SubscribeNetworkEvents(ctx context.Context, id NetworkEventID, net *Network, opts ...SubscribeOption) (*SupervisedSubscription, error) {
	return s.subscribe(ctx, func(ctx context.Context, c *Client) (*Subscription, error) {
		return c.SubscribeNetworkEvents(ctx, id, net, opts...)
	})
}

// SubscribeStoragePoolEvents is Client.SubscribeStoragePoolEvents on every
// connection the supervisor makes.
func (s *Supervisor) SubscribeStoragePoolEvents(ctx context.Context, id StoragePoolEventID, pool *StoragePool, opts ...SubscribeOption) (*SupervisedSubscription, error) {
	return s.subscribe(ctx, func(ctx context.Context, c *Client) (*Subscription, error) {
		return c.SubscribeStoragePoolEvents(ctx, id, pool, opts...)
	})
}

// SubscribeNodeDeviceEvents is Client.SubscribeNodeDeviceEvents on every
// connection the supervisor makes.
func (s *Supervisor) SubscribeNodeDeviceEvents(ctx context.Context, id NodeDeviceEventID, dev *NodeDevice, opts ...SubscribeOption) (*SupervisedSubscription, error) {
	return s.subscribe(ctx, func(ctx context.Context, c *Client) (*Subscription, error) {
		return c.SubscribeNodeDeviceEvents(ctx, id, dev, opts...)
	})
}

// SubscribeSecretEvents is Client.SubscribeSecretEvents on every
// connection the supervisor makes.
func (s *Supervisor) SubscribeSecretEvents(ctx context.Context, id SecretEventID, secret *Secret, opts ...SubscribeOption) (*SupervisedSubscription, error) {
	return s.subscribe(ctx, func(ctx context.Context, c *Client) (*Subscription, error) {
		return c.SubscribeSecretEvents(ctx, id, secret, opts...)
	})
}

// subscribe registers on the current connection (failing as the Client
// would) and starts the goroutine that follows the supervisor's
// connections.
func (s *Supervisor) subscribe(ctx context.Context, sub func(context.Context, *Client) (*Subscription, error)) (*SupervisedSubscription, error) {
	c, err := s.Wait(ctx)
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	inner, err := sub(sctx, c)
	if err != nil {
		cancel()
		return nil, err
	}
	ss := &SupervisedSubscription{ch: make(chan Event), cancel: cancel, done: make(chan struct{})}
	s.wg.Add(1)
	go s.follow(sctx, ss, c, inner, sub)
	return ss, nil
}

// follow forwards events from the subscription on the current connection
// and, when that connection ends, registers again on the next one and
// delivers an *EventGap first.
func (s *Supervisor) follow(ctx context.Context, ss *SupervisedSubscription, c *Client, inner *Subscription, sub func(context.Context, *Client) (*Subscription, error)) {
	defer s.wg.Done()
	defer close(ss.done)
	defer close(ss.ch)
	defer ss.cancel()
	var gap *EventGap
	for {
		if gap != nil {
			gap.Reconnected = time.Now()
			if !ss.send(ctx, s.done, gap) {
				inner.Close()
				return
			}
			gap = nil
		}
		if !ss.forward(ctx, s.done, inner) {
			inner.Close()
			return
		}
		// The connection ended under the subscription.
		ss.dropped.Add(inner.Dropped())
		gap = &EventGap{Disconnected: time.Now(), Cause: c.Err()}
		for {
			next, err := s.Wait(ctx)
			if err != nil {
				return
			}
			inner, err = sub(ctx, next)
			if err == nil {
				c = next
				break
			}
			if next.Err() == nil {
				// The daemon refused the registration on a live
				// connection: nothing will make it work.
				ss.err.Store(&err)
				return
			}
		}
	}
}

// forward copies events until inner's channel closes (true: the
// connection ended) or the subscription or supervisor ends (false).
func (ss *SupervisedSubscription) forward(ctx context.Context, done <-chan struct{}, inner *Subscription) bool {
	for {
		select {
		case ev, ok := <-inner.Events():
			if !ok {
				return ctx.Err() == nil && !isClosed(done)
			}
			if !ss.send(ctx, done, ev) {
				return false
			}
		case <-ctx.Done():
			return false
		case <-done:
			return false
		}
	}
}

// send delivers ev, or reports false when the subscription or the
// supervisor ends first.
func (ss *SupervisedSubscription) send(ctx context.Context, done <-chan struct{}, ev Event) bool {
	select {
	case ss.ch <- ev:
		return true
	case <-ctx.Done():
		return false
	case <-done:
		return false
	}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// Package event holds the bounded, drop-oldest queue that carries events
// from the connection's reader to a subscriber.
//
// The reader must never wait for a subscriber: a subscriber that stops
// reading would otherwise stall every reply on the connection. So Push
// never blocks. When the queue is full the oldest queued event is dropped
// to make room and the drop is counted, which keeps the newest state (what
// an orchestrator usually needs) and bounds memory.
package event

import (
	"sync"
	"sync/atomic"
)

// DefaultCapacity is the queue size used when none is given.
const DefaultCapacity = 256

// Queue is a bounded channel of events with a single producer (the
// connection's reader). It is safe to Push and Close concurrently.
type Queue[T any] struct {
	mu      sync.Mutex
	ch      chan T
	closed  bool
	dropped atomic.Uint64
}

// NewQueue returns a queue holding at most capacity events (at least 1).
func NewQueue[T any](capacity int) *Queue[T] {
	return &Queue[T]{ch: make(chan T, max(capacity, 1))}
}

// C is the receive side; it is closed by Close.
func (q *Queue[T]) C() <-chan T { return q.ch }

// Dropped returns how many events were discarded because the subscriber
// did not keep up.
func (q *Queue[T]) Dropped() uint64 { return q.dropped.Load() }

// Push adds v without blocking, dropping the oldest queued event when the
// queue is full. It reports false when the queue is closed.
func (q *Queue[T]) Push(v T) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	for {
		select {
		case q.ch <- v:
			return true
		default:
		}
		// Full: take the oldest out. The subscriber may have emptied a
		// slot meanwhile, in which case nothing is dropped.
		select {
		case <-q.ch:
			q.dropped.Add(1)
		default:
		}
	}
}

// Close closes the channel; queued events can still be received. It is
// idempotent.
func (q *Queue[T]) Close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
}

// Package event holds the bounded, drop-oldest queue that carries events
// from the connection's reader to a subscriber.
//
// The reader must never wait for a subscriber: a subscriber that stops
// reading would otherwise stall every reply on the connection. So Push
// never blocks. When the queue is full, by count or by bytes, the oldest
// queued events are dropped to make room and the drops are counted, which
// keeps the newest state (what an orchestrator usually needs) and bounds
// memory.
package event

import (
	"sync"
	"sync/atomic"
)

// DefaultCapacity is the queue size, in events, used when none is given.
const DefaultCapacity = 256

// DefaultMaxBytes is the queue size, in bytes of events, used when none
// is given.
const DefaultMaxBytes = 32 << 20

// Queue is a bounded channel of events with a single producer (the
// connection's reader). It is safe to Push and Close concurrently.
//
// The byte bound needs to know when the subscriber has taken an event out
// of the channel, which a channel does not say. Since the channel is FIFO
// and only Push adds to it, the sizes of the events in it are kept in a
// ring in the same order: whenever the channel holds fewer events than the
// ring, the difference has been received (or dropped), from the front.
type Queue[T any] struct {
	mu       sync.Mutex
	ch       chan T
	closed   bool
	maxBytes int64
	sizes    []int64 // ring of the sizes of the events in ch, oldest first
	head     int     // index of the oldest size
	n        int     // sizes in the ring
	bytes    int64   // sum of the sizes in the ring
	dropped  atomic.Uint64
}

// NewQueue returns a queue holding at most capacity events (at least 1)
// and, once it holds more than one event, at most maxBytes bytes of them
// (DefaultMaxBytes when maxBytes <= 0). A single event larger than
// maxBytes is still queued when the queue is otherwise empty, so that no
// event is undeliverable; the bound is thus the larger of maxBytes and
// one event.
func NewQueue[T any](capacity int, maxBytes int64) *Queue[T] {
	capacity = max(capacity, 1)
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	return &Queue[T]{ch: make(chan T, capacity), maxBytes: maxBytes, sizes: make([]int64, capacity)}
}

// C is the receive side; it is closed by Close.
func (q *Queue[T]) C() <-chan T { return q.ch }

// Dropped returns how many events were discarded because the subscriber
// did not keep up.
func (q *Queue[T]) Dropped() uint64 { return q.dropped.Load() }

// Bytes returns the size of the events queued and not yet received, as
// far as Push has noticed.
func (q *Queue[T]) Bytes() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.settle()
	return q.bytes
}

// settle forgets the sizes of events that have left the channel; q.mu is
// held. len(q.ch) may be read while the subscriber receives: it can only
// shrink meanwhile, so this never forgets too much.
func (q *Queue[T]) settle() {
	for gone := q.n - len(q.ch); gone > 0; gone-- {
		q.bytes -= q.sizes[q.head]
		q.head = (q.head + 1) % len(q.sizes)
		q.n--
	}
}

// Push adds v, whose size is size bytes, without blocking, dropping the
// oldest queued events while the queue is full by count or by bytes. It
// reports false when the queue is closed.
func (q *Queue[T]) Push(v T, size int64) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	q.settle()
	for q.n > 0 && (q.n == len(q.sizes) || q.bytes+size > q.maxBytes) {
		// Full: take the oldest out. The subscriber may have taken it
		// meanwhile, in which case nothing is dropped.
		select {
		case <-q.ch:
			q.dropped.Add(1)
		default:
		}
		q.settle()
	}
	// The ring has room, so the channel has too: it never holds more
	// events than the ring.
	q.ch <- v
	q.sizes[(q.head+q.n)%len(q.sizes)] = size
	q.n++
	q.bytes += size
	return true
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

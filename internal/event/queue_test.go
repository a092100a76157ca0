package event

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// pushWithin pushes v on a goroutine of its own and fails the test if
// Push has not returned within a few seconds: Push must never block, and
// a Push that loops for ever must fail the test, not hang it.
func pushWithin(t *testing.T, q *Queue[int], v int, size int64) bool {
	t.Helper()
	done := make(chan bool, 1)
	go func() { done <- q.Push(v, size) }()
	select {
	case ok := <-done:
		return ok
	case <-time.After(5 * time.Second):
		t.Fatalf("stuck: Push(%d, size %d) has not returned after 5s", v, size)
		return false
	}
}

// receiveWithin receives one event, failing the test if none comes
// within a few seconds.
func receiveWithin(t *testing.T, q *Queue[int]) int {
	t.Helper()
	select {
	case v := <-q.C():
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("stuck: no event to receive after 5s")
		return 0
	}
}

func TestPushNeverBlocksAndDropsOldest(t *testing.T) {
	q := NewQueue[int](4, 0)
	done := make(chan struct{})
	go func() {
		for i := 0; i < 10; i++ {
			q.Push(i, 1)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("Push blocked on a full queue")
	}
	if q.Dropped() != 6 {
		t.Fatalf("dropped %d, want 6", q.Dropped())
	}
	q.Close()
	var got []int
	for v := range q.C() {
		got = append(got, v)
	}
	if len(got) != 4 || got[0] != 6 || got[3] != 9 {
		t.Fatalf("kept %v, want the newest four [6 7 8 9]", got)
	}
}

func TestPushAfterCloseIsRefused(t *testing.T) {
	q := NewQueue[int](1, 0)
	q.Close()
	q.Close()
	if pushWithin(t, q, 1, 1) {
		t.Fatal("Push succeeded on a closed queue")
	}
}

func TestConcurrentPushReceiveClose(t *testing.T) {
	for round := 0; round < 200; round++ {
		q := NewQueue[int](2, 0)
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				q.Push(i, 1)
			}
		}()
		go func() {
			defer wg.Done()
			for range q.C() {
			}
		}()
		for range round % 3 { // vary where Close lands among the pushes
			runtime.Gosched()
		}
		q.Close()
		allDone := make(chan struct{})
		go func() { wg.Wait(); close(allDone) }()
		select {
		case <-allDone:
		case <-time.After(5 * time.Second):
			t.Fatalf("stuck: round %d: the pusher or the receiver still runs 5s after Close", round)
		}
	}
}

func TestByteBoundDropsOldestAndCountsThem(t *testing.T) {
	q := NewQueue[int](100, 10)
	for i := 0; i < 10; i++ {
		pushWithin(t, q, i, 4) // room for two at a time
	}
	if got := q.Dropped(); got != 8 {
		t.Fatalf("dropped %d, want 8", got)
	}
	if got := q.Bytes(); got != 8 {
		t.Fatalf("queued bytes %d, want 8", got)
	}
	if a, b := receiveWithin(t, q), receiveWithin(t, q); a != 8 || b != 9 {
		t.Fatalf("kept %d %d, want the newest two 8 9", a, b)
	}
	if got := q.Bytes(); got != 0 {
		t.Fatalf("queued bytes after receiving all: %d, want 0", got)
	}
}

func TestOversizedEventIsQueuedAlone(t *testing.T) {
	q := NewQueue[int](100, 10)
	pushWithin(t, q, 1, 3)
	pushWithin(t, q, 2, 50) // larger than the bound: replaces everything queued
	if q.Dropped() != 1 || q.Bytes() != 50 {
		t.Fatalf("dropped %d, bytes %d; want 1 and 50", q.Dropped(), q.Bytes())
	}
	pushWithin(t, q, 3, 3)
	if q.Dropped() != 2 {
		t.Fatalf("dropped %d, want 2: the oversized event must make way", q.Dropped())
	}
	if v := receiveWithin(t, q); v != 3 {
		t.Fatalf("got %d, want 3", v)
	}
}

func TestBytesFollowTheSubscriber(t *testing.T) {
	q := NewQueue[int](1000, 1000)
	for round := 0; round < 50; round++ {
		for i := 0; i < 7; i++ {
			pushWithin(t, q, i, 10)
		}
		for i := 0; i < 7; i++ {
			receiveWithin(t, q)
		}
	}
	if q.Dropped() != 0 || q.Bytes() != 0 {
		t.Fatalf("dropped %d, bytes %d after a keeping-up subscriber; want 0 and 0", q.Dropped(), q.Bytes())
	}
}

// Events that together fill the byte bound exactly all stay queued: the
// bound is a most, not a less-than.
func TestByteBoundIsInclusive(t *testing.T) {
	q := NewQueue[int](100, 10)
	pushWithin(t, q, 1, 4)
	pushWithin(t, q, 2, 6) // 4 + 6 = the bound
	if q.Dropped() != 0 || q.Bytes() != 10 {
		t.Fatalf("dropped %d, bytes %d; want 0 and 10", q.Dropped(), q.Bytes())
	}
	if a, b := receiveWithin(t, q), receiveWithin(t, q); a != 1 || b != 2 {
		t.Fatalf("received %d %d, want 1 2", a, b)
	}
	// One byte more than the bound makes the oldest go.
	pushWithin(t, q, 3, 4)
	pushWithin(t, q, 4, 7)
	if q.Dropped() != 1 || q.Bytes() != 7 {
		t.Fatalf("dropped %d, bytes %d; want 1 and 7", q.Dropped(), q.Bytes())
	}
	if v := receiveWithin(t, q); v != 4 {
		t.Fatalf("received %d, want 4", v)
	}
}

// An event larger than the whole bound, pushed on an empty queue, is
// queued at once (Push never blocks, not even for an event that fits
// nowhere).
func TestOversizedEventOnEmptyQueue(t *testing.T) {
	q := NewQueue[int](4, 10)
	if !pushWithin(t, q, 1, 11) {
		t.Fatal("Push refused an oversized event on an open queue")
	}
	if q.Dropped() != 0 || q.Bytes() != 11 {
		t.Fatalf("dropped %d, bytes %d; want 0 and 11", q.Dropped(), q.Bytes())
	}
	if v := receiveWithin(t, q); v != 1 {
		t.Fatalf("received %d, want 1", v)
	}
}

// The count bound holds alone too: a queue of capacity 1 keeps the newest
// event, whatever the byte bound.
func TestCapacityOneKeepsTheNewest(t *testing.T) {
	q := NewQueue[int](0, 0) // at least one event, DefaultMaxBytes
	for i := 1; i <= 3; i++ {
		pushWithin(t, q, i, 1)
	}
	if q.Dropped() != 2 {
		t.Fatalf("dropped %d, want 2", q.Dropped())
	}
	if v := receiveWithin(t, q); v != 3 {
		t.Fatalf("received %d, want 3", v)
	}
}

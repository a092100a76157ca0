package event

import (
	"sync"
	"testing"
	"time"
)

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
	if q.Push(1, 1) {
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
		time.Sleep(time.Duration(round%3) * time.Microsecond)
		q.Close()
		wg.Wait()
	}
}

func TestByteBoundDropsOldestAndCountsThem(t *testing.T) {
	q := NewQueue[int](100, 10)
	for i := 0; i < 10; i++ {
		q.Push(i, 4) // room for two at a time
	}
	if got := q.Dropped(); got != 8 {
		t.Fatalf("dropped %d, want 8", got)
	}
	if got := q.Bytes(); got != 8 {
		t.Fatalf("queued bytes %d, want 8", got)
	}
	if a, b := <-q.C(), <-q.C(); a != 8 || b != 9 {
		t.Fatalf("kept %d %d, want the newest two 8 9", a, b)
	}
	if got := q.Bytes(); got != 0 {
		t.Fatalf("queued bytes after receiving all: %d, want 0", got)
	}
}

func TestOversizedEventIsQueuedAlone(t *testing.T) {
	q := NewQueue[int](100, 10)
	q.Push(1, 3)
	q.Push(2, 50) // larger than the bound: replaces everything queued
	if q.Dropped() != 1 || q.Bytes() != 50 {
		t.Fatalf("dropped %d, bytes %d; want 1 and 50", q.Dropped(), q.Bytes())
	}
	q.Push(3, 3)
	if q.Dropped() != 2 {
		t.Fatalf("dropped %d, want 2: the oversized event must make way", q.Dropped())
	}
	if v := <-q.C(); v != 3 {
		t.Fatalf("got %d, want 3", v)
	}
}

func TestBytesFollowTheSubscriber(t *testing.T) {
	q := NewQueue[int](1000, 1000)
	for round := 0; round < 50; round++ {
		for i := 0; i < 7; i++ {
			q.Push(i, 10)
		}
		for i := 0; i < 7; i++ {
			<-q.C()
		}
	}
	if q.Dropped() != 0 || q.Bytes() != 0 {
		t.Fatalf("dropped %d, bytes %d after a keeping-up subscriber; want 0 and 0", q.Dropped(), q.Bytes())
	}
}

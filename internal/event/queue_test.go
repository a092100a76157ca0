package event

import (
	"sync"
	"testing"
	"time"
)

func TestPushNeverBlocksAndDropsOldest(t *testing.T) {
	q := NewQueue[int](4)
	done := make(chan struct{})
	go func() {
		for i := 0; i < 10; i++ {
			q.Push(i)
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
	q := NewQueue[int](1)
	q.Close()
	q.Close()
	if q.Push(1) {
		t.Fatal("Push succeeded on a closed queue")
	}
}

func TestConcurrentPushReceiveClose(t *testing.T) {
	for round := 0; round < 200; round++ {
		q := NewQueue[int](2)
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				q.Push(i)
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

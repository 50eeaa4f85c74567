package core

import (
	"sync"
	"testing"
	"time"
)

// blockedPush starts push(fn, size, true) on a goroutine, waits until it
// blocks on the full queue (or returns at once: then it did not block) and
// returns a channel closed when it returns.
func blockedPush(t *testing.T, d *dispatcher, fn func(), size int) (returned <-chan struct{}) {
	t.Helper()
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		d.push(fn, size, true)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		d.mu.Lock()
		blocked := d.space != nil
		d.mu.Unlock()
		select {
		case <-ch:
			t.Fatal("push did not block on the full queue")
		default:
		}
		if blocked {
			return ch
		}
		if time.Now().After(deadline) {
			t.Fatal("push neither blocked nor returned")
		}
		time.Sleep(time.Millisecond)
	}
}

func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: not in time", what)
	}
}

func notClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
		t.Fatalf("%s: closed", what)
	default:
	}
}

// newHeldDispatcher returns a dispatcher of max 1 whose first item (queued
// already) holds it until release is called, with one more item queued:
// the queue is full.
func newHeldDispatcher(t *testing.T, extra int, done chan struct{}) (d *dispatcher, ran chan int, release func()) {
	var wg sync.WaitGroup
	d = newDispatcher(&wg, 1, extra, func() <-chan struct{} { return done })
	ran = make(chan int, 100)
	hold := make(chan struct{})
	running := make(chan struct{})
	d.push(func() { close(running); <-hold }, 10, true)
	<-running
	d.push(func() { ran <- 1 }, 10, true)
	var once sync.Once
	release = func() { once.Do(func() { close(hold) }) }
	t.Cleanup(func() { release(); wg.Wait() })
	return d, ran, release
}

// A push blocked on the full queue reads on once an ack wait begins: the
// wait may be for an ack behind the items the reader holds.
func TestPushBlockedThenAckWaitReadsOn(t *testing.T) {
	d, ran, release := newHeldDispatcher(t, 10*(10+pendingOverhead), make(chan struct{}))
	pushed := blockedPush(t, d, func() { ran <- 2 }, 10)
	stall := d.awaitAck()
	waitClosed(t, pushed, "push after awaitAck")
	notClosed(t, stall, "stall within the allowance")
	d.ackDone()
	release()
	for want := 1; want <= 2; want++ {
		if got := <-ran; got != want {
			t.Fatalf("ran %d, want %d", got, want)
		}
	}
}

// Past the allowance, a push fails the ack waits under way and blocks
// until the handlers catch up; a wait that begins then fails at once too.
func TestPushPastAllowanceStalls(t *testing.T) {
	d, ran, release := newHeldDispatcher(t, 2*(10+pendingOverhead), make(chan struct{}))
	stall := d.awaitAck()
	for i := 2; i <= 3; i++ { // the allowance: two items
		d.push(func() { ran <- i }, 10, true)
	}
	notClosed(t, stall, "stall within the allowance")
	pushed := blockedPush(t, d, func() { ran <- 4 }, 10)
	waitClosed(t, stall, "stall past the allowance")
	d.ackDone()
	later := d.awaitAck()
	waitClosed(t, later, "a wait begun past the allowance")
	d.ackDone()
	notClosed(t, pushed, "push past the allowance")
	release()
	waitClosed(t, pushed, "push once the handlers caught up")
	for want := 1; want <= 4; want++ {
		if got := <-ran; got != want {
			t.Fatalf("ran %d, want %d", got, want)
		}
	}
}

// A push blocked on the full queue returns when the connection closes, with
// its item queued: the close must not wait for the handlers.
func TestPushBlockedGivesWayToClose(t *testing.T) {
	done := make(chan struct{})
	d, ran, release := newHeldDispatcher(t, 0, done)
	pushed := blockedPush(t, d, func() { ran <- 2 }, 10)
	close(done)
	waitClosed(t, pushed, "push after the close")
	release()
	for want := 1; want <= 2; want++ {
		if got := <-ran; got != want {
			t.Fatalf("ran %d, want %d", got, want)
		}
	}
}

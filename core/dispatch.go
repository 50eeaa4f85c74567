package core

import (
	"sync"
)

// dispatcher runs one connection's handlers in order, on a goroutine that
// exists only while there is work: an idle connection costs no goroutine.
// Acknowledgements do not go through it, so a handler may wait for an ack
// from its own client.
type dispatcher struct {
	wg   *sync.WaitGroup // the server's, so Close can wait for handlers
	max  int
	done func() <-chan struct{} // the connection's: closed once it closed

	mu      sync.Mutex
	items   []func()
	running bool
	space   chan struct{} // closed when a waiting push may retry; nil when nobody waits
}

func newDispatcher(wg *sync.WaitGroup, max int, done func() <-chan struct{}) *dispatcher {
	return &dispatcher{wg: wg, max: max, done: done}
}

// push queues fn. When wait is true and the queue is full, it blocks until
// the handlers catch up: the reader of the connection pauses, which is the
// backpressure we want for a client that floods events. It blocks until the
// connection closed at most: it queues fn then, as the close waits for the
// reader and is what ends a handler waiting on its socket's context (the
// engine stops delivering to a closed connection). Pushes that must not
// block (close handling) pass wait=false.
func (d *dispatcher) push(fn func(), wait bool) {
	d.mu.Lock()
	for wait && len(d.items) >= d.max {
		if d.space == nil {
			d.space = make(chan struct{})
		}
		ch := d.space
		d.mu.Unlock()
		select {
		case <-ch:
			d.mu.Lock()
		case <-d.done():
			d.mu.Lock()
			wait = false
		}
	}
	d.items = append(d.items, fn)
	if !d.running {
		d.running = true
		d.wg.Add(1)
		go d.run()
	}
	d.mu.Unlock()
}

func (d *dispatcher) run() {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		if len(d.items) == 0 {
			d.running = false
			d.items = nil
			d.mu.Unlock()
			return
		}
		fn := d.items[0]
		d.items[0] = nil
		d.items = d.items[1:]
		if d.space != nil && len(d.items) < d.max {
			close(d.space)
			d.space = nil
		}
		d.mu.Unlock()
		fn()
	}
}

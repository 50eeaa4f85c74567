package core

import (
	"sync"
)

// pendingOverhead is what a queued event costs beyond its bytes on the
// wire (its decoded packet, the closure and the queue slot), charged to the
// allowance past MaxPendingEvents so that tiny events cannot make it hold
// far more memory than it says.
const pendingOverhead = 160

// dispatcher runs one connection's handlers in order, on a goroutine that
// exists only while there is work: an idle connection costs no goroutine.
// Acknowledgements do not go through it, so a handler may wait for an ack
// from its own client.
//
// Its queue holds max items. A push that finds it full blocks the
// connection's reader (the backpressure on a client that floods events),
// except while an ack wait of this connection is under way (awaitAck): the
// ack may sit in the transport behind events, so the reader goes on and the
// items it pushes wait past max, charged to an allowance of extra bytes.
// When the allowance is spent too, the ack waits under way fail (their
// stall channel closes) and the push blocks until the handlers catch up.
// Either way memory stays bounded and no item is dropped. A blocked push
// gives way to the connection's close (done).
type dispatcher struct {
	wg    *sync.WaitGroup // the server's, so Close can wait for handlers
	max   int
	extra int                    // the allowance, in bytes, of the items past max
	done  func() <-chan struct{} // the connection's: closed once it closed

	mu      sync.Mutex
	items   []pending
	running bool
	space   chan struct{} // closed when a blocked push may retry; nil when nobody waits
	charged int           // the bytes charged to the allowance by the queued items
	acks    int           // ack waits under way
	stall   chan struct{} // closed to fail the ack waits under way; nil until one begins
}

// pending is a queued item and what it was charged to the allowance (0
// when it was queued within max).
type pending struct {
	fn     func()
	charge int
}

func newDispatcher(wg *sync.WaitGroup, max, extra int, done func() <-chan struct{}) *dispatcher {
	return &dispatcher{wg: wg, max: max, extra: extra, done: done}
}

// push queues fn, an item of size bytes (pendingOverhead on top). With
// wait, a full queue blocks it until the handlers catch up, unless an ack
// wait under way lets the allowance take it (see dispatcher), or until the
// connection closed: it queues fn then, as the close waits for the reader
// and is what ends a handler waiting on its socket's context (the engine
// stops delivering to a closed connection). Pushes that must not block
// (close handling) pass wait=false.
func (d *dispatcher) push(fn func(), size int, wait bool) {
	charge := 0
	d.mu.Lock()
	for wait && len(d.items) >= d.max {
		if d.acks > 0 {
			// At least one item past max, even one larger than the
			// allowance: a single message is bounded by the engine.
			if c := size + pendingOverhead; d.charged == 0 || d.charged+c <= d.extra {
				charge = c
				break
			}
			// The allowance is spent: the ack cannot be read before the
			// handlers catch up, so the waits under way fail rather than
			// hold up the handlers (their own ack may be the one).
			if d.stall != nil {
				close(d.stall)
				d.stall = nil
			}
		}
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
	d.charged += charge
	d.items = append(d.items, pending{fn, charge})
	if !d.running {
		d.running = true
		d.wg.Add(1)
		go d.run()
	}
	d.mu.Unlock()
}

// awaitAck begins an ack wait of the connection: a blocked push may then
// read on (see dispatcher). The returned channel closes when the ack
// cannot be read in time: the wait then fails with ErrPendingEventsFull.
// Each awaitAck is ended by one ackDone.
func (d *dispatcher) awaitAck() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.acks++
	if d.stall == nil {
		d.stall = make(chan struct{})
	}
	d.wakeLocked()
	return d.stall
}

// ackDone ends an ack wait begun by awaitAck.
func (d *dispatcher) ackDone() {
	d.mu.Lock()
	d.acks--
	d.mu.Unlock()
}

// wakeLocked lets a blocked push check the queue again.
func (d *dispatcher) wakeLocked() {
	if d.space != nil {
		close(d.space)
		d.space = nil
	}
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
		it := d.items[0]
		d.items[0] = pending{}
		d.items = d.items[1:]
		d.charged -= it.charge
		if len(d.items) < d.max || (it.charge > 0 && d.acks > 0) {
			d.wakeLocked()
		}
		d.mu.Unlock()
		it.fn()
	}
}

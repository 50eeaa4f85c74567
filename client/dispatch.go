package client

import "sync"

// dispatcher runs one socket's handlers (or one manager's) one at a time,
// in the order they were queued, on a goroutine that exists only while
// there is work. Acknowledgements do not go through it, so a handler may
// wait for the server's acknowledgement of its own emit.
type dispatcher struct {
	max int

	mu      sync.Mutex
	items   []func()
	running bool
	stopped bool
	space   chan struct{} // closed when a waiting push may retry
	idle    chan struct{} // closed when the goroutine ends; nil while none runs
}

func newDispatcher(max int) *dispatcher { return &dispatcher{max: max} }

// push queues fn. When the queue is full it waits until the handlers catch
// up (which pauses the connection's reader: backpressure), unless cancel
// closes first; then fn is dropped. A nil cancel never waits.
func (d *dispatcher) push(fn func(), cancel <-chan struct{}) {
	d.mu.Lock()
	for cancel != nil && len(d.items) >= d.max && !d.stopped {
		if d.space == nil {
			d.space = make(chan struct{})
		}
		ch := d.space
		d.mu.Unlock()
		select {
		case <-ch:
		case <-cancel:
			return
		}
		d.mu.Lock()
	}
	if d.stopped {
		d.mu.Unlock()
		return
	}
	d.items = append(d.items, fn)
	if !d.running {
		d.running = true
		d.idle = make(chan struct{})
		go d.run(d.idle)
	}
	d.mu.Unlock()
}

func (d *dispatcher) run(idle chan struct{}) {
	defer close(idle)
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

// stop refuses new work; what is queued still runs. It returns a channel
// closed once the goroutine, if any, ended.
func (d *dispatcher) stop() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stopped = true
	if d.space != nil {
		close(d.space)
		d.space = nil
	}
	if !d.running {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	return d.idle
}

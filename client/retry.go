package client

import "time"

// This file is at-least-once delivery (SocketOptions.Retries), as
// socket.io-client does it: the emits wait in a queue; the first one is
// sent with an ack id, and the next only once the server acknowledged it;
// a try whose acknowledgement does not come within AckTimeout, or whose
// connection is lost, is sent again until it was tried Retries+1 times.

// retryItem is one emit of the queue.
type retryItem struct {
	event   string
	args    []any
	timeout time.Duration
	tries   int
	pending bool               // a try is in flight
	dropped bool               // the caller stopped waiting
	done    func(*Args, error) // the final result; nil for a plain Emit
}

// enqueue adds an emit to the queue.
func (s *Socket) enqueue(event string, args []any, timeout time.Duration, done func(*Args, error)) error {
	return s.enqueueItem(event, args, timeout, done, nil)
}

func (s *Socket) enqueueItem(event string, args []any, timeout time.Duration, done func(*Args, error), out **retryItem) error {
	it := &retryItem{event: event, args: args, timeout: timeout, done: done}
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return ErrClosed
	case s.opts.SendBufferSize >= 0 && len(s.queue) >= s.opts.SendBufferSize:
		s.mu.Unlock()
		return ErrBufferFull
	}
	s.queue = append(s.queue, it)
	if out != nil {
		*out = it
	}
	s.mu.Unlock()
	s.drainQueue(false)
	return nil
}

// dropItem gives up waiting for an item: it leaves the queue unless a try
// is in flight (then its result is ignored).
func (s *Socket) dropItem(it *retryItem) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it.done, it.dropped = nil, true
	if it.pending {
		return
	}
	for i, q := range s.queue {
		if q == it {
			s.queue = append(s.queue[:i], s.queue[i+1:]...)
			return
		}
	}
}

// drainQueue sends the first item of the queue when the socket is
// connected and no try of it is in flight (or always, with force: on a
// new connection).
func (s *Socket) drainQueue(force bool) {
	s.mu.Lock()
	if !s.connected || len(s.queue) == 0 {
		s.mu.Unlock()
		return
	}
	it := s.queue[0]
	if it.pending && !force {
		s.mu.Unlock()
		return
	}
	it.pending = true
	it.tries++
	s.mu.Unlock()
	if _, err := s.emit(it.event, it.args, false, func(a *Args, err error) { s.tryDone(it, a, err) }, it.timeout); err != nil {
		s.tryDone(it, nil, err)
	}
}

// tryDone handles the outcome of a try of it.
func (s *Socket) tryDone(it *retryItem, a *Args, err error) {
	s.mu.Lock()
	if len(s.queue) == 0 || s.queue[0] != it {
		s.mu.Unlock()
		return // already settled
	}
	final := err == nil || it.tries > s.opts.Retries || it.dropped
	if final {
		s.queue[0] = nil
		s.queue = s.queue[1:]
	}
	it.pending = false
	done := it.done
	s.mu.Unlock()
	if final && done != nil {
		done(a, err)
	}
	s.drainQueue(false)
}

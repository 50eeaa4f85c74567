package sioredis

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/parser"
)

// Machinery shared by the classic and sharded adapters: the background
// goroutines and the table of requests waiting for other servers.

// Queue sizes: bounded so that a stalled Redis or a slow handler cannot
// grow memory without limit; overflow is reported through OnError.
const (
	workQueue = 256
	outQueue  = 4096
)

// loops runs an adapter's two goroutines: the worker, which runs
// server-side event handlers one at a time, and the publisher, which
// publishes answers in order without blocking the subscription's goroutine
// or a client's reader, and runs onWake (if any) whenever wake asks for it.
type loops struct {
	log     *slog.Logger
	onError func(error)
	work    chan func()
	out     chan func()
	onWake  func()
	wakeup  chan struct{} // holds one pending wake at most; nil without onWake
	done    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
}

// init starts the goroutines; onWake, when not nil, runs on the publisher
// after calls to wake.
func (l *loops) init(log *slog.Logger, onError func(error), onWake func()) {
	l.log, l.onError, l.onWake = log, onError, onWake
	l.work = make(chan func(), workQueue)
	l.out = make(chan func(), outQueue)
	if onWake != nil {
		l.wakeup = make(chan struct{}, 1)
	}
	l.done = make(chan struct{})
	l.wg.Add(2)
	go l.run(l.work, nil)
	go l.run(l.out, l.wakeup)
}

// run runs the jobs of q, and onWake when wakeup (nil for the worker) has
// a wake.
func (l *loops) run(q chan func(), wakeup chan struct{}) {
	defer l.wg.Done()
	for {
		select {
		case fn := <-q:
			fn()
		case <-wakeup:
			l.onWake()
		case <-l.done:
			return
		}
	}
}

// wake makes the publisher run onWake soon. It never blocks and is never
// lost: wakes made while one is pending are merged into it, and the
// onWake that follows sees everything done before them.
func (l *loops) wake() {
	select {
	case l.wakeup <- struct{}{}:
	default:
	}
}

// report logs err and hands it to OnError.
func (l *loops) report(err error) {
	l.log.Warn(err.Error())
	if l.onError != nil {
		l.onError(err)
	}
}

// background queues fn on the publisher.
func (l *loops) background(fn func()) {
	select {
	case l.out <- fn:
	case <-l.done:
	default:
		l.report(fmt.Errorf("sioredis: publish queue full (%d), answer dropped", outQueue))
	}
}

// handle queues a handler call on the worker.
func (l *loops) handle(what string, fn func()) {
	select {
	case l.work <- fn:
	case <-l.done:
	default:
		l.report(fmt.Errorf("sioredis: %s dropped: handler queue full (%d)", what, workQueue))
	}
}

// stop ends both goroutines and waits for them.
func (l *loops) stop() {
	l.once.Do(func() { close(l.done) })
	l.wg.Wait()
}

// pending is a request waiting for other servers' answers.
type pending struct {
	typ      int
	want     int // answers expected
	got      int
	rooms    map[string]struct{}
	sockets  []adapter.SocketInfo
	replies  []any
	finished chan struct{}
}

// ackRequest is a broadcast with acks of ours, waiting for other servers'
// client counts and acknowledgements.
type ackRequest struct {
	clientCount func(int)
	ack         adapter.AckFunc
	timer       *time.Timer
}

// requests is the table of an adapter's requests in flight. Its methods
// are safe for concurrent use.
type requests struct {
	mu      sync.Mutex
	closed  bool
	pending map[string]*pending
	acks    map[string]*ackRequest
}

func (r *requests) init() {
	r.pending = make(map[string]*pending)
	r.acks = make(map[string]*ackRequest)
}

// close marks the table closed; it reports false when it already was.
func (r *requests) close() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.closed = true
	for id, a := range r.acks {
		a.timer.Stop()
		delete(r.acks, id)
	}
	return true
}

func (r *requests) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}

// addAck registers a broadcast with acks, forgotten after wait.
func (r *requests) addAck(id string, clientCount func(int), ack adapter.AckFunc, wait time.Duration) error {
	a := &ackRequest{clientCount: clientCount, ack: ack}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	r.acks[id] = a
	a.timer = time.AfterFunc(wait, func() { r.removeAck(id) })
	return nil
}

func (r *requests) removeAck(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if a, ok := r.acks[id]; ok {
		a.timer.Stop()
		delete(r.acks, id)
	}
}

func (r *requests) hasAck(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.acks[id]
	return ok
}

func (r *requests) getAck(id string) *ackRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.acks[id]
}

// clientCount passes another server's client count to our request id.
func (r *requests) clientCount(id string, n int) {
	if a := r.getAck(id); a != nil {
		a.clientCount(n)
	}
}

// ack passes a forwarded acknowledgement to our request id.
func (r *requests) ack(id string, p *parser.Packet) {
	if a := r.getAck(id); a != nil {
		a.ack(p)
	}
}

// ask registers p, publishes the request and waits for p.want answers,
// until wait, ctx or done. On timeout the error wraps ErrTimeout.
func (r *requests) ask(ctx context.Context, id string, p *pending, wait time.Duration, done <-chan struct{}, publish func() error) error {
	p.finished = make(chan struct{})
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return ErrClosed
	}
	r.pending[id] = p
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.pending, id)
		r.mu.Unlock()
	}()
	if err := publish(); err != nil {
		return err
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-p.finished:
		return nil
	case <-t.C:
	case <-ctx.Done():
	case <-done:
		return ErrClosed
	}
	r.mu.Lock()
	got, want := p.got, p.want
	r.mu.Unlock()
	return fmt.Errorf("%w: only %d responses received out of %d", ErrTimeout, got, want)
}

// answer records one answer to request id with fn, under the lock.
func (r *requests) answer(id string, fn func(p *pending)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.pending[id]
	if !ok || p.got >= p.want {
		return
	}
	p.got++
	fn(p)
	if p.got == p.want {
		close(p.finished)
	}
}

func (r *requests) sockets(p *pending) []adapter.SocketInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	return p.sockets
}

func (r *requests) replies(p *pending) []any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return p.replies
}

func (r *requests) rooms(p *pending) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(p.rooms))
	for room := range p.rooms {
		out = append(out, room)
	}
	return out
}

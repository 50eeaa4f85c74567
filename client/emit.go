package client

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/core/parser"
)

type enginePacket = engine.Packet

func stack() []byte { return debug.Stack() }

// reserved are the event names a client may not emit.
var reserved = map[string]bool{
	"connect": true, "connect_error": true, "disconnect": true,
	"disconnecting": true, "newListener": true, "removeListener": true,
}

// Emit sends an event to the server. It returns once the packet is queued
// on the connection or, while the socket is disconnected, kept to be sent
// once it connects (see SocketOptions.SendBufferSize). With
// SocketOptions.Retries it joins the queue of retried emits instead.
func (s *Socket) Emit(event string, args ...any) error {
	return SocketOperator{s: s}.Emit(event, args...)
}

// EmitWithAck sends an event and waits for the server's acknowledgement,
// until ctx is done or SocketOptions.AckTimeout passed. It returns
// ErrAckTimeout when a deadline passed, ErrDisconnected when the
// connection was lost after the packet was sent (a packet still buffered
// waits for the next connection), and ctx's error when ctx was cancelled.
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) (*Args, error) {
	return SocketOperator{s: s}.EmitWithAck(ctx, event, args...)
}

// SocketOperator emits on one socket with flags; get one from Socket.Timeout or
// Socket.Volatile. It is a value and safe for concurrent use.
type SocketOperator struct {
	s        *Socket
	volatile bool
	timeout  time.Duration
}

// Emitter is the old name of SocketOperator.
//
// Deprecated: use SocketOperator.
type Emitter = SocketOperator

// Timeout returns an emitter whose EmitWithAck gives up after d.
func (s *Socket) Timeout(d time.Duration) SocketOperator { return SocketOperator{s: s, timeout: d} }

// Volatile returns an emitter whose packets are dropped, without error,
// when the connection cannot write them right away: while disconnected,
// upgrading, or behind other packets still waiting.
func (s *Socket) Volatile() SocketOperator { return SocketOperator{s: s, volatile: true} }

// Timeout returns a copy of e whose EmitWithAck gives up after d.
func (e SocketOperator) Timeout(d time.Duration) SocketOperator { e.timeout = d; return e }

// Volatile returns a copy of e whose packets may be dropped.
func (e SocketOperator) Volatile() SocketOperator { e.volatile = true; return e }

// Emit sends an event with e's flags; see Socket.Emit.
func (e SocketOperator) Emit(event string, args ...any) error {
	if reserved[event] {
		return fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	if e.s.opts.Retries > 0 && !e.volatile {
		return e.s.enqueue(event, args, e.ackTimeout(), nil)
	}
	_, err := e.s.emit(event, args, e.volatile, nil, 0)
	return err
}

// EmitWithAck sends an event with e's flags and waits for the
// acknowledgement, at most e's timeout when set; see Socket.EmitWithAck.
func (e SocketOperator) EmitWithAck(ctx context.Context, event string, args ...any) (*Args, error) {
	if reserved[event] {
		return nil, fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	type result struct {
		args *Args
		err  error
	}
	ch := make(chan result, 1)
	done := func(a *Args, err error) { ch <- result{a, err} }
	if e.s.opts.Retries > 0 && !e.volatile {
		// Each try waits AckTimeout; ctx bounds them all.
		var it *retryItem
		if err := e.s.enqueueItem(event, args, e.ackTimeout(), done, &it); err != nil {
			return nil, err
		}
		select {
		case r := <-ch:
			return r.args, r.err
		case <-ctx.Done():
			e.s.dropItem(it)
			return nil, ctxErr(ctx)
		}
	}
	if d := e.ackTimeout(); d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	id, err := e.s.emit(event, args, e.volatile, done, 0)
	if err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		return r.args, r.err
	case <-ctx.Done():
		if !e.s.cancelAck(id) {
			r := <-ch // it is being delivered
			return r.args, r.err
		}
		return nil, ctxErr(ctx)
	}
}

func (e SocketOperator) ackTimeout() time.Duration {
	if e.timeout > 0 {
		return e.timeout
	}
	return e.s.opts.AckTimeout
}

// ctxErr maps a done context to ErrAckTimeout for deadlines.
func ctxErr(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ErrAckTimeout
	}
	return ctx.Err()
}

// emit sends an event, or buffers it while disconnected. With ack, it asks
// for an acknowledgement and returns the ack id; ack is then called once,
// with the acknowledgement or an error (after timeout, when not zero, with
// ErrAckTimeout) unless cancelAck removed it first.
func (s *Socket) emit(event string, args []any, volatile bool, ack func(*Args, error), timeout time.Duration) (uint64, error) {
	data := make([]any, 0, 1+len(args))
	data = append(data, event)
	data = append(data, args...)
	p := &parser.Packet{Type: parser.Event, Nsp: s.nsp, Data: data}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return 0, ErrClosed
	}
	if ack != nil {
		p.ID, p.HasID = s.nextID, true
		s.nextID++
	}
	s.mu.Unlock()
	msgs, err := s.m.encode(p)
	if err != nil {
		return 0, err
	}

	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return 0, ErrClosed
	case s.connected && !s.eng.expired():
		if err := s.eng.send(msgs, volatile); err != nil {
			s.mu.Unlock()
			return 0, err
		}
		if ack != nil {
			s.addAckLocked(p.ID, ack, timeout, false)
		}
	case volatile:
		s.mu.Unlock()
		return 0, nil // dropped
	case s.opts.SendBufferSize < 0:
		s.mu.Unlock()
		return 0, ErrDisconnected
	case len(s.sendBuf) >= s.opts.SendBufferSize:
		s.mu.Unlock()
		return 0, ErrBufferFull
	default:
		if err := s.m.checkSize(msgs); err != nil {
			s.mu.Unlock()
			return 0, err
		}
		s.sendBuf = append(s.sendBuf, &outPacket{msgs: msgs, id: p.ID, hasID: p.HasID})
		if ack != nil {
			s.addAckLocked(p.ID, ack, timeout, true)
		}
	}
	out := s.h.anyOut
	s.mu.Unlock()
	for _, fn := range out {
		fn(s, event, args)
	}
	return p.ID, nil
}

// addAckLocked registers an acknowledgement to wait for.
func (s *Socket) addAckLocked(id uint64, fn func(*Args, error), timeout time.Duration, buffered bool) {
	a := &pendingAck{fn: fn, buffered: buffered}
	if timeout > 0 {
		a.timer = time.AfterFunc(timeout, func() {
			if s.cancelAck(id) {
				fn(nil, ErrAckTimeout)
			}
		})
	}
	s.acks[id] = a
}

// cancelAck removes a pending acknowledgement, and its packet from the
// send buffer. It reports false when the ack was already taken (its fn is
// being called).
func (s *Socket) cancelAck(id uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.acks[id]
	if !ok {
		return false
	}
	delete(s.acks, id)
	if a.timer != nil {
		a.timer.Stop()
	}
	if a.buffered {
		for i, op := range s.sendBuf {
			if op.hasID && op.id == id {
				s.sendBuf = append(s.sendBuf[:i], s.sendBuf[i+1:]...)
				break
			}
		}
	}
	return true
}

// sendAck acknowledges an event of the server.
func (s *Socket) sendAck(a *eventAck, args []any) error {
	msgs, err := s.m.encode(&parser.Packet{Type: parser.Ack, Nsp: s.nsp, ID: a.id, HasID: true, Data: args})
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.connected || s.gen != a.gen {
		return ErrDisconnected
	}
	return s.eng.send(msgs, false)
}

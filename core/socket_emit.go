package core

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/parser"
)

// reserved are the event names an app may not emit.
var reserved = map[string]bool{
	"connect": true, "connect_error": true, "disconnect": true,
	"disconnecting": true, "newListener": true, "removeListener": true,
}

// Emit sends an event to this socket's client. It returns once the packet is
// queued; it fails when the socket is disconnected or its queue is full.
func (s *Socket) Emit(event string, args ...any) error {
	_, err := s.emit(context.Background(), event, args, false, nil)
	return err
}

// EmitContext is Emit with a context for the server's hooks
// ([Hooks].OnEventOut): pass the event's context ([Event.Context]) from a
// handler, and the send joins the handler's trace. ctx does not bound the
// call, which never waits.
func (s *Socket) EmitContext(ctx context.Context, event string, args ...any) error {
	_, err := s.emit(ctx, event, args, false, nil)
	return err
}

// emit queues an event; with ack it returns the ack id it registered. ctx
// goes to the OnEventOut hook.
func (s *Socket) emit(ctx context.Context, event string, args []any, volatile bool, ack adapter.AckFunc) (uint64, error) {
	if reserved[event] {
		return 0, fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if !s.Connected() {
		return 0, ErrDisconnected
	}
	p := &parser.Packet{Type: parser.Event, Nsp: s.nsp.name, Data: append([]any{event}, args...)}
	if ack != nil {
		p.ID, p.HasID = s.nsp.nextAckID(), true
		if !s.addAck(p.ID, ack) {
			return 0, ErrDisconnected
		}
	}
	var text []byte
	var att [][]byte
	send := func(p *parser.Packet) error {
		// p as it goes out: with recovery, it may carry its offset now.
		if s.listensOut.Load() {
			s.notifyOutgoing(p)
		}
		s.observeEventOut(p)
		var err error
		if text, att, err = s.nsp.srv.opts.Parser.Encode(p); err != nil {
			return err
		}
		return s.client.write(text, att, volatile)
	}
	// With recovery on, the adapter gives the event its offset and keeps it.
	if err := s.nsp.adp.EmitToSocket(s.id, p, adapter.BroadcastFlags{Volatile: volatile}, send); err != nil {
		if ack != nil {
			s.takeAck(p.ID)
		}
		return 0, err
	}
	if h := s.nsp.srv.opts.Hooks.OnEventOut; h != nil {
		h(ctx, s.nsp.name, event, encodedSize(text, att), 1)
	}
	return p.ID, nil
}

// EmitWithAck sends an event and waits for the client's acknowledgement,
// until ctx is done. It returns ErrAckTimeout when ctx's deadline passed,
// ErrDisconnected when the socket disconnected first, ErrPendingEventsFull
// when the client sent too much ahead of its ack (see
// Options.MaxPendingEvents). ctx also goes to the server's hooks, as with
// EmitContext.
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) (*Args, error) {
	return s.emitWithAck(ctx, event, args, false)
}

func (s *Socket) emitWithAck(ctx context.Context, event string, args []any, volatile bool) (*Args, error) {
	ch := make(chan *parser.Packet, 1)
	id, err := s.emit(ctx, event, args, volatile, func(p *parser.Packet) {
		select {
		case ch <- p:
		default:
		}
	})
	if err != nil {
		return nil, err
	}
	// The wait lets the connection's reader read on past a full queue of
	// events, to the ack (see Options.MaxPendingEvents).
	stall := s.client.disp.awaitAck()
	defer s.client.disp.ackDone()
	select {
	case p := <-ch:
		return ackResult(p)
	case <-ctx.Done():
		s.takeAck(id)
		return nil, ctxErr(ctx)
	case <-stall:
		if s.takeAck(id) == nil { // taken by the ack or the disconnect meanwhile
			return ackResult(<-ch)
		}
		return nil, ErrPendingEventsFull
	}
}

// ackResult is the outcome of an ack wait that got p (nil: disconnected).
func ackResult(p *parser.Packet) (*Args, error) {
	if p == nil {
		return nil, ErrDisconnected
	}
	return argsOf(p)
}

// ctxErr maps a done context to ErrAckTimeout for deadlines.
func ctxErr(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ErrAckTimeout
	}
	return ctx.Err()
}

// SocketOperator emits to one socket with flags; get one from Socket.Timeout or
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

// Volatile returns an emitter whose packets are dropped when the client
// cannot take them right away.
func (s *Socket) Volatile() SocketOperator { return SocketOperator{s: s, volatile: true} }

// Timeout returns a copy of e whose EmitWithAck gives up after d.
func (e SocketOperator) Timeout(d time.Duration) SocketOperator { e.timeout = d; return e }

// Volatile returns a copy of e whose packets may be dropped.
func (e SocketOperator) Volatile() SocketOperator { e.volatile = true; return e }

// Emit sends an event with e's flags.
func (e SocketOperator) Emit(event string, args ...any) error {
	_, err := e.s.emit(context.Background(), event, args, e.volatile, nil)
	return err
}

// EmitContext sends an event with e's flags and ctx for the server's hooks;
// see [Socket.EmitContext].
func (e SocketOperator) EmitContext(ctx context.Context, event string, args ...any) error {
	_, err := e.s.emit(ctx, event, args, e.volatile, nil)
	return err
}

// EmitWithAck sends an event and waits for the acknowledgement, at most
// e's timeout (when set) and until ctx is done.
func (e SocketOperator) EmitWithAck(ctx context.Context, event string, args ...any) (*Args, error) {
	if e.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.timeout)
		defer cancel()
	}
	return e.s.emitWithAck(ctx, event, args, e.volatile)
}

// deliver queues a packet encoded for a broadcast (adapter.Namespace's
// Deliver): every broadcast delivered to this socket comes here, from this
// server or another, and so reaches the outgoing listeners (OnAnyOutgoing).
func (s *Socket) deliver(p *adapter.EncodedPacket, flags adapter.BroadcastFlags, ack adapter.AckFunc) error {
	if !s.Connected() {
		return ErrDisconnected
	}
	if ack != nil && !s.addAck(p.Packet.ID, ack) {
		return ErrDisconnected
	}
	if s.listensOut.Load() {
		s.notifyOutgoing(p.Packet)
	}
	s.observeEventOut(p.Packet)
	err := s.client.write(p.Text, p.Attachments, flags.Volatile)
	if err != nil && ack != nil {
		s.takeAck(p.Packet.ID)
	}
	return err
}

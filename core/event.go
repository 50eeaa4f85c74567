package core

import (
	"context"
	"errors"
	"runtime/debug"
	"sync/atomic"

	"github.com/gosio/gosio/core/parser"
)

// Event is an event received from a client: its name, its arguments, its
// context and, when the client asked for one, the means to acknowledge it.
// An Event is handed to one handler chain. Its methods are safe for
// concurrent use; Ack may be called from any goroutine, once per event (a
// copy made by WithContext shares that once).
type Event struct {
	Args
	// Name is the event name.
	Name string

	s   *Socket
	ctx context.Context // nil for the socket's
	ack *eventAck       // nil when the client asked for no ack
}

// eventAck is the acknowledgement an event owes its client, shared by the
// event's copies.
type eventAck struct {
	id   uint64
	sent atomic.Bool
}

// Context returns the event's context: the socket's ([Socket.Context],
// cancelled when the socket disconnects) unless a middleware handed the
// rest of the chain a derived one with WithContext, e.g. one that carries a
// trace span or a deadline. Pass it to the calls the handler makes, and to
// the emits it makes with EmitContext.
func (e *Event) Context() context.Context {
	switch {
	case e.ctx != nil:
		return e.ctx
	case e.s != nil:
		return e.s.Context()
	}
	return context.Background() // an Event made outside core, in a test
}

// WithContext returns a shallow copy of e whose context is ctx, for an
// event middleware to hand to the rest of the chain. The copy acknowledges
// the same event: an ack sent through either one counts for both.
// WithContext panics when ctx is nil.
func (e *Event) WithContext(ctx context.Context) *Event {
	if ctx == nil {
		panic("core: Event.WithContext with a nil context")
	}
	e2 := new(Event)
	*e2 = *e
	e2.ctx = ctx
	return e2
}

// HasAck reports whether the client asked for an acknowledgement.
func (e *Event) HasAck() bool { return e.ack != nil }

// ErrAlreadyAcked is returned by a second Ack of the same event.
var ErrAlreadyAcked = errors.New("socket.io: event already acknowledged")

// Ack sends the acknowledgement with args. It does nothing when the client
// asked for none, and fails on a second call.
func (e *Event) Ack(args ...any) error {
	if e.ack == nil {
		return nil
	}
	if e.ack.sent.Swap(true) {
		return ErrAlreadyAcked
	}
	if args == nil {
		args = []any{}
	}
	return e.s.client.writePacket(&parser.Packet{Type: parser.Ack, Nsp: e.s.nsp.name, ID: e.ack.id, HasID: true, Data: args}, false)
}

// ackError acknowledges the event with {"error": message} when the client
// asked for an ack that was not sent yet.
func (e *Event) ackError(err error) {
	if e.ack != nil && !e.ack.sent.Load() {
		_ = e.Ack(map[string]string{"error": err.Error()})
	}
}

// EventHandler handles an event. A returned error is reported to the
// server's OnError and, when the client asked for an ack that the handler
// did not send, acknowledges the event with one argument {"error": message}.
// The handlers of one socket run one at a time, in arrival order; handlers of
// different sockets run concurrently.
type EventHandler func(s *Socket, e *Event) error

// EventMiddleware decorates the handling of every event of a socket: it may
// inspect the event, refuse it by returning an error, or call next, with
// the event itself or with a copy carrying a derived context
// ([Event.WithContext]). It is called once per socket and chain; the handler
// it returns runs one event at a time for a socket, concurrently for different
// sockets.
type EventMiddleware func(next EventHandler) EventHandler

// Handle adapts a typed function to an EventHandler: the event's first
// argument is decoded into a T (binary attachments into []byte fields). When
// it does not decode, fn is not called and the handler returns a
// *DecodeError.
func Handle[T any](fn func(s *Socket, v T) error) EventHandler {
	return func(s *Socket, e *Event) error {
		var v T
		if e.Len() > 0 {
			if err := e.Decode(0, &v); err != nil {
				return &DecodeError{Event: e.Name, Err: err}
			}
		}
		return fn(s, v)
	}
}

// HandleAck adapts a typed function whose result acknowledges the event: the
// first argument is decoded into a T, and the returned R is sent as the ack
// (or {"error": message} when fn returns an error).
func HandleAck[T, R any](fn func(s *Socket, v T) (R, error)) EventHandler {
	return func(s *Socket, e *Event) error {
		var v T
		if e.Len() > 0 {
			if err := e.Decode(0, &v); err != nil {
				return &DecodeError{Event: e.Name, Err: err}
			}
		}
		r, err := fn(s, v)
		if err != nil {
			return err
		}
		return e.Ack(r)
	}
}

// onEvent dispatches an incoming event; it runs on the dispatcher.
func (s *Socket) onEvent(p *parser.Packet) {
	if !s.connected.Load() {
		return
	}
	name, raw, err := parser.EventName(p)
	if err != nil {
		s.client.closeFor(ReasonParseError)
		return
	}
	e := &Event{Args: Args{raw: raw, attachments: p.Attachments}, Name: name, s: s}
	if p.HasID {
		e.ack = &eventAck{id: p.ID}
	}
	if h := s.nsp.srv.opts.Hooks.OnEventIn; h != nil {
		h(s, name, encodedSize(p.Raw, p.Attachments))
	}
	s.observeEventIn(e)
	mws := s.nsp.eventChain()
	s.mu.Lock()
	anys := s.onAny
	mws = append(mws, s.middlewares...)
	h := s.handlerLocked(name)
	s.mu.Unlock()
	defer func() {
		if v := recover(); v != nil {
			perr := &PanicError{Event: name, Value: v, Stack: debug.Stack()}
			s.nsp.srv.reportError(s, perr)
			e.ackError(errors.New("internal server error"))
		}
	}()
	for _, fn := range anys {
		fn(s, e)
	}
	final := func(s *Socket, e *Event) error {
		if h == nil {
			return nil
		}
		return h(s, e)
	}
	chain := EventHandler(final)
	for i := len(mws) - 1; i >= 0; i-- {
		chain = mws[i](chain)
	}
	if err := chain(s, e); err != nil {
		s.nsp.srv.reportError(s, err)
		e.ackError(err)
	}
}

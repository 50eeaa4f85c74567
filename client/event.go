package client

import (
	"errors"
	"runtime/debug"
	"sync/atomic"

	"github.com/gosio/gosio/core/parser"
)

// Event is an event received from the server: its name, its arguments and,
// when the server asked for one, the means to acknowledge it. With
// connection state recovery on, the server appends the event's offset as a
// last string argument, as socket.io-client's listeners see it too.
//
// An Event is handed to the socket's OnAny listeners and its handler. Its
// methods are safe for concurrent use; Ack may be called from any
// goroutine, once.
type Event struct {
	Args
	// Name is the event name.
	Name string

	s   *Socket
	ack *eventAck // nil when the server asked for no ack
}

type eventAck struct {
	id   uint64
	gen  uint64 // the socket's connection the event came on
	sent atomic.Bool
}

// ErrAlreadyAcked is returned by a second Ack of the same event.
var ErrAlreadyAcked = errors.New("socket.io client: event already acknowledged")

// HasAck reports whether the server asked for an acknowledgement.
func (e *Event) HasAck() bool { return e.ack != nil }

// Ack sends the acknowledgement with args. It does nothing when the server
// asked for none, fails on a second call, and returns ErrDisconnected when
// the connection the event came on is gone.
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
	return e.s.sendAck(e.ack, args)
}

// ackError acknowledges the event with {"error": message} when the server
// asked for an ack that was not sent yet.
func (e *Event) ackError(err error) {
	if e.ack != nil && !e.ack.sent.Load() {
		_ = e.Ack(map[string]string{"error": err.Error()})
	}
}

// EventHandler handles an event from the server. A returned error goes to
// Options.OnError and, when the server asked for an ack that the handler did
// not send, acknowledges the event with one argument {"error": message}. A
// socket's handlers run one at a time, on the socket's handler goroutine;
// handlers of different sockets run concurrently.
type EventHandler func(s *Socket, e *Event) error

// Handle adapts a typed function to an EventHandler: the event's first
// argument is decoded into a T (binary attachments into []byte fields).
// When it does not decode, fn is not called and the handler returns a
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

// HandleAck adapts a typed function whose result acknowledges the event:
// the first argument is decoded into a T, and the returned R is sent as the
// ack (or {"error": message} when fn returns an error).
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

// dispatchEvent runs an event's listeners and handler; it runs on the
// socket's dispatcher.
func (s *Socket) dispatchEvent(e *Event) {
	s.mu.Lock()
	anys := s.h.anys
	h := s.h.events[e.Name]
	s.mu.Unlock()
	defer func() {
		if v := recover(); v != nil {
			s.m.reportError(s, &PanicError{Event: e.Name, Value: v, Stack: debug.Stack()})
			e.ackError(errors.New("internal client error"))
		}
	}()
	for _, fn := range anys {
		fn(s, e)
	}
	if h == nil {
		return
	}
	if err := h(s, e); err != nil {
		s.m.reportError(s, err)
		e.ackError(err)
	}
}

// newEvent builds the Event of an incoming EVENT packet.
func (s *Socket) newEvent(p *parser.Packet, gen uint64) (*Event, error) {
	name, raw, err := parser.EventName(p)
	if err != nil {
		return nil, err
	}
	e := &Event{Args: Args{raw: raw, attachments: p.Attachments}, Name: name, s: s}
	if p.HasID {
		e.ack = &eventAck{id: p.ID, gen: gen}
	}
	return e, nil
}

package core

import (
	"slices"

	"github.com/gosio/gosio/core/parser"
)

// On registers the handler of an event, replacing any previous one.
func (s *Socket) On(event string, h EventHandler) {
	s.mu.Lock()
	if i := s.handlerIndexLocked(event); i >= 0 {
		s.handlers[i].h = h
	} else {
		s.handlers = append(s.handlers, eventHandler{event, h})
	}
	s.mu.Unlock()
}

// Off removes the handler of an event.
func (s *Socket) Off(event string) {
	s.mu.Lock()
	if i := s.handlerIndexLocked(event); i >= 0 {
		s.handlers = slices.Delete(s.handlers, i, i+1)
	}
	s.mu.Unlock()
}

// eventHandler is a socket's handler of one event. A socket keeps them in a
// slice: it has a few, and a Go map costs ~250 bytes from its first entry,
// on every connection.
type eventHandler struct {
	event string
	h     EventHandler
}

// handlerLocked returns the handler of event, or nil.
func (s *Socket) handlerLocked(event string) EventHandler {
	if i := s.handlerIndexLocked(event); i >= 0 {
		return s.handlers[i].h
	}
	return nil
}

func (s *Socket) handlerIndexLocked(event string) int {
	for i := range s.handlers {
		if s.handlers[i].event == event {
			return i
		}
	}
	return -1
}

// Use adds event middlewares, run in the order added around every event's
// handler. A middleware that returns an error without calling next stops
// the event (the client gets an error ack when it asked for an ack).
func (s *Socket) Use(mws ...EventMiddleware) {
	s.mu.Lock()
	s.middlewares = append(s.middlewares, mws...)
	s.mu.Unlock()
}

// OnAny registers a listener called with every incoming event, before its
// handler.
func (s *Socket) OnAny(fn func(s *Socket, e *Event)) {
	s.mu.Lock()
	s.onAny = append(s.onAny, fn)
	s.mu.Unlock()
}

// OnAnyOutgoing registers a listener called with every event sent to this
// socket's client: the events emitted to it and every broadcast that reaches
// it, from this server or, through a cluster adapter, from another one (as
// in Node). event and args are the event as sent: an acknowledgement the
// sender waits for is not among args; with connection state recovery an
// event kept for recovery has its offset as last argument, as the client
// sees it. A volatile event is reported even when it is then dropped.
//
// Listeners run synchronously, before the packet is queued, on the goroutine
// that emits or broadcasts (a cluster adapter's receiver for broadcasts from
// other servers), possibly while the namespace's adapter holds other
// broadcasts back: keep them fast, do not modify args, and do not emit or
// broadcast from them (hand that to a goroutine of your own). A listener
// that panics is reported as a *PanicError (Options.OnError) and the event
// is sent all the same.
func (s *Socket) OnAnyOutgoing(fn func(s *Socket, event string, args []any)) {
	s.mu.Lock()
	s.onAnyOut = append(s.onAnyOut, fn)
	s.listensOut.Store(true)
	s.mu.Unlock()
}

// notifyOutgoing calls the outgoing listeners with an event packet about to
// be queued for this socket. Callers check listensOut first, so that a
// socket without listeners pays nothing more.
func (s *Socket) notifyOutgoing(p *parser.Packet) {
	data, ok := p.Data.([]any)
	if !ok || len(data) == 0 {
		return
	}
	event, ok := data[0].(string)
	if !ok {
		return
	}
	args := data[1:len(data):len(data)] // an append by a listener copies
	s.mu.Lock()
	out := s.onAnyOut
	s.mu.Unlock()
	for _, fn := range out {
		s.safeCall(event, func() { fn(s, event, args) })
	}
}

// OnDisconnecting registers a handler called when the socket is about to
// disconnect, while it is still in its rooms.
func (s *Socket) OnDisconnecting(fn func(s *Socket, reason string)) {
	s.mu.Lock()
	s.disconnecting = append(s.disconnecting, fn)
	s.mu.Unlock()
}

// OnDisconnect registers a handler called once the socket disconnected, with
// the reason (one of the Reason constants).
func (s *Socket) OnDisconnect(fn func(s *Socket, reason string)) {
	s.mu.Lock()
	s.disconnect = append(s.disconnect, fn)
	s.mu.Unlock()
}

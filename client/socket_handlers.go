package client

// On registers the handler of an event, replacing any previous one.
func (s *Socket) On(event string, h EventHandler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.h.events[event] = h
}

// Off removes the handler of an event.
func (s *Socket) Off(event string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.h.events, event)
}

// OnAny registers a listener called with every event received, before the
// event's handler.
func (s *Socket) OnAny(fn func(s *Socket, e *Event)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.h.anys = append(s.h.anys, fn)
}

// OnAnyOutgoing registers a listener called with every event this socket
// sends or buffers, on the goroutine that emits it; it must not emit.
func (s *Socket) OnAnyOutgoing(fn func(s *Socket, event string, args []any)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.h.anyOut = append(s.h.anyOut, fn)
}

// OnConnect registers a handler called each time the server accepts the
// socket: its first connection and every reconnection.
func (s *Socket) OnConnect(fn func(s *Socket)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.h.connect = append(s.h.connect, fn)
}

// OnDisconnect registers a handler called each time the connected socket
// disconnects, with the reason: ReasonIOServerDisconnect,
// ReasonIOClientDisconnect, ReasonPingTimeout, ReasonTransportClose,
// ReasonTransportError or ReasonParseError. The socket reconnects by
// itself after the last four.
func (s *Socket) OnDisconnect(fn func(s *Socket, reason string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.h.disconnect = append(s.h.disconnect, fn)
}

// OnConnectError registers a handler called when a connection attempt of
// the socket fails: with a *ConnectError when the server refused the
// namespace (the socket then gives up), with the connection's error
// otherwise (a *HTTPError, a network error, ErrTimeout; the socket
// retries when reconnection is on).
func (s *Socket) OnConnectError(fn func(s *Socket, err error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.h.connectError = append(s.h.connectError, fn)
}

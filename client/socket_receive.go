package client

import (
	"encoding/json"
	"errors"
	"slices"

	"github.com/gosio/gosio/core/parser"
)

// onPacket handles a packet for this namespace; it runs on the
// connection's reader.
func (s *Socket) onPacket(e *engineConn, p *parser.Packet) {
	switch p.Type {
	case parser.Connect:
		s.onConnectPacket(e, p)
	case parser.ConnectError:
		s.onConnectErrorPacket(p)
	case parser.Event, parser.BinaryEvent:
		s.onEventPacket(e, p)
	case parser.Ack, parser.BinaryAck:
		s.onAckPacket(e, p)
	case parser.Disconnect:
		s.onDisconnectPacket(e)
	}
}

var errV2 = errors.New("It seems you are trying to reach a Socket.IO server in v2.x with a v3.x client, but they are not compatible (more information here: https://socket.io/docs/v3/migrating-from-2-x-to-3-0/)")

func (s *Socket) onConnectPacket(e *engineConn, p *parser.Packet) {
	var d struct {
		SID string `json:"sid"`
		PID string `json:"pid"`
	}
	if len(p.Raw) > 0 {
		_ = json.Unmarshal(p.Raw, &d)
	}
	if d.SID == "" {
		s.connectError(errV2, false)
		return
	}
	s.mu.Lock()
	if s.connected || e.isClosing() {
		s.mu.Unlock()
		return // a stale answer: the socket connects on the next connection
	}
	if !s.active || s.closed {
		s.mu.Unlock()
		// The server admitted a socket nobody wants any more.
		if msgs, err := s.m.encode(&parser.Packet{Type: parser.Disconnect, Nsp: s.nsp}); err == nil {
			_ = e.send(msgs, false)
		}
		return
	}
	s.id = d.SID
	s.recovered = d.PID != "" && d.PID == s.pid
	received := s.recvBuf
	s.recvBuf = nil
	s.pid = d.PID
	if s.pid == "" {
		s.offset = ""
	}
	s.connected = true
	s.gen++
	for _, ev := range received {
		if ev.ack != nil {
			ev.ack.gen = s.gen
		}
	}
	s.eng, s.connecting = e, nil
	s.lastErr = nil
	buf := s.sendBuf
	s.sendBuf = nil
	var failed []*pendingAck
	for i, op := range buf {
		err := e.send(op.msgs, false)
		if errors.Is(err, ErrDisconnected) {
			// The connection is going: keep the rest for the next one.
			s.sendBuf = append(s.sendBuf, buf[i:]...)
			break
		}
		if !op.hasID {
			continue
		}
		if a := s.acks[op.id]; a != nil {
			if err != nil {
				delete(s.acks, op.id)
				if a.timer != nil {
					a.timer.Stop()
				}
				a.err = err
				failed = append(failed, a)
			} else {
				a.buffered = false
			}
		}
	}
	waiters := s.waiters
	s.waiters = nil
	hs := slices.Clone(s.h.connect)
	s.mu.Unlock()
	for _, a := range failed {
		a.fn(nil, a.err)
	}
	for _, w := range waiters {
		w <- nil
	}
	// As socket.io-client: the events received before the CONNECT
	// answer, then the connect handlers.
	for _, ev := range received {
		s.disp.push(func() { s.dispatchEvent(ev) }, e.done)
	}
	if len(hs) > 0 {
		s.disp.push(func() {
			for _, fn := range hs {
				s.safeCall("connect", func() { fn(s) })
			}
		}, nil)
	}
	s.drainQueue(true)
}

func (s *Socket) onConnectErrorPacket(p *parser.Packet) {
	ce := &ConnectError{}
	var obj struct {
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	switch {
	case len(p.Raw) > 0 && p.Raw[0] == '"':
		_ = json.Unmarshal(p.Raw, &ce.Message)
	case json.Unmarshal(p.Raw, &obj) == nil:
		ce.Message, ce.Data = obj.Message, obj.Data
	}
	s.connectError(ce, true)
}

// connectError reports a failed connection attempt; final (the server
// refused the namespace, the auth failed) deactivates the socket and ends
// its Connect calls with err.
func (s *Socket) connectError(err error, final bool) {
	s.mu.Lock()
	if !s.active || s.connected {
		s.mu.Unlock()
		return
	}
	s.lastErr = err
	var waiters []chan error
	if final {
		s.active = false
		s.connecting = nil
		waiters = s.waiters
		s.waiters = nil
	}
	hs := slices.Clone(s.h.connectError)
	s.mu.Unlock()
	for _, w := range waiters {
		w <- err
	}
	if len(hs) > 0 {
		s.disp.push(func() {
			for _, fn := range hs {
				s.safeCall("connect_error", func() { fn(s, err) })
			}
		}, nil)
	}
	if final {
		s.m.socketInactive()
	}
}

// giveUp deactivates a socket whose connection attempts ended.
func (s *Socket) giveUp(err error) {
	s.mu.Lock()
	if !s.active || s.connected {
		s.mu.Unlock()
		return
	}
	s.active = false
	s.connecting = nil
	waiters := s.waiters
	s.waiters = nil
	s.mu.Unlock()
	for _, w := range waiters {
		w <- err
	}
}

func (s *Socket) onEventPacket(e *engineConn, p *parser.Packet) {
	ev, err := s.newEvent(p, 0)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.connected && s.eng == e:
		if ev.ack != nil {
			ev.ack.gen = s.gen
		}
	case s.active && s.connecting == e:
		// A recovered session's missed events come before the CONNECT
		// answer (Node sends them so): they are handled once it arrives.
		if len(s.recvBuf) < s.m.o.MaxPendingEvents {
			s.recvBuf = append(s.recvBuf, ev)
		}
		s.trackOffsetLocked(ev)
		return
	default:
		return
	}
	s.trackOffsetLocked(ev)
	s.disp.push(func() { s.dispatchEvent(ev) }, e.done)
}

// trackOffsetLocked remembers the offset of an event for connection state
// recovery: its last argument when that is a string, as socket.io-client
// does.
func (s *Socket) trackOffsetLocked(ev *Event) {
	if s.pid == "" || len(ev.raw) == 0 {
		return
	}
	if last := ev.raw[len(ev.raw)-1]; len(last) > 0 && last[0] == '"' {
		var off string
		if json.Unmarshal(last, &off) == nil {
			s.offset = off
		}
	}
}

func (s *Socket) onAckPacket(e *engineConn, p *parser.Packet) {
	if !p.HasID {
		return
	}
	s.mu.Lock()
	a := s.acks[p.ID]
	if a == nil || a.buffered || s.eng != e {
		s.mu.Unlock()
		return
	}
	delete(s.acks, p.ID)
	if a.timer != nil {
		a.timer.Stop()
	}
	s.mu.Unlock()
	args, err := argsOf(p)
	a.fn(args, err)
}

func (s *Socket) onDisconnectPacket(e *engineConn) {
	s.mu.Lock()
	if !s.connected || s.eng != e {
		s.mu.Unlock()
		return
	}
	s.connected, s.active = false, false
	s.id, s.eng = "", nil
	acks := s.takeAcksLocked(false)
	s.mu.Unlock()
	for _, a := range acks {
		a.fn(nil, ErrDisconnected)
	}
	s.emitDisconnect(ReasonIOServerDisconnect)
	s.m.socketInactive()
}

// onClose handles the end of the manager's connection.
func (s *Socket) onClose(e *engineConn, reason string) {
	s.mu.Lock()
	if s.connecting == e {
		s.connecting = nil
		s.recvBuf = nil
	}
	if !s.connected || s.eng != e {
		s.mu.Unlock()
		return
	}
	s.connected = false
	s.id, s.eng = "", nil
	acks := s.takeAcksLocked(false)
	s.mu.Unlock()
	for _, a := range acks {
		a.fn(nil, ErrDisconnected)
	}
	s.emitDisconnect(reason)
}

func (s *Socket) emitDisconnect(reason string) {
	s.mu.Lock()
	hs := slices.Clone(s.h.disconnect)
	s.mu.Unlock()
	if len(hs) > 0 {
		s.disp.push(func() {
			for _, fn := range hs {
				s.safeCall("disconnect", func() { fn(s, reason) })
			}
		}, nil)
	}
}

// safeCall runs a handler, reporting a panic to Options.OnError.
func (s *Socket) safeCall(event string, fn func()) {
	defer func() {
		if v := recover(); v != nil {
			s.m.reportError(s, &PanicError{Event: event, Value: v, Stack: stack()})
		}
	}()
	fn()
}

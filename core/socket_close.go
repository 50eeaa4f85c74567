package core

import (
	"context"

	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/parser"
)

// startClosing marks the socket as disconnecting for reason; it reports
// false when a disconnect was already under way (whose reason stands).
//
// What waits on the socket is released at once rather than in the
// disconnect sequence, which runs on the dispatcher: a handler waiting there
// for its own client's ack (EmitWithAck with the event's context) would
// otherwise hold up the very sequence that ends its wait. The context is
// cancelled and the pending acks fail with ErrDisconnected; no ack is taken
// after that (addAck).
func (s *Socket) startClosing(reason string) bool {
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		return false
	}
	s.reason = reason
	s.closing.Store(true)
	var cancel context.CancelFunc
	if s.ctx != nil {
		cancel = s.ctx.cancel
	}
	acks := s.acks
	s.acks = nil
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	for _, fn := range acks {
		fn(nil)
	}
	return true
}

// Disconnect disconnects the socket from its namespace: the client gets a
// DISCONNECT packet and the socket's disconnect handlers run with reason
// "server namespace disconnect". With close, the client's other namespaces
// are disconnected too and the connection is closed.
func (s *Socket) Disconnect(close bool) {
	if close {
		s.client.disconnectAll()
		return
	}
	if !s.startClosing(ReasonServerNamespaceDisconnect) {
		return
	}
	_ = s.client.writePacket(&parser.Packet{Type: parser.Disconnect, Nsp: s.nsp.name}, false)
	s.client.disp.push(s.onClose, 0, false)
}

// recoverable are the disconnect reasons after which a socket's state is
// kept for connection state recovery (Node's list).
var recoverable = map[string]bool{
	ReasonTransportError: true, ReasonTransportClose: true, ReasonForcedClose: true,
	ReasonPingTimeout: true, ReasonServerShuttingDown: true,
}

// close starts the socket's disconnect for reason (unless one is under way)
// and queues its disconnect sequence.
func (s *Socket) close(reason string) {
	s.startClosing(reason)
	s.client.disp.push(s.onClose, 0, false)
}

// onClose runs the disconnect sequence once, on the dispatcher, with the
// reason of the first disconnect that started.
func (s *Socket) onClose() {
	if !s.connected.Swap(false) {
		return
	}
	s.mu.Lock()
	reason := s.reason
	disconnecting := s.disconnecting
	s.mu.Unlock()
	for _, fn := range disconnecting {
		s.safeCall("disconnecting", func() { fn(s, reason) })
	}
	if s.nsp.srv.opts.ConnectionStateRecovery != nil && recoverable[reason] {
		s.nsp.adp.PersistSession(&adapter.SocketState{SID: s.id, PID: s.pid, Rooms: s.Rooms(), Data: s.Data()})
	}
	s.nsp.adp.DelAll(s.id)
	s.nsp.remove(s)
	s.client.detach(s)
	s.mu.Lock()
	disconnect := s.disconnect
	s.mu.Unlock()
	if h := s.nsp.srv.opts.Hooks.OnDisconnect; h != nil {
		h(s, reason)
	}
	s.observeDisconnect(reason)
	for _, fn := range disconnect {
		s.safeCall("disconnect", func() { fn(s, reason) })
	}
}

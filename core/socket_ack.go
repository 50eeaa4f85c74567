package core

import (
	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/parser"
)

// addAck registers fn for the client's ack id; false once the socket's
// disconnect began (startClosing failed the acks then).
func (s *Socket) addAck(id uint64, fn adapter.AckFunc) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return false
	}
	if s.acks == nil {
		s.acks = make(map[uint64]adapter.AckFunc)
	}
	s.acks[id] = fn
	return true
}

func (s *Socket) takeAck(id uint64) adapter.AckFunc {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn := s.acks[id]
	delete(s.acks, id)
	return fn
}

// onAck delivers a client's acknowledgement. It runs on the connection's
// reader, not on the dispatcher, so handlers can wait for acks.
func (s *Socket) onAck(p *parser.Packet) {
	if !p.HasID {
		return
	}
	if fn := s.takeAck(p.ID); fn != nil {
		fn(p)
	}
}

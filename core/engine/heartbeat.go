package engine

import "time"

// The heartbeat uses one timer per session: it fires PingInterval after the
// last pong (or the open) to queue a ping, then PingTimeout later to close the
// session unless a pong came in between. hbGen makes a callback that lost a
// race with Stop/re-arm a no-op.

func (s *Session) armHeartbeatLocked(d time.Duration, awaitingPong bool) {
	s.stopHeartbeatLocked()
	s.awaitingPong = awaitingPong
	gen := s.hbGen
	s.hbTimer = time.AfterFunc(d, func() { s.onHeartbeat(gen) })
}

func (s *Session) stopHeartbeatLocked() {
	s.hbGen++
	if s.hbTimer != nil {
		s.hbTimer.Stop()
		s.hbTimer = nil
	}
}

func (s *Session) onHeartbeat(gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if gen != s.hbGen || !s.open() {
		return
	}
	if s.awaitingPong {
		s.closeLocked(ReasonPingTimeout, nil)
		return
	}
	s.pushLocked(Packet{Type: PacketPing})
	s.kickLocked()
	s.armHeartbeatLocked(s.srv.opts.PingTimeout, true)
}

func (s *Session) onPong() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open() && s.awaitingPong {
		s.armHeartbeatLocked(s.srv.opts.PingInterval, false)
	}
}

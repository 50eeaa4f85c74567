package engine

import "time"

// GetParked reports whether a polling GET of s is waiting for packets.
func GetParked(s *Session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.getWake != nil
}

// WriterRunning reports whether a WebSocket writer (a flusher round or the
// writer goroutine) of s runs.
func WriterRunning(s *Session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writing
}

// Flushed reports whether s's WebSocket is written by the flushers (its
// descriptor can be reached), rather than by writer goroutines only.
func Flushed(s *Session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ws != nil && s.ws.raw != nil
}

// Probed reports whether s answered an upgrade probe that is not finished.
func Probed(s *Session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.probed
}

// Queued returns the packets and bytes s holds for its client: queued, and
// being written by the WebSocket writer.
func Queued(s *Session) (packets, bytes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue) + s.inflightPackets, s.queueBytes + s.inflightBytes
}

// SetClock replaces the clock of s's handshake rate limiter; call it before
// the first request.
func SetClock(s *Server, now func() time.Time) {
	s.limiter.mu.Lock()
	s.limiter.now = now
	s.limiter.mu.Unlock()
}

// RateTracked returns the number of clients s's rate limiter tracks.
func RateTracked(s *Server) int { return s.limiter.tracked() }

// Probing reports whether s has a WebSocket probe under way.
func Probing(s *Session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.probe != nil
}

// PollerRunning reports whether s's idle poller goroutine runs.
func PollerRunning(s *Server) bool { return s.poller.running() }

// Parked reports whether s's WebSocket waits, idle, in the Server's epoll
// set (Linux): its reader has no goroutine then.
func Parked(s *Session) bool {
	s.mu.Lock()
	w := s.ws
	s.mu.Unlock()
	if w == nil {
		return false
	}
	return parkedIn(&s.srv.poller, w)
}

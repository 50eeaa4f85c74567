package engine

// GetParked reports whether a polling GET of s is waiting for packets.
func GetParked(s *Session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.getWake != nil
}

// WriterRunning reports whether the WebSocket writer goroutine of s runs.
func WriterRunning(s *Session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writing
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

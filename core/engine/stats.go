package engine

// Stats is a snapshot of a server's sessions and counters, for metrics. A plain
// value, a copy.
type Stats struct {
	// Sessions is the number of open sessions, Polling and WebSocket of
	// them on each transport.
	Sessions, Polling, WebSocket int
	// Queued is the number of packets waiting in the sessions' queues.
	Queued int
	// Upgrades counts the polling sessions upgraded to WebSocket.
	Upgrades uint64
	// Dropped counts volatile messages dropped because the transport could
	// not take them; Refused counts messages refused with ErrQueueFull.
	Dropped, Refused uint64
}

// Stats returns a snapshot of the server's sessions and counters. It walks
// every session, so call it at scrape intervals, not per message. It is
// safe for concurrent use.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	list := make([]*Session, 0, len(s.sessions))
	for _, sess := range s.sessions {
		list = append(list, sess)
	}
	s.mu.Unlock()
	st := Stats{
		Sessions: len(list),
		Upgrades: s.upgrades.Load(),
		Dropped:  s.dropped.Load(),
		Refused:  s.refused.Load(),
	}
	for _, sess := range list {
		sess.mu.Lock()
		if sess.transport == TransportWebSocket {
			st.WebSocket++
		} else {
			st.Polling++
		}
		st.Queued += len(sess.queue)
		sess.mu.Unlock()
	}
	return st
}

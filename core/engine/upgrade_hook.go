package engine

// UpgradeHandler is an optional interface of a [SessionHandler]: a
// SessionHandler that implements it hears when its session switched from
// polling to WebSocket. OnUpgrade is called once per upgraded session,
// after the switch (so Session.Transport returns "websocket"), from the
// WebSocket's reader goroutine, possibly concurrently with OnMessage of the
// same session.
type UpgradeHandler interface {
	OnUpgrade()
}

// upgraded tells the session's handler, when it listens, that s switched to
// WebSocket. The handler is read under mu (start writes it under both inMu
// and mu), so that this goroutine need not wait for a running OnMessage.
func (s *Session) upgraded() {
	s.mu.Lock()
	h := s.handler
	s.mu.Unlock()
	if u, ok := h.(UpgradeHandler); ok {
		u.OnUpgrade()
	}
}

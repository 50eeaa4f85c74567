package engine

// UpgradeHandler is an optional interface of a [Handler]: a Handler that
// implements it hears when a session switched from polling to WebSocket.
// OnUpgrade is called once per upgraded session, after the switch (so
// Session.Transport returns "websocket"), from the WebSocket's reader
// goroutine, possibly concurrently with OnMessage of the same session.
type UpgradeHandler interface {
	OnUpgrade(s *Session)
}

// upgraded tells the handler, when it listens, that s switched to WebSocket.
func (s *Session) upgraded() {
	if u, ok := s.srv.h.(UpgradeHandler); ok {
		u.OnUpgrade(s)
	}
}

package core

// Rooms returns the rooms the socket is in, its own id room included.
func (s *Socket) Rooms() []string { return s.nsp.adp.SocketRooms(s.id) }

// Join adds the socket to the rooms.
//
// Once the socket's disconnect began, Join does nothing. It checks under
// s.mu, where the disconnect begins (startClosing) before the socket leaves
// its rooms, so a Join from another goroutine either is done before that
// or does nothing: it cannot put the socket back in a room after it left
// them all.
func (s *Socket) Join(rooms ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Connected() {
		s.nsp.adp.AddAll(s.id, rooms...)
	}
}

// Leave removes the socket from the room.
func (s *Socket) Leave(room string) { s.nsp.adp.Del(s.id, room) }

// To returns an operator that broadcasts to the rooms, leaving this socket
// out.
func (s *Socket) To(rooms ...string) BroadcastOperator {
	return s.Broadcast().To(rooms...)
}

// In is the same as To.
func (s *Socket) In(rooms ...string) BroadcastOperator { return s.To(rooms...) }

// Except returns an operator that broadcasts to every socket of the
// namespace but this one and those in the rooms.
func (s *Socket) Except(rooms ...string) BroadcastOperator {
	return s.Broadcast().Except(rooms...)
}

// Broadcast returns an operator that reaches every socket of the namespace
// except this one.
func (s *Socket) Broadcast() BroadcastOperator {
	return s.nsp.op().Except(s.id)
}

package engine

import "errors"

// Engine.IO 3 sessions (socket.io-client 2.x), accepted with
// Options.AllowEIO3. What differs from version 4, besides the codec
// (eio3_codec.go):
//
//   - the heartbeat runs the other way: the client pings, the server answers
//     each ping with a pong, and closes the session with "ping timeout" when
//     no ping came for PingInterval+PingTimeout;
//   - a handshake without EIO, or with any EIO other than 4, is taken as
//     version 3 (as in Node);
//   - each transport says whether its client takes binary data: the b64
//     query parameter of the request that opened it (the handshake for
//     polling, the WebSocket request) asks for base64 instead.
//
// A version 4 session never enters this file's code: the branches that lead
// here test a flag of the session or of its WebSocket.

// Protocol versions, as Session.Protocol reports them.
const (
	Protocol3 = 3
	Protocol4 = 4
)

// Protocol returns the session's Engine.IO protocol version: Protocol4, or
// Protocol3 for a socket.io-client 2.x session (Options.AllowEIO3).
func (s *Session) Protocol() int {
	if s.eio3 {
		return Protocol3
	}
	return Protocol4
}

// requestProtocol returns the protocol a request asks for, false when the
// server does not speak it.
func (s *Server) requestProtocol(req Request) (eio3, ok bool) {
	if req.Query("EIO") == "4" {
		return false, true
	}
	return true, s.opts.AllowEIO3
}

// wantsBase64 reports whether a request's client cannot take binary data
// (engine.io-client 3 sends b64=1).
func wantsBase64(req Request) bool { return req.Query("b64") != "" }

// startHeartbeat3Locked arms the ping deadline of an Engine.IO 3 session.
func (s *Session) startHeartbeat3Locked() {
	o := &s.srv.opts
	s.armHeartbeatLocked(o.PingInterval+o.PingTimeout, true)
}

// onPing3 answers an Engine.IO 3 client's ping with a pong and moves the
// ping deadline.
func (s *Session) onPing3() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.open() {
		return
	}
	s.startHeartbeat3Locked()
	s.pushLocked(Packet{Type: PacketPong})
	s.kickLocked()
}

// errPongFromClient3 is the cause of an Engine.IO 3 session's close when its
// client sends a pong (the server pings no one in version 3).
var errPongFromClient3 = errors.New("engine: pong from an Engine.IO 3 client (invalid heartbeat direction)")

var (
	closePayload3 = []byte("1:1")
	noopPayload3  = []byte("1:6")
)

// pollPayload3 encodes the queued packets q for an Engine.IO 3 polling GET:
// the body and whether it is binary.
func (s *Session) pollPayload3(q []Packet) ([]byte, bool) {
	return appendPayload3(make([]byte, 0, payloadSize(q)+8*len(q)), q, !s.b64)
}

// appendFrame3 appends p as an Engine.IO 3 WebSocket frame: a binary
// message as a binary frame starting with its type byte, or with b64 as a
// text frame "b4<base64>"; other packets as appendFrame does.
func appendFrame3(b []byte, p Packet, b64 bool) []byte {
	if !p.Binary {
		return appendFrame(b, p)
	}
	if b64 {
		text := appendPacket3(nil, p)
		b = appendFrameHeader(b, opText, len(text))
		return append(b, text...)
	}
	b = appendFrameHeader(b, opBinary, 1+len(p.Data))
	b = append(b, byte(PacketMessage))
	return append(b, p.Data...)
}

// frame appends p as one frame of w's protocol.
func (w *wsConn) frame(b []byte, p Packet) []byte {
	if w.eio3 {
		return appendFrame3(b, p, w.b64)
	}
	return appendFrame(b, p)
}

// controlPayload returns the polling body of a lone close or noop packet
// (closePayload, noopPayload) in the session's protocol.
func (s *Session) controlPayload(v4 []byte) []byte {
	if !s.eio3 {
		return v4
	}
	if v4[0] == '1' {
		return closePayload3
	}
	return noopPayload3
}

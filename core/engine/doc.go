// Package engine is an Engine.IO v4 server (v3 too with Options.AllowEIO3):
// sessions over HTTP long-polling and WebSocket, the polling→websocket
// upgrade, the heartbeat, and the packet codec. It imports nothing else of gosio; the Socket.IO layer (package core)
// sits on top of it through Handler.
//
// # Map of the package
//
//   - server.go: Server, Handler, Message, OpenRequest, the Request / Response /
//     Upgrader transport hooks, request routing and handshakes.
//   - session.go: Session, its outbound queue (bounded, coalesced), Send,
//     SendVolatile, Close and the close paths.
//   - heartbeat.go: the ping/pong timer.
//   - transport_polling.go: polling GET (long-poll) and POST.
//   - transport_websocket.go: the WebSocket reader and on-demand writer, the
//     upgrade probe.
//   - wsframe.go: WebSocket framing, both ways (fasthttp/websocket only
//     answers the upgrade).
//   - poller_linux.go: the epoll set where idle WebSockets wait without a
//     goroutine (poller_other.go: none elsewhere).
//   - flush.go, flush_linux.go: the flushers that write queued WebSocket
//     frames of many sessions with non-blocking sends (flush_other.go:
//     writer goroutines only elsewhere).
//   - bind_nethttp.go, bind_fasthttp.go: Server.ServeHTTP and
//     Server.ServeFastHTTP, the two stacks' implementations of the hooks.
//   - codec.go: Packet, EncodePacket, DecodePacket, AppendPayload,
//     DecodePayload.
//   - options.go, cors.go, errors.go: Options and their defaults, CORS and the
//     WebSocket origin check, protocol errors, sentinels and close reasons.
//   - eio3.go, eio3_codec.go: Engine.IO 3 sessions (Options.AllowEIO3,
//     socket.io-client 2.x): the reversed heartbeat, the length-prefixed and
//     binary polling payloads, binary frames with their type byte.
//   - limit.go: HandshakeLimit and the per-client handshake token buckets
//     (Options.HandshakesPerIP); Options.MaxConnections is applied in
//     server.go.
//
// # Concurrency
//
// One session has at most one reader (a polling POST at a time, or the
// WebSocket reader goroutine) and at most one writer (the pending polling
// GET, or for WebSocket a round in one of the Server's flushers, which write
// many sessions' queues from one goroutine with non-blocking sends, or a
// writer goroutine of the session's own when its socket is full or cannot
// be written without blocking, see flush.go); the heartbeat runs on a timer.
// The WebSocket reader, too, only runs while the client sends: an idle
// WebSocket session waits in the Server's epoll set (Linux, plain TCP) or
// else on one goroutine with a fresh stack, and holds no read buffer. Handler calls of one session are serialized.
//
// The raw test client in internal/eiotest speaks the same protocol for tests.
package engine

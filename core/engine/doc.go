// Package engine is an Engine.IO v4 server (v3 too with Options.AllowEIO3):
// sessions over HTTP long-polling and WebSocket, the polling→websocket
// upgrade, the heartbeat, and the packet codec. It imports nothing else of gosio; the Socket.IO layer (package core)
// sits on top of it through Handler.
//
// # The seam
//
// The layer above meets the engine through two small interfaces. Handler has
// one method, OnOpen, called once per new session; it returns that
// session's SessionHandler (OnMessage, OnClose), which receives the rest of
// the session's events. The per-session state of the layer above is thus
// the SessionHandler value itself, typed: the Session stores it in a field
// of its own (written once, under the lock that serializes the handler's
// calls) and calls it directly, so a message costs one interface call and
// no type assertion. Package core returns its per-connection client there.
//
// The rules, each with the tests that guard it:
//
//   - Each session's messages and close go to the SessionHandler that its
//     own OnOpen returned (TestSessionHandlerPerSession).
//   - OnOpen comes first, OnMessage calls are sequential and in order,
//     OnClose comes once, last: the recorder of the tests (helpers_test.go)
//     checks this in every test that uses it, and fails the test otherwise;
//     TestPollingConcurrentPOSTsKeepOrder pushes concurrent POSTs through it.
//   - Packets sent from OnOpen follow the open packet
//     (TestOnOpenSendFollowsOpenPacket).
//   - A nil SessionHandler leaves the session working, its messages and
//     close unobserved (TestNilSessionHandler).
//   - A SessionHandler that is also an UpgradeHandler hears its session's
//     switch to WebSocket, once, from the reader (upgrade_hook.go;
//     TestUpgradeUpdates in package admin).
//   - A session closed before OnOpen ran (Server.Close racing a handshake)
//     gets neither OnOpen nor OnClose: both run under the same lock, and
//     OnClose has no handler to call (TestSessionClosedBeforeStartGetsNoCallbacks,
//     an internal test: no client can aim at that window).
//
// # Map of the package
//
//   - server.go: Server, Handler, SessionHandler, Message, OpenRequest, the
//     Request / Response / Upgrader transport hooks, request routing and
//     handshakes.
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
// else on one goroutine with a fresh stack, and holds no read buffer. Handler calls of one session are
// serialized.
//
// The rules behind this (who owns a connection in each state, the lock
// order, what may block, the close paths), each with the test that guards
// it, are in ARCHITECTURE.md at the repository root.
//
// The raw test client in internal/eiotest speaks the same protocol for tests.
package engine

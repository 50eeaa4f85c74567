// Package client is a Socket.IO v4 client for Go: what socket.io-client
// 4.x is for JavaScript, for bots, workers, gateways and load tests that
// talk to gosio or to Node's socket.io.
//
// It speaks Engine.IO protocol 4 and Socket.IO protocol 5 over HTTP
// long-polling and WebSocket, upgrades a polling connection to WebSocket,
// multiplexes namespaces on one connection, and reconnects by itself with
// exponential backoff, buffering emits meanwhile and, when the server has
// connection state recovery on, getting back its session and the events it
// missed.
//
//	s, err := client.Dial(ctx, "http://localhost:3000", nil)
//	if err != nil { ... }
//	defer s.Close()
//	s.On("news", client.Handle(func(s *client.Socket, n News) error { ... }))
//	ack, err := s.EmitWithAck(ctx, "join", "room1")
//
// Map of the package:
//
//   - [Dial]: one socket on a manager of its own, the common case.
//   - [Manager], [Options]: one connection to a server (manager.go):
//     transports and the upgrade, heartbeat, reconnection (backoff.go),
//     the manager's events (OnReconnectAttempt, OnReconnect, ...).
//   - [Socket], [SocketOptions]: one namespace on a manager's connection
//     (socket.go): Connect, Disconnect, the connect, disconnect and
//     connect_error handlers, the events' handlers ([Socket.On] with
//     [EventHandler], [Handle], [HandleAck]), [Socket.OnAny].
//   - [Socket.Emit], [Socket.EmitWithAck], [SocketOperator] (emit.go): events
//     out, acknowledgements with timeouts, volatile emits, the send
//     buffer; at-least-once emits with SocketOptions.Retries (retry.go).
//   - [Args], [Event] (args.go, event.go): received arguments, decoded
//     into Go types on demand, []byte for binary attachments.
//   - Errors and disconnect reasons (errors.go): [ConnectError] for a
//     refused namespace, [HTTPError] for a refused request, sentinels such
//     as [ErrAckTimeout], and the Reason constants with Node's strings.
//   - The Engine.IO layer, unexported: engine.go (one connection, its
//     writer and heartbeat), transport_polling.go, transport_websocket.go,
//     upgrade.go. The packet codecs are gosio's own: core/engine's
//     Engine.IO codec and core/parser's Socket.IO codec.
//
// Concurrency: every method of Manager and Socket is safe for concurrent
// use. A socket's handlers run one at a time, in the order of the packets
// that caused them, on a goroutine that exists only while there is work;
// a manager's handlers likewise on one of its own. Acknowledgements do not
// wait behind handlers, so a handler may call EmitWithAck. Manager.Close
// (and Socket.Close of a socket from Dial) ends the connection and every
// goroutine of the manager before it returns, except a handler still
// running, which ends on its own: so Close may be called from a handler.
//
// Emits made while the socket is disconnected are kept (up to
// SocketOptions.SendBufferSize) and sent in order once it connects again;
// an acknowledgement still pending when the connection is lost fails with
// ErrDisconnected, unless Retries is set, which sends the event again.
package client

// Package siofiber mounts a gosio Socket.IO server on a Fiber v2 app, natively
// on fasthttp, sharing the app's request context with socket handlers. For
// Fiber v3, the same package with the same API is module
// github.com/gosio/gosio/adapters/fiberv3.
//
// The integration is a native fiber.Handler (never the net/http adaptor), so
// the app's own middleware (authentication, sessions, request ids, CORS) runs
// in front of every Engine.IO request exactly as for any other route. At the
// handshake request (the one without a sid) the handler copies every value
// of c.Locals, whatever the type of its key, and hands them to the server
// together with c.UserContext(). fasthttp recycles the request when the
// handler returns, WebSocket upgrades included, so nothing of it is kept:
// string and []byte values are copied (c.Get, c.Query and c.Params return
// strings that point into fasthttp's buffers), but other values are kept as
// they are. Store self-contained values in Locals (the user, the claims), not
// objects bound to the request such as a *session.Session, nor structs
// holding strings taken from the request (copy those with utils.CopyString,
// or set fiber.Config.Immutable), nor an io.Closer (fasthttp closes those
// after the request). Connect middlewares, event
// handlers and disconnect handlers read the values with [Get] and [MustGet],
// or with core.Value.
//
//	app := fiber.New(fiber.Config{IdleTimeout: time.Minute})
//	api := app.Group("/", authRequired())    // the app's own middleware
//	siofiber.Mount(api, io)                  // the handshake goes through it
//	io.OnConnection(func(s *core.Socket) {
//		user := siofiber.MustGet[*User](s, "user")
//		...
//	})
//
// Idle WebSockets: fasthttp closes a hijacked connection when its handler
// returns, so each WebSocket keeps fasthttp's hijack goroutine, request
// context and read buffer while it is open. Set
// app.Server().KeepHijackedConns = true (before Listen) and the handler
// lets the engine take the connection over: an idle WebSocket then holds no
// goroutine (Linux, plain TCP), as on net/http. Only do so when the app's
// other hijacking handlers close their connections themselves (those of
// Fiber's websocket middleware do not); see [Handler].
//
// Middleware that should only check the handshake can let the session's
// follow-up requests through with [IsHandshake]. A handshake the middleware
// rejects (401, 403) reaches the official client as a connect_error.
//
// Timeouts: a polling client holds each GET open for up to the engine's
// PingInterval (25 s by default). fasthttp applies fiber.Config's ReadTimeout
// and WriteTimeout to reading the request and writing the response, not to
// the handler's wait, so they do not cut a long-poll, and a WebSocket is not
// subject to them at all (both are tested with timeouts shorter than the
// ping interval). Keep IdleTimeout above PingInterval all the same, or idle
// keep-alive connections of polling clients are closed and reopened between
// their requests.
//
// CORS: when the app uses Fiber's CORS middleware on the route, leave
// core.EngineOptions.CORS nil so that each response carries the headers once.
// fasthttp cannot tell when a polling client goes away; the heartbeat does.
//
// Body size: fasthttp reads a POST's whole body before any handler runs, up
// to fiber.Config.BodyLimit (4 MiB by default). Keep it at least the
// engine's MaxHTTPBufferSize (1e6 by default): a polling POST over the
// engine's limit gets the engine's 413 with an empty body, as from Node, and
// its session goes on; one over BodyLimit is refused by Fiber itself (413
// "Request Entity Too Large", through the app's ErrorHandler but without its
// middleware, so without CORS headers) and its connection closed.
//
// Map of the package:
//
//   - [Mount]: registers the server on its path, with and without the
//     trailing slash (for StrictRouting), for every method.
//   - [Handler]: the fiber.Handler, to register by hand.
//   - [IsHandshake]: for middleware that checks only the handshake.
//   - [Get], [MustGet]: typed access to the handshake's Locals from socket
//     handlers.
package siofiber

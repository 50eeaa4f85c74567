// Package siogin mounts a gosio Socket.IO server on a Gin router, sharing the
// app's request context with socket handlers.
//
// The integration is a native gin.HandlerFunc, so the app's own middleware
// (authentication, sessions, request ids, CORS) runs in front of every
// Engine.IO request exactly as for any other route. At the handshake request
// (the one without a sid) the handler copies c.Keys, the values that
// middleware stored with c.Set, and hands them to the server together with the
// request's context (detached from its cancellation: gin pools its contexts).
// Connect middlewares, event handlers and disconnect handlers read them with
// [Get] and [MustGet], or with core.Value.
//
//	r := gin.New()
//	api := r.Group("/", authRequired())     // the app's own middleware
//	siogin.Mount(api, io)                   // the handshake goes through it
//	io.OnConnection(func(s *core.Socket) {
//		user := siogin.MustGet[*User](s, "user")
//		...
//	})
//
// Middleware that should only check the handshake can let the session's
// follow-up requests through with core.IsHandshake(c.Request). A handshake
// the middleware rejects (401, 403) reaches the official client as a
// connect_error.
//
// CORS: when the app uses a Gin CORS middleware on the route, leave
// core.EngineOptions.CORS nil so that each response carries the headers once.
//
// Map of the package:
//
//   - [Mount]: registers the server on its path, with and without the
//     trailing slash, for every method.
//   - [Handler]: the gin.HandlerFunc, to register by hand.
//   - [Get], [MustGet]: typed access to the handshake's c.Keys from socket
//     handlers.
package siogin

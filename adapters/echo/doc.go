// Package sioecho mounts a gosio Socket.IO server on an Echo v4 router,
// sharing the app's request context with socket handlers. For Echo v5, the
// same package with the same API is module
// github.com/gosio/gosio/adapters/echov5.
//
// The integration is a native echo.HandlerFunc, so the app's own middleware
// (authentication, sessions, request ids, CORS) runs in front of every
// Engine.IO request exactly as for any other route. Echo cannot list the
// values middleware stored with c.Set, so [Options] names them (Keys) or
// extracts them (Extract); at the handshake request (the one without a sid)
// the handler copies them, and hands them to the server together with the
// request's context (detached from its cancellation: Echo pools its
// contexts). Connect middlewares, event handlers and disconnect handlers read
// them with [Get] and [MustGet], or with core.Value.
//
//	e := echo.New()
//	api := e.Group("", echojwt.JWT(secret))        // stores c.Set("user", token)
//	sioecho.Mount(api, io, sioecho.Options{Keys: []string{"user"}})
//	io.OnConnection(func(s *core.Socket) {
//		token := sioecho.MustGet[*jwt.Token](s, "user")
//		...
//	})
//
// Middleware that should only check the handshake can let the session's
// follow-up requests through with core.IsHandshake(c.Request()). A handshake
// the middleware rejects (401, 403) reaches the official client as a
// connect_error.
//
// Trailing slashes: [Mount] registers the path with and without its trailing
// slash, so the default client path "/socket.io/" keeps working under
// e.Pre(middleware.RemoveTrailingSlash()) and AddTrailingSlash. A
// RemoveTrailingSlash configured with a RedirectCode redirects every request
// of the client; exclude the path with its Skipper.
//
// CORS: when the app uses Echo's CORS middleware on the route, leave
// core.EngineOptions.CORS nil so that each response carries the headers once.
// Middleware that wraps the response (Gzip, Timeout, BodyDump) must skip the
// socket path: it breaks long-polling and the WebSocket upgrade.
//
// Map of the package:
//
//   - [Mount]: registers the server on its path, with and without the
//     trailing slash, for every method.
//   - [Handler]: the echo.HandlerFunc, to register by hand.
//   - [Options]: which of the handshake's values to keep.
//   - [Get], [MustGet]: typed access to them from socket handlers.
package sioecho

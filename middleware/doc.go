// Package middleware holds socket middlewares for gosio: decorators of
// [core.ConnectHandler] and [core.EventHandler], one concern per file, in
// the manner of go-chi's middleware package. It depends on the standard
// library and package core only.
//
// Map of the package:
//
//   - [Auth], [AuthOptions], [User]: connect-time authentication: a token
//     from the CONNECT auth payload ([FromAuth]), the Authorization header
//     ([FromBearer]) or a cookie ([FromCookie]), checked by the app's
//     function; refusals become connect_error packets ([AuthError]).
//   - [Recover], [RecoverOptions]: turns an event handler's panic into a log
//     record, a hook call and an error acknowledgement; the socket goes on.
//   - [Logging], [LoggingWith], [LoggingOptions]: slog records for connects,
//     disconnects (with reasons), events in and out (names only, at Debug)
//     and handler errors; [LogEvents], the records of events in and errors
//     as an event middleware.
//   - [RateLimit], [LimitEvents], [RateLimitOptions], [Limit]: token
//     buckets per socket and per client IP for incoming events; excess
//     events are dropped with an error acknowledgement, or the socket is
//     disconnected.
//   - [Validate], [Bind], [Validator], [ValidationError]: typed payloads
//     that must decode (and pass their own Validate method) before the
//     handler runs.
//   - [Events]: installs event middlewares on every socket a namespace
//     admits.
//
// Connect middlewares go on a namespace with [core.Namespace.Use] (or
// [core.Server.Use] for the main namespace); event middlewares go on every
// socket of a namespace with [core.Namespace.UseEvents], on the sockets a
// connect chain admits with [Events], or on one socket with
// [core.Socket.Use]. A connect middleware of this package that watches
// events ([Logging], [RateLimit]) adds its event middleware before it calls
// next, so the event middlewares nest in the order of the connect
// middlewares: the first one added is the outermost for events too.
//
// Sockets restored by connection state recovery skip connect middlewares,
// and with them the event middlewares those add. With recovery on, put the
// event middlewares on the namespace with UseEvents ([LogEvents],
// [Recover], [LimitEvents]), whose middlewares wrap every socket's events,
// outside those of [core.Socket.Use]:
//
//	io.Use(middleware.Logging(logger), middleware.Auth(authOpts))
//	io.UseEvents(
//		middleware.LogEvents(middleware.LoggingOptions{Logger: logger}),
//		middleware.Recover(nil),
//		middleware.LimitEvents(limits),
//	)
//
// Every middleware here is safe for concurrent use: one value may serve any
// number of namespaces and sockets. As core guarantees, the handlers of one
// socket run one at a time, in the order its packets arrived, so an event
// middleware never runs twice at once for the same socket.
package middleware

// Package integrationtest is the public test kit for authors of gosio HTTP
// integrations (siogin, sioecho, siofiber and third-party ones): the checks
// every integration must pass, the app they run against, and a minimal raw
// client. It is not for apps, which test their handlers with a real client
// (package client or socket.io-client). It is public, not internal, so that
// an integration living outside this repository runs the same checks as
// ours; docs/integrations.md says how to write and test one.
//
// An integration's tests mount a [core.Server] the way an app would, behind
// the app's own auth middleware, and hand the result to the checks:
//
//	func TestSessions(t *testing.T) {
//		integrationtest.Sessions(t, func(t *testing.T, io *core.Server) string {
//			r := gin.New()
//			siogin.Mount(r.Group("/", auth), io)
//			return integrationtest.Serve(t, r) + io.Path()
//		}, user)
//	}
//
// # The app contract
//
// The app of the checks has an auth middleware in front of the Socket.IO
// endpoint. At a handshake ([core.IsHandshake]) it takes the user from the
// X-User header, answering 401 Unauthorized without one, and stores it
// under the key "user" in the framework's request values (c.Set, Locals...),
// the role "admin" under [RoleKey], and "req-<user>" under [RequestIDKey] in
// the request's own context (or the framework's user context). It lets the
// session's follow-up requests through. The integration must bring those
// values to the socket handlers, which read them with [core.Value] or the
// integration's accessor.
//
// # Package map
//
//   - client.go: [Client], a minimal Socket.IO client on raw Engine.IO
//     (polling, WebSocket and the polling→WebSocket upgrade), and [Wait]. Its
//     transport is gosio's own Engine.IO test client (internal/eiotest), the
//     one the engine's tests use; packets are strings in their wire form.
//   - checks.go: the app contract ([Alice], [RoleKey], [RequestIDKey]), the
//     server of the checks ([NewServer], [Seen], [Recv]), a loopback HTTP
//     server for http.Handler frameworks ([Serve], and [ServeListener] on
//     the listener [Handshake] gives) and the checks themselves:
//     [Sessions], [Handshake], [Paths] and [CORS].
//
// Every function reports failures on the testing.TB it is given, so call
// them from the test's goroutine.
package integrationtest

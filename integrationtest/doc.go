// Package integrationtest holds the checks every gosio HTTP integration must
// pass, plus a minimal raw client; it is for authors of integrations (siogin,
// sioecho, siofiber and third-party ones), not for apps.
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
//     (polling, WebSocket and the polling→WebSocket upgrade), and [Wait].
//   - checks.go: the app contract ([Alice], [RoleKey], [RequestIDKey]), the
//     server of the checks ([NewServer], [Seen], [Recv]), a loopback HTTP
//     server for http.Handler frameworks ([Serve], and [ServeListener] on
//     the listener [Handshake] gives) and the checks themselves:
//     [Sessions], [Handshake], [Paths] and [CORS].
//
// Every function reports failures on the testing.TB it is given, so call
// them from the test's goroutine.
package integrationtest

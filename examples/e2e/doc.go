// Package e2e proves gosio end to end with the real clients: the official
// socket.io-client from npm (run by Node) and its browser bundle in headless
// Chromium (driven by playwright-core).
//
// The Go tests start gosio servers in-process, on loopback listeners whose
// TCP connections they can cut, with handlers that implement the server side
// of the cases (and check what they receive). Then they run a Node test file
// against them: each JavaScript case becomes a Go subtest, so `go test -v`
// shows one line per case, per integration (net/http, Gin, Echo v4 and v5,
// Fiber v2 and v3, each Fiber also with kept hijacked connections) and per
// transport configuration:
//
//	TestClient/<integration>/<websocket|polling|upgrade>/<case>
//	TestBrowser/<integration>/<case>
//	TestAdminUI/<case>
//
// Files:
//
//	integrations_test.go     the HTTP stacks under test, one table line each;
//	integration_*_test.go    how each stack mounts gosio and its app middleware
//	server_test.go           a gosio server on a cuttable listener, restartable
//	handlers_test.go         the server side of the cases
//	node_test.go             runs a Node test file, one Go subtest per case
//	client_test.go           TestClient: socket.io-client in Node, the matrix
//	browser_test.go          TestBrowser: Chromium and the browser bundle
//	client.test.mjs          the Node cases
//	browser.test.mjs         the browser cases; www/ holds the chat page
//	admin_test.go            TestAdminUI: the real Socket.IO Admin UI in
//	                         Chromium, on one server and two on Redis
//	admin.test.mjs           its cases; www/admin-user.html, the watched page
//	lib.mjs, reporter.mjs    helpers, and the reporter node_test.go reads
//
// Run it from the examples module:
//
//	(cd e2e && npm ci) && go test -race -v ./e2e/
//
// Without node_modules or Chromium (/usr/bin/chromium, from Debian's
// chromium package) the tests skip, unless CI is set: then missing
// dependencies fail. Environment:
//
//	E2E_CASES=regexp   run only the Node cases whose names match
//	E2E_DEBUG=1        server logs (debug level) and Node's stderr
//	E2E_CHROMIUM=path  another Chromium binary
//	DEBUG=socket.io-client:*,engine.io-client:*   the client's own traces
package e2e

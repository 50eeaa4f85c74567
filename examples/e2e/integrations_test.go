package e2e

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/gosio/gosio/core"
)

// An integration is one HTTP stack the suite drives: every case runs against
// each entry of integrations.
//
// To add a stack, write its serve and user functions (in a file of its own,
// e.g. integration_gin_test.go) and add one line to the table.
type integration struct {
	name string
	// serve serves io on ln until stop is called: io at io.Path(), behind
	// the app's HTTP middleware installed the stack's native way (see app),
	// and app.files for every other path. It must not close io.
	serve func(ln net.Listener, io *core.Server, a *app) (stop func(context.Context) error)
	// user reads, inside socket handlers, the value the app's middleware
	// stored for the handshake request, the stack's native way.
	user func(s *core.Socket) (string, bool)
}

// integrations is the table of HTTP stacks under test.
var integrations = []integration{
	{name: "nethttp", serve: serveNetHTTP, user: userNetHTTP},
	{name: "gin", serve: serveGin, user: userGin},
	{name: "echo", serve: serveEcho, user: userEcho},
	{name: "echov5", serve: serveEchoV5, user: userEchoV5},
	{name: "fiber", serve: serveFiber, user: userFiber},
	{name: "fiber-kept", serve: serveFiberKept, user: userFiber},
	{name: "fiberv3", serve: serveFiberV3, user: userFiberV3},
	{name: "fiberv3-kept", serve: serveFiberV3Kept, user: userFiberV3},
}

// app is what a real application puts in front of its socket endpoint and
// beside it, in stack-independent terms.
type app struct {
	// files serves the app's other routes: the browser page and the
	// socket.io-client bundle.
	files http.Handler
}

// authorize is the app's own authentication middleware, run for every
// request to the socket endpoint: it refuses the handshake of user
// "mallory" with 401, and otherwise lets the request through with the user
// it found ("" when there is none; store nothing then). Integrations store
// the user under the key "user" (or userKey{} on net/http) in the stack's
// request context: gin's c.Set, echo's c.Set (v4 and v5), fiber's c.Locals
// (v2 and v3).
func (a *app) authorize(q url.Values) (user string, status int) {
	u := q.Get("user")
	if u == "" {
		return "", 0
	}
	if u == "mallory" && q.Get("sid") == "" {
		return "", http.StatusUnauthorized
	}
	return "u:" + u, 0
}

// userKey is where the net/http middleware stores the user.
type userKey struct{}

// serveNetHTTP mounts io on a plain http.ServeMux; the app's middleware is a
// handler wrapper that hands the user to gosio with core.WithValues.
func serveNetHTTP(ln net.Listener, io *core.Server, a *app) func(context.Context) error {
	auth := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			user, status := a.authorize(r.URL.Query())
			if status != 0 {
				http.Error(w, http.StatusText(status), status)
				return
			}
			if user != "" {
				r = r.WithContext(core.WithValues(r.Context(), map[any]any{userKey{}: user}))
			}
			next.ServeHTTP(w, r)
		})
	}
	mux := http.NewServeMux()
	mux.Handle(io.Path(), auth(io))
	mux.Handle("/", a.files)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv.Shutdown
}

func userNetHTTP(s *core.Socket) (string, bool) { return core.Value[string](s, userKey{}) }

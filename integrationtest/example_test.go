package integrationtest_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/integrationtest"
)

// requireUser is the app's own auth middleware of the kit's contract (see
// the package doc), as an app would write it for net/http: at a handshake
// it refuses a request without X-User, and stores the user and the role
// where the integration picks them up and the request id in the request's
// context.
func requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !core.IsHandshake(r) {
			next.ServeHTTP(w, r) // the session's follow-up requests
			return
		}
		user := r.Header.Get("X-User")
		if user == "" {
			http.Error(w, "no user", http.StatusUnauthorized)
			return
		}
		ctx := core.WithValues(r.Context(), map[any]any{"user": user, integrationtest.RoleKey{}: "admin"})
		ctx = context.WithValue(ctx, integrationtest.RequestIDKey{}, "req-"+user)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// mountNetHTTP stands for the integration under test: it mounts io on a
// mux behind the app's middleware, at every path io asks for.
func mountNetHTTP(io *core.Server) http.Handler {
	mux := http.NewServeMux()
	for _, p := range io.Paths() {
		mux.Handle(p, requireUser(io))
	}
	return mux
}

// userOf is the integration's accessor of the user (here core.Value).
func userOf(s *core.Socket) string {
	u, _ := core.Value[string](s, "user")
	return u
}

// checkIntegration is the body of the integration's test, e.g.
//
//	func TestMyIntegration(t *testing.T) { checkIntegration(t) }
//
// It drives a polling, a WebSocket and an upgraded session through the
// app's middleware, then one client through the kit's raw client.
func checkIntegration(t *testing.T) {
	integrationtest.Sessions(t, func(t *testing.T, io *core.Server) string {
		return integrationtest.Serve(t, mountNetHTTP(io)) + io.Path()
	}, userOf)

	// The checks are built from the kit's parts, which a test of an
	// integration's own features uses too.
	io, _ := integrationtest.NewServer(t, nil, userOf)
	io.OnConnection(func(s *core.Socket) {
		user, _ := core.Value[string](s, "user")
		_ = s.Emit("hello", user)
	})
	c := integrationtest.NewClient(t, integrationtest.Serve(t, mountNetHTTP(io))+io.Path(), integrationtest.Alice)
	if st := c.OpenWS(); st != http.StatusSwitchingProtocols {
		t.Fatalf("websocket handshake: %d", st)
	}
	c.Send("40")          // Socket.IO CONNECT to "/"
	c.Expect(`40{"sid":`) // its answer
	c.Expect(`42["hello","alice"]`)
}

// An integration's tests hand the kit a server mounted the way the
// integration mounts it, behind the app's auth middleware; the kit's
// checks and its raw client do the rest. Here the integration is net/http
// itself; siogin, sioecho and siofiber are tested the same way.
func Example() {
	// In the integration's _test.go file:
	//
	//	func TestMyIntegration(t *testing.T) { checkIntegration(t) }
	_ = checkIntegration
}

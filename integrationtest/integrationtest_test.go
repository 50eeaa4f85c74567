package integrationtest_test

import (
	"context"
	"net"
	"net/http"
	"testing"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/integrationtest"
)

// The integration under test is net/http itself: core.Server mounted on an
// http.ServeMux at both of its paths.

// auth is the app's own middleware per the package's contract: the user and
// role as framework values (core.WithValues, what an integration would copy
// from its framework), the request id in the request's own context.
func auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !core.IsHandshake(r) {
			next.ServeHTTP(w, r)
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

// cors is a framework-style CORS middleware: it answers preflights itself
// and adds the origin to every other response.
func cors(origin string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") == origin {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func user(s *core.Socket) string {
	u, _ := core.Value[string](s, "user")
	return u
}

// mount registers h on a new mux at io's paths (under prefix).
func mount(prefix string, io *core.Server, h http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	for _, p := range io.Paths() {
		mux.Handle(prefix+p, h)
	}
	return mux
}

// TestExample runs the code of the package's Example.
func TestExample(t *testing.T) {
	t.Parallel()
	checkIntegration(t)
}

func TestSessions(t *testing.T) {
	t.Parallel()
	integrationtest.Sessions(t, func(t *testing.T, io *core.Server) string {
		return integrationtest.Serve(t, mount("", io, auth(io))) + io.Path()
	}, user)
}

func TestHandshake(t *testing.T) {
	t.Parallel()
	integrationtest.Handshake(t, func(t *testing.T, io *core.Server, ln net.Listener) string {
		return integrationtest.ServeListener(t, mount("", io, auth(io)), ln) + io.Path()
	}, user)
}

func TestPaths(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		opts   *core.Options
		prefix string
		urls   []string // served without a redirect
		not    string   // not served
	}{
		{name: "default", urls: []string{"/socket.io/", "/socket.io"}},
		{name: "custom path", opts: &core.Options{Path: "/rt"}, urls: []string{"/rt", "/rt/"}, not: "/socket.io/"},
		{name: "prefix", prefix: "/api", urls: []string{"/api/socket.io/", "/api/socket.io"}, not: "/socket.io/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			io, _ := integrationtest.NewServer(t, tc.opts, user)
			integrationtest.Paths(t, integrationtest.Serve(t, mount(tc.prefix, io, auth(io))), tc.urls, tc.not)
		})
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	const origin = "http://app.example"
	for _, tc := range []struct {
		name       string
		engine     *core.CORS
		middleware bool
	}{
		{"cors middleware", nil, true},
		{"engine cors", &core.CORS{Origins: []string{origin}, Credentials: true}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			io, _ := integrationtest.NewServer(t, &core.Options{Engine: core.EngineOptions{CORS: tc.engine}}, user)
			var h http.Handler = io
			if tc.middleware {
				h = cors(origin, h)
			}
			integrationtest.CORS(t, integrationtest.Serve(t, mount("", io, h))+io.Path(), origin)
		})
	}
}

package sioecho_test

import (
	"context"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	sioecho "github.com/gosio/gosio/adapters/echov5"
	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/integrationtest"
)

// auth is the app's own middleware (the contract of integrationtest); the
// role goes in c.Set("role") and is kept by opts.Extract under
// integrationtest.RoleKey{}.
func auth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		r := c.Request()
		if !core.IsHandshake(r) {
			return next(c)
		}
		user := r.Header.Get("X-User")
		if user == "" {
			return echo.ErrUnauthorized
		}
		c.Set("user", user)
		c.Set("role", "admin")
		c.SetRequest(r.WithContext(context.WithValue(r.Context(), integrationtest.RequestIDKey{}, "req-"+user)))
		return next(c)
	}
}

// opts keeps "user" by name and the role through Extract.
var opts = sioecho.Options{
	Keys: []string{"user", "missing"},
	Extract: func(c *echo.Context) map[any]any {
		if role := c.Get("role"); role != nil {
			return map[any]any{integrationtest.RoleKey{}: role}
		}
		return nil
	},
}

func user(s *core.Socket) string {
	u, _ := sioecho.Get[string](s, "user")
	return u
}

func TestSessions(t *testing.T) {
	t.Parallel()
	integrationtest.Sessions(t, func(t *testing.T, io *core.Server) string {
		e := echo.New()
		sioecho.Mount(e.Group("", auth), io, opts)
		return integrationtest.Serve(t, e) + io.Path()
	}, user)
}

func TestHandshake(t *testing.T) {
	t.Parallel()
	integrationtest.Handshake(t, func(t *testing.T, io *core.Server, ln net.Listener) string {
		e := echo.New()
		sioecho.Mount(e.Group("", auth), io, opts)
		return integrationtest.ServeListener(t, e, ln) + io.Path()
	}, user)
}

func TestGet(t *testing.T) {
	t.Parallel()
	io, _ := integrationtest.NewServer(t, nil, user)
	got := make(chan [2]any, 3)
	io.OnConnection(func(s *core.Socket) {
		n, okN := sioecho.Get[int](s, "user") // a string
		_, okM := sioecho.Get[string](s, "missing")
		got <- [2]any{n, okN || okM}
		got <- [2]any{sioecho.MustGet[string](s, "user"), core.MustValue[string](s, integrationtest.RoleKey{})}
		defer func() { got <- [2]any{recover() != nil, nil} }()
		sioecho.MustGet[int](s, "user")
	})
	e := echo.New()
	sioecho.Mount(e.Group("", auth), io, opts)
	c := integrationtest.NewClient(t, integrationtest.Serve(t, e)+io.Path(), integrationtest.Alice)
	c.OpenWS()
	c.Send("40")
	if v := integrationtest.Recv(t, got); v != [2]any{0, false} {
		t.Errorf("Get of a wrong type or missing key: %v", v)
	}
	if v := integrationtest.Recv(t, got); v != [2]any{"alice", "admin"} {
		t.Errorf("MustGet: %v", v)
	}
	if v := integrationtest.Recv(t, got); v[0] != true {
		t.Error("MustGet of a wrong type did not panic")
	}
}

// TestServerTimeouts: net/http timeouts shorter than the ping interval (Echo
// v5's StartConfig sets a ReadTimeout) cut neither a long-poll nor a
// WebSocket.
func TestServerTimeouts(t *testing.T) {
	t.Parallel()
	short := 100 * time.Millisecond
	io, _ := integrationtest.NewServer(t, &core.Options{Engine: core.EngineOptions{PingInterval: 3 * short, PingTimeout: 3 * short}}, user)
	e := echo.New()
	sioecho.Mount(e.Group("", auth), io, opts)
	hs := httptest.NewUnstartedServer(e)
	hs.Config.ReadTimeout, hs.Config.WriteTimeout, hs.Config.IdleTimeout = short, short, short
	hs.Start()
	t.Cleanup(hs.Close)
	for _, transport := range []string{"polling", "websocket"} {
		c := integrationtest.NewClient(t, hs.URL+io.Path(), integrationtest.Alice)
		if transport == "websocket" {
			c.OpenWS()
		} else {
			c.Open()
		}
		c.Send("40")
		c.Expect("40{")
		for pings := 0; pings < 3; {
			for _, p := range c.Receive() { // a long-poll, or a WebSocket read
				if p != "2" {
					t.Fatalf("%s: got %q, want a ping", transport, p)
				}
				c.Send("3")
				pings++
			}
		}
		c.Send(`42["whoami"]`)
		c.Expect(`42["you","alice","req-alice","` + transport + `"]`)
	}
}

func TestPaths(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		opts  *core.Options
		mount func(e *echo.Echo, io *core.Server)
		urls  []string // served without a redirect
		not   string   // not served
	}{
		{
			name:  "default",
			mount: func(e *echo.Echo, io *core.Server) { sioecho.Mount(e, io, opts) },
			urls:  []string{"/socket.io/", "/socket.io"},
		},
		{
			name: "RemoveTrailingSlash",
			mount: func(e *echo.Echo, io *core.Server) {
				e.Pre(middleware.RemoveTrailingSlash())
				sioecho.Mount(e, io, opts)
			},
			urls: []string{"/socket.io/", "/socket.io"},
		},
		{
			name: "AddTrailingSlash",
			mount: func(e *echo.Echo, io *core.Server) {
				e.Pre(middleware.AddTrailingSlash())
				sioecho.Mount(e, io, opts)
			},
			urls: []string{"/socket.io/", "/socket.io"},
		},
		{
			name:  "custom path",
			opts:  &core.Options{Path: "/rt"},
			mount: func(e *echo.Echo, io *core.Server) { sioecho.Mount(e, io, opts) },
			urls:  []string{"/rt", "/rt/"},
			not:   "/socket.io/",
		},
		{
			name:  "group with auth",
			mount: func(e *echo.Echo, io *core.Server) { sioecho.Mount(e.Group("/api", auth), io, opts) },
			urls:  []string{"/api/socket.io/", "/api/socket.io"},
			not:   "/socket.io/",
		},
		{
			name:  "handler by hand",
			mount: func(e *echo.Echo, io *core.Server) { e.Any("/sio/*", sioecho.Handler(io, opts)) },
			urls:  []string{"/sio/", "/sio/x"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			io, _ := integrationtest.NewServer(t, tc.opts, user)
			e := echo.New()
			tc.mount(e, io)
			integrationtest.Paths(t, integrationtest.Serve(t, e), tc.urls, tc.not)
		})
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	const origin = "http://app.example"
	for _, tc := range []struct {
		name   string
		engine *core.CORS
		use    []echo.MiddlewareFunc
	}{
		{"echo cors middleware", nil, []echo.MiddlewareFunc{middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins: []string{origin}, AllowCredentials: true,
		})}},
		{"engine cors", &core.CORS{Origins: []string{origin}, Credentials: true}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			io, _ := integrationtest.NewServer(t, &core.Options{Engine: core.EngineOptions{CORS: tc.engine}}, user)
			e := echo.New()
			e.Use(tc.use...)
			sioecho.Mount(e, io, opts)
			integrationtest.CORS(t, integrationtest.Serve(t, e)+io.Path(), origin)
		})
	}
}

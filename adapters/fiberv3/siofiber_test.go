package siofiber_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/middleware/cors"

	siofiber "github.com/gosio/gosio/adapters/fiberv3"
	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/integrationtest"
)

// auth is the app's own middleware (the contract of integrationtest): Locals
// for the user (a string pointing into fasthttp's buffers) and the role, the
// user context for the request id.
func auth(c fiber.Ctx) error {
	if !siofiber.IsHandshake(c) {
		return c.Next()
	}
	user := c.Get("X-User")
	if user == "" {
		return fiber.ErrUnauthorized
	}
	c.Locals("user", user)
	fiber.Locals(c, integrationtest.RoleKey{}, "admin")
	c.SetContext(context.WithValue(c.Context(), integrationtest.RequestIDKey{}, "req-"+user))
	return c.Next()
}

func user(s *core.Socket) string {
	u, _ := siofiber.Get[string](s, "user")
	return u
}

// serve runs app on a loopback listener shut down when the test ends.
func serve(t *testing.T, app *fiber.App) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveOn(t, app, ln)
}

// serveOn runs app on ln until the test ends and returns its URL.
func serveOn(t *testing.T, app *fiber.App, ln net.Listener) string {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = app.Listener(ln, fiber.ListenConfig{DisableStartupMessage: true})
	}()
	t.Cleanup(func() {
		if err := app.ShutdownWithTimeout(integrationtest.Wait); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		<-done
	})
	return "http://" + ln.Addr().String()
}

// newFiber returns an app whose server's worker pool ends soon after the
// shutdown (its cleaner sleeps MaxIdleWorkerDuration, 10 s by default).
func newFiber(cfg fiber.Config) *fiber.App {
	app := fiber.New(cfg)
	app.Server().MaxIdleWorkerDuration = 50 * time.Millisecond
	return app
}

// mounted returns newApp for integrationtest.Sessions with the given
// fiber.Config.
func mounted(cfg fiber.Config) func(*testing.T, *core.Server) string {
	return func(t *testing.T, io *core.Server) string {
		app := newFiber(cfg)
		siofiber.Mount(app.Group("/", auth), io)
		return serve(t, app) + io.Path()
	}
}

func TestSessions(t *testing.T) {
	t.Parallel()
	integrationtest.Sessions(t, mounted(fiber.Config{}), user)
}

// TestSessionsKeptConns: the same with the app's server keeping hijacked
// connections, where the engine reads and closes WebSockets itself after
// fasthttp's hijack handler returned.
func TestSessionsKeptConns(t *testing.T) {
	t.Parallel()
	integrationtest.Sessions(t, func(t *testing.T, io *core.Server) string {
		app := newFiber(fiber.Config{})
		app.Server().KeepHijackedConns = true
		siofiber.Mount(app.Group("/", auth), io)
		return serve(t, app) + io.Path()
	}, user)
}

func TestHandshake(t *testing.T) {
	t.Parallel()
	integrationtest.Handshake(t, func(t *testing.T, io *core.Server, ln net.Listener) string {
		app := newFiber(fiber.Config{})
		siofiber.Mount(app.Group("/", auth), io)
		return serveOn(t, app, ln) + io.Path()
	}, user)
}

func TestGet(t *testing.T) {
	t.Parallel()
	io, _ := integrationtest.NewServer(t, nil, user)
	got := make(chan [2]any, 3)
	io.OnConnection(func(s *core.Socket) {
		n, okN := siofiber.Get[int](s, "user") // a string
		_, okM := siofiber.Get[string](s, "missing")
		got <- [2]any{n, okN || okM}
		got <- [2]any{siofiber.MustGet[string](s, "user"), siofiber.MustGet[string](s, integrationtest.RoleKey{})}
		defer func() { got <- [2]any{recover() != nil, nil} }()
		siofiber.MustGet[int](s, "user")
	})
	c := integrationtest.NewClient(t, mounted(fiber.Config{})(t, io), integrationtest.Alice)
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

// TestServerTimeouts: fiber's timeouts shorter than the ping interval cut
// neither a long-poll nor a WebSocket.
func TestServerTimeouts(t *testing.T) {
	t.Parallel()
	short := 100 * time.Millisecond
	io, _ := integrationtest.NewServer(t, &core.Options{Engine: core.EngineOptions{PingInterval: 3 * short, PingTimeout: 3 * short}}, user)
	url := mounted(fiber.Config{ReadTimeout: short, WriteTimeout: short, IdleTimeout: short})(t, io)
	for _, transport := range []string{"polling", "websocket"} {
		c := integrationtest.NewClient(t, url, integrationtest.Alice)
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
		cfg   fiber.Config
		opts  *core.Options
		mount func(app *fiber.App, io *core.Server)
		urls  []string // served
		not   string   // not served
	}{
		{
			name:  "default",
			mount: func(app *fiber.App, io *core.Server) { siofiber.Mount(app, io) },
			urls:  []string{"/socket.io/", "/socket.io"},
		},
		{
			name:  "StrictRouting",
			cfg:   fiber.Config{StrictRouting: true},
			mount: func(app *fiber.App, io *core.Server) { siofiber.Mount(app, io) },
			urls:  []string{"/socket.io/", "/socket.io"},
		},
		{
			name:  "custom path",
			cfg:   fiber.Config{StrictRouting: true},
			opts:  &core.Options{Path: "/rt"},
			mount: func(app *fiber.App, io *core.Server) { siofiber.Mount(app, io) },
			urls:  []string{"/rt", "/rt/"},
			not:   "/socket.io/",
		},
		{
			name:  "group with auth",
			mount: func(app *fiber.App, io *core.Server) { siofiber.Mount(app.Group("/api", auth), io) },
			urls:  []string{"/api/socket.io/", "/api/socket.io"},
			not:   "/socket.io/",
		},
		{
			name:  "handler by hand",
			mount: func(app *fiber.App, io *core.Server) { app.Use("/sio", siofiber.Handler(io)) },
			urls:  []string{"/sio/", "/sio/x"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			io, _ := integrationtest.NewServer(t, tc.opts, user)
			app := newFiber(tc.cfg)
			tc.mount(app, io)
			integrationtest.Paths(t, serve(t, app), tc.urls, tc.not)
		})
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	const origin = "http://app.example"
	for _, tc := range []struct {
		name   string
		engine *core.CORS
		use    []fiber.Handler
	}{
		{"fiber cors middleware", nil, []fiber.Handler{cors.New(cors.Config{
			AllowOrigins: []string{origin}, AllowCredentials: true,
		})}},
		{"engine cors", &core.CORS{Origins: []string{origin}, Credentials: true}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			io, _ := integrationtest.NewServer(t, &core.Options{Engine: core.EngineOptions{CORS: tc.engine}}, user)
			app := newFiber(fiber.Config{})
			for _, h := range tc.use {
				app.Use(h)
			}
			siofiber.Mount(app, io)
			integrationtest.CORS(t, serve(t, app)+io.Path(), origin)
		})
	}
}

// TestPostTooLarge: a polling POST over the engine's MaxHTTPBufferSize gets
// the engine's bare 413 and the session goes on, as in Node. One over
// Fiber's BodyLimit never reaches the engine: Fiber refuses it with its own
// 413 (see the package doc), and the session goes on all the same.
func TestPostTooLarge(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		maxBuffer int64
		bodyLimit int
		wantBody  string
	}{
		{"engine limit", 1000, 0, ""},
		{"fiber body limit", 1e6, 1024, fiber.ErrRequestEntityTooLarge.Message},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			io, _ := integrationtest.NewServer(t, &core.Options{Engine: core.EngineOptions{MaxHTTPBufferSize: tc.maxBuffer}}, user)
			c := integrationtest.NewClient(t, mounted(fiber.Config{BodyLimit: tc.bodyLimit})(t, io), integrationtest.Alice)
			if c.Open() != http.StatusOK {
				t.Fatal("polling handshake failed")
			}
			res, body := c.Do(http.MethodPost, "4"+strings.Repeat("x", 2000))
			if res.StatusCode != http.StatusRequestEntityTooLarge || body != tc.wantBody {
				t.Fatalf("answer %d %q, want 413 %q", res.StatusCode, body, tc.wantBody)
			}
			c.Send("40")
			c.Expect(`40{"sid":`)
		})
	}
}

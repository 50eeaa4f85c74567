package siogin_test

import (
	"context"
	"net"
	"net/http"
	"testing"

	"github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"

	siogin "github.com/gosio/gosio/adapters/gin"
	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/integrationtest"
)

func init() { gin.SetMode(gin.TestMode) }

// auth is the app's own middleware (the contract of integrationtest).
func auth(c *gin.Context) {
	if !core.IsHandshake(c.Request) {
		return
	}
	user := c.GetHeader("X-User")
	if user == "" {
		c.AbortWithStatus(http.StatusUnauthorized)
		return
	}
	c.Set("user", user)
	c.Set(integrationtest.RoleKey{}, "admin")
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), integrationtest.RequestIDKey{}, "req-"+user))
}

func user(s *core.Socket) string {
	u, _ := siogin.Get[string](s, "user")
	return u
}

func TestSessions(t *testing.T) {
	t.Parallel()
	integrationtest.Sessions(t, func(t *testing.T, io *core.Server) string {
		r := gin.New()
		siogin.Mount(r.Group("/", auth), io)
		return integrationtest.Serve(t, r) + io.Path()
	}, user)
}

func TestHandshake(t *testing.T) {
	t.Parallel()
	integrationtest.Handshake(t, func(t *testing.T, io *core.Server, ln net.Listener) string {
		r := gin.New()
		siogin.Mount(r.Group("/", auth), io)
		return integrationtest.ServeListener(t, r, ln) + io.Path()
	}, user)
}

func TestGet(t *testing.T) {
	t.Parallel()
	io, _ := integrationtest.NewServer(t, nil, user)
	got := make(chan [2]any, 3)
	io.OnConnection(func(s *core.Socket) {
		n, okN := siogin.Get[int](s, "user") // a string
		_, okM := siogin.Get[string](s, "missing")
		got <- [2]any{n, okN || okM}
		got <- [2]any{siogin.MustGet[string](s, "user"), siogin.MustGet[string](s, integrationtest.RoleKey{})}
		defer func() { got <- [2]any{recover() != nil, nil} }()
		siogin.MustGet[int](s, "user")
	})
	r := gin.New()
	siogin.Mount(r.Group("/", auth), io)
	c := integrationtest.NewClient(t, integrationtest.Serve(t, r)+io.Path(), integrationtest.Alice)
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

func TestPaths(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		opts  *core.Options
		mount func(r *gin.Engine, io *core.Server)
		urls  []string // served without a redirect
		not   string   // not served
	}{
		{
			name:  "default",
			mount: func(r *gin.Engine, io *core.Server) { siogin.Mount(r, io) },
			urls:  []string{"/socket.io/", "/socket.io"},
		},
		{
			name:  "custom path",
			opts:  &core.Options{Path: "/rt"},
			mount: func(r *gin.Engine, io *core.Server) { siogin.Mount(r, io) },
			urls:  []string{"/rt", "/rt/"},
			not:   "/socket.io/",
		},
		{
			name:  "group with auth",
			mount: func(r *gin.Engine, io *core.Server) { siogin.Mount(r.Group("/api", auth), io) },
			urls:  []string{"/api/socket.io/", "/api/socket.io"},
			not:   "/socket.io/",
		},
		{
			name:  "handler by hand",
			mount: func(r *gin.Engine, io *core.Server) { r.Any("/sio/*any", siogin.Handler(io)) },
			urls:  []string{"/sio/", "/sio/x"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			io, _ := integrationtest.NewServer(t, tc.opts, user)
			r := gin.New()
			tc.mount(r, io)
			integrationtest.Paths(t, integrationtest.Serve(t, r), tc.urls, tc.not)
		})
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	const origin = "http://app.example"
	for _, tc := range []struct {
		name   string
		engine *core.CORS
		use    []gin.HandlerFunc
	}{
		{"gin cors middleware", nil, []gin.HandlerFunc{cors.New(cors.Config{
			AllowOrigins: []string{origin}, AllowCredentials: true, AllowMethods: []string{"GET", "POST"},
		})}},
		{"engine cors", &core.CORS{Origins: []string{origin}, Credentials: true}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			io, _ := integrationtest.NewServer(t, &core.Options{Engine: core.EngineOptions{CORS: tc.engine}}, user)
			r := gin.New()
			siogin.Mount(r.Group("/", tc.use...), io)
			integrationtest.CORS(t, integrationtest.Serve(t, r)+io.Path(), origin)
		})
	}
}

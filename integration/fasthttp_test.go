package integration_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/integration"
	"github.com/gosio/gosio/integrationtest"
)

// The integration under test is a bare fasthttp.Server, built the way
// siofiber is, with the app's auth middleware (the contract of
// integrationtest) in front of it.

// baseKey is where the app keeps the request's own context among the user
// values, as Fiber keeps its user context: the integration passes it on and
// does not copy it.
type baseKey struct{}

// handler serves io on srv behind the app's middleware.
func handler(io *core.Server, srv *fasthttp.Server) fasthttp.RequestHandler {
	return func(rc *fasthttp.RequestCtx) {
		if integration.IsHandshakeFastHTTP(rc) {
			user := rc.Request.Header.Peek("X-User") // points into fasthttp's buffers
			if len(user) == 0 {
				rc.SetStatusCode(http.StatusUnauthorized)
				return
			}
			rc.SetUserValue("user", user)
			rc.SetUserValue(integrationtest.RoleKey{}, "admin")
			rc.SetUserValue(baseKey{}, context.WithValue(context.Background(), integrationtest.RequestIDKey{}, "req-"+string(user)))
		}
		var ctx context.Context
		if integration.IsHandshakeFastHTTP(rc) {
			base, _ := rc.UserValue(baseKey{}).(context.Context)
			ctx = core.WithValues(base, integration.UserValues(rc, func(k any) bool { return k == baseKey{} }))
		}
		integration.ServeFastHTTP(ctx, io, srv, rc)
	}
}

// user reads the user, kept as a []byte.
func user(s *core.Socket) string {
	b, _ := core.Value[[]byte](s, "user")
	return string(b)
}

// serve runs io on a fasthttp.Server on a loopback listener, shut down when
// the test ends, and returns the endpoint's URL.
func serve(t *testing.T, io *core.Server, keep bool) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// The worker pool's cleaner ends only after sleeping
	// MaxIdleWorkerDuration (10 s by default) past the shutdown.
	srv := &fasthttp.Server{KeepHijackedConns: keep, MaxIdleWorkerDuration: 50 * time.Millisecond}
	srv.Handler = handler(io, srv)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), integrationtest.Wait)
		defer cancel()
		if err := srv.ShutdownWithContext(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		<-done
	})
	return "http://" + ln.Addr().String() + io.Path()
}

func TestSessionsFastHTTP(t *testing.T) {
	t.Parallel()
	integrationtest.Sessions(t, func(t *testing.T, io *core.Server) string { return serve(t, io, false) }, user)
}

// TestSessionsFastHTTPKeptConns: the same with the server keeping hijacked
// connections, where the engine reads and closes WebSockets itself.
func TestSessionsFastHTTPKeptConns(t *testing.T) {
	t.Parallel()
	integrationtest.Sessions(t, func(t *testing.T, io *core.Server) string { return serve(t, io, true) }, user)
}

// TestUserValuesSkip: the skipped key is not copied, the others are, of
// any key type.
func TestUserValuesSkip(t *testing.T) {
	t.Parallel()
	io, _ := integrationtest.NewServer(t, nil, user)
	got := make(chan [3]bool, 1)
	io.OnConnection(func(s *core.Socket) {
		_, base := core.Value[context.Context](s, baseKey{})
		_, role := core.Value[string](s, integrationtest.RoleKey{})
		_, id := core.Value[string](s, integrationtest.RequestIDKey{})
		got <- [3]bool{base, role, id}
	})
	c := integrationtest.NewClient(t, serve(t, io, false), integrationtest.Alice)
	c.OpenWS()
	c.Send("40")
	if v := integrationtest.Recv(t, got); v != [3]bool{false, true, true} {
		t.Errorf("base context copied, role kept, request id passed on: %v, want [false true true]", v)
	}
}

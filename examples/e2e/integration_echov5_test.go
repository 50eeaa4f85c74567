package e2e

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	sioecho "github.com/gosio/gosio/adapters/echov5"
	"github.com/gosio/gosio/core"
)

// serveEchoV5 mounts io on Echo v5 behind the app's middleware (a route
// middleware), which stores the user with c.Set, declared to sioecho as a
// key to keep; other paths go to the app's files.
func serveEchoV5(ln net.Listener, io *core.Server, a *app) func(context.Context) error {
	e := echo.New()
	auth := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			user, status := a.authorize(c.QueryParams())
			if status != 0 {
				return c.NoContent(status)
			}
			if user != "" {
				c.Set("user", user)
			}
			return next(c)
		}
	}
	sioecho.Mount(routeMiddlewareV5{e, auth}, io, sioecho.Options{Keys: []string{"user"}})
	e.Any("/*", echo.WrapHandler(a.files))
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv.Shutdown
}

// routeMiddlewareV5 registers routes on e with mw in front of them.
type routeMiddlewareV5 struct {
	e  *echo.Echo
	mw echo.MiddlewareFunc
}

func (r routeMiddlewareV5) Any(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) echo.RouteInfo {
	return r.e.Any(path, h, append([]echo.MiddlewareFunc{r.mw}, m...)...)
}

func userEchoV5(s *core.Socket) (string, bool) { return sioecho.Get[string](s, "user") }

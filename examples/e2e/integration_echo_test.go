package e2e

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	sioecho "github.com/gosio/gosio/adapters/echo"
	"github.com/gosio/gosio/core"
)

// serveEcho mounts io behind the app's middleware (a route middleware),
// which stores the user with c.Set, declared to sioecho as a key to keep;
// other paths go to the app's files.
func serveEcho(ln net.Listener, io *core.Server, a *app) func(context.Context) error {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	auth := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
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
	sioecho.Mount(routeMiddleware{e, auth}, io, sioecho.Options{Keys: []string{"user"}})
	e.Any("/*", echo.WrapHandler(a.files))
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv.Shutdown
}

// routeMiddleware registers routes on e with mw in front of them.
type routeMiddleware struct {
	e  *echo.Echo
	mw echo.MiddlewareFunc
}

func (r routeMiddleware) Any(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) []*echo.Route {
	return r.e.Any(path, h, append([]echo.MiddlewareFunc{r.mw}, m...)...)
}

func userEcho(s *core.Socket) (string, bool) { return sioecho.Get[string](s, "user") }

package sioecho_test

import (
	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	sioecho "github.com/gosio/gosio/adapters/echov5"
	"github.com/gosio/gosio/core"
)

// The app's own middleware authenticates the handshake and stores the user
// with c.Set; Options.Keys names it, and socket handlers read it with
// sioecho.MustGet.
func ExampleMount() {
	io := core.NewServer(nil)
	io.OnConnection(func(s *core.Socket) {
		user := sioecho.MustGet[string](s, "user")
		s.On("hello", func(s *core.Socket, _ *core.Event) error {
			return s.Emit("hello", "hi "+user)
		})
	})

	e := echo.New()
	e.Pre(middleware.RemoveTrailingSlash()) // fine: both forms are mounted
	authed := e.Group("", func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			if !core.IsHandshake(c.Request()) {
				return next(c) // the session's follow-up requests were authenticated already
			}
			cookie, err := c.Cookie("user") // the app's real session check goes here
			if err != nil {
				return echo.ErrUnauthorized // a connect_error on the client
			}
			c.Set("user", cookie.Value)
			return next(c)
		}
	})
	sioecho.Mount(authed, io, sioecho.Options{Keys: []string{"user"}})
	_ = e.Start("127.0.0.1:8080")
}

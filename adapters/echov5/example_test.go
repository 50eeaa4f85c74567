package sioecho_test

import (
	"context"
	"fmt"
	"github.com/gosio/gosio/client"
	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

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

// Get reads, typed, what the app's middleware stored with c.Set at the
// handshake, for the keys Options.Keys declares (Echo cannot list its
// keys); ok is false for any other key.
func ExampleGet() {
	io := core.NewServer(nil)
	got := make(chan string, 1)
	io.OnConnection(func(s *core.Socket) {
		user, ok := sioecho.Get[string](s, "user")
		_, hasRole := sioecho.Get[string](s, "role") // stored, but not declared
		got <- fmt.Sprintf("user %s %v, role %v", user, ok, hasRole)
	})
	e := echo.New()
	g := e.Group("", func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			c.Set("user", c.Request().Header.Get("X-User"))
			c.Set("role", "admin")
			return next(c)
		}
	})
	sioecho.Mount(g, io, sioecho.Options{Keys: []string{"user"}})
	hs := httptest.NewServer(e)
	defer hs.Close()
	defer io.Close(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, hs.URL, &client.Options{Header: http.Header{"X-User": {"ada"}}})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	fmt.Println(<-got)
	// Output: user ada true, role false
}

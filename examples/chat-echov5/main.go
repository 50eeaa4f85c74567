// Command chat-echov5 is the gosio chat demo on Echo v5: rooms, typing
// indicator, history on join and connection state recovery, with the
// nickname taken from the app's own session middleware through c.Set.
//
//	cd examples && go run ./chat-echov5
//
// then open http://127.0.0.1:8080 in two browsers.
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	sioecho "github.com/gosio/gosio/adapters/echov5"
	"github.com/gosio/gosio/core"
	chatweb "github.com/gosio/gosio/examples/chat-web"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()

	// The socket handlers read the user that the session middleware stored
	// with c.Set("user", …) at the handshake (kept through Options.Keys).
	io := chatweb.NewServer(func(s *core.Socket) string { return sioecho.MustGet[string](s, "user") })

	e := echo.New()
	e.Pre(middleware.RemoveTrailingSlash()) // fine for /socket.io/: both forms are mounted
	e.Use(middleware.Recover())
	e.GET("/", func(c *echo.Context) error { return c.HTMLBlob(http.StatusOK, chatweb.Index) })
	e.POST("/login", login)
	e.POST("/logout", func(c *echo.Context) error {
		c.SetCookie(&http.Cookie{Name: chatweb.CookieName, Path: "/", MaxAge: -1})
		return c.Redirect(http.StatusSeeOther, "/")
	})
	e.GET("/me", func(c *echo.Context) error {
		return c.JSON(http.StatusOK, map[string]any{"user": c.Get("user")})
	}, session)

	// The socket endpoint checks the session at the handshake only: the
	// later requests of an Engine.IO session carry its sid.
	sockets := e.Group("", func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			if core.IsHandshake(c.Request()) {
				return session(next)(c)
			}
			return next(c)
		}
	})
	sioecho.Mount(sockets, io, sioecho.Options{Keys: []string{"user"}})

	// The Socket.IO Admin UI, for logged-in users only: the page here, its
	// /admin connection through the socket endpoint's check above.
	adminUI, stopAdmin := chatweb.AdminUI(io)
	defer stopAdmin()
	e.GET(strings.TrimSuffix(chatweb.AdminPath, "/")+"*", echo.WrapHandler(adminUI), session)

	// Echo v5 serves with the standard library's server (echo.StartConfig
	// would too); shut down in order: the sockets first.
	srv := &http.Server{Addr: *addr, Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	log.Printf("chat (Echo v5) on http://%s", *addr)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	<-ctx.Done()
	stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = io.Close(ctx) // disconnects the sockets, ending their requests
	_ = srv.Shutdown(ctx)
}

// session is the app's auth middleware: the user of a valid session cookie
// goes into the context with c.Set; without one the request gets a 401,
// which the browser client sees as a connect_error.
func session(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		cookie, err := c.Cookie(chatweb.CookieName)
		if err != nil {
			return echo.ErrUnauthorized
		}
		user, ok := chatweb.User(cookie.Value)
		if !ok {
			return echo.ErrUnauthorized
		}
		c.Set("user", user)
		return next(c)
	}
}

// login sets the session cookie for the nickname of the login form.
func login(c *echo.Context) error {
	value, err := chatweb.Login(c.FormValue("name"))
	if err != nil {
		return c.Redirect(http.StatusSeeOther, "/?error="+url.QueryEscape(err.Error()))
	}
	c.SetCookie(&http.Cookie{Name: chatweb.CookieName, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return c.Redirect(http.StatusSeeOther, "/")
}

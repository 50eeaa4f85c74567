// Command chat-fiber is the gosio chat demo on Fiber, natively on fasthttp:
// rooms, typing indicator, history on join and connection state recovery,
// with the nickname taken from the app's own session middleware through
// c.Locals.
//
//	cd examples && go run ./chat-fiber
//
// then open http://127.0.0.1:8080 in two browsers.
package main

import (
	"context"
	"flag"
	"log"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/recover"

	siofiber "github.com/gosio/gosio/adapters/fiber"
	"github.com/gosio/gosio/core"
	chatweb "github.com/gosio/gosio/examples/chat-web"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()

	// The socket handlers read the user that the session middleware stored
	// with c.Locals("user", …) at the handshake.
	io := chatweb.NewServer(func(s *core.Socket) string { return siofiber.MustGet[string](s, "user") })

	app := fiber.New(fiber.Config{
		DisableStartupMessage: true,
		IdleTimeout:           time.Minute, // above the ping interval (25 s)
	})
	// Nothing else here hijacks connections, so fasthttp may leave them to
	// their handlers: an idle WebSocket then holds no goroutine.
	app.Server().KeepHijackedConns = true
	app.Use(recover.New())
	app.Get("/", func(c *fiber.Ctx) error {
		c.Type("html", "utf-8")
		return c.Send(chatweb.Index)
	})
	app.Post("/login", login)
	app.Post("/logout", func(c *fiber.Ctx) error {
		c.ClearCookie(chatweb.CookieName)
		return c.Redirect("/", fiber.StatusSeeOther)
	})
	app.Get("/me", session, func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"user": c.Locals("user")}) })

	// The socket endpoint checks the session at the handshake only: the
	// later requests of an Engine.IO session carry its sid.
	sockets := app.Group("/", func(c *fiber.Ctx) error {
		if siofiber.IsHandshake(c) {
			return session(c)
		}
		return c.Next()
	})
	siofiber.Mount(sockets, io)

	// The Socket.IO Admin UI, for logged-in users only: the page here, its
	// /admin connection through the socket endpoint's check above.
	adminUI, stopAdmin := chatweb.AdminUI(io)
	defer stopAdmin()
	app.Use(strings.TrimSuffix(chatweb.AdminPath, "/"), session, adaptor.HTTPHandler(adminUI))

	go func() {
		if err := app.Listen(*addr); err != nil {
			log.Fatal(err)
		}
	}()
	log.Printf("chat (Fiber) on http://%s", *addr)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	<-ctx.Done()
	stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = io.Close(ctx) // disconnects the sockets, ending their requests
	_ = app.ShutdownWithContext(ctx)
}

// session is the app's auth middleware: the user of a valid session cookie
// goes into c.Locals; without one the request gets a 401, which the browser
// client sees as a connect_error.
func session(c *fiber.Ctx) error {
	user, ok := chatweb.User(c.Cookies(chatweb.CookieName))
	if !ok {
		return fiber.ErrUnauthorized
	}
	c.Locals("user", user)
	return c.Next()
}

// login sets the session cookie for the nickname of the login form.
func login(c *fiber.Ctx) error {
	value, err := chatweb.Login(c.FormValue("name"))
	if err != nil {
		return c.Redirect("/?error="+url.QueryEscape(err.Error()), fiber.StatusSeeOther)
	}
	c.Cookie(&fiber.Cookie{Name: chatweb.CookieName, Value: value, Path: "/", HTTPOnly: true, SameSite: "Lax"})
	return c.Redirect("/", fiber.StatusSeeOther)
}

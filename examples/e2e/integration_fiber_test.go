package e2e

import (
	"context"
	"net"
	"net/url"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	siofiber "github.com/gosio/gosio/adapters/fiber"
	"github.com/gosio/gosio/core"
)

// serveFiber mounts io natively on fasthttp, on a group behind the app's
// middleware, which stores the user with c.Locals; other paths go to the
// app's files.
func serveFiber(ln net.Listener, io *core.Server, a *app) func(context.Context) error {
	return serveFiberWith(ln, io, a, false)
}

// serveFiberKept is serveFiber with the server keeping hijacked
// connections: the engine then reads and closes WebSockets itself once
// fasthttp's hijack handler returned.
func serveFiberKept(ln net.Listener, io *core.Server, a *app) func(context.Context) error {
	return serveFiberWith(ln, io, a, true)
}

func serveFiberWith(ln net.Listener, io *core.Server, a *app, keep bool) func(context.Context) error {
	f := fiber.New(fiber.Config{DisableStartupMessage: true})
	f.Server().KeepHijackedConns = keep
	api := f.Group("/", func(c *fiber.Ctx) error {
		q := url.Values{}
		c.Context().QueryArgs().VisitAll(func(k, v []byte) { q.Add(string(k), string(v)) })
		user, status := a.authorize(q)
		if status != 0 {
			return c.SendStatus(status)
		}
		if user != "" {
			c.Locals("user", user)
		}
		return c.Next()
	})
	siofiber.Mount(api, io)
	f.Use(adaptor.HTTPHandler(a.files))
	go func() { _ = f.Listener(ln) }()
	return f.ShutdownWithContext
}

func userFiber(s *core.Socket) (string, bool) { return siofiber.Get[string](s, "user") }

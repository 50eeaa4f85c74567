package e2e

import (
	"context"
	"net"
	"net/url"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/middleware/adaptor"

	siofiber "github.com/gosio/gosio/adapters/fiberv3"
	"github.com/gosio/gosio/core"
)

// serveFiberV3 mounts io on Fiber v3 natively on fasthttp, on a group behind
// the app's middleware, which stores the user with c.Locals; other paths go
// to the app's files.
func serveFiberV3(ln net.Listener, io *core.Server, a *app) func(context.Context) error {
	return serveFiberV3With(ln, io, a, false)
}

// serveFiberV3Kept is serveFiberV3 with the server keeping hijacked
// connections: the engine then reads and closes WebSockets itself once
// fasthttp's hijack handler returned.
func serveFiberV3Kept(ln net.Listener, io *core.Server, a *app) func(context.Context) error {
	return serveFiberV3With(ln, io, a, true)
}

func serveFiberV3With(ln net.Listener, io *core.Server, a *app, keep bool) func(context.Context) error {
	f := fiber.New()
	f.Server().KeepHijackedConns = keep
	api := f.Group("/", func(c fiber.Ctx) error {
		q := url.Values{}
		for k, v := range c.RequestCtx().QueryArgs().All() {
			q.Add(string(k), string(v))
		}
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
	go func() { _ = f.Listener(ln, fiber.ListenConfig{DisableStartupMessage: true}) }()
	return f.ShutdownWithContext
}

func userFiberV3(s *core.Socket) (string, bool) { return siofiber.Get[string](s, "user") }

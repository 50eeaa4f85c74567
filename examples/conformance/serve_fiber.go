package main

import (
	"context"
	"net"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	siofiber "github.com/gosio/gosio/adapters/fiber"
	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/engine"
)

// serveFiber mounts both servers on a Fiber app, natively on fasthttp.
func serveFiber(addr string, eio *engine.Server, io *core.Server) (func(context.Context) error, error) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.All("/engine.io/", func(c *fiber.Ctx) error {
		eio.ServeFastHTTP(nil, c.Context())
		return nil
	})
	siofiber.Mount(app, io)
	if adminUI != nil {
		app.Use("/admin-ui", adaptor.HTTPHandler(adminUI))
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	go func() { _ = app.Listener(ln) }()
	return app.ShutdownWithContext, nil
}

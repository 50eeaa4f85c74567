package main

import (
	"context"
	"net"

	fiberv3 "github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/middleware/adaptor"

	siofiber "github.com/gosio/gosio/adapters/fiberv3"
	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/engine"
)

// serveFiberV3 mounts both servers on a Fiber v3 app, natively on fasthttp.
func serveFiberV3(addr string, eio *engine.Server, io *core.Server) (func(context.Context) error, error) {
	app := fiberv3.New()
	app.All("/engine.io/", func(c fiberv3.Ctx) error {
		eio.ServeFastHTTP(nil, c.RequestCtx())
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
	go func() { _ = app.Listener(ln, fiberv3.ListenConfig{DisableStartupMessage: true}) }()
	return app.ShutdownWithContext, nil
}

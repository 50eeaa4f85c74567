package main

import (
	"context"
	"net"
	"net/http"
	"time"

	fiberv3 "github.com/gofiber/fiber/v3"
	echov5 "github.com/labstack/echo/v5"

	sioechov5 "github.com/gosio/gosio/adapters/echov5"
	siofiberv3 "github.com/gosio/gosio/adapters/fiberv3"
	"github.com/gosio/gosio/core"
)

// serveFiberV3 serves io on Fiber v3, natively on fasthttp, keeping
// hijacked connections as the Fiber v2 server does.
func serveFiberV3(addr string, io *core.Server) (func(context.Context) error, error) {
	app := fiberv3.New()
	// Idle WebSockets then hold no goroutine (see siofiber.Handler).
	app.Server().KeepHijackedConns = true
	siofiberv3.Mount(app, io)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	go func() { _ = app.Listener(ln, fiberv3.ListenConfig{DisableStartupMessage: true}) }()
	return app.ShutdownWithContext, nil
}

// serveEchoV5 serves io on an Echo v5 router with net/http.
func serveEchoV5(addr string, io *core.Server) (func(context.Context) error, error) {
	e := echov5.New()
	sioechov5.Mount(e, io, sioechov5.Options{})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv.Shutdown, nil
}

package main

import (
	"context"

	echov5 "github.com/labstack/echo/v5"

	sioecho "github.com/gosio/gosio/adapters/echov5"
	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/engine"
)

// serveEchoV5 mounts both servers on an Echo v5 router.
func serveEchoV5(addr string, eio *engine.Server, io *core.Server) (func(context.Context) error, error) {
	e := echov5.New()
	e.Any("/engine.io/", echov5.WrapHandler(eio))
	sioecho.Mount(e, io, sioecho.Options{})
	if adminUI != nil {
		e.Any("/admin-ui*", echov5.WrapHandler(adminUI))
	}
	return listenHTTP(addr, e)
}

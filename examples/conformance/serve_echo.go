package main

import (
	"context"

	echov4 "github.com/labstack/echo/v4"

	sioecho "github.com/gosio/gosio/adapters/echo"
	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/engine"
)

// serveEcho mounts both servers on an Echo router.
func serveEcho(addr string, eio *engine.Server, io *core.Server) (func(context.Context) error, error) {
	e := echov4.New()
	e.HideBanner, e.HidePort = true, true
	e.Any("/engine.io/", echov4.WrapHandler(eio))
	sioecho.Mount(e, io, sioecho.Options{})
	if adminUI != nil {
		e.Any("/admin-ui*", echov4.WrapHandler(adminUI))
	}
	return listenHTTP(addr, e)
}

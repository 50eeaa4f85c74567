package main

import (
	"context"

	"github.com/gin-gonic/gin"

	siogin "github.com/gosio/gosio/adapters/gin"
	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/engine"
)

// serveGin mounts both servers on a Gin router.
func serveGin(addr string, eio *engine.Server, io *core.Server) (func(context.Context) error, error) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Any("/engine.io/", gin.WrapH(eio))
	siogin.Mount(r, io)
	if adminUI != nil {
		r.Any("/admin-ui/*any", gin.WrapH(adminUI))
	}
	return listenHTTP(addr, r)
}

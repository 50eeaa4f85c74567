package e2e

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	siogin "github.com/gosio/gosio/adapters/gin"
	"github.com/gosio/gosio/core"
)

func init() { gin.SetMode(gin.ReleaseMode) } // a global: set once, before the parallel tests

// serveGin mounts io on a route group behind the app's middleware, which
// stores the user with c.Set; other paths fall through to the app's files.
func serveGin(ln net.Listener, io *core.Server, a *app) func(context.Context) error {
	r := gin.New()
	api := r.Group("/", func(c *gin.Context) {
		user, status := a.authorize(c.Request.URL.Query())
		if status != 0 {
			c.AbortWithStatus(status)
			return
		}
		if user != "" {
			c.Set("user", user)
		}
		c.Next()
	})
	siogin.Mount(api, io)
	r.NoRoute(gin.WrapH(a.files))
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv.Shutdown
}

func userGin(s *core.Socket) (string, bool) { return siogin.Get[string](s, "user") }

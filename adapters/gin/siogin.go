package siogin

import (
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/gosio/gosio/core"
)

// Mount registers io on r (a *gin.Engine or a *gin.RouterGroup, whose
// middleware then runs in front of it) at io.Path(), relative to the group,
// for every HTTP method including OPTIONS. Both the path with and without the
// trailing slash are registered, so "/socket.io?EIO=4…" is served directly
// instead of being redirected by Gin's RedirectTrailingSlash.
func Mount(r gin.IRoutes, io *core.Server) {
	h := Handler(io)
	for _, p := range io.Paths() {
		r.Any(p, h)
	}
}

// Handler returns a gin.HandlerFunc serving io. At a handshake request it
// copies c.Keys into the request's context with core.WithValues, so socket
// handlers can read them after the request's gin.Context went back to its
// pool. It aborts the chain: nothing after it may write the response.
func Handler(io *core.Server) gin.HandlerFunc {
	return func(c *gin.Context) {
		r := c.Request
		if core.IsHandshake(r) {
			if keys := keysOf(c); len(keys) > 0 {
				r = r.WithContext(core.WithValues(r.Context(), keys))
			}
		}
		io.ServeHTTP(c.Writer, r)
		c.Abort()
	}
}

// keysOf returns a copy of c.Keys, taken under the context's lock (which
// c.Copy holds while cloning the map).
func keysOf(c *gin.Context) map[any]any {
	return c.Copy().Keys
}

// Get returns the value the app's middleware stored under key with c.Set at
// the socket's handshake (or that the request's context holds), when it has
// type T. It is core.Value under a Gin name.
func Get[T any](s *core.Socket, key any) (T, bool) {
	return core.Value[T](s, key)
}

// MustGet is like Get but panics when the value is missing or of another
// type: for values the app's middleware guarantees.
func MustGet[T any](s *core.Socket, key any) T {
	v, ok := Get[T](s, key)
	if !ok {
		panic(fmt.Sprintf("siogin: no %T under key %v", v, key))
	}
	return v
}

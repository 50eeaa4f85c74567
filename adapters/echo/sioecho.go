package sioecho

import (
	"fmt"

	"github.com/labstack/echo/v4"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/integration"
)

// Router is what Mount registers routes on: *echo.Echo or *echo.Group.
// Mount calls its methods once, from the goroutine that calls Mount.
type Router interface {
	Any(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) []*echo.Route
}

// Options say which values of the handshake's echo.Context socket handlers
// see. The zero value keeps none (the request's context is passed on in any
// case).
// A plain value: fill it in before passing it on; it is not to be changed afterwards.
type Options struct {
	// Keys are copied with c.Get at the handshake; a key whose value is nil
	// is left out.
	Keys []string
	// Extract, when set, returns more values to keep (it may read a session
	// store while c is valid). Its result wins over Keys; the handler keeps
	// the map: return a new one each time.
	Extract func(c echo.Context) map[any]any
}

// values returns the handshake values of c, or nil.
func (o *Options) values(c echo.Context) map[any]any {
	var vals map[any]any
	if o.Extract != nil {
		vals = o.Extract(c)
	}
	return integration.KeepKeys(vals, o.Keys, c.Get)
}

// Mount registers io on r (an *echo.Echo or an *echo.Group, whose middleware
// then runs in front of it) at io.Path(), relative to the group, for every
// HTTP method including OPTIONS. Both the path with and without the trailing
// slash are registered.
func Mount(r Router, io *core.Server, opts Options) {
	h := Handler(io, opts)
	for _, p := range io.Paths() {
		r.Any(p, h)
	}
}

// Handler returns an echo.HandlerFunc serving io. At a handshake request it
// copies the values opts selects into the request's context with
// core.WithValues, so socket handlers can read them after the echo.Context
// went back to its pool.
func Handler(io *core.Server, opts Options) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if core.IsHandshake(r) {
			if vals := opts.values(c); len(vals) > 0 {
				r = r.WithContext(core.WithValues(r.Context(), vals))
			}
		}
		io.ServeHTTP(c.Response(), r)
		return nil
	}
}

// Get returns the value kept under key from the socket's handshake (or that
// the request's context holds), when it has type T. It is core.Value under
// an Echo name.
func Get[T any](s *core.Socket, key string) (T, bool) {
	return core.Value[T](s, key)
}

// MustGet is like Get but panics when the value is missing or of another
// type: for values the app's middleware guarantees.
func MustGet[T any](s *core.Socket, key string) T {
	v, ok := Get[T](s, key)
	if !ok {
		panic(fmt.Sprintf("sioecho: no %T under key %q (is it in Options.Keys?)", v, key))
	}
	return v
}

package siofiber

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/engine"
)

// Mount registers io on router (a *fiber.App or a fiber.Group, whose
// middleware then runs in front of it) at io.Path(), relative to the group,
// for every HTTP method. Both the path with and without the trailing slash
// are registered, so it works with StrictRouting on and off.
func Mount(router fiber.Router, io *core.Server) {
	h := Handler(io)
	for _, p := range io.Paths() {
		router.All(p, h)
	}
}

// Handler returns a fiber.Handler serving io natively on fasthttp. At a
// handshake request it copies c.Locals (all key types) into
// c.UserContext() with core.WithValues; that context becomes the sockets'
// context. It ends the chain: it never calls c.Next.
//
// When the app's server keeps hijacked connections
// (app.Server().KeepHijackedConns = true, set before Listen), the engine
// takes each WebSocket connection over: an idle one costs no request context
// or read buffer and, on Linux over plain TCP, no goroutine, as on net/http
// (see engine.HijackKeepsConn); otherwise each WebSocket keeps fasthttp's
// hijack goroutine while it is open. The setting must be on the server that
// serves the app (app.Server(), which Listen uses; not when the app's
// Handler is mounted on another fasthttp.Server). Only set it when every
// other handler of the app that hijacks connections closes them itself:
// handlers of Fiber's websocket middleware (gofiber/contrib/websocket) do
// not, and their connections would stay open.
func Handler(io *core.Server) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var ctx context.Context
		if IsHandshake(c) {
			ctx = core.WithValues(c.UserContext(), locals(c))
		}
		if c.App().Server().KeepHijackedConns {
			engine.HijackKeepsConn(c.Context())
		}
		io.ServeFastHTTP(ctx, c.Context())
		return nil
	}
}

// userContextKey is where Fiber keeps c.UserContext() among the Locals; it
// is not copied, the context itself is passed on.
const userContextKey = "__local_user_context__"

// locals copies c.Locals. Strings and byte slices are copied too: those a
// middleware got from c.Get, c.Query, c.Params or c.Cookies point into
// fasthttp's buffers, which the next request reuses.
func locals(c *fiber.Ctx) map[any]any {
	vals := make(map[any]any)
	c.Context().VisitUserValuesAll(func(k, v any) {
		switch v := v.(type) {
		case string:
			vals[k] = strings.Clone(v)
		case []byte:
			vals[k] = bytes.Clone(v)
		default:
			if k != userContextKey {
				vals[k] = v
			}
		}
	})
	return vals
}

// IsHandshake reports whether c opens a new Engine.IO session (it carries no
// sid): the request app middleware authenticates, letting the session's
// follow-up requests through. It is core.IsHandshake for Fiber.
func IsHandshake(c *fiber.Ctx) bool {
	return len(c.Context().QueryArgs().Peek("sid")) == 0
}

// Get returns the value the app's middleware stored under key with c.Locals
// at the socket's handshake (or that c.UserContext() holds), when it has
// type T. It is core.Value under a Fiber name.
func Get[T any](s *core.Socket, key any) (T, bool) {
	return core.Value[T](s, key)
}

// MustGet is like Get but panics when the value is missing or of another
// type: for values the app's middleware guarantees.
func MustGet[T any](s *core.Socket, key any) T {
	v, ok := Get[T](s, key)
	if !ok {
		panic(fmt.Sprintf("siofiber: no %T under key %v", v, key))
	}
	return v
}

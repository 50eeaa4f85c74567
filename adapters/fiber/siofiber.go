package siofiber

import (
	"context"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/integration"
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
			ctx = core.WithValues(c.UserContext(), integration.UserValues(c.Context(), isUserContextKey))
		}
		integration.ServeFastHTTP(ctx, io, c.App().Server(), c.Context())
		return nil
	}
}

// isUserContextKey reports whether k is where Fiber keeps c.UserContext()
// among the Locals: that entry is not copied, the context itself is passed
// on.
func isUserContextKey(k any) bool { return k == "__local_user_context__" }

// IsHandshake reports whether c opens a new Engine.IO session (it carries no
// sid): the request app middleware authenticates, letting the session's
// follow-up requests through. It is core.IsHandshake for Fiber.
func IsHandshake(c *fiber.Ctx) bool {
	return integration.IsHandshakeFastHTTP(c.Context())
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

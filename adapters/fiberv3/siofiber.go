package siofiber

import (
	"context"
	"fmt"
	"reflect"

	"github.com/gofiber/fiber/v3"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/integration"
)

// Mount registers io on router (a *fiber.App or a fiber.Router of a group,
// whose middleware then runs in front of it) at io.Path(), relative to the
// group, for every HTTP method. Both the path with and without the trailing
// slash are registered, so it works with StrictRouting on and off.
func Mount(router fiber.Router, io *core.Server) {
	h := Handler(io)
	for _, p := range io.Paths() {
		router.All(p, h)
	}
}

// Handler returns a fiber.Handler serving io natively on fasthttp. At a
// handshake request it copies c.Locals (all key types) into c.Context() with
// core.WithValues; that context becomes the sockets' context. It ends the
// chain: it never calls c.Next.
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
// handlers of Fiber's websocket middleware (gofiber/contrib/v3/websocket) do
// not, and their connections would stay open.
func Handler(io *core.Server) fiber.Handler {
	return func(c fiber.Ctx) error {
		var ctx context.Context
		if IsHandshake(c) {
			ctx = core.WithValues(c.Context(), integration.UserValues(c.RequestCtx(), isFiberKey))
		}
		integration.ServeFastHTTP(ctx, io, c.App().Server(), c.RequestCtx())
		return nil
	}
}

// fiberPkg is the import path of package fiber.
var fiberPkg = reflect.TypeFor[fiber.App]().PkgPath()

// isFiberKey reports whether k, a key among the Locals, has a type of
// package fiber itself: Fiber's own bookkeeping (c.Context() is kept there),
// not the app's values. The user context is passed on, not copied.
func isFiberKey(k any) bool {
	t := reflect.TypeOf(k)
	return t != nil && t.PkgPath() == fiberPkg
}

// IsHandshake reports whether c opens a new Engine.IO session (it carries no
// sid): the request app middleware authenticates, letting the session's
// follow-up requests through. It is core.IsHandshake for Fiber.
func IsHandshake(c fiber.Ctx) bool {
	return integration.IsHandshakeFastHTTP(c.RequestCtx())
}

// Get returns the value the app's middleware stored under key with c.Locals
// at the socket's handshake (or that c.Context() holds), when it has type T.
// It is core.Value under a Fiber name.
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

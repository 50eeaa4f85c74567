// Package integration is the half of a gosio HTTP integration that does not
// depend on the framework's version: what sioecho (Echo v4 and v5) and
// siofiber (Fiber v2 and v3) share, and what an integration for another
// framework can build on. It is for authors of integrations, not for apps,
// which import core and one integration; the checks every integration must
// pass are in package integrationtest.
//
// An integration mounts a [core.Server] as a native handler of the
// framework, so the app's middleware runs in front of every Engine.IO
// request. At the handshake request (the one without a sid) it copies the
// values that middleware stored, which die with the framework's pooled
// request context, into the context it hands to the server (core.WithValues);
// socket handlers read them with core.Value.
//
// Map of the package:
//
//   - [KeepKeys] (keys.go): the handshake values of a framework that cannot
//     list what its middleware stored (Echo's c.Get), under the keys the app
//     names.
//   - [IsHandshakeFastHTTP], [UserValues], [ServeFastHTTP] (fasthttp.go):
//     for frameworks on fasthttp (Fiber): core.IsHandshake for a
//     fasthttp.RequestCtx, the copy of its user values (Fiber's Locals) that
//     outlives the request, and serving with the engine's kept-connection
//     mode when the framework's server keeps hijacked connections.
//
// The functions hold no state; each may be called from any goroutine, on
// values that goroutine owns (a request context during its handler).
package integration

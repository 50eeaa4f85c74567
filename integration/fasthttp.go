package integration

import (
	"bytes"
	"context"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/engine"
)

// IsHandshakeFastHTTP reports whether rc may open a new Engine.IO session
// (it carries no sid and asks for no client file): core.IsHandshake for
// fasthttp.
func IsHandshakeFastHTTP(rc *fasthttp.RequestCtx) bool {
	return len(rc.QueryArgs().Peek("sid")) == 0 && !core.IsClientFile(string(rc.Path()))
}

// UserValues copies the user values of rc, whatever the type of their keys:
// where the middleware of a framework on fasthttp stores its request values
// (Fiber's Locals). Keys for which skip (may be nil) reports true are left
// out: the framework's own bookkeeping, such as its user context.
//
// fasthttp clears the user values (closing those that are io.Closers) and
// reuses the request's buffers when the handler returns, WebSocket upgrades
// included. So string and []byte values are copied, since those a middleware
// took from the request may point into the buffers (Fiber's c.Get, c.Query,
// c.Params); other values are kept as they are.
func UserValues(rc *fasthttp.RequestCtx, skip func(key any) bool) map[any]any {
	vals := make(map[any]any)
	rc.VisitUserValuesAll(func(k, v any) {
		if skip != nil && skip(k) {
			return
		}
		switch v := v.(type) {
		case string:
			vals[k] = strings.Clone(v)
		case []byte:
			vals[k] = bytes.Clone(v)
		default:
			vals[k] = v
		}
	})
	return vals
}

// ServeFastHTTP serves rc with io natively on fasthttp, as
// core.Server.ServeFastHTTP: ctx (nil but at a handshake) becomes the
// handshake's context. srv is the fasthttp.Server running the framework
// (nil when unknown). When it keeps hijacked connections
// (srv.KeepHijackedConns, set before it serves), the engine takes each
// WebSocket connection over (engine.HijackKeepsConn): an idle one then costs
// no goroutine, request context or read buffer (Linux, plain TCP).
// Otherwise each WebSocket keeps fasthttp's hijack goroutine while it is
// open.
func ServeFastHTTP(ctx context.Context, io *core.Server, srv *fasthttp.Server, rc *fasthttp.RequestCtx) {
	if srv != nil && srv.KeepHijackedConns {
		engine.HijackKeepsConn(rc)
	}
	io.ServeFastHTTP(ctx, rc)
}

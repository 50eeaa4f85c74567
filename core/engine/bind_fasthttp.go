package engine

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"
)

// ServeFastHTTP serves Engine.IO natively on fasthttp, polling and WebSocket
// (with websocket.FastHTTPUpgrader; a WebSocket runs after the handler
// returned, on the hijacked connection). ctx becomes the sessions'
// Handshake.Context (nil means context.Background()). fasthttp cannot tell
// when a client aborts a request, so a vanished polling client is detected by
// the heartbeat. The path is not checked.
func (s *Server) ServeFastHTTP(ctx context.Context, rc *fasthttp.RequestCtx) {
	if ctx == nil {
		ctx = context.Background()
	}
	res := &fastResponse{rc: rc, h: http.Header{}}
	s.Serve(&fastRequest{rc: rc, ctx: ctx}, res, &fastUpgrader{up: &s.fastUp, rc: rc})
}

func newFastUpgrader(pool *sync.Pool) websocket.FastHTTPUpgrader {
	return websocket.FastHTTPUpgrader{
		CheckOrigin:     func(*fasthttp.RequestCtx) bool { return true }, // checked in Serve
		ReadBufferSize:  wsReadBufferSize,
		WriteBufferPool: pool,
	}
}

// fastRequest adapts *fasthttp.RequestCtx to Request.
type fastRequest struct {
	rc  *fasthttp.RequestCtx
	ctx context.Context
}

func (q *fastRequest) Method() string           { return string(q.rc.Method()) }
func (q *fastRequest) URL() string              { return string(q.rc.RequestURI()) }
func (q *fastRequest) Query(name string) string { return string(q.rc.QueryArgs().Peek(name)) }
func (q *fastRequest) Header(name string) string {
	return string(q.rc.Request.Header.Peek(name))
}
func (q *fastRequest) RemoteAddr() string       { return q.rc.RemoteAddr().String() }
func (q *fastRequest) Secure() bool             { return q.rc.IsTLS() }
func (q *fastRequest) Context() context.Context { return q.ctx }
func (q *fastRequest) IsWebSocketUpgrade() bool { return websocket.FastHTTPIsWebSocketUpgrade(q.rc) }

func (q *fastRequest) QueryValues() url.Values {
	v := url.Values{}
	q.rc.QueryArgs().VisitAll(func(k, val []byte) { v.Add(string(k), string(val)) })
	return v
}

func (q *fastRequest) Headers() http.Header {
	h := http.Header{}
	q.rc.Request.Header.VisitAll(func(k, val []byte) {
		h.Add(http.CanonicalHeaderKey(string(k)), string(val))
	})
	return h
}

// ReadBody copies the body: fasthttp reuses its buffers after the handler.
func (q *fastRequest) ReadBody(limit int64) ([]byte, error) {
	body := q.rc.PostBody()
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w: body > %d bytes", ErrPayloadTooLarge, limit)
	}
	return bytes.Clone(body), nil
}

// fastResponse collects headers in an http.Header and copies them to the
// fasthttp response on WriteHeader.
type fastResponse struct {
	rc    *fasthttp.RequestCtx
	h     http.Header
	wrote bool
}

func (w *fastResponse) Header() http.Header { return w.h }

func (w *fastResponse) WriteHeader(status int) {
	if w.wrote {
		return
	}
	w.wrote = true
	copyHeaders(&w.rc.Response.Header, w.h)
	w.rc.SetStatusCode(status)
}

func (w *fastResponse) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.rc.Write(p)
}

func copyHeaders(dst *fasthttp.ResponseHeader, h http.Header) {
	for k, vs := range h {
		if strings.EqualFold(k, "Content-Length") {
			continue // fasthttp computes it
		}
		for i, v := range vs {
			if i == 0 {
				dst.Set(k, v)
			} else {
				dst.Add(k, v)
			}
		}
	}
}

// fastUpgrader upgrades with websocket.FastHTTPUpgrader; run is called on the
// hijacked connection after the handler returned.
type fastUpgrader struct {
	up *websocket.FastHTTPUpgrader
	rc *fasthttp.RequestCtx
}

func (u *fastUpgrader) Upgrade(h http.Header, run func(c *websocket.Conn)) error {
	copyHeaders(&u.rc.Response.Header, h)
	return u.up.Upgrade(u.rc, func(c *websocket.Conn) { run(c) })
}

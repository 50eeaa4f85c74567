package engine

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"
)

// ServeFastHTTP serves Engine.IO natively on fasthttp, polling and WebSocket
// (with websocket.FastHTTPUpgrader; a WebSocket runs after the handler
// returned, on the hijacked connection). ctx becomes the sessions'
// OpenRequest.Context (nil means context.Background()). fasthttp cannot tell
// when a client aborts a request, so a vanished polling client is detected by
// the heartbeat. Polling responses are bounded by Options.WriteTimeout as on
// net/http, whatever the fasthttp server's WriteTimeout. fasthttp reads a
// POST's whole body (chunked too) before the handler, up to its
// Server.MaxRequestBodySize (4 MiB by default): keep that at least
// Options.MaxHTTPBufferSize, or a larger POST is refused by fasthttp itself
// (its ErrorHandler answers) rather than with the engine's 413. The path is
// not checked.
func (s *Server) ServeFastHTTP(ctx context.Context, rc *fasthttp.RequestCtx) {
	if ctx == nil {
		ctx = context.Background()
	}
	res := &fastResponse{rc: rc, h: http.Header{}}
	keep, _ := rc.UserValue(hijackKeepsConnKey{}).(bool)
	s.Serve(&fastRequest{rc: rc, ctx: ctx}, res, &fastUpgrader{up: &s.fastUp, rc: rc, keep: keep})
}

type hijackKeepsConnKey struct{}

// HijackKeepsConn tells ServeFastHTTP, for rc, that the fasthttp.Server
// serving it keeps hijacked connections open after their handler returns
// (fasthttp.Server.KeepHijackedConns; siofiber calls it when the Fiber app's
// server has it set). A WebSocket then outlives fasthttp's hijack handler:
// while idle it holds no goroutine, no request context and no read buffer,
// as on net/http. Without that server setting, fasthttp would close the
// connection when the handler returns, so do not call it then.
func HijackKeepsConn(rc *fasthttp.RequestCtx) {
	rc.SetUserValue(hijackKeepsConnKey{}, true)
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
	rc       *fasthttp.RequestCtx
	h        http.Header
	wrote    bool
	deadline time.Time
	onErr    func(error)
}

// SetWriteDeadline bounds the writing of the body passed to the next Write.
// fasthttp writes a response after the handler returned and, unless its
// Server.WriteTimeout is set, never sets a write deadline; nor does it reset
// one a handler set, which would then cut the connection's next responses.
// So that body is handed to fasthttp as a stream that holds the deadline
// while fasthttp copies it and clears it when done (see boundedBody).
func (w *fastResponse) SetWriteDeadline(t time.Time) error {
	w.deadline = t
	return nil
}

// onWriteError registers f to learn that the bounded body could not be
// written (fasthttp reports it after the handler returned).
func (w *fastResponse) onWriteError(f func(error)) { w.onErr = f }

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
	if w.deadline.IsZero() {
		return w.rc.Write(p)
	}
	conn := w.rc.Conn()
	if err := conn.SetWriteDeadline(w.deadline); err != nil {
		return 0, err
	}
	w.deadline = time.Time{}
	// The headers go out first, so that on a plain TCP connection the body
	// is written straight to the socket (bufio.Writer.ReadFrom with an
	// empty buffer) before boundedBody clears the deadline, and nothing is
	// left for fasthttp's final unbounded flush. (Over TLS up to one
	// buffer, 4 KiB by default, still is.)
	w.rc.Response.ImmediateHeaderFlush = true
	w.rc.Response.SetBodyStream(&boundedBody{Reader: bytes.NewReader(p), conn: conn, onErr: w.onErr}, len(p))
	return len(p), nil
}

// boundedBody is a response body whose writing is bounded by the write
// deadline set on conn before the handler returned: fasthttp closes it when
// the copy is over, and it then clears the deadline for the connection's
// next responses and reports a failed write.
type boundedBody struct {
	*bytes.Reader
	conn  net.Conn
	onErr func(error)
}

// CloseWithError is fasthttp's ReadCloserWithError: err is the write's.
func (b *boundedBody) CloseWithError(err error) error {
	_ = b.conn.SetWriteDeadline(time.Time{})
	if err != nil && b.onErr != nil {
		b.onErr(err)
	}
	return nil
}

func (b *boundedBody) Close() error { return nil }

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
// hijacked connection after the handler returned. With keep (see
// HijackKeepsConn) the connection outlives run (connKeeper).
type fastUpgrader struct {
	up   *websocket.FastHTTPUpgrader
	rc   *fasthttp.RequestCtx
	keep bool
}

func (u *fastUpgrader) keepsConn() bool { return u.keep }

// hijackWrapper is fasthttp's wrapper of a hijacked connection: it reads
// through fasthttp's buffered reader and, unless the server keeps hijacked
// connections, does not close; UnsafeConn is the connection under it.
type hijackWrapper interface {
	UnsafeConn() net.Conn
}

// takeHijacked returns the connection under fasthttp's hijack wrapper hc and
// the bytes the wrapper's reader already holds: that reader goes back to
// fasthttp's pool when the hijack handler returns, so a connection that
// outlives the handler is read directly. (RFC 6455 clients send nothing
// before the handshake's answer; the bytes are kept all the same.) With an
// expired read deadline, the wrapper's reader hands out what it buffered and
// then fails without reading the connection. When the connection cannot be
// taken over, took is false and hc is returned: the hijack handler must then
// wait for the connection's end, since fasthttp recycles the wrapper's
// reader when it returns.
func takeHijacked(hc net.Conn) (nc net.Conn, pre []byte, took bool) {
	u, ok := hc.(hijackWrapper)
	if !ok {
		return hc, nil, false
	}
	nc = u.UnsafeConn()
	if nc.SetReadDeadline(time.Unix(1, 0)) != nil {
		return hc, nil, false
	}
	var buf [512]byte
	for {
		n, err := hc.Read(buf[:])
		pre = append(pre, buf[:n]...)
		if err != nil || n == 0 {
			break
		}
	}
	_ = nc.SetReadDeadline(time.Time{})
	return nc, pre, true
}

func (u *fastUpgrader) Upgrade(h http.Header, run func(c *websocket.Conn)) error {
	copyHeaders(&u.rc.Response.Header, h)
	return u.up.Upgrade(u.rc, func(c *websocket.Conn) { run(c) })
}

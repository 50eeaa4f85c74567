package engine

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fasthttp/websocket"
)

// ServeHTTP serves Engine.IO over net/http, polling and WebSocket. The path is
// not checked: mount the Server where it belongs (e.g. "/engine.io/").
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.Serve(&httpRequest{r: r}, &httpResponse{ResponseWriter: w}, &httpUpgrader{up: &s.httpUp, w: w, r: r})
}

// httpRequest adapts *http.Request to Request.
type httpRequest struct {
	r *http.Request
	q url.Values
}

func (q *httpRequest) query() url.Values {
	if q.q == nil {
		q.q = q.r.URL.Query()
	}
	return q.q
}

func (q *httpRequest) Method() string           { return q.r.Method }
func (q *httpRequest) Query(name string) string { return q.query().Get(name) }
func (q *httpRequest) RemoteAddr() string       { return q.r.RemoteAddr }
func (q *httpRequest) Secure() bool             { return q.r.TLS != nil }
func (q *httpRequest) Context() context.Context { return q.r.Context() }
func (q *httpRequest) IsWebSocketUpgrade() bool { return websocket.IsWebSocketUpgrade(q.r) }

// Header returns the named header. net/http moves Host out of the header
// map into Request.Host; Header and Headers put it back, so that the engine
// sees the same headers as on fasthttp (and Node's handshake.headers).
func (q *httpRequest) Header(name string) string {
	if strings.EqualFold(name, "Host") {
		return q.r.Host
	}
	return q.r.Header.Get(name)
}

// Headers returns a copy of the request's headers, Host included.
func (q *httpRequest) Headers() http.Header {
	h := q.r.Header.Clone()
	if q.r.Host != "" {
		if h == nil {
			h = make(http.Header, 1)
		}
		h["Host"] = []string{q.r.Host}
	}
	return h
}

// QueryValues returns the parsed query itself: URL.Query parsed it for this
// request alone, and the engine only reads it.
func (q *httpRequest) QueryValues() url.Values { return q.query() }

func (q *httpRequest) URL() string {
	if q.r.RequestURI != "" {
		return q.r.RequestURI
	}
	return q.r.URL.RequestURI()
}

func (q *httpRequest) ReadBody(limit int64) ([]byte, error) {
	if q.r.ContentLength > limit {
		return nil, fmt.Errorf("%w: content length %d > %d", ErrPayloadTooLarge, q.r.ContentLength, limit)
	}
	body, err := io.ReadAll(io.LimitReader(q.r.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w: body > %d bytes", ErrPayloadTooLarge, limit)
	}
	return body, nil
}

// httpResponse adds the write deadline to http.ResponseWriter.
type httpResponse struct {
	http.ResponseWriter
}

func (w *httpResponse) SetWriteDeadline(t time.Time) error {
	return http.NewResponseController(w.ResponseWriter).SetWriteDeadline(t)
}

// httpUpgrader upgrades with websocket.Upgrader and runs the connection in
// the request's goroutine. The hijacked connection outlives the handler
// (connKeeper), so run returns as soon as the session started and the
// request's goroutine (with its grown stack, the request and the response
// buffers) ends; the connection's reader runs on goroutines of its own.
type httpUpgrader struct {
	up *websocket.Upgrader
	w  http.ResponseWriter
	r  *http.Request
}

func (u *httpUpgrader) Upgrade(h http.Header, run func(c *websocket.Conn)) error {
	c, err := u.up.Upgrade(u.w, u.r, h)
	if err != nil {
		return err
	}
	run(c)
	return nil
}

func (u *httpUpgrader) keepsConn() bool { return true }

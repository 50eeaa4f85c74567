package siofiber_test

// This file is the same in the gin, echo and fiber integrations (only the
// package name differs): a minimal Socket.IO client on raw Engine.IO and the
// checks every integration must pass. Keep the copies identical.

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/gosio/gosio/core"
)

// wait bounds every network operation of the tests.
const wait = 5 * time.Second

// client is a minimal Socket.IO client on raw Engine.IO: polling, WebSocket
// and the polling→WebSocket upgrade, used by one goroutine. It answers pings
// and skips noops.
type client struct {
	t    *testing.T
	url  string // e.g. http://127.0.0.1:1234/socket.io/
	hdr  http.Header
	http *http.Client
	sid  string
	ws   *websocket.Conn
	buf  []string // received packets not yet read
}

func newClient(t *testing.T, url string, hdr http.Header) *client {
	tr := &http.Transport{}
	c := &client{t: t, url: url, hdr: hdr, http: &http.Client{
		Transport:     tr,
		Timeout:       wait,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	t.Cleanup(func() {
		if c.ws != nil {
			c.ws.Close()
		}
		tr.CloseIdleConnections()
	})
	return c
}

func (c *client) query(transport string) string {
	q := "?EIO=4&transport=" + transport
	if c.sid != "" {
		q += "&sid=" + c.sid
	}
	return q
}

// do sends one polling request and returns the response and its body.
func (c *client) do(method, body string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.url+c.query("polling"), strings.NewReader(body))
	c.must(err)
	for k, v := range c.hdr {
		req.Header[k] = v
	}
	res, err := c.http.Do(req)
	c.must(err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	c.must(err)
	return res, string(b)
}

// open does the polling handshake and returns its status.
func (c *client) open() int {
	c.t.Helper()
	res, body := c.do(http.MethodGet, "")
	if res.StatusCode == http.StatusOK {
		c.setSID(body)
	}
	return res.StatusCode
}

func (c *client) setSID(open string) {
	c.t.Helper()
	var o struct{ SID string }
	if !strings.HasPrefix(open, "0") || json.Unmarshal([]byte(open[1:]), &o) != nil || o.SID == "" {
		c.t.Fatalf("bad open packet %q", open)
	}
	c.sid = o.SID
}

// openWS opens a WebSocket session, or upgrades the polling session, and
// returns the status of the HTTP answer (101 when it worked).
func (c *client) openWS() int {
	c.t.Helper()
	d := websocket.Dialer{HandshakeTimeout: wait}
	ws, res, err := d.Dial("ws"+strings.TrimPrefix(c.url, "http")+c.query("websocket"), c.hdr)
	if res == nil {
		c.t.Fatalf("dial: %v", err)
	}
	if err != nil {
		return res.StatusCode
	}
	c.ws = ws
	if c.sid == "" {
		c.setSID(c.next())
		return res.StatusCode
	}
	c.send("2probe")
	if p := c.next(); p != "3probe" {
		c.t.Fatalf("probe answered %q", p)
	}
	c.send("5")
	return res.StatusCode
}

func (c *client) must(err error) {
	c.t.Helper()
	if err != nil {
		c.t.Fatal(err)
	}
}

// send sends packets on the current transport.
func (c *client) send(packets ...string) {
	c.t.Helper()
	if c.ws == nil {
		if res, body := c.do(http.MethodPost, strings.Join(packets, "\x1e")); body != "ok" {
			c.t.Fatalf("POST: %d %q", res.StatusCode, body)
		}
		return
	}
	for _, p := range packets {
		c.must(c.ws.WriteMessage(websocket.TextMessage, []byte(p)))
	}
}

// next returns the next packet that is neither a ping nor a noop.
func (c *client) next() string {
	c.t.Helper()
	for {
		for len(c.buf) == 0 {
			c.receive()
		}
		p := c.buf[0]
		c.buf = c.buf[1:]
		switch p {
		case "2":
			c.send("3")
		case "6":
		default:
			return p
		}
	}
}

// receive reads one WebSocket message or one polling payload into c.buf.
func (c *client) receive() {
	c.t.Helper()
	if c.ws != nil {
		c.must(c.ws.SetReadDeadline(time.Now().Add(wait)))
		_, b, err := c.ws.ReadMessage()
		c.must(err)
		c.buf = append(c.buf, string(b))
		return
	}
	res, body := c.do(http.MethodGet, "")
	if res.StatusCode != http.StatusOK {
		c.t.Fatalf("GET: %d %q", res.StatusCode, body)
	}
	c.buf = append(c.buf, strings.Split(body, "\x1e")...)
}

// expect reads the next packet and checks that it starts with prefix.
func (c *client) expect(prefix string) string {
	c.t.Helper()
	p := c.next()
	if !strings.HasPrefix(p, prefix) {
		c.t.Fatalf("got %q, want %q…", p, prefix)
	}
	return p
}

// The app of the tests: its auth middleware takes the user from the X-User
// header of the handshake (401 without one) and stores it under "user", a
// role under roleKey{}, and "req-<user>" under reqIDKey{} in the request's
// own context; it lets the session's follow-up requests through.
type (
	roleKey  struct{}
	reqIDKey struct{}
)

var alice = http.Header{"X-User": {"alice"}}

// seen is what a socket handler read from the handshake.
type seen struct{ where, user, role, reqID string }

// newIO returns a server whose connect middleware, event handler ("whoami")
// and disconnect handler report what they see of the app's values; user
// reads "user" with the integration's accessor.
func newIO(t *testing.T, opts *core.Options, user func(*core.Socket) string) (*core.Server, <-chan seen) {
	io := core.NewServer(opts)
	ch := make(chan seen, 8)
	report := func(where string, s *core.Socket) {
		role, _ := core.Value[string](s, roleKey{})
		id, _ := core.Value[string](s, reqIDKey{})
		ch <- seen{where, user(s), role, id}
	}
	io.Use(core.ConnectFunc(func(s *core.Socket) error { report("connect", s); return nil }))
	io.OnConnection(func(s *core.Socket) {
		s.On("whoami", func(s *core.Socket, _ *core.Event) error {
			return s.Emit("you", user(s), core.MustValue[string](s, reqIDKey{}), s.Transport())
		})
		s.OnDisconnect(func(s *core.Socket, _ string) { report("disconnect", s) })
	})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := io.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return io, ch
}

// testSessions checks sessions over polling, WebSocket and upgrade, and the
// rejection of a handshake without a user. newApp mounts io behind the
// app's auth middleware and returns the endpoint's URL.
func testSessions(t *testing.T, newApp func(*testing.T, *core.Server) string, user func(*core.Socket) string) {
	for _, transport := range []string{"polling", "websocket", "upgrade"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			io, events := newIO(t, nil, user)
			c := newClient(t, newApp(t, io), alice)
			if transport != "websocket" {
				if c.open() != http.StatusOK {
					t.Fatal("polling handshake failed")
				}
				c.hdr = nil // follow-up requests are let through by the app's middleware
			}
			if transport != "polling" && c.openWS() != http.StatusSwitchingProtocols {
				t.Fatal("websocket failed")
			}
			if transport == "upgrade" {
				transport = "websocket"
			}
			c.send("40")
			c.expect(`40{"sid":`)
			want := seen{"connect", "alice", "admin", "req-alice"}
			if got := recv(t, events); got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
			c.send(`42["whoami"]`)
			c.expect(`42["you","alice","req-alice","` + transport + `"]`)
			c.send("1")
			want.where = "disconnect"
			if got := recv(t, events); got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
	t.Run("rejected", func(t *testing.T) {
		t.Parallel()
		io, _ := newIO(t, nil, user)
		url := newApp(t, io)
		if st := newClient(t, url, nil).open(); st != http.StatusUnauthorized {
			t.Errorf("polling handshake: %d, want 401", st)
		}
		if st := newClient(t, url, nil).openWS(); st != http.StatusUnauthorized {
			t.Errorf("websocket handshake: %d, want 401", st)
		}
	})
}

// checkPaths checks that base+each of urls serves a session over polling
// without a redirect and passes OPTIONS on to the engine, and that base+not
// (unless empty) is not found.
func checkPaths(t *testing.T, base string, urls []string, not string) {
	t.Helper()
	for _, u := range urls {
		c := newClient(t, base+u, alice)
		if st := c.open(); st != http.StatusOK {
			t.Fatalf("%s: handshake %d", u, st)
		}
		c.send("40")
		c.expect("40{")
		if res, body := c.do(http.MethodOptions, ""); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"code"`) {
			t.Errorf("%s: OPTIONS %d %q, want the engine's 400", u, res.StatusCode, body)
		}
	}
	if not != "" {
		if st := newClient(t, base+not, alice).open(); st != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", not, st)
		}
	}
}

// checkCORS checks that a preflight and a handshake from origin get exactly
// one Access-Control-Allow-Origin header.
func checkCORS(t *testing.T, url, origin string) {
	t.Helper()
	c := newClient(t, url, http.Header{"Origin": {origin}, "Access-Control-Request-Method": {"POST"}})
	for _, method := range []string{http.MethodOptions, http.MethodGet} {
		res, _ := c.do(method, "")
		if got := res.Header.Values("Access-Control-Allow-Origin"); len(got) != 1 || got[0] != origin {
			t.Errorf("%s: Access-Control-Allow-Origin %q, want once %q", method, got, origin)
		}
	}
}

// recv waits for a value on ch.
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatal("timed out")
		panic("unreachable")
	}
}

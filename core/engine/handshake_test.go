package engine_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/internal/eiotest"
)

func TestHandshakePolling(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond})
	c := e.client(t)
	c.Header = http.Header{"X-Test": {"yes"}}
	res, err := c.Do(http.MethodGet, "EIO=4&transport=polling&foo=bar", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 {
		t.Fatalf("status %d %s", res.Status, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if res.Header.Get("Access-Control-Allow-Origin") != "" || res.Header.Get("Set-Cookie") != "" {
		t.Errorf("unexpected CORS or cookie headers: %v", res.Header)
	}
	ps, err := eiotest.DecodePayload(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].Type != eiotest.Open {
		t.Fatalf("payload %q", res.Body)
	}
	want := `{"sid":"` + sidOf(t, ps[0].Data) + `","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}`
	if ps[0].Data != want {
		t.Fatalf("open packet\n got %s\nwant %s", ps[0].Data, want)
	}
	s := e.rec.nextOpen(t)
	if s.Transport() != engine.TransportPolling || e.srv.Count() != 1 {
		t.Fatalf("transport %q count %d", s.Transport(), e.srv.Count())
	}
	hs := s.OpenRequest()
	if hs.Query.Get("foo") != "bar" || hs.Header.Get("X-Test") != "yes" || hs.RemoteAddr == "" || hs.Secure ||
		!strings.Contains(hs.URL, "foo=bar") || time.Since(hs.Time) > wait || hs.Context == nil {
		t.Fatalf("handshake %+v", hs)
	}
	// net/http keeps Host out of Request.Header; the handshake has it, as on
	// fasthttp. RemoteAddr keeps its port.
	if got := hs.Header.Get("Host"); got != e.host() {
		t.Errorf("Host header %q, want %q", got, e.host())
	}
	if !strings.HasPrefix(hs.RemoteAddr, "127.0.0.1:") {
		t.Errorf("RemoteAddr %q, want 127.0.0.1:port", hs.RemoteAddr)
	}
}

func sidOf(t *testing.T, open string) string {
	t.Helper()
	i := strings.Index(open, `"sid":"`)
	if i < 0 {
		t.Fatalf("no sid in %s", open)
	}
	rest := open[i+7:]
	sid := rest[:strings.IndexByte(rest, '"')]
	b, err := base64.RawURLEncoding.DecodeString(sid)
	if err != nil || len(b) < 15 {
		t.Fatalf("sid %q is not 15+ random bytes in base64url: %v", sid, err)
	}
	return sid
}

func TestHandshakeWebSocket(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	c, s := e.wsSession(t)
	if len(c.Open.Upgrades) != 0 || c.Open.PingInterval != 25000 || c.Open.PingTimeout != 20000 || c.Open.MaxPayload != 1e6 {
		t.Fatalf("open %+v", c.Open)
	}
	if s.Transport() != engine.TransportWebSocket {
		t.Fatalf("transport %q", s.Transport())
	}
	if err := c.WriteWS(eiotest.Message("héllo")); err != nil {
		t.Fatal(err)
	}
	if m := e.rec.nextMessage(t); string(m.Data) != "héllo" || m.Binary {
		t.Fatalf("message %+v", m)
	}
	p, err := c.ReadWSMessage()
	if err != nil || p != eiotest.Message("héllo") {
		t.Fatalf("echo %+v %v", p, err)
	}
}

func TestHandshakeUpgradesList(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts engine.Options
		want []string
	}{
		{"default", engine.Options{}, []string{"websocket"}},
		{"disabled", engine.Options{DisableUpgrades: true}, []string{}},
		{"polling only", engine.Options{Transports: []string{"polling"}}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tc.opts)
			c, _ := e.pollingSession(t)
			if !slices.Equal(c.Open.Upgrades, tc.want) || c.Open.Upgrades == nil {
				t.Fatalf("upgrades %#v, want %#v", c.Open.Upgrades, tc.want)
			}
		})
	}
}

func TestHandshakeContextDetached(t *testing.T) {
	t.Parallel()
	type key struct{}
	rec := newRecorder()
	srv := engine.NewServer(rec, engine.Options{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), key{}, "user-42")))
	}))
	t.Cleanup(hs.Close)
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	c := eiotest.New(hs.URL + "/")
	t.Cleanup(c.Close)
	if _, err := c.HandshakePolling(); err != nil {
		t.Fatal(err)
	}
	s := rec.nextOpen(t)
	ctx := s.OpenRequest().Context
	if ctx.Value(key{}) != "user-42" {
		t.Fatalf("context value %v", ctx.Value(key{}))
	}
	if ctx.Err() != nil || ctx.Done() != nil {
		t.Fatal("handshake context must not be canceled with the request")
	}
}

func TestSessionIDsUnique(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		c, s := e.pollingSession(t)
		if seen[c.SID] || len(c.SID) < 20 {
			t.Fatalf("sid %q repeated or short", c.SID)
		}
		seen[c.SID] = true
		s.Close()
	}
}

func TestOnOpenSendFollowsOpenPacket(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{}, func(r *recorder) {
		r.onOpen = func(s *engine.Session) {
			if err := s.Send(engine.Message{Data: []byte("welcome")}); err != nil {
				panic(err)
			}
		}
	})
	c := e.client(t)
	extra, err := c.HandshakePolling()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(extra, []eiotest.Packet{eiotest.Message("welcome")}) {
		t.Fatalf("after open: %+v", extra)
	}
}

func TestAllowRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{AllowRequest: func(r engine.Request) error {
		switch r.Query("who") {
		case "plain":
			return errors.New("no")
		case "custom":
			return &engine.Error{Code: 4, Message: "Unauthorized", Status: http.StatusUnauthorized}
		}
		return nil
	}})
	c := e.client(t)
	res, err := c.Do(http.MethodGet, "EIO=4&transport=polling&who=plain", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res, http.StatusForbidden, 4)
	if _, msg, _ := res.ErrorBody(); msg != "Forbidden" {
		t.Errorf("message %q", msg)
	}
	res, err = c.Do(http.MethodGet, "EIO=4&transport=polling&who=custom", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res, http.StatusUnauthorized, 4)
	if _, msg, _ := res.ErrorBody(); msg != "Unauthorized" {
		t.Errorf("message %q", msg)
	}
	// WebSocket handshakes go through it too.
	if _, err := c.DialWS("EIO=4&transport=websocket&who=plain"); err == nil || c.WSResponse == nil || c.WSResponse.StatusCode != 403 {
		t.Fatalf("websocket handshake: %v", err)
	}
	if _, err := c.HandshakePolling(); err != nil {
		t.Fatal(err)
	}
	e.rec.nextOpen(t)
}

func TestCookie(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{Cookie: &engine.Cookie{HTTPOnly: true}})
	c := e.client(t)
	res, err := c.Do(http.MethodGet, "EIO=4&transport=polling", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	ps, _ := eiotest.DecodePayload(res.Body)
	sid := sidOf(t, ps[0].Data)
	if got, want := res.Header.Get("Set-Cookie"), "io="+sid+"; Path=/; HttpOnly; SameSite=Lax"; got != want {
		t.Fatalf("Set-Cookie %q, want %q", got, want)
	}
	c.SID = sid
	e.rec.nextOpen(t)
	if err := c.Send(eiotest.Message("x")); err != nil {
		t.Fatal(err)
	}
	res, err = c.PollRaw()
	if err != nil || res.Header.Get("Set-Cookie") != "" {
		t.Fatalf("later poll has Set-Cookie %q (%v)", res.Header.Get("Set-Cookie"), err)
	}

	ws := e.client(t)
	if err := ws.HandshakeWebSocket(); err != nil {
		t.Fatal(err)
	}
	if got := ws.WSResponse.Header.Get("Set-Cookie"); got != "io="+ws.SID+"; Path=/; HttpOnly; SameSite=Lax" {
		t.Fatalf("websocket Set-Cookie %q", got)
	}
	e.rec.nextOpen(t)

	e2 := newEnv(t, engine.Options{Cookie: &engine.Cookie{Name: "lb", Path: "/x", SameSite: http.SameSiteStrictMode, Secure: true}})
	res, err = eiotest.New(e2.url).Do(http.MethodGet, "EIO=4&transport=polling", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	ps, _ = eiotest.DecodePayload(res.Body)
	if got, want := res.Header.Get("Set-Cookie"), "lb="+sidOf(t, ps[0].Data)+"; Path=/x; Secure; SameSite=Strict"; got != want {
		t.Fatalf("Set-Cookie %q, want %q", got, want)
	}
	e2.rec.nextOpen(t)
}

func TestHeadersHooks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{
		InitialHeaders: func(r engine.Request, h http.Header) { h.Set("X-Initial", r.Query("transport")) },
		Headers:        func(r engine.Request, h http.Header) { h.Set("X-Every", r.Method()) },
	})
	c := e.client(t)
	res, err := c.Do(http.MethodGet, "EIO=4&transport=polling", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Header.Get("X-Initial") != "polling" || res.Header.Get("X-Every") != "GET" {
		t.Fatalf("handshake headers %v", res.Header)
	}
	ps, _ := eiotest.DecodePayload(res.Body)
	c.SID = sidOf(t, ps[0].Data)
	e.rec.nextOpen(t)
	res, err = c.Post("4hi")
	if err != nil || res.Header.Get("X-Every") != "POST" || res.Header.Get("X-Initial") != "" {
		t.Fatalf("post headers %v %v", res, err)
	}
	res, err = c.PollRaw()
	if err != nil || res.Header.Get("X-Every") != "GET" || res.Header.Get("X-Initial") != "" {
		t.Fatalf("poll headers %v %v", res, err)
	}
	ws := e.client(t)
	if err := ws.HandshakeWebSocket(); err != nil {
		t.Fatal(err)
	}
	if ws.WSResponse.Header.Get("X-Initial") != "websocket" {
		t.Fatalf("websocket headers %v", ws.WSResponse.Header)
	}
	e.rec.nextOpen(t)
}

func TestOptionsDefaults(t *testing.T) {
	t.Parallel()
	o := engine.NewServer(newRecorder(), engine.Options{}).Options()
	if o.PingInterval != 25*time.Second || o.PingTimeout != 20*time.Second || o.UpgradeTimeout != 10*time.Second ||
		o.MaxHTTPBufferSize != 1e6 || !slices.Equal(o.Transports, []string{"polling", "websocket"}) ||
		o.MaxQueuePackets != 4096 || o.MaxQueueBytes != 8<<20 || o.WriteTimeout != 10*time.Second || o.Logger == nil {
		t.Fatalf("defaults %+v", o)
	}
}

func TestNewServerPanics(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]func(){
		"nil handler": func() { engine.NewServer(nil, engine.Options{}) },
		"credentials with *": func() {
			engine.NewServer(newRecorder(), engine.Options{CORS: &engine.CORS{Origins: []string{"*"}, Credentials: true}})
		},
		"bad transport": func() { engine.NewServer(newRecorder(), engine.Options{Transports: []string{"webtransport"}}) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			f()
		})
	}
}

package engine_test

import (
	"errors"
	"math"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/internal/eiotest"
)

// bindings runs f against a server on each HTTP stack.
var bindings = []struct {
	name string
	env  func(testing.TB, engine.Options, ...func(*recorder)) *env
}{
	{"nethttp", newEnv},
	{"fasthttp", newFastEnv},
}

// wantErrorMessage is wantError that also checks the message.
func wantErrorMessage(t testing.TB, res *eiotest.Response, status, code int, message string) {
	t.Helper()
	if res == nil {
		t.Fatal("no HTTP response")
	}
	wantError(t, res, status, code)
	if _, msg, _ := res.ErrorBody(); msg != message {
		t.Fatalf("message %q, want %q", msg, message)
	}
}

// fakeClock is a settable clock for the handshake rate limiter.
type fakeClock struct {
	base time.Time
	off  atomic.Int64
}

func newFakeClock() *fakeClock                { return &fakeClock{base: time.Unix(1_700_000_000, 0)} }
func (c *fakeClock) now() time.Time           { return c.base.Add(time.Duration(c.off.Load())) }
func (c *fakeClock) advance(d time.Duration)  { c.off.Add(int64(d)) }
func (c *fakeClock) install(s *engine.Server) { engine.SetClock(s, c.now) }

func TestMaxConnections(t *testing.T) {
	t.Parallel()
	for _, b := range bindings {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := b.env(t, engine.Options{MaxConnections: 2})
			pc, ps := e.pollingSession(t)
			_, ws := e.wsSession(t)

			c := e.client(t)
			res, err := c.Do(http.MethodGet, "EIO=4&transport=polling", "", nil)
			if err != nil {
				t.Fatal(err)
			}
			wantErrorMessage(t, res, http.StatusServiceUnavailable, engine.CodeBadRequest, "Server at capacity")
			if err := c.HandshakeWebSocket(); err == nil {
				t.Fatal("websocket handshake over the limit accepted")
			}
			wantErrorMessage(t, c.WSError(), http.StatusServiceUnavailable, engine.CodeBadRequest, "Server at capacity")
			e.rec.none(t, evOpen, 10*time.Millisecond)

			// Existing sessions keep working, upgrades included.
			if err := pc.Upgrade(); err != nil {
				t.Fatalf("upgrade at capacity: %v", err)
			}
			eventually(t, "upgraded", func() bool { return ps.Transport() == engine.TransportWebSocket })
			if e.srv.Count() != 2 {
				t.Fatalf("count %d", e.srv.Count())
			}

			// A place frees up when a session closes.
			ws.Close()
			e.rec.nextClose(t, engine.ReasonForcedClose)
			eventually(t, "session removed", func() bool { return e.srv.Count() == 1 })
			if err := c.HandshakeWebSocket(); err != nil {
				t.Fatalf("handshake after a close: %v", err)
			}
			e.rec.nextOpen(t)
		})
	}
}

func TestHandshakesPerIP(t *testing.T) {
	t.Parallel()
	for _, b := range bindings {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := b.env(t, engine.Options{HandshakesPerIP: engine.HandshakeLimit{Rate: 0.5, Burst: 2}})
			clock := newFakeClock()
			clock.install(e.srv)

			pc, _ := e.pollingSession(t) // burst: 2 handshakes at once
			e.wsSession(t)

			c := e.client(t)
			res, err := c.Do(http.MethodGet, "EIO=4&transport=polling", "", nil)
			if err != nil {
				t.Fatal(err)
			}
			wantErrorMessage(t, res, http.StatusTooManyRequests, engine.CodeBadRequest, "Too many handshakes")
			if got := res.Header.Get("Retry-After"); got != "2" {
				t.Errorf("Retry-After %q, want 2 (one token at 0.5/s)", got)
			}
			if err := c.HandshakeWebSocket(); err == nil {
				t.Fatal("websocket handshake over the limit accepted")
			}
			wantErrorMessage(t, c.WSError(), http.StatusTooManyRequests, engine.CodeBadRequest, "Too many handshakes")

			// Requests of existing sessions are not handshakes.
			if err := pc.Send(eiotest.Message("still here")); err != nil {
				t.Fatal(err)
			}
			e.rec.nextMessage(t)
			if ps, err := pc.Poll(); err != nil || len(ps) != 1 || ps[0].Data != "still here" {
				t.Fatal(ps, err)
			}

			// One token comes back after 1/Rate.
			clock.advance(time.Second)
			if _, err := c.HandshakePolling(); err == nil {
				t.Fatal("handshake accepted before a token refilled")
			}
			clock.advance(time.Second)
			if err := c.HandshakeWebSocket(); err != nil {
				t.Fatalf("handshake after refill: %v", err)
			}
			e.rec.nextOpen(t)
			if _, err := c.HandshakePolling(); err == nil {
				t.Fatal("second handshake after refilling one token accepted")
			}
			// A full refill forgets the client.
			clock.advance(time.Minute)
			if _, err := c.HandshakePolling(); err != nil {
				t.Fatal(err)
			}
			e.rec.nextOpen(t)
			if n := engine.RateTracked(e.srv); n != 1 {
				t.Fatalf("tracked clients %d, want 1", n)
			}
		})
	}
}

// TestHandshakesPerIPKeyedByIP checks that clients from another IP have their
// own bucket, and that the port is not part of the key (each request may
// come on a new connection).
func TestHandshakesPerIPKeyedByIP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{HandshakesPerIP: engine.HandshakeLimit{Rate: 0.001, Burst: 1}})
	first := e.client(t)
	first.HTTP = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if _, err := first.HandshakePolling(); err != nil {
		t.Fatal(err)
	}
	e.rec.nextOpen(t)
	res, err := first.Do(http.MethodGet, "EIO=4&transport=polling", "", nil) // new connection, new port
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res, http.StatusTooManyRequests, engine.CodeBadRequest)

	other := e.client(t)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	other.HTTP = &http.Client{Transport: tr}
	if _, err := other.HandshakePolling(); err != nil {
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Op == "dial" {
			t.Skipf("cannot dial from 127.0.0.2: %v", err)
		}
		t.Fatalf("client from another IP refused: %v", err)
	}
	if s := e.rec.nextOpen(t); !strings.HasPrefix(s.OpenRequest().RemoteAddr, "127.0.0.2:") {
		t.Fatalf("remote addr %q", s.OpenRequest().RemoteAddr)
	}
}

func TestRateLimitDefaults(t *testing.T) {
	t.Parallel()
	o := engine.NewServer(newRecorder(), engine.Options{HandshakesPerIP: engine.HandshakeLimit{Rate: 2.5}}).Options()
	if l := o.HandshakesPerIP; l.Burst != 3 || l.MaxClients != 10000 || l.Key == nil {
		t.Fatalf("defaults %+v", l)
	}
	o = engine.NewServer(newRecorder(), engine.Options{}).Options()
	if o.MaxConnections != 0 || o.HandshakesPerIP.Rate != 0 || o.HandshakesPerIP.Key != nil {
		t.Fatalf("limits on by default: %+v", o)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("infinite rate accepted")
		}
	}()
	engine.NewServer(newRecorder(), engine.Options{HandshakesPerIP: engine.HandshakeLimit{Rate: math.Inf(1)}})
}

package engine_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/internal/eiotest"
)

// Text must be valid UTF-8 (RFC 6455 for text frames; Engine.IO payloads are
// text): invalid UTF-8 closes the session with a parse error, on both
// transports, and is never delivered.
func TestInvalidUTF8(t *testing.T) {
	t.Parallel()
	const valid = "héllo ✓ 😀"
	t.Run("websocket", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, engine.Options{})
		c, _ := e.wsSession(t)
		if err := c.WriteWS(eiotest.Message(valid)); err != nil {
			t.Fatal(err)
		}
		if m := e.rec.nextMessage(t); string(m.Data) != valid {
			t.Fatalf("valid UTF-8 altered: %q", m.Data)
		}
		if err := c.WriteWSRaw(websocket.TextMessage, []byte("4ab\xffcd")); err != nil {
			t.Fatal(err)
		}
		ev := e.rec.nextClose(t, engine.ReasonParseError)
		if !errors.Is(ev.err, engine.ErrMalformed) {
			t.Fatalf("cause %v", ev.err)
		}
		if err := c.WaitWSClosed(); errors.Is(err, eiotest.ErrWSOpen) {
			t.Fatal("still open")
		}
	})
	t.Run("websocket binary frame is not text", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, engine.Options{})
		c, _ := e.wsSession(t)
		if err := c.WriteWS(eiotest.BinaryMessage([]byte{0xff, 0xfe})); err != nil {
			t.Fatal(err)
		}
		if m := e.rec.nextMessage(t); !m.Binary || string(m.Data) != "\xff\xfe" {
			t.Fatalf("binary message %+v", m)
		}
	})
	t.Run("polling", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, engine.Options{})
		c, _ := e.pollingSession(t)
		if err := c.Send(eiotest.Message(valid)); err != nil {
			t.Fatal(err)
		}
		if m := e.rec.nextMessage(t); string(m.Data) != valid {
			t.Fatalf("valid UTF-8 altered: %q", m.Data)
		}
		if ps, err := c.Poll(); err != nil || len(ps) != 1 || ps[0].Data != valid {
			t.Fatal(ps, err)
		}
		res, err := c.Post("4ok\x1e4ab\xc3(cd")
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, res, http.StatusBadRequest, engine.CodeBadRequest)
		ev := e.rec.nextClose(t, engine.ReasonParseError)
		if !errors.Is(ev.err, engine.ErrMalformed) {
			t.Fatalf("cause %v", ev.err)
		}
		e.rec.none(t, evMessage, 10*time.Millisecond)
	})
}

// A huge or strange sid is just an unknown sid. (Past the HTTP server's own
// limits, e.g. net/http's 1 MB MaxHeaderBytes, the server answers 431 before
// the engine runs.)
func TestOddSIDs(t *testing.T) {
	t.Parallel()
	for _, b := range bindings {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := b.env(t, engine.Options{})
			c := e.client(t)
			for _, sid := range []string{strings.Repeat("A", 3000), "\x00", "../..", "é", " ", "%ZZ"} {
				q := "EIO=4&sid=" + url.QueryEscape(sid) + "&transport="
				for _, m := range []string{http.MethodGet, http.MethodPost} {
					res, err := c.Do(m, q+"polling", "4x", nil)
					if err != nil {
						t.Fatal(err)
					}
					wantError(t, res, http.StatusBadRequest, engine.CodeUnknownSID)
				}
				if _, err := c.DialWS(q + "websocket"); err == nil {
					t.Fatalf("websocket with sid %q accepted", sid)
				}
				wantError(t, c.WSError(), http.StatusBadRequest, engine.CodeUnknownSID)
			}
		})
	}
}

// The sid of a closed session is unknown on every transport and method.
func TestExpiredSID(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	pc, ps := e.pollingSession(t)
	wc, ws := e.wsSession(t)
	ps.Close()
	ws.Close()
	e.rec.nextClose(t, engine.ReasonForcedClose)
	e.rec.nextClose(t, engine.ReasonForcedClose)
	eventually(t, "sessions removed", func() bool { return e.srv.Count() == 0 })
	for _, c := range []*eiotest.Client{pc, wc} {
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			res, err := c.Do(m, c.Query("polling"), "4x", nil)
			if err != nil {
				t.Fatal(err)
			}
			wantError(t, res, http.StatusBadRequest, engine.CodeUnknownSID)
		}
		if _, err := c.DialWS(c.Query("websocket")); err == nil {
			t.Fatal("websocket with an expired sid accepted")
		}
		wantError(t, c.WSError(), http.StatusBadRequest, engine.CodeUnknownSID)
	}
}

// MaxHTTPBufferSize bounds the WebSocket frame: a binary frame of exactly the
// limit passes, one byte more closes the session with a transport error.
// (A text frame counts its type digit; see TestWebSocketBadInput.)
func TestWebSocketBinaryFrameLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{MaxHTTPBufferSize: 64})
	c, _ := e.wsSession(t)
	if err := c.WriteWS(eiotest.BinaryMessage(make([]byte, 64))); err != nil {
		t.Fatal(err)
	}
	if m := e.rec.nextMessage(t); !m.Binary || len(m.Data) != 64 {
		t.Fatalf("limit-sized binary frame: %d bytes, binary %v", len(m.Data), m.Binary)
	}
	if err := c.WriteWS(eiotest.BinaryMessage(make([]byte, 65))); err != nil {
		t.Fatal(err)
	}
	ev := e.rec.nextClose(t, engine.ReasonTransportError)
	if !errors.Is(ev.err, websocket.ErrReadLimit) {
		t.Fatalf("cause %v", ev.err)
	}
	if err := c.WaitWSClosed(); errors.Is(err, eiotest.ErrWSOpen) {
		t.Fatal("still open")
	}
}

// A WebSocket that sends a message instead of the probe is closed like one
// that sends it between "3probe" and "5" (as Node does): the message is not
// delivered and the session stays on polling, unharmed.
func TestUpgradeMessageBeforeProbe(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	c, s := e.pollingSession(t)
	conn, err := c.DialWS(c.Query("websocket"))
	if err != nil {
		t.Fatal(err)
	}
	c.WS = conn
	if err := c.WriteWS(eiotest.Message("too early")); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitWSClosed(); errors.Is(err, eiotest.ErrWSOpen) {
		t.Fatal("WebSocket not closed")
	}
	e.rec.none(t, evMessage, 10*time.Millisecond)
	if s.Transport() != engine.TransportPolling {
		t.Fatal("transport changed")
	}
	if err := c.Send(eiotest.Message("via polling")); err != nil {
		t.Fatal(err)
	}
	if m := e.rec.nextMessage(t); string(m.Data) != "via polling" {
		t.Fatalf("message %q", m.Data)
	}
	// The echo is there, and a new upgrade works.
	if ps, err := c.Poll(); err != nil || len(ps) != 1 {
		t.Fatal(ps, err)
	}
	if err := c.Upgrade(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "upgraded", func() bool { return s.Transport() == engine.TransportWebSocket })
}

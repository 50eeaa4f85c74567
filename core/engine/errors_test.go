package engine_test

import (
	"errors"
	"testing"

	"github.com/gosio/gosio/core/engine"
)

func TestProtocolErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	pc, _ := e.pollingSession(t)
	wc, _ := e.wsSession(t)
	for _, tc := range []struct {
		name, method, query string
		status, code        int
	}{
		{"unknown transport", "GET", "EIO=4&transport=carrier-pigeon", 400, 0},
		{"missing transport", "GET", "EIO=4", 400, 0},
		{"webtransport", "GET", "EIO=4&transport=webtransport", 400, 0},
		{"EIO 3", "GET", "EIO=3&transport=polling", 400, 5},
		{"missing EIO", "GET", "transport=polling", 400, 5},
		{"unknown sid GET", "GET", "EIO=4&transport=polling&sid=nope", 400, 1},
		{"unknown sid POST", "POST", "EIO=4&transport=polling&sid=nope", 400, 1},
		{"handshake POST", "POST", "EIO=4&transport=polling", 400, 2},
		{"handshake PUT", "PUT", "EIO=4&transport=polling", 400, 2},
		{"websocket without upgrade", "GET", "EIO=4&transport=websocket", 400, 3},
		{"polling on websocket session", "GET", "EIO=4&transport=polling&sid=" + wc.SID, 400, 3},
		{"POST on websocket session", "POST", "EIO=4&transport=polling&sid=" + wc.SID, 400, 3},
		{"PUT on polling session", "PUT", "EIO=4&transport=polling&sid=" + pc.SID, 400, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := ""
			if tc.method == "POST" {
				body = "4x"
			}
			res, err := pc.Do(tc.method, tc.query, body, nil)
			if err != nil {
				t.Fatal(err)
			}
			wantError(t, res, tc.status, tc.code)
		})
	}
	// Neither session was harmed by the bad requests.
	if e.srv.Count() != 2 {
		t.Fatalf("count %d", e.srv.Count())
	}
}

func TestProtocolErrorsTransportsRestricted(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{Transports: []string{"websocket"}})
	c := e.client(t)
	res, err := c.Do("GET", "EIO=4&transport=polling", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res, 400, 0)
	if err := c.HandshakeWebSocket(); err != nil {
		t.Fatal(err)
	}
	e.rec.nextOpen(t)

	e2 := newEnv(t, engine.Options{Transports: []string{"polling"}})
	if _, err := e2.client(t).DialWS("EIO=4&transport=websocket"); err == nil {
		t.Fatal("websocket accepted")
	}
}

func TestUpgradeRefusedWhenDisabled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{DisableUpgrades: true})
	c, s := e.pollingSession(t)
	if _, err := c.DialWS(c.Query("websocket")); err == nil || c.WSResponse == nil || c.WSResponse.StatusCode != 400 {
		t.Fatalf("upgrade not refused: %v", err)
	}
	if s.Transport() != "polling" {
		t.Fatal("transport changed")
	}
}

func TestErrorType(t *testing.T) {
	t.Parallel()
	e := &engine.Error{Code: 4, Message: "Forbidden"}
	if e.Error() != "engine: Forbidden (code 4)" || e.HTTPStatus() != 403 {
		t.Fatalf("%q %d", e.Error(), e.HTTPStatus())
	}
	if (&engine.Error{Code: 1}).HTTPStatus() != 400 || (&engine.Error{Code: 1, Status: 418}).HTTPStatus() != 418 {
		t.Fatal("status defaults")
	}
	var target *engine.Error
	if !errors.As(error(e), &target) {
		t.Fatal("errors.As")
	}
	for _, err := range []error{engine.ErrClosed, engine.ErrQueueFull, engine.ErrDropped, engine.ErrPayloadTooLarge, engine.ErrMalformed} {
		if len(err.Error()) < 8 || err.Error()[:8] != "engine: " {
			t.Errorf("sentinel text %q", err)
		}
	}
}

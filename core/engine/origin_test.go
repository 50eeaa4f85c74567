package engine_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/gosio/gosio/core/engine"
)

// Cross-site WebSocket hijacking: with CORS origins configured, a WebSocket
// handshake or upgrade from a foreign Origin is refused with 403 code 4 on
// both stacks (browsers do not apply CORS to WebSockets, so the server must).
// CheckOrigin, when set, decides instead.
func TestWebSocketOriginCheckBindings(t *testing.T) {
	t.Parallel()
	evil := http.Header{"Origin": {"http://evil.example"}}
	good := http.Header{"Origin": {"http://good.example"}}
	for _, b := range bindings {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := b.env(t, engine.Options{CORS: &engine.CORS{Origins: []string{"http://good.example"}, Credentials: true}})

			c := e.client(t)
			c.Header = evil
			if err := c.HandshakeWebSocket(); err == nil {
				t.Fatal("foreign origin handshake accepted")
			}
			wantError(t, c.WSError(), http.StatusForbidden, engine.CodeForbidden)
			e.rec.none(t, evOpen, 10*time.Millisecond)

			// The upgrade of a polling session is checked too.
			pc, ps := e.pollingSession(t)
			pc.Header = evil
			if err := pc.Probe(); err == nil {
				t.Fatal("foreign origin upgrade accepted")
			}
			wantError(t, pc.WSError(), http.StatusForbidden, engine.CodeForbidden)
			if ps.Transport() != engine.TransportPolling || engine.Probed(ps) {
				t.Fatal("session touched by the refused upgrade")
			}
			pc.Header = good
			if err := pc.Upgrade(); err != nil {
				t.Fatalf("allowed origin upgrade: %v", err)
			}
			eventually(t, "upgraded", func() bool { return ps.Transport() == engine.TransportWebSocket })

			c.Header = good
			if err := c.HandshakeWebSocket(); err != nil {
				t.Fatalf("allowed origin refused: %v", err)
			}
			e.rec.nextOpen(t)

			// CheckOrigin overrides the CORS-based default, both ways.
			custom := b.env(t, engine.Options{
				CORS:        &engine.CORS{Origins: []string{"http://good.example"}},
				CheckOrigin: func(r engine.Request) bool { return r.Header("Origin") == "http://evil.example" },
			})
			cc := custom.client(t)
			cc.Header = good
			if err := cc.HandshakeWebSocket(); err == nil {
				t.Fatal("CheckOrigin refusal ignored")
			}
			wantError(t, cc.WSError(), http.StatusForbidden, engine.CodeForbidden)
			cc.Header = evil
			if err := cc.HandshakeWebSocket(); err != nil {
				t.Fatalf("CheckOrigin acceptance ignored: %v", err)
			}
			custom.rec.nextOpen(t)
		})
	}
}

package engine_test

import (
	"errors"
	"testing"

	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/internal/eiotest"
)

func TestStats(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{MaxQueuePackets: 2})
	c, s := e.pollingSession(t)
	_, _ = e.wsSession(t)
	if err := s.Send(msg("a"), msg("b")); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(msg("c")); !errors.Is(err, engine.ErrQueueFull) {
		t.Fatalf("third message: %v", err)
	}
	if err := s.SendVolatile(msg("v")); !errors.Is(err, engine.ErrDropped) {
		t.Fatalf("volatile: %v", err)
	}
	st := e.srv.Stats()
	want := engine.Stats{Sessions: 2, Polling: 1, WebSocket: 1, Queued: 2, Dropped: 1, Refused: 1}
	if st != want {
		t.Fatalf("stats %+v, want %+v", st, want)
	}
	if _, err := c.Poll(); err != nil {
		t.Fatal(err)
	}
	if err := c.Probe(); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteWS(eiotest.Packet{Type: eiotest.Upgrade}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "upgrade counted", func() bool {
		st := e.srv.Stats()
		return st.Upgrades == 1 && st.WebSocket == 2 && st.Polling == 0
	})
}

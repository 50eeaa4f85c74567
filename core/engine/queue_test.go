package engine_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/internal/eiotest"
)

func msg(s string) engine.Message { return engine.Message{Data: []byte(s)} }

func TestQueueBoundError(t *testing.T) {
	t.Parallel()
	// Messages stay queued at the end: a short WriteTimeout bounds the
	// graceful close at teardown.
	e := newEnv(t, engine.Options{MaxQueuePackets: 3, MaxQueueBytes: 1000, WriteTimeout: 100 * time.Millisecond})
	c, s := e.pollingSession(t)
	if err := s.Send(msg("a"), msg("b")); err != nil {
		t.Fatal(err)
	}
	// All or nothing: two more do not fit, none is queued.
	if err := s.Send(msg("c"), msg("d")); !errors.Is(err, engine.ErrQueueFull) {
		t.Fatalf("err %v", err)
	}
	if err := s.Send(msg("c")); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(msg("d")); !errors.Is(err, engine.ErrQueueFull) {
		t.Fatalf("err %v", err)
	}
	ps, err := c.Poll()
	if err != nil || eiotest.EncodePayload(ps...) != "4a\x1e4b\x1e4c" {
		t.Fatal(ps, err)
	}
	// Draining made room again.
	if err := s.Send(msg("d"), msg("e"), msg("f")); err != nil {
		t.Fatal(err)
	}
	// Bytes bound.
	e2 := newEnv(t, engine.Options{MaxQueueBytes: 100, WriteTimeout: 100 * time.Millisecond})
	_, s2 := e2.pollingSession(t)
	if err := s2.Send(msg(strings.Repeat("x", 60))); err != nil {
		t.Fatal(err)
	}
	if err := s2.Send(msg(strings.Repeat("x", 60))); !errors.Is(err, engine.ErrQueueFull) {
		t.Fatalf("err %v", err)
	}
	e.rec.none(t, evClose, 0)
}

func TestQueueBoundDisconnect(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"polling", "websocket"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, engine.Options{MaxQueuePackets: 2, SlowClient: engine.SlowClientDisconnect})
			var s *engine.Session
			if transport == "polling" {
				_, s = e.pollingSession(t)
			} else {
				var c *eiotest.Client
				c, s = e.wsSession(t)
				_ = c
			}
			var err error
			for i := 0; i < 10000 && err == nil; i++ { // the WebSocket writer may drain meanwhile
				err = s.Send(msg("a"), msg("b"), msg("c"))
			}
			if !errors.Is(err, engine.ErrQueueFull) {
				t.Fatalf("err %v", err)
			}
			ev := e.rec.nextClose(t, engine.ReasonSlowClient)
			if !errors.Is(ev.err, engine.ErrQueueFull) {
				t.Fatalf("cause %v", ev.err)
			}
			if err := s.Send(msg("x")); !errors.Is(err, engine.ErrClosed) {
				t.Fatalf("after close: %v", err)
			}
		})
	}
}

func TestSendVolatile(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{WriteTimeout: 100 * time.Millisecond})
	t.Run("polling", func(t *testing.T) {
		c, s := e.pollingSession(t)
		if err := s.SendVolatile(msg("lost")); !errors.Is(err, engine.ErrDropped) {
			t.Fatalf("no GET waiting: %v", err)
		}
		ch := asyncPoll(c)
		eventually(t, "GET parked", func() bool { return engine.GetParked(s) })
		if err := s.SendVolatile(msg("v")); err != nil {
			t.Fatal(err)
		}
		if got := recv(t, ch).body(t); got != "4v" {
			t.Fatalf("payload %q", got)
		}
		if err := s.Send(msg("queued")); err != nil {
			t.Fatal(err)
		}
		if err := s.SendVolatile(msg("behind queue")); !errors.Is(err, engine.ErrDropped) {
			t.Fatalf("with a queue: %v", err)
		}
		s.Close()
		if err := s.SendVolatile(msg("x")); !errors.Is(err, engine.ErrClosed) {
			t.Fatalf("closing: %v", err)
		}
	})
	t.Run("websocket", func(t *testing.T) {
		c, s := e.wsSession(t)
		eventually(t, "writer idle", func() bool { return !engine.WriterRunning(s) })
		if err := s.SendVolatile(msg("v")); err != nil {
			t.Fatal(err)
		}
		if p, err := c.ReadWSMessage(); err != nil || p.Data != "v" {
			t.Fatal(p, err)
		}
	})
}

func TestSendClosed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	_, s := e.pollingSession(t)
	s.Close()
	e.rec.nextClose(t, engine.ReasonForcedClose)
	if err := s.Send(msg("x")); !errors.Is(err, engine.ErrClosed) {
		t.Fatal(err)
	}
	if err := s.Send(); err != nil {
		t.Fatal("empty Send must be a no-op")
	}
	s.Close() // idempotent
	e.rec.none(t, evClose, 10*time.Millisecond)
}

package engine_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/internal/eiotest"
)

// fastBeat pings every 50ms; the timeout leaves room for slow -race runs.
var fastBeat = engine.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 250 * time.Millisecond}

func TestHeartbeatWebSocket(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fastBeat)
	c, _ := e.wsSession(t)
	start := time.Now()
	for i := 0; i < 4; i++ {
		p, err := c.ReadWS()
		if err != nil || p.Type != eiotest.Ping || p.Data != "" {
			t.Fatalf("ping %d: %+v %v", i, p, err)
		}
		if err := c.WriteWS(eiotest.Packet{Type: eiotest.Pong}); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 4*50*time.Millisecond-10*time.Millisecond {
		t.Fatalf("4 pings in %v: interval not respected", d)
	}
	e.rec.none(t, evClose, 10*time.Millisecond)
	// Stop answering: the session times out.
	if p, err := c.ReadWS(); err != nil || p.Type != eiotest.Ping {
		t.Fatal(p, err)
	}
	e.rec.nextClose(t, engine.ReasonPingTimeout)
	if err := c.WaitWSClosed(); errors.Is(err, eiotest.ErrWSOpen) {
		t.Fatal("WebSocket left open")
	}
}

func TestHeartbeatPolling(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fastBeat)
	c, _ := e.pollingSession(t)
	for i := 0; i < 3; i++ {
		ps, err := c.Poll() // released by the ping
		if err != nil || len(ps) != 1 || ps[0].Type != eiotest.Ping {
			t.Fatalf("poll %d: %+v %v", i, ps, err)
		}
		if err := c.Send(eiotest.Packet{Type: eiotest.Pong}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Poll(); err != nil {
		t.Fatal(err)
	}
	e.rec.nextClose(t, engine.ReasonPingTimeout)
	res, err := c.PollRaw()
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res, 400, 1)
}

func TestPingTimeoutReleasesGET(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fastBeat)
	c, _ := e.pollingSession(t)
	if ps, err := c.Poll(); err != nil || ps[0].Type != eiotest.Ping {
		t.Fatal(ps, err)
	}
	// No pong; the next GET waits and is answered with a close packet.
	ps, err := c.Poll()
	if err != nil || len(ps) != 1 || ps[0].Type != eiotest.Close {
		t.Fatalf("%+v %v", ps, err)
	}
	e.rec.nextClose(t, engine.ReasonPingTimeout)
}

func TestPollingClosePacket(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	c, _ := e.pollingSession(t)
	if err := c.Send(eiotest.Message("last"), eiotest.Packet{Type: eiotest.Close}, eiotest.Message("after close")); err != nil {
		t.Fatal(err)
	}
	if m := e.rec.nextMessage(t); string(m.Data) != "last" {
		t.Fatal(string(m.Data))
	}
	e.rec.nextClose(t, engine.ReasonTransportClose)
	e.rec.none(t, evMessage, 10*time.Millisecond)
}

package engine_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/internal/eiotest"
)

func TestUpgrade(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	c, s := e.pollingSession(t)

	pending := asyncPoll(c)
	eventually(t, "GET parked", func() bool { return engine.GetParked(s) })
	if err := c.Probe(); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, pending).body(t); got != "6" {
		t.Fatalf("pending GET released with %q, want noop", got)
	}
	// A GET during the upgrade is answered with a noop at once and does not
	// take the queue.
	if err := s.Send(engine.Message{Data: []byte("queued during upgrade")}); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, asyncPoll(c)).body(t); got != "6" {
		t.Fatalf("GET during upgrade got %q", got)
	}
	// POSTs still work until the upgrade completes.
	if err := c.Send(eiotest.Message("via polling")); err != nil {
		t.Fatal(err)
	}
	if m := e.rec.nextMessage(t); string(m.Data) != "via polling" {
		t.Fatalf("message %q", m.Data)
	}
	if s.Transport() != engine.TransportPolling {
		t.Fatal("switched before the upgrade packet")
	}
	if err := c.WriteWS(eiotest.Packet{Type: eiotest.Upgrade}); err != nil {
		t.Fatal(err)
	}
	// The queue is flushed over the WebSocket: the message queued during the
	// upgrade, then the echo of the POSTed message.
	for _, want := range []string{"queued during upgrade", "via polling"} {
		p, err := c.ReadWSMessage()
		if err != nil || p != eiotest.Message(want) {
			t.Fatalf("got %+v %v, want %q", p, err, want)
		}
	}
	if s.Transport() != engine.TransportWebSocket {
		t.Fatalf("transport %q", s.Transport())
	}
	// Messages flow over the WebSocket now.
	if err := c.WriteWS(eiotest.Message("via ws")); err != nil {
		t.Fatal(err)
	}
	if p, err := c.ReadWSMessage(); err != nil || p.Data != "via ws" {
		t.Fatal(p, err)
	}
	// Polling requests for the session are bad requests now.
	res, err := c.PollRaw()
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res, 400, 3)
	res, err = c.Post("4late")
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res, 400, 3)
	// A second WebSocket for the session is closed.
	second := eiotest.New(e.url)
	t.Cleanup(second.Close)
	second.SID = c.SID
	if err := second.Probe(); err == nil {
		t.Fatal("second WebSocket answered the probe")
	}
	// ... and the first one still works.
	if err := s.Send(engine.Message{Data: []byte("still here")}); err != nil {
		t.Fatal(err)
	}
	if p, err := c.ReadWSMessage(); err != nil || p.Data != "still here" {
		t.Fatal(p, err)
	}
	e.rec.none(t, evClose, 10*time.Millisecond)
}

func TestUpgradeTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{UpgradeTimeout: 100 * time.Millisecond})
	c, s := e.pollingSession(t)
	if err := c.Probe(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := c.WaitWSClosed(); errors.Is(err, eiotest.ErrWSOpen) {
		t.Fatal("WebSocket not closed")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("closed after %v", d)
	}
	if s.Transport() != engine.TransportPolling || engine.Probed(s) {
		t.Fatal("session left polling")
	}
	// The session goes on over polling.
	if err := c.Send(eiotest.Message("still polling")); err != nil {
		t.Fatal(err)
	}
	if ps, err := c.Poll(); err != nil || len(ps) != 1 || ps[0].Data != "still polling" {
		t.Fatal(ps, err)
	}
	e.rec.none(t, evClose, 10*time.Millisecond)
}

func TestUpgradeAbortedByUnexpectedPacket(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	c, s := e.pollingSession(t)
	if err := c.Probe(); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteWS(eiotest.Message("too early")); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitWSClosed(); errors.Is(err, eiotest.ErrWSOpen) {
		t.Fatal("WebSocket not closed")
	}
	eventually(t, "upgrade abandoned", func() bool { return !engine.Probed(s) })
	if s.Transport() != engine.TransportPolling {
		t.Fatal("transport changed")
	}
	e.rec.none(t, evMessage, 10*time.Millisecond)
	if err := s.Send(engine.Message{Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if ps, err := c.Poll(); err != nil || len(ps) != 1 {
		t.Fatal(ps, err)
	}
}

func TestUpgradeSecondProbeRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	c, _ := e.pollingSession(t)
	if err := c.Probe(); err != nil {
		t.Fatal(err)
	}
	other := eiotest.New(e.url)
	t.Cleanup(other.Close)
	other.SID = c.SID
	if err := other.Probe(); err == nil {
		t.Fatal("concurrent upgrade accepted")
	}
	if err := c.WriteWS(eiotest.Packet{Type: eiotest.Upgrade}); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteWS(eiotest.Message("hi")); err != nil {
		t.Fatal(err)
	}
	if p, err := c.ReadWSMessage(); err != nil || p.Data != "hi" {
		t.Fatal(p, err)
	}
}

func TestWebSocketForWebSocketSessionClosed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	c, s := e.wsSession(t)
	other := eiotest.New(e.url)
	t.Cleanup(other.Close)
	other.SID = c.SID
	conn, err := other.DialWS(other.Query("websocket"))
	if err != nil {
		t.Fatal(err)
	}
	other.WS = conn
	if err := other.WaitWSClosed(); errors.Is(err, eiotest.ErrWSOpen) {
		t.Fatal("second WebSocket stays open")
	}
	if err := s.Send(engine.Message{Data: []byte("ok")}); err != nil {
		t.Fatal(err)
	}
	if p, err := c.ReadWSMessage(); err != nil || p.Data != "ok" {
		t.Fatal(p, err)
	}
	e.rec.none(t, evClose, 10*time.Millisecond)
}

// A close during the probe, after "3probe": the client has paused its
// polling, so the session waits for its "5" and sends the queue and the
// close over the WebSocket.
func TestUpgradeSessionClosedDuringProbe(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	c, s := e.pollingSession(t)
	if err := c.Probe(); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(msg("last words")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if got := recv(t, asyncPoll(c)).body(t); got != "6" {
		t.Fatalf("GET while closing during the upgrade got %q, want noop", got)
	}
	e.rec.none(t, evClose, 20*time.Millisecond)
	if err := c.WriteWS(eiotest.Packet{Type: eiotest.Upgrade}); err != nil {
		t.Fatal(err)
	}
	if p, err := c.ReadWSMessage(); err != nil || p.Data != "last words" {
		t.Fatalf("got %+v %v, want the queued message over the WebSocket", p, err)
	}
	if err := c.WaitWSClosed(); errors.Is(err, eiotest.ErrWSOpen) {
		t.Fatal("WebSocket left open after the close")
	}
	e.rec.nextClose(t, engine.ReasonForcedClose)
	res, err := c.Do(http.MethodGet, c.Query("polling"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res, 400, 1)
}

// A client that never sends "5" after a close during the probe: the
// session closes after WriteTimeout.
func TestUpgradeSessionClosedDuringProbeTimesOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{WriteTimeout: 50 * time.Millisecond})
	c, s := e.pollingSession(t)
	if err := c.Probe(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	e.rec.nextClose(t, engine.ReasonForcedClose)
	if err := c.WaitWSClosed(); errors.Is(err, eiotest.ErrWSOpen) {
		t.Fatal("probe WebSocket left open")
	}
}

// A close before "2probe": the probe is given up, the session closes over
// polling.
func TestUpgradeSessionClosedBeforeProbe(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	c, s := e.pollingSession(t)
	ws, err := c.DialWS(c.Query("websocket"))
	if err != nil {
		t.Fatal(err)
	}
	c.WS = ws // closed by c's cleanup
	eventually(t, "probe registered", func() bool { return engine.Probing(s) })
	s.Close()
	e.rec.nextClose(t, engine.ReasonForcedClose)
	if err := c.WaitWSClosed(); errors.Is(err, eiotest.ErrWSOpen) {
		t.Fatal("probe WebSocket left open")
	}
}

package engine_test

import (
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/internal/eiotest"
)

// The seam: Handler.OnOpen returns the SessionHandler of one session, which
// alone gets that session's messages and close. The recorder checks the
// order (open first, sequential messages, one close last) in every test;
// these tests check the routing.

// TestSessionHandlerPerSession: each session's messages and close reach
// the SessionHandler returned by its own OnOpen, over both transports.
func TestSessionHandlerPerSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{}, func(r *recorder) {
		r.onMessage = func(*engine.Session, engine.Message) {} // no echo
	})
	cp, sp := e.pollingSession(t)
	cw, sw := e.wsSession(t)
	if err := cw.WriteWS(eiotest.Message("from-ws")); err != nil {
		t.Fatal(err)
	}
	if err := cp.Send(eiotest.Message("from-polling")); err != nil {
		t.Fatal(err)
	}
	got := map[string]*engine.Session{}
	for range 2 {
		ev := e.rec.next(t, evMessage)
		got[string(ev.msg.Data)] = ev.s
	}
	if got["from-ws"] != sw || got["from-polling"] != sp {
		t.Fatalf("messages routed to the wrong session handler: %v", got)
	}
	if err := cw.WriteWS(eiotest.Packet{Type: eiotest.Close}); err != nil {
		t.Fatal(err)
	}
	if ev := e.rec.nextClose(t, engine.ReasonTransportClose); ev.s != sw {
		t.Fatalf("close of %s reached the handler of %s", sw.ID(), ev.s.ID())
	}
	e.rec.none(t, evClose, 20*time.Millisecond)
	if err := sp.Send(msg("still open")); err != nil {
		t.Fatalf("the polling session closed with the other one: %v", err)
	}
	if ps, err := cp.Poll(); err != nil || eiotest.EncodePayload(ps...) != "4still open" {
		t.Fatal(ps, err)
	}
}

// openOnly is a Handler whose OnOpen returns no SessionHandler.
type openOnly chan *engine.Session

func (o openOnly) OnOpen(s *engine.Session) engine.SessionHandler {
	o <- s
	return nil
}

// TestNilSessionHandler: a nil SessionHandler leaves the session working;
// its messages and its close are dropped.
func TestNilSessionHandler(t *testing.T) {
	t.Parallel()
	opened := make(openOnly, 1)
	srv := engine.NewServer(opened, engine.Options{})
	url := newHTTPTestServer(t, srv)
	c := eiotest.New(url + "/engine.io/")
	t.Cleanup(c.Close)
	t.Cleanup(func() {
		ctx, cancel := ctxWait()
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	if err := c.HandshakeWebSocket(); err != nil {
		t.Fatal(err)
	}
	s := <-opened
	if err := c.WriteWS(eiotest.Message("ignored")); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(msg("hi")); err != nil {
		t.Fatal(err)
	}
	if p, err := c.ReadWSMessage(); err != nil || p.Data != "hi" {
		t.Fatal(p, err)
	}
	s.Close()
	if err := c.WaitWSClosed(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Fatalf("close: %v", err)
	}
}

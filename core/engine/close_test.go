package engine_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/internal/eiotest"
)

func TestSessionCloseFlushesPolling(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	c, s := e.pollingSession(t)
	if err := s.Send(msg("a"), msg("b")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := s.Send(msg("c")); err == nil {
		t.Fatal("Send accepted while closing")
	}
	// The queued messages first; the close packet alone in the next GET,
	// since a client acts on a close packet before the rest of its payload.
	res, err := c.PollRaw()
	if err != nil || res.Body != "4a\x1e4b" {
		t.Fatalf("%+v %v", res, err)
	}
	e.rec.none(t, evClose, 20*time.Millisecond)
	res, err = c.PollRaw()
	if err != nil || res.Body != "1" {
		t.Fatalf("%+v %v", res, err)
	}
	e.rec.nextClose(t, engine.ReasonForcedClose)
}

func TestSessionCloseReleasesGET(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	c, s := e.pollingSession(t)
	ch := asyncPoll(c)
	eventually(t, "GET parked", func() bool { return engine.GetParked(s) })
	s.Close()
	if got := recv(t, ch).body(t); got != "1" {
		t.Fatalf("payload %q", got)
	}
	e.rec.nextClose(t, engine.ReasonForcedClose)
}

func TestSessionCloseIdlePollingIsImmediate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	c, s := e.pollingSession(t)
	s.Close()
	e.rec.nextClose(t, engine.ReasonForcedClose)
	res, err := c.PollRaw()
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res, 400, 1)
}

func TestSessionCloseFlushTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{WriteTimeout: 100 * time.Millisecond})
	_, s := e.pollingSession(t)
	if err := s.Send(msg("never polled")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	s.Close()
	e.rec.nextClose(t, engine.ReasonForcedClose)
	if d := time.Since(start); d < 90*time.Millisecond {
		t.Fatalf("closed after %v without waiting for a GET", d)
	}
}

func TestSessionCloseFlushesWebSocket(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	c, s := e.wsSession(t)
	msgs := make([]engine.Message, 50)
	for i := range msgs {
		msgs[i] = msg("m")
	}
	if err := s.Send(msgs...); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for i := range msgs {
		if p, err := c.ReadWSMessage(); err != nil || p.Data != "m" {
			t.Fatalf("message %d: %+v %v", i, p, err)
		}
	}
	if err := c.WaitWSClosed(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Fatalf("close: %v", err)
	}
	e.rec.nextClose(t, engine.ReasonForcedClose)
}

func TestHandlerMayCallSessionMethods(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{}, func(r *recorder) {
		r.onMessage = func(s *engine.Session, m engine.Message) {
			_ = s.Send(m, m)
			_ = s.SendVolatile(m)
			_ = s.Transport()
			if string(m.Data) == "bye" {
				s.Close()
			}
		}
	})
	for _, transport := range []string{"polling", "websocket"} {
		t.Run(transport, func(t *testing.T) {
			if transport == "polling" {
				c, _ := e.pollingSession(t)
				if err := c.Send(eiotest.Message("hi"), eiotest.Message("bye")); err != nil {
					t.Fatal(err)
				}
				if _, err := c.PollUntil(5, func(p eiotest.Packet) bool { return p.Type == eiotest.Close }); err != nil {
					t.Fatal(err)
				}
			} else {
				c, _ := e.wsSession(t)
				_ = c.WriteWS(eiotest.Message("bye"))
				if err := c.WaitWSClosed(); errors.Is(err, eiotest.ErrWSOpen) {
					t.Fatal("not closed")
				}
			}
			e.rec.nextClose(t, engine.ReasonForcedClose)
		})
	}
}

func TestServerClose(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	srv := engine.NewServer(rec, engine.Options{})
	e := &env{srv: srv, rec: rec}
	hs := newHTTPTestServer(t, srv)
	e.url = hs + "/engine.io/"

	idle, _ := e.pollingSession(t)
	waiting, ws := e.pollingSession(t)
	pending := asyncPoll(waiting)
	eventually(t, "GET parked", func() bool { return engine.GetParked(ws) })
	queued, qs := e.pollingSession(t)
	if err := qs.Send(msg("flush me")); err != nil {
		t.Fatal(err)
	}
	wc, wsess := e.wsSession(t)
	if err := wsess.Send(msg("flush me too")); err != nil {
		t.Fatal(err)
	}
	if srv.Count() != 4 {
		t.Fatalf("count %d", srv.Count())
	}
	closed := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		closed <- srv.Close(ctx)
	}()
	if got := recv(t, pending).body(t); got != "1" {
		t.Fatalf("pending GET got %q", got)
	}
	if ps, err := queued.Poll(); err != nil || eiotest.EncodePayload(ps...) != "4flush me" {
		t.Fatalf("queued session got %+v %v", ps, err)
	}
	if ps, err := queued.Poll(); err != nil || eiotest.EncodePayload(ps...) != "1" {
		t.Fatalf("queued session's next GET got %+v %v", ps, err)
	}
	if p, err := wc.ReadWSMessage(); err != nil || p.Data != "flush me too" {
		t.Fatal(p, err)
	}
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(wait):
		t.Fatal("Server.Close did not return")
	}
	for i := 0; i < 4; i++ {
		rec.nextClose(t, engine.ReasonServerShutdown)
	}
	if srv.Count() != 0 {
		t.Fatal("sessions left")
	}
	res, err := idle.Do(http.MethodGet, "EIO=4&transport=polling", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res, http.StatusServiceUnavailable, 3)
	if err := srv.Close(context.Background()); err != nil {
		t.Fatal("second Close:", err)
	}
	rec.check(t)
}

func TestServerCloseContextExpires(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	srv := engine.NewServer(rec, engine.Options{WriteTimeout: time.Minute})
	e := &env{srv: srv, rec: rec, url: newHTTPTestServer(t, srv) + "/"}
	_, s := e.pollingSession(t)
	if err := s.Send(msg("nobody polls")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := srv.Close(ctx); err != context.DeadlineExceeded {
		t.Fatalf("Close: %v", err)
	}
	rec.nextClose(t, engine.ReasonServerShutdown)
	if srv.Count() != 0 {
		t.Fatal("session left")
	}
}

// Done closes when the session closes, and a Done first asked for after the
// close is closed already.
func TestSessionDone(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	_, s := e.pollingSession(t)
	done := s.Done()
	select {
	case <-done:
		t.Fatal("Done closed on an open session")
	default:
	}
	_, s2 := e.pollingSession(t)
	s.Close()
	s2.Close()
	e.rec.nextClose(t, engine.ReasonForcedClose)
	e.rec.nextClose(t, engine.ReasonForcedClose)
	for _, ch := range []<-chan struct{}{done, s2.Done()} {
		select {
		case <-ch:
		default:
			t.Fatal("Done not closed after the close")
		}
	}
}

package engine_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/fasthttp/websocket"
	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/internal/eiotest"
)

func TestWebSocketBinaryFrames(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	c, s := e.wsSession(t)
	bin := []byte{0, 1, 2, 0xfe, 0xff}
	if err := c.WriteWSRaw(websocket.BinaryMessage, bin); err != nil {
		t.Fatal(err)
	}
	if m := e.rec.nextMessage(t); !m.Binary || string(m.Data) != string(bin) {
		t.Fatalf("message %+v", m)
	}
	// The echo comes back as a raw binary frame, without 'b' or base64.
	if err := c.WS.SetReadDeadline(deadline()); err != nil {
		t.Fatal(err)
	}
	mt, data, err := c.WS.ReadMessage()
	if err != nil || mt != websocket.BinaryMessage || string(data) != string(bin) {
		t.Fatalf("frame %d %v %v", mt, data, err)
	}
	// Text and binary from the server keep their order, one frame each.
	if err := s.Send(engine.Message{Data: []byte("t1")}, engine.Message{Data: bin, Binary: true}, engine.Message{Data: []byte("t2")}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []eiotest.Packet{eiotest.Message("t1"), eiotest.BinaryMessage(bin), eiotest.Message("t2")} {
		p, err := c.ReadWSMessage()
		if err != nil || p != want {
			t.Fatalf("got %+v %v, want %+v", p, err, want)
		}
	}
}

func TestWebSocketWriterOnDemand(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	c, s := e.wsSession(t)
	eventually(t, "writer idle after the open packet", func() bool { return !engine.WriterRunning(s) })
	msgs := make([]engine.Message, 100)
	for i := range msgs {
		msgs[i] = engine.Message{Data: []byte(strings.Repeat("x", i))}
	}
	if err := s.Send(msgs...); err != nil {
		t.Fatal(err)
	}
	for i := range msgs {
		p, err := c.ReadWSMessage()
		if err != nil || p.Data != string(msgs[i].Data) {
			t.Fatalf("message %d: %+v %v", i, p, err)
		}
	}
	eventually(t, "writer exits when the queue is empty", func() bool { return !engine.WriterRunning(s) })
}

func TestWebSocketClientClose(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	t.Run("close packet", func(t *testing.T) {
		c, _ := e.wsSession(t)
		if err := c.WriteWS(eiotest.Packet{Type: eiotest.Close}); err != nil {
			t.Fatal(err)
		}
		e.rec.nextClose(t, engine.ReasonTransportClose)
		if err := c.WaitWSClosed(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			t.Fatalf("server close: %v", err)
		}
	})
	t.Run("connection dropped", func(t *testing.T) {
		c, _ := e.wsSession(t)
		_ = c.WS.Close()
		e.rec.nextClose(t, engine.ReasonTransportClose)
	})
	t.Run("close frame", func(t *testing.T) {
		c, _ := e.wsSession(t)
		_ = c.WS.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, ""))
		e.rec.nextClose(t, engine.ReasonTransportClose)
	})
}

func TestWebSocketBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{MaxHTTPBufferSize: 64})
	t.Run("parse error", func(t *testing.T) {
		c, _ := e.wsSession(t)
		if err := c.WriteWSRaw(websocket.TextMessage, []byte("x")); err != nil {
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
	t.Run("empty frame", func(t *testing.T) {
		c, _ := e.wsSession(t)
		if err := c.WriteWSRaw(websocket.TextMessage, nil); err != nil {
			t.Fatal(err)
		}
		e.rec.nextClose(t, engine.ReasonParseError)
	})
	t.Run("too large", func(t *testing.T) {
		c, _ := e.wsSession(t)
		if err := c.WriteWS(eiotest.Message(strings.Repeat("y", 63))); err != nil {
			t.Fatal(err)
		}
		if m := e.rec.nextMessage(t); len(m.Data) != 63 {
			t.Fatalf("limit-sized message: %d", len(m.Data))
		}
		if err := c.WriteWS(eiotest.Message(strings.Repeat("y", 64))); err != nil {
			t.Fatal(err)
		}
		e.rec.nextClose(t, engine.ReasonTransportError)
	})
	t.Run("ping from client", func(t *testing.T) {
		c, _ := e.wsSession(t)
		if err := c.WriteWS(eiotest.Packet{Type: eiotest.Ping}); err != nil {
			t.Fatal(err)
		}
		e.rec.nextClose(t, engine.ReasonTransportError)
	})
}

func TestWebSocketOriginCheck(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{CORS: &engine.CORS{Origins: []string{"http://good.example"}}})
	bad := e.client(t)
	bad.Header = map[string][]string{"Origin": {"http://evil.example"}}
	if err := bad.HandshakeWebSocket(); err == nil || bad.WSResponse == nil || bad.WSResponse.StatusCode != 403 {
		t.Fatalf("bad origin accepted: %v", err)
	}
	good := e.client(t)
	good.Header = map[string][]string{"Origin": {"http://good.example"}}
	if err := good.HandshakeWebSocket(); err != nil {
		t.Fatal(err)
	}
	e.rec.nextOpen(t)
	none := e.client(t)
	if err := none.HandshakeWebSocket(); err != nil {
		t.Fatalf("no Origin (non-browser) refused: %v", err)
	}
	e.rec.nextOpen(t)

	custom := newEnv(t, engine.Options{CheckOrigin: func(r engine.Request) bool { return r.Header("Origin") == "" }})
	c := custom.client(t)
	c.Header = map[string][]string{"Origin": {"http://any.example"}}
	if err := c.HandshakeWebSocket(); err == nil {
		t.Fatal("CheckOrigin ignored")
	}
}

func TestSendSharedDataNotModified(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	shared := []byte("broadcast")
	bin := []byte{1, 2, 3}
	ws, s1 := e.wsSession(t)
	pc, s2 := e.pollingSession(t)
	for _, s := range []*engine.Session{s1, s2} {
		if err := s.Send(engine.Message{Data: shared}, engine.Message{Data: bin, Binary: true}); err != nil {
			t.Fatal(err)
		}
	}
	if p, err := ws.ReadWSMessage(); err != nil || p.Data != "broadcast" {
		t.Fatal(p, err)
	}
	if p, err := ws.ReadWSMessage(); err != nil || p.Data != "\x01\x02\x03" {
		t.Fatal(p, err)
	}
	if ps, err := pc.Poll(); err != nil || len(ps) != 2 {
		t.Fatal(ps, err)
	}
	if string(shared) != "broadcast" || string(bin) != "\x01\x02\x03" {
		t.Fatal("engine modified the caller's data")
	}
}

package core_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/parser"
	"github.com/gosio/gosio/internal/siotest"
)

// TestMsgPackParser runs a server with the MessagePack parser: events, acks
// both ways, binary values, broadcasts and connect errors reach a client
// speaking socket.io-msgpack-parser's format, each packet one binary
// WebSocket message (the test client refuses text ones).
func TestMsgPackParser(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, &core.Options{Parser: parser.MsgPack})
	asked := make(chan any, 1)
	srv.OnConnection(func(s *core.Socket) {
		s.Join("room")
		s.On("chat", core.HandleAck(func(s *core.Socket, m chatMsg) (chatMsg, error) {
			m.Text = strings.ToUpper(m.Text)
			m.Blob = append(m.Blob, 0xff)
			return m, nil
		}))
		s.On("echo", func(s *core.Socket, e *core.Event) error {
			vals, err := e.Values()
			if err != nil {
				return err
			}
			return e.Ack(vals...)
		})
		s.On("broadcast", func(s *core.Socket, e *core.Event) error {
			return srv.To("room").Emit("news", "hot", []byte{9})
		})
		s.On("ask", func(s *core.Socket, e *core.Event) error {
			ctx, cancel := context.WithTimeout(context.Background(), siotest.Wait)
			defer cancel()
			a, err := s.EmitWithAck(ctx, "question", 1)
			if err != nil {
				asked <- err
				return nil
			}
			var m chatMsg
			if err := a.Decode(0, &m); err != nil {
				asked <- err
				return nil
			}
			asked <- m
			return nil
		})
	})
	srv.Of("/private").Use(core.ConnectFunc(func(s *core.Socket) error {
		return core.NewConnectError("unauthorized", map[string]any{"code": 42})
	}))

	c := siotest.DialParser(t, url, nil, parser.MsgPack)
	c.MustConnect("/", map[string]any{"token": "t"})

	c.Emit("/", 1, "chat", map[string]any{"text": "hi", "blob": []byte{7, 8}})
	got := c.ExpectAck(1)
	m := got[0].(map[string]any)
	if m["text"] != "HI" || !reflect.DeepEqual(m["blob"], []byte{7, 8, 0xff}) {
		t.Errorf("chat ack = %#v", got)
	}
	c.Emit("/", 2, "echo", "a", 2.5, nil, true, map[string]any{"x": []any{"y", []byte{1}}})
	if got := c.ExpectAck(2); !reflect.DeepEqual(got, []any{"a", 2.5, nil, true, map[string]any{"x": []any{"y", []byte{1}}}}) {
		t.Errorf("echo ack = %#v", got)
	}

	c2 := siotest.DialParser(t, url, nil, parser.MsgPack)
	c2.MustConnect("/", nil)
	// The CONNECT answer goes out before the connection handler joins
	// "room": a round trip through c2's handlers makes sure it did.
	c2.Emit("/", 1, "echo")
	c2.ExpectAck(1)
	c.Emit("/", -1, "broadcast")
	for _, cl := range []*siotest.Client{c, c2} {
		ev := cl.ExpectEvent()
		if ev.Name != "news" || !reflect.DeepEqual(ev.Args, []any{"hot", []byte{9}}) {
			t.Errorf("broadcast = %#v", ev)
		}
	}

	c.Emit("/", -1, "ask")
	q := c.ExpectEvent()
	if q.Name != "question" || !q.HasID {
		t.Fatalf("question = %#v", q)
	}
	c.Ack("/", q.ID, map[string]any{"text": "answer", "blob": []byte{5}})
	select {
	case a := <-asked:
		if m, ok := a.(chatMsg); !ok || m.Text != "answer" || !reflect.DeepEqual(m.Blob, []byte{5}) {
			t.Errorf("client's ack = %#v", a)
		}
	case <-time.After(siotest.Wait):
		t.Fatal("no ack reached EmitWithAck")
	}

	p := c.Connect("/private", nil)
	if p.Type != parser.ConnectError || string(p.Raw) != `{"data":{"code":42},"message":"unauthorized"}` {
		t.Errorf("connect error %v %s", p.Type, p.Raw)
	}
}

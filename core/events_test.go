package core_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/internal/siotest"
)

type chatMsg struct {
	Text string `json:"text"`
	Blob []byte `json:"blob"`
}

func TestEventsAcksAndBinary(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	srv.OnConnection(func(s *core.Socket) {
		s.On("echo", func(s *core.Socket, e *core.Event) error {
			vals, err := e.Values()
			if err != nil {
				return err
			}
			return e.Ack(vals...)
		})
		s.On("chat", core.HandleAck(func(s *core.Socket, m chatMsg) (chatMsg, error) {
			m.Text = strings.ToUpper(m.Text)
			m.Blob = append(m.Blob, 0xff)
			return m, nil
		}))
		s.On("fail", core.HandleAck(func(s *core.Socket, m chatMsg) (string, error) {
			return "", errors.New("nope")
		}))
		s.On("ping-me", func(s *core.Socket, e *core.Event) error {
			return s.Emit("pong", []byte{1, 2, 3}, map[string]any{"nested": []any{[]byte{4}}})
		})
	})
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)

	c.Emit("/", 1, "echo", "a", 2.5, nil, true, map[string]any{"x": []any{"y"}})
	if got := c.ExpectAck(1); !reflect.DeepEqual(got, []any{"a", 2.5, nil, true, map[string]any{"x": []any{"y"}}}) {
		t.Errorf("echo ack = %#v", got)
	}
	c.Emit("/", 2, "chat", map[string]any{"text": "hi", "blob": []byte{7, 8}})
	got := c.ExpectAck(2)
	m := got[0].(map[string]any)
	if m["text"] != "HI" || !reflect.DeepEqual(m["blob"], []byte{7, 8, 0xff}) {
		t.Errorf("chat ack = %#v", got)
	}
	c.Emit("/", 3, "fail", map[string]any{})
	if got := c.ExpectAck(3); !reflect.DeepEqual(got, []any{map[string]any{"error": "nope"}}) {
		t.Errorf("fail ack = %#v", got)
	}
	c.Emit("/", 4, "chat", "not an object")
	if got := c.ExpectAck(4); len(got) != 1 || !strings.Contains(fmt.Sprint(got[0]), "error") {
		t.Errorf("decode error ack = %#v", got)
	}
	c.Emit("/", -1, "ping-me")
	ev := c.ExpectEvent()
	if ev.Name != "pong" || !reflect.DeepEqual(ev.Args, []any{[]byte{1, 2, 3}, map[string]any{"nested": []any{[]byte{4}}}}) {
		t.Errorf("pong = %#v", ev)
	}
}

func TestServerEmitWithAck(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	result := make(chan any, 2)
	srv.OnConnection(func(s *core.Socket) {
		s.On("ask", func(s *core.Socket, e *core.Event) error {
			// Waiting for our own client's ack inside a handler must work.
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			a, err := s.EmitWithAck(ctx, "question", 1)
			if err != nil {
				result <- err
				return nil
			}
			n, err := core.Decode[int](a)
			if err != nil {
				result <- err
			}
			result <- n
			_, err = s.Timeout(50*time.Millisecond).EmitWithAck(context.Background(), "ignored")
			result <- err
			return nil
		})
	})
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)
	c.Emit("/", -1, "ask")
	q := c.ExpectEvent()
	if q.Name != "question" || !q.HasID {
		t.Fatalf("question = %#v", q)
	}
	c.Ack("/", q.ID, 41)
	if got := recv(t, result); got != 41 {
		t.Fatalf("ack result = %v", got)
	}
	ign := c.ExpectEvent()
	if ign.Name != "ignored" {
		t.Fatalf("got %#v", ign)
	}
	if got := recv(t, result); !errors.Is(got.(error), core.ErrAckTimeout) {
		t.Fatalf("want timeout, got %v", got)
	}
}

func TestHandlerPanicIsRecovered(t *testing.T) {
	t.Parallel()
	errs := make(chan error, 1)
	srv, url := newServer(t, &core.Options{OnError: func(s *core.Socket, err error) { errs <- err }})
	srv.OnConnection(func(s *core.Socket) {
		s.On("boom", func(*core.Socket, *core.Event) error { panic("kaboom") })
		s.On("ok", func(s *core.Socket, e *core.Event) error { return e.Ack("fine") })
	})
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)
	c.Emit("/", 1, "boom")
	if got := c.ExpectAck(1); !reflect.DeepEqual(got, []any{map[string]any{"error": "internal server error"}}) {
		t.Errorf("ack = %v", got)
	}
	var perr *core.PanicError
	if err := recv(t, errs); !errors.As(err, &perr) || perr.Value != "kaboom" {
		t.Errorf("reported %v", err)
	}
	c.Emit("/", 2, "ok")
	if got := c.ExpectAck(2); !reflect.DeepEqual(got, []any{"fine"}) {
		t.Errorf("ack after panic = %v", got)
	}
}

func TestHandlersRunInOrder(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	got := make(chan int, 100)
	srv.OnConnection(func(s *core.Socket) {
		s.On("n", core.Handle(func(s *core.Socket, n int) error {
			if n%10 == 0 {
				time.Sleep(time.Millisecond) // a slow handler must not let later events overtake it
			}
			got <- n
			return nil
		}))
	})
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)
	for i := 0; i < 100; i++ {
		c.Emit("/", -1, "n", i)
	}
	for i := 0; i < 100; i++ {
		if n := recv(t, got); n != i {
			t.Fatalf("event %d handled at position %d", n, i)
		}
	}
}

func TestReservedEventsAndValues(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	errc := make(chan error, 1)
	srv.OnConnection(func(s *core.Socket) { errc <- s.Emit("disconnect") })
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)
	if err := recv(t, errc); !errors.Is(err, core.ErrReservedEvent) {
		t.Errorf("emit disconnect: %v", err)
	}
	if err := srv.Emit("connect"); !errors.Is(err, core.ErrReservedEvent) {
		t.Errorf("broadcast connect: %v", err)
	}
}

func TestVolatileAndOnAny(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	anyIn := make(chan string, 4)
	anyOut := make(chan string, 4)
	srv.OnConnection(func(s *core.Socket) {
		s.OnAny(func(s *core.Socket, e *core.Event) { anyIn <- e.Name })
		s.OnAnyOutgoing(func(s *core.Socket, event string, args []any) { anyOut <- event })
		s.On("go", func(s *core.Socket, e *core.Event) error {
			if err := s.Volatile().Emit("vol", 1); err != nil {
				return err
			}
			return s.Emit("after")
		})
	})
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)
	c.Emit("/", -1, "go")
	if n := recv(t, anyIn); n != "go" {
		t.Errorf("onAny got %q", n)
	}
	if n := recv(t, anyOut); n != "vol" {
		t.Errorf("onAnyOutgoing got %q", n)
	}
	// The volatile packet may be dropped when the transport is busy (the
	// engine's tests pin down when); it never reorders or blocks what follows.
	e := c.ExpectEvent()
	if e.Name == "vol" {
		e = c.ExpectEvent()
	}
	if e.Name != "after" {
		t.Errorf("got %q, want after", e.Name)
	}
}

// A handler that waits for its own client's ack with the event's context
// returns as soon as the client goes away: the disconnect cancels the
// context and fails the pending acks at once, not from the dispatcher that
// the waiting handler occupies; the disconnect handlers run after it.
func TestAckWaitReleasedOnDisconnect(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	waiting := make(chan struct{}, 1)
	returned := make(chan error, 1)
	disconnected := make(chan string, 1)
	release, cancelRelease := context.WithCancel(context.Background())
	defer cancelRelease() // lets the handler go at the end, so nothing leaks
	srv.OnConnection(func(s *core.Socket) {
		s.OnDisconnect(func(_ *core.Socket, reason string) { disconnected <- reason })
		s.On("ask", func(s *core.Socket, e *core.Event) error {
			ctx, cancel := context.WithCancel(e.Context())
			defer cancel()
			stop := context.AfterFunc(release, cancel)
			defer stop()
			waiting <- struct{}{}
			_, err := s.EmitWithAck(ctx, "question")
			returned <- err
			return nil
		})
	})
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)
	c.Emit("/", -1, "ask")
	recv(t, waiting)
	if ev := c.ExpectEvent(); ev.Name != "question" {
		t.Fatalf("got %q", ev.Name)
	}
	c.Close() // the client goes away without acknowledging
	select {
	case err := <-returned:
		if !errors.Is(err, core.ErrDisconnected) && !errors.Is(err, context.Canceled) {
			t.Errorf("EmitWithAck returned %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("EmitWithAck still waiting 2s after the client went away; the disconnect is stuck behind it")
	}
	recv(t, disconnected)
}

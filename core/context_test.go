package core_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/internal/siotest"
)

// tagKey marks the contexts the tests derive.
type tagKey struct{}

func tag(ctx context.Context) string {
	s, _ := ctx.Value(tagKey{}).(string)
	return s
}

// An event's context is the socket's until a middleware hands the rest of
// the chain a derived one; the copy acknowledges the same event, once.
func TestEventContext(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	type seen struct {
		tag       string
		socketCtx bool
		err       error // the middleware's second ack
	}
	got := make(chan seen, 4)
	srv.UseEvents(func(next core.EventHandler) core.EventHandler {
		return func(s *core.Socket, e *core.Event) error {
			if e.Context() != s.Context() {
				t.Errorf("%s: an event's context is not the socket's at first", e.Name)
			}
			if e.Name == "plain" {
				return next(s, e)
			}
			err := next(s, e.WithContext(context.WithValue(e.Context(), tagKey{}, "mw")))
			got <- seen{err: e.Ack("second")}
			return err
		}
	})
	var sock *core.Socket
	srv.OnConnection(func(s *core.Socket) {
		sock = s
		s.On("tagged", func(s *core.Socket, e *core.Event) error {
			got <- seen{tag: tag(e.Context()), socketCtx: e.Context() == s.Context()}
			if err := e.Ack("first"); err != nil {
				return err
			}
			return errors.New("after the ack") // no error ack: the event was acknowledged
		})
		s.On("plain", func(s *core.Socket, e *core.Event) error {
			got <- seen{tag: tag(e.Context()), socketCtx: e.Context() == s.Context()}
			return nil
		})
	})
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)

	c.Emit("/", 1, "tagged")
	if h := recv(t, got); h.tag != "mw" || h.socketCtx {
		t.Errorf("handler saw tag %q, socket context %v", h.tag, h.socketCtx)
	}
	if ack := c.ExpectAck(1); !reflect.DeepEqual(ack, []any{"first"}) {
		t.Errorf("ack %v", ack)
	}
	if mw := recv(t, got); !errors.Is(mw.err, core.ErrAlreadyAcked) {
		t.Errorf("second ack through the original event: %v", mw.err)
	}
	c.ExpectNothing(50 * time.Millisecond)

	c.Emit("/", -1, "plain")
	if h := recv(t, got); h.tag != "" || !h.socketCtx {
		t.Errorf("plain event: tag %q, socket context %v", h.tag, h.socketCtx)
	}

	// The socket's context, and so an event's default, ends with the socket.
	ctx := sock.Context()
	c.Close()
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the socket's context outlived the socket")
	}
}

func TestEventWithNilContextPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("WithContext(nil) did not panic")
		}
	}()
	var e core.Event
	if e.Context() == nil {
		t.Error("a zero Event has no context")
	}
	var none context.Context
	_ = e.WithContext(none)
}

// Every way to send hands its context to Hooks.OnEventOut; Emit and
// broadcasts from elsewhere hand context.Background().
func TestSendContextsReachHooks(t *testing.T) {
	t.Parallel()
	type out struct {
		event, tag string
		targets    int
	}
	outs := make(chan out, 32)
	srv, url := newServer(t, &core.Options{Hooks: core.Hooks{
		OnEventOut: func(ctx context.Context, _, event string, _, targets int) {
			if ctx == nil {
				t.Errorf("%s: nil context", event)
				return
			}
			outs <- out{event, tag(ctx), targets}
		},
	}})
	srv.UseEvents(func(next core.EventHandler) core.EventHandler {
		return func(s *core.Socket, e *core.Event) error {
			return next(s, e.WithContext(context.WithValue(e.Context(), tagKey{}, "event")))
		}
	})
	srv.OnConnection(func(s *core.Socket) {
		s.Join("room")
		s.On("go", func(s *core.Socket, e *core.Event) error {
			ctx := e.Context()
			for _, emit := range []func() error{
				func() error { return s.EmitContext(ctx, "socket") },
				func() error { return s.Timeout(time.Second).EmitContext(ctx, "emitter") },
				func() error { return s.To("room").EmitContext(ctx, "operator") },
				func() error { return srv.Of("/").EmitContext(ctx, "namespace") },
				func() error { return srv.EmitContext(ctx, "server") },
				func() error {
					socks, err := srv.In(s.ID()).FetchSockets(ctx)
					if err != nil || len(socks) != 1 {
						return fmt.Errorf("fetch sockets: %v, %d", err, len(socks))
					}
					return socks[0].EmitContext(ctx, "remote")
				},
				func() error { return s.Emit("plain") },
				func() error { return srv.To("room").Emit("plain-broadcast") },
			} {
				if err := emit(); err != nil {
					return err
				}
			}
			return e.Ack()
		})
		s.On("ask", func(s *core.Socket, e *core.Event) error {
			ctx, cancel := context.WithTimeout(e.Context(), 5*time.Second)
			defer cancel()
			if _, err := s.EmitWithAck(ctx, "socket-ack"); err != nil {
				return err
			}
			if _, err := s.Broadcast().EmitWithAck(ctx, "operator-ack"); err != nil {
				return err
			}
			return e.Ack()
		})
	})
	a := siotest.Dial(t, url, nil)
	a.MustConnect("/", nil)
	b := siotest.Dial(t, url, nil)
	b.MustConnect("/", nil)

	a.Emit("/", 1, "go")
	want := []out{
		{"socket", "event", 1}, {"emitter", "event", 1}, {"operator", "event", 1},
		{"namespace", "event", 2}, {"server", "event", 2}, {"remote", "event", 1},
		{"plain", "", 1}, {"plain-broadcast", "", 2},
	}
	for _, w := range want {
		if got := recv(t, outs); got != w {
			t.Errorf("hook %+v, want %+v", got, w)
		}
	}
	for range 7 { // socket, emitter, namespace, server, remote, plain, plain-broadcast
		a.ExpectEvent()
	}
	a.ExpectAck(1)

	// Broadcasts with acks: the client answers each event.
	answer := func(c *siotest.Client, name string) {
		t.Helper()
		ev := c.ExpectEvent()
		for ev.Name != name {
			ev = c.ExpectEvent()
		}
		c.Ack("/", ev.ID)
	}
	b.Emit("/", 2, "ask")
	answer(b, "socket-ack")
	answer(a, "operator-ack")
	b.ExpectAck(2)
	for _, w := range []out{{"socket-ack", "event", 1}, {"operator-ack", "event", 1}} {
		if got := recv(t, outs); got != w {
			t.Errorf("hook %+v, want %+v", got, w)
		}
	}
}

package middleware_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/internal/siotest"
	"github.com/gosio/gosio/middleware"
)

func TestRecover(t *testing.T) {
	t.Parallel()
	boom := func(s *core.Socket, e *core.Event) error { panic("boom") }
	tests := []struct {
		name    string
		message string
		handler core.EventHandler
		inner   core.EventMiddleware // between Recover and the handler
		ack     bool
		want    []any // the ack, nil for none
	}{
		{name: "panic with ack", handler: boom, ack: true, want: []any{map[string]any{"error": "internal server error"}}},
		{name: "panic without ack", handler: boom},
		{name: "custom message", message: "oops", handler: boom, ack: true, want: []any{map[string]any{"error": "oops"}}},
		{
			name: "acked before the panic",
			handler: func(s *core.Socket, e *core.Event) error {
				_ = e.Ack("partial")
				panic(errors.New("late boom"))
			},
			ack:  true,
			want: []any{"partial"},
		},
		{
			name:    "panic in a middleware",
			handler: func(s *core.Socket, e *core.Event) error { return e.Ack("unreached") },
			inner: func(next core.EventHandler) core.EventHandler {
				return func(s *core.Socket, e *core.Event) error {
					if e.Name == "fail" {
						panic("in middleware")
					}
					return next(s, e)
				}
			},
			ack:  true,
			want: []any{map[string]any{"error": "internal server error"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			onError := make(chan error, 1)
			srv, url := newServer(t, &core.Options{OnError: func(_ *core.Socket, err error) { onError <- err }})
			logger, logs := newLogger()
			panics := make(chan *core.PanicError, 1)
			mws := []core.EventMiddleware{middleware.Recover(&middleware.RecoverOptions{
				Logger:  logger,
				Message: tc.message,
				OnPanic: func(s *core.Socket, e *core.Event, err *core.PanicError) { panics <- err },
			})}
			if tc.inner != nil {
				mws = append(mws, tc.inner)
			}
			srv.Use(middleware.Events(mws...))
			srv.OnConnection(func(s *core.Socket) {
				s.On("fail", tc.handler)
				s.On("ok", func(s *core.Socket, e *core.Event) error { return e.Ack("still here") })
			})
			c := siotest.Dial(t, url, nil)
			c.MustConnect("/", nil)

			id := -1
			if tc.ack {
				id = 1
			}
			c.Emit("/", id, "fail")
			if tc.want != nil {
				if got := c.ExpectAck(1); !reflect.DeepEqual(got, tc.want) {
					t.Errorf("ack %#v, want %#v", got, tc.want)
				}
			}
			c.Emit("/", 2, "ok")
			if got := c.ExpectAck(2); !reflect.DeepEqual(got, []any{"still here"}) {
				t.Errorf("next event: ack %#v", got)
			}
			perr := recv(t, panics)
			if perr.Event != "fail" || perr.Value == nil || len(perr.Stack) == 0 {
				t.Errorf("OnPanic got %+v", perr)
			}
			rec := logs.next(t, "socket.io: event handler panicked")
			if rec["level"] != "ERROR" || rec["event"] != "fail" || rec["sid"] == "" || rec["nsp"] != "/" || rec["panic"] == "" {
				t.Errorf("error record %v", rec)
			}
			rec = logs.next(t, "socket.io: panic stack")
			if stack, _ := rec["stack"].(string); rec["level"] != "DEBUG" || !strings.Contains(stack, "recover_test.go") {
				t.Errorf("stack record %v", rec)
			}
			// Core would have reported the panic before it ran "ok".
			select {
			case err := <-onError:
				t.Errorf("core's OnError got %v", err)
			default:
			}
		})
	}
}

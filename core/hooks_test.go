package core_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/internal/siotest"
)

func TestHooks(t *testing.T) {
	t.Parallel()
	events := make(chan string, 16)
	hooks := core.Hooks{
		OnConnect:      func(s *core.Socket) { events <- "connect " + s.Namespace().Name() },
		OnConnectError: func(nsp string, err error) { events <- "refused " + nsp + ": " + err.Error() },
		OnDisconnect:   func(s *core.Socket, reason string) { events <- "disconnect " + reason },
		OnEventIn:      func(s *core.Socket, event string, size int) { events <- fmt.Sprintf("in %s %d", event, size) },
		OnEventOut: func(_ context.Context, nsp, event string, size, targets int) {
			events <- fmt.Sprintf("out %s %s %d x%d", nsp, event, size, targets)
		},
	}
	srv, url := newServer(t, &core.Options{Hooks: hooks})
	srv.OnConnection(func(s *core.Socket) {
		s.On("hi", func(s *core.Socket, e *core.Event) error {
			if err := s.Emit("direct", "x"); err != nil {
				return err
			}
			return srv.Emit("all", []byte{1, 2})
		})
	})
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)
	c.Connect("/nope", nil)
	c.Emit("/", -1, "hi", "abc")
	c.ExpectEvent()
	c.ExpectEvent()
	c.Close()
	want := []string{
		"connect /",
		"refused /nope: Invalid namespace",
		`in hi 12`,           // ["hi","abc"]
		`out / direct 15 x1`, // 2["direct","x"]
		`out / all 42 x1`,    // 51-["all",{"_placeholder":true,"num":0}] and 2 bytes
		"disconnect transport close",
	}
	for _, w := range want {
		if got := recv(t, events); got != w {
			t.Errorf("hook %q, want %q", got, w)
		}
	}
}

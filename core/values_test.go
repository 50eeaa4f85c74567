package core_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/internal/siotest"
)

type user struct{ Name string }

type requestIDKey struct{}

func TestFrameworkValuesReachHandlers(t *testing.T) {
	t.Parallel()
	srv := core.NewServer(nil)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
	})
	// What an integration does: snapshot the framework's values into the
	// request context before handing the request over.
	url := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !core.IsHandshake(r) {
			t.Errorf("follow-up request on a websocket-only session: %s", r.URL)
		}
		ctx := core.WithValues(r.Context(), map[any]any{"user": &user{Name: "ada"}})
		ctx = context.WithValue(ctx, requestIDKey{}, "req-1")
		srv.ServeHTTP(w, r.WithContext(ctx))
	}))
	type seen struct {
		where string
		name  string
		reqID string
	}
	got := make(chan seen, 3)
	report := func(where string, s *core.Socket) {
		u, _ := core.Value[*user](s, "user")
		id, _ := core.Value[string](s, requestIDKey{})
		if _, ok := core.Value[int](s, "user"); ok {
			t.Error("Value with the wrong type reported ok")
		}
		name := ""
		if u != nil {
			name = u.Name
		}
		got <- seen{where, name, id}
	}
	srv.Use(core.ConnectFunc(func(s *core.Socket) error { report("middleware", s); return nil }))
	srv.OnConnection(func(s *core.Socket) {
		s.On("ev", func(s *core.Socket, e *core.Event) error { report("event", s); return nil })
		s.OnDisconnect(func(s *core.Socket, _ string) {
			if s.Context().Err() == nil {
				t.Error("socket context not cancelled at disconnect")
			}
			report("disconnect", s)
		})
	})
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)
	c.Emit("/", -1, "ev")
	c.Close()
	for _, where := range []string{"middleware", "event", "disconnect"} {
		if s := recv(t, got); s != (seen{where, "ada", "req-1"}) {
			t.Errorf("got %+v, want values in %s", s, where)
		}
	}
}

func TestIsHandshake(t *testing.T) {
	t.Parallel()
	for url, want := range map[string]bool{
		"/socket.io/?EIO=4&transport=polling":           true,
		"/socket.io/?EIO=4&transport=websocket":         true,
		"/socket.io/?EIO=4&transport=polling&sid=abc":   false,
		"/socket.io/socket.io.min.js":                   false, // a client file
		"/socket.io/socket.io.min.js?v=1":               false,
		"/socket.io/?EIO=3&transport=polling&t=N1":      true,
		"/socket.io/?transport=websocket&sid=abc&EIO=4": false,
		"/socket.io/?transport=polling":                 true, // no EIO: fail closed
		"/socket.io/socket.io.js.map":                   false,
		"/socket.io/other.js":                           true,
	} {
		r, _ := http.NewRequest("GET", "http://h"+url, nil)
		if got := core.IsHandshake(r); got != want {
			t.Errorf("IsHandshake(%s) = %v, want %v", url, got, want)
		}
	}
}

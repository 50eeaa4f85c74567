package core_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/internal/siotest"
)

// recordLog is a slog.Handler that keeps every record.
type recordLog struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (h *recordLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordLog) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.recs = append(h.recs, r.Clone())
	h.mu.Unlock()
	return nil
}
func (h *recordLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordLog) WithGroup(string) slog.Handler      { return h }

// find returns the first record whose message contains msg and that has
// an attribute "err" containing errText.
func (h *recordLog) find(msg, errText string) (slog.Record, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.recs {
		if !strings.Contains(r.Message, msg) {
			continue
		}
		found := false
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "err" && strings.Contains(a.Value.String(), errText) {
				found = true
			}
			return !found
		})
		if found {
			return r, true
		}
	}
	return slog.Record{}, false
}

// Handler errors are logged by how much they matter: a panic at error
// level with its stack, a payload the client got wrong at debug level
// (clients must not be able to flood the log), the app's own errors at
// warning level.
func TestHandlerErrorLogLevels(t *testing.T) {
	t.Parallel()
	h := &recordLog{}
	srv, url := newServer(t, &core.Options{Logger: slog.New(h)})
	srv.OnConnection(func(s *core.Socket) {
		s.On("boom", func(*core.Socket, *core.Event) error { panic("kaboom") })
		s.On("typed", core.Handle(func(s *core.Socket, v struct{ N int }) error { return nil }))
		s.On("fails", func(*core.Socket, *core.Event) error { return errors.New("database down") })
	})
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)
	c.Emit("/", 1, "boom")
	c.ExpectAck(1)
	c.Emit("/", 2, "typed", "not an object")
	c.ExpectAck(2)
	c.Emit("/", 3, "fails")
	c.ExpectAck(3)

	for _, want := range []struct {
		msg, err string
		level    slog.Level
		stack    bool
	}{
		{"panicked", "kaboom", slog.LevelError, true},
		{"refused", `event "typed"`, slog.LevelDebug, false},
		{"handler error", "database down", slog.LevelWarn, false},
	} {
		var r slog.Record
		deadline := time.Now().Add(siotest.Wait)
		for {
			var ok bool
			if r, ok = h.find(want.msg, want.err); ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %q record with err %q", want.msg, want.err)
			}
			time.Sleep(10 * time.Millisecond)
		}
		if r.Level != want.level {
			t.Errorf("%q logged at %v, want %v", want.err, r.Level, want.level)
		}
		hasStack := false
		r.Attrs(func(a slog.Attr) bool {
			hasStack = hasStack || (a.Key == "stack" && strings.Contains(a.Value.String(), "goroutine"))
			return true
		})
		if hasStack != want.stack {
			t.Errorf("%q: stack logged %v, want %v", want.err, hasStack, want.stack)
		}
	}
}

package middleware_test

import (
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/integrationtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newServer starts a server on a real loopback listener and closes both when
// the test ends.
func newServer(t *testing.T, opts *core.Options) (*core.Server, string) {
	t.Helper()
	return integrationtest.StartServer(t, opts)
}

// recv waits for a value on ch with a deadline.
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	return integrationtest.Recv(t, ch)
}

// logRecords is a slog destination whose records a test reads from a
// channel, decoded from JSON.
type logRecords chan map[string]any

func (ch logRecords) Write(p []byte) (int, error) {
	var rec map[string]any
	if err := json.Unmarshal(p, &rec); err != nil {
		return 0, err
	}
	ch <- rec
	return len(p), nil
}

// newLogger returns a Debug-level JSON logger writing to a logRecords.
func newLogger() (*slog.Logger, logRecords) {
	ch := make(logRecords, 1024)
	return slog.New(slog.NewJSONHandler(ch, &slog.HandlerOptions{Level: slog.LevelDebug})), ch
}

// next returns the next record whose message is msg, skipping others.
func (ch logRecords) next(t *testing.T, msg string) map[string]any {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case rec := <-ch:
			if rec["msg"] == msg {
				return rec
			}
		case <-deadline:
			t.Fatalf("no %q record in time", msg)
		}
	}
}

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// until returns the records up to and including the first whose message is
// msg.
func (ch logRecords) until(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	deadline := time.After(5 * time.Second)
	for {
		select {
		case rec := <-ch:
			out = append(out, rec)
			if rec["msg"] == msg {
				return out
			}
		case <-deadline:
			t.Fatalf("no %q record in time; got %v", msg, out)
		}
	}
}

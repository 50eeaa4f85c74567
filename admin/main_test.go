package admin_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gosio/gosio/admin"
	"github.com/gosio/gosio/client"
	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/integrationtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"))
}

// instrumented starts a server instrumented with opts (stats every 100 ms)
// and returns it with its URL; both are closed when the test ends.
func instrumented(t *testing.T, opts admin.Options) (*core.Server, *admin.Admin, string) {
	t.Helper()
	srv, url := integrationtest.StartServer(t, nil)
	if opts.StatsInterval == 0 {
		opts.StatsInterval = 100 * time.Millisecond
	}
	a, err := admin.Instrument(srv, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return srv, a, url
}

// event is one event a test client received.
type event struct {
	name string
	args []json.RawMessage
}

// recorder keeps the events a client receives, by name.
type recorder struct {
	mu sync.Mutex
	ch map[string]chan event
}

func (r *recorder) chanFor(name string) chan event {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ch == nil {
		r.ch = make(map[string]chan event)
	}
	c, ok := r.ch[name]
	if !ok {
		c = make(chan event, 1024)
		r.ch[name] = c
	}
	return c
}

func (r *recorder) record(_ *client.Socket, e *client.Event) {
	ev := event{name: e.Name}
	for i := 0; i < e.Len(); i++ {
		ev.args = append(ev.args, e.Raw(i))
	}
	select {
	case r.chanFor(e.Name) <- ev:
	default:
	}
}

// waitFor bounds every wait of these tests for an event or a state.
const waitFor = 15 * time.Second

// next waits for the next event name whose args satisfy ok (nil: any).
func (r *recorder) next(t *testing.T, name string, ok func(args []json.RawMessage) bool) event {
	t.Helper()
	c := r.chanFor(name)
	// Generous: under -race on a loaded 2-core machine the server's
	// reports and the client's reader can lag by seconds.
	deadline := time.After(waitFor)
	for {
		select {
		case e := <-c:
			if ok == nil || ok(e.args) {
				return e
			}
		case <-deadline:
			t.Fatalf("no %q event in %v", name, waitFor)
		}
	}
}

// dial connects a client to nsp with auth, recording its events; err is
// the connect error.
func dial(t *testing.T, url, nsp string, auth any) (*client.Socket, *recorder, error) {
	t.Helper()
	m, err := client.NewManager(url, &client.Options{NoReconnection: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	s := m.Socket(nsp, &client.SocketOptions{Auth: auth})
	rec := &recorder{}
	s.OnAny(rec.record)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s, rec, s.Connect(ctx)
}

func mustDial(t *testing.T, url, nsp string, auth any) (*client.Socket, *recorder) {
	t.Helper()
	s, rec, err := dial(t, url, nsp, auth)
	if err != nil {
		t.Fatalf("connecting to %s: %v", nsp, err)
	}
	return s, rec
}

func decode[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decoding %s: %v", raw, err)
	}
	return v
}

func str(raw json.RawMessage) string {
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

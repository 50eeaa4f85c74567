package middleware_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/parser"
	"github.com/gosio/gosio/internal/siotest"
	"github.com/gosio/gosio/middleware"
)

// limited is the ack of a dropped event.
var limited = []any{map[string]any{"error": "rate limit exceeded"}}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	type step struct {
		client  int           // which client sends
		advance time.Duration // the clock moves first
		noAck   bool          // the event asks for no ack (and must be limited)
		want    int           // the handler's count in the ack; 0 for limited
	}
	tests := []struct {
		name    string
		opts    middleware.RateLimitOptions
		clients []http.Header
		steps   []step
		limits  int // OnLimit calls
	}{
		{
			name:    "per socket",
			opts:    middleware.RateLimitOptions{PerSocket: middleware.Limit{Rate: 1, Burst: 2}},
			clients: []http.Header{nil, nil},
			steps: []step{
				{want: 1}, {want: 2}, {want: 0}, {noAck: true}, // dropped: the count stays 2
				{client: 1, want: 1}, // another socket has its own bucket
				{advance: time.Second, want: 3}, {want: 0},
				{advance: 10 * time.Second, want: 4}, {want: 5}, {want: 0}, // refills up to Burst only
			},
			limits: 4,
		},
		{
			name:    "default burst",
			opts:    middleware.RateLimitOptions{PerSocket: middleware.Limit{Rate: 0.5}},
			clients: []http.Header{nil},
			steps:   []step{{want: 1}, {want: 0}, {advance: time.Second, want: 0}, {advance: time.Second, want: 2}},
			limits:  2,
		},
		{
			name:    "per ip",
			opts:    middleware.RateLimitOptions{PerIP: middleware.Limit{Rate: 1, Burst: 3}},
			clients: []http.Header{nil, nil},
			steps: []step{
				{want: 1}, {want: 2}, {client: 1, want: 1}, {client: 1, want: 0}, {want: 0},
				{advance: time.Second, client: 1, want: 2}, {want: 0},
			},
			limits: 3,
		},
		{
			name: "per ip with a key",
			opts: middleware.RateLimitOptions{
				PerIP: middleware.Limit{Rate: 1, Burst: 1},
				Key:   func(s *core.Socket) string { return s.Handshake().Header.Get("X-Forwarded-For") },
			},
			clients: []http.Header{{"X-Forwarded-For": {"10.0.0.1"}}, {"X-Forwarded-For": {"10.0.0.2"}}, {"X-Forwarded-For": {"10.0.0.1"}}},
			steps:   []step{{want: 1}, {client: 1, want: 1}, {client: 2, want: 0}, {want: 0}},
			limits:  2,
		},
		{
			name: "both",
			opts: middleware.RateLimitOptions{
				PerSocket: middleware.Limit{Rate: 10, Burst: 1},
				PerIP:     middleware.Limit{Rate: 1, Burst: 2},
			},
			clients: []http.Header{nil, nil},
			steps: []step{
				{want: 1},            // socket 0, ip 1
				{want: 0},            // the socket's bucket is empty
				{client: 1, want: 1}, // socket 0, ip 0
				{advance: 100 * time.Millisecond, want: 0}, // socket 1, ip 0.1: the socket keeps its token
				{advance: 900 * time.Millisecond, want: 2}, // ip 1
			},
			limits: 2,
		},
	}
	// Both forms share their implementation and must behave the same.
	forms := map[string]func(*core.Server, middleware.RateLimitOptions){
		"RateLimit": func(srv *core.Server, o middleware.RateLimitOptions) { srv.Use(middleware.RateLimit(o)) },
		"LimitEvents": func(srv *core.Server, o middleware.RateLimitOptions) {
			srv.UseEvents(middleware.LimitEvents(o))
		},
	}
	for _, tc := range tests {
		for form, install := range forms {
			t.Run(form+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				srv, url := newServer(t, nil)
				clock := newFakeClock()
				onLimit := make(chan string, 16)
				opts := tc.opts
				opts.Now = clock.Now
				opts.OnLimit = func(s *core.Socket, e *core.Event) { onLimit <- e.Name }
				install(srv, opts)
				srv.OnConnection(func(s *core.Socket) {
					n := 0
					s.On("ev", func(s *core.Socket, e *core.Event) error {
						n++
						return e.Ack(n)
					})
				})
				clients := make([]*siotest.Client, len(tc.clients))
				for i, h := range tc.clients {
					clients[i] = siotest.Dial(t, url, h)
					clients[i].MustConnect("/", nil)
				}
				limits := 0
				for i, st := range tc.steps {
					clock.Advance(st.advance)
					c := clients[st.client]
					if st.noAck {
						// Nothing comes back: wait until it is dropped.
						c.Emit("/", -1, "ev")
						recv(t, onLimit)
						limits++
						continue
					}
					c.Emit("/", i, "ev")
					want := limited
					if st.want > 0 {
						want = []any{float64(st.want)}
					}
					if got := c.ExpectAck(uint64(i)); !reflect.DeepEqual(got, want) {
						t.Fatalf("step %d: ack %v, want %v", i, got, want)
					}
					// OnLimit runs before the ack is sent.
					select {
					case name := <-onLimit:
						if st.want > 0 || name != "ev" {
							t.Fatalf("step %d: OnLimit(%q) for an event let through", i, name)
						}
						limits++
					default:
						if st.want == 0 {
							t.Fatalf("step %d: no OnLimit for a dropped event", i)
						}
					}
				}
				if limits != tc.limits {
					t.Errorf("OnLimit called %d times, want %d", limits, tc.limits)
				}
			})
		}
	}
}

func TestRateLimitDisconnects(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	clock := newFakeClock()
	srv.Use(middleware.RateLimit(middleware.RateLimitOptions{
		PerSocket: middleware.Limit{Rate: 1, Burst: 1},
		Action:    middleware.LimitDisconnect,
		Now:       clock.Now,
	}))
	reasons := make(chan string, 1)
	handled := make(chan string, 4)
	srv.OnConnection(func(s *core.Socket) {
		s.On("ev", func(s *core.Socket, e *core.Event) error {
			handled <- e.Name
			return e.Ack("ok")
		})
		s.OnDisconnect(func(s *core.Socket, reason string) { reasons <- reason })
	})
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)
	c.Emit("/", 1, "ev")
	c.ExpectAck(1)
	c.Emit("/", 2, "ev")
	if got := c.ExpectAck(2); !reflect.DeepEqual(got, limited) {
		t.Fatalf("ack %v", got)
	}
	if p := c.Next(); p.Type != parser.Disconnect || p.Nsp != "/" {
		t.Fatalf("got %v %s, want DISCONNECT", p.Type, p.Raw)
	}
	if r := recv(t, reasons); r != core.ReasonServerNamespaceDisconnect {
		t.Errorf("reason %q", r)
	}
	if len(handled) != 1 {
		t.Errorf("handler ran %d times, want 1", len(handled))
	}
}

func TestRateLimitPanicsOnBadOptions(t *testing.T) {
	t.Parallel()
	for name, opts := range map[string]middleware.RateLimitOptions{
		"no rate":        {},
		"negative rate":  {PerSocket: middleware.Limit{Rate: -1}},
		"negative burst": {PerIP: middleware.Limit{Rate: 1, Burst: -1}},
	} {
		for form, build := range map[string]func(middleware.RateLimitOptions){
			"RateLimit":   func(o middleware.RateLimitOptions) { middleware.RateLimit(o) },
			"LimitEvents": func(o middleware.RateLimitOptions) { middleware.LimitEvents(o) },
		} {
			t.Run(form+"/"+name, func(t *testing.T) {
				t.Parallel()
				defer func() {
					if recover() == nil {
						t.Error("no panic")
					}
				}()
				build(opts)
			})
		}
	}
}

// LimitEvents limits the events of a socket that connection state recovery
// restored, which skips connect middlewares: the address's bucket carries
// on across the reconnection, and LimitDisconnect still disconnects.
func TestLimitEventsCoversRecoveredSockets(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, &core.Options{ConnectionStateRecovery: &core.ConnectionStateRecovery{}})
	clock := newFakeClock()
	srv.UseEvents(middleware.LimitEvents(middleware.RateLimitOptions{
		PerSocket: middleware.Limit{Rate: 1, Burst: 10},
		PerIP:     middleware.Limit{Rate: 1, Burst: 3},
		Action:    middleware.LimitDisconnect,
		Now:       clock.Now,
	}))
	reasons := make(chan string, 2)
	srv.OnConnection(func(s *core.Socket) {
		n := 0
		s.On("ev", func(s *core.Socket, e *core.Event) error {
			n++
			return e.Ack(n)
		})
		s.OnDisconnect(func(_ *core.Socket, reason string) { reasons <- reason })
	})
	ask := func(c *siotest.Client, id int) []any {
		t.Helper()
		c.Emit("/", id, "ev")
		return c.ExpectAck(uint64(id))
	}

	c := siotest.Dial(t, url, nil)
	p := c.Connect("/", nil)
	var first struct{ SID, PID string }
	if err := json.Unmarshal(p.Raw, &first); err != nil || first.PID == "" {
		t.Fatalf("CONNECT %s: %v", p.Raw, err)
	}
	// A broadcast gives the client an offset to recover from.
	if err := srv.Emit("welcome"); err != nil {
		t.Fatal(err)
	}
	welcome := c.ExpectEvent()
	offset, _ := welcome.Args[len(welcome.Args)-1].(string)
	for id := 1; id <= 2; id++ {
		if got := ask(c, id); !reflect.DeepEqual(got, []any{float64(id)}) {
			t.Fatalf("event %d: ack %v", id, got)
		}
	}
	c.Close()
	if r := recv(t, reasons); r != core.ReasonTransportClose {
		t.Fatalf("reason %q", r)
	}

	c2 := siotest.Dial(t, url, nil)
	p = c2.Connect("/", map[string]string{"pid": first.PID, "offset": offset})
	var again struct{ SID string }
	if err := json.Unmarshal(p.Raw, &again); err != nil || again.SID != first.SID {
		t.Fatalf("not recovered: %s", p.Raw)
	}
	// The connection handler ran again: the handler's count starts over.
	if got := ask(c2, 3); !reflect.DeepEqual(got, []any{float64(1)}) {
		t.Fatalf("third event: ack %v", got)
	}
	if got := ask(c2, 4); !reflect.DeepEqual(got, limited) {
		t.Fatalf("fourth event from the address: ack %v, want %v", got, limited)
	}
	if p := c2.Next(); p.Type != parser.Disconnect {
		t.Fatalf("got %v %s, want DISCONNECT", p.Type, p.Raw)
	}
	if r := recv(t, reasons); r != core.ReasonServerNamespaceDisconnect {
		t.Errorf("reason %q", r)
	}
}

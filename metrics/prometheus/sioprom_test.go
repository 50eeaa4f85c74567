package sioprom_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/integrationtest"
	sioprom "github.com/gosio/gosio/metrics/prometheus"
)

// value returns the value of the series of the metric name whose labels are
// labels (name, value, name, value...), or 0 when there is none.
func value(t *testing.T, reg prometheus.Gatherer, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			if len(m.GetLabel()) != len(want) {
				continue
			}
			for _, l := range m.GetLabel() {
				if want[l.GetName()] != l.GetValue() {
					continue metrics
				}
			}
			if g := m.GetGauge(); g != nil {
				return g.GetValue()
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// sizes records the event sizes the hooks saw.
type sizes struct {
	mu       sync.Mutex
	in, out  map[string]int
	refusals []string
	tagged   int // events out whose context carries a tag
}

// tagKey marks the context of the events the test emits with one.
type tagKey struct{}

func (z *sizes) hooks() core.Hooks {
	return core.Hooks{
		OnConnectError: func(nsp string, _ error) {
			z.mu.Lock()
			z.refusals = append(z.refusals, nsp)
			z.mu.Unlock()
		},
		OnEventIn: func(_ *core.Socket, event string, size int) {
			z.mu.Lock()
			z.in[event] += size
			z.mu.Unlock()
		},
		OnEventOut: func(ctx context.Context, _, event string, size, targets int) {
			z.mu.Lock()
			if ctx.Value(tagKey{}) != nil {
				z.tagged++
			}
			z.out[event] += size * targets
			z.mu.Unlock()
		},
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := sioprom.New(reg, sioprom.Options{Events: []string{"chat", "news"}})
	z := &sizes{in: map[string]int{}, out: map[string]int{}}
	srv, url := newServer(t, &core.Options{Hooks: m.Wrap(z.hooks())})
	srv.Of("/admin").Use(core.ConnectFunc(func(*core.Socket) error { return errors.New("forbidden") }))
	gone := make(chan string, 1)
	srv.OnConnection(func(s *core.Socket) {
		s.On("chat", func(s *core.Socket, e *core.Event) error {
			// Wrap hands the emit's context on to the wrapped hooks.
			return s.EmitContext(context.WithValue(e.Context(), tagKey{}, true), "chat", "echo")
		})
		s.On("typing", func(s *core.Socket, e *core.Event) error { return e.Ack() })
		s.OnDisconnect(func(_ *core.Socket, reason string) { gone <- reason })
	})

	c := dial(t, url)
	c.Send("40")
	c.Expect("40")
	if got := value(t, reg, "socket_io_connected", "namespace", "/"); got != 1 {
		t.Errorf("connected = %v, want 1", got)
	}

	c.Send(`42["chat","hi"]`)
	c.Expect(`42["chat","echo"]`)
	c.Send(`42["chat","again"]`)
	c.Expect(`42["chat","echo"]`)
	c.Send(`421["typing"]`)
	c.Expect(`431[]`)
	if err := srv.Emit("news", 1); err != nil {
		t.Fatal(err)
	}
	c.Expect(`42["news",1]`)
	if err := srv.Emit("weather", "sunny"); err != nil {
		t.Fatal(err)
	}
	c.Expect(`42["weather"`)

	c.Send("40/nope,")
	c.Expect("44/nope,")
	c.Send("40/admin,")
	c.Expect("44/admin,")

	c.Send("41")
	if reason := integrationtest.Recv(t, gone); reason != core.ReasonClientNamespaceDisconnect {
		t.Fatalf("reason %q", reason)
	}

	z.mu.Lock()
	in, out := z.in, z.out
	z.mu.Unlock()
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"socket_io_connected", []string{"namespace", "/"}, 0},
		{"socket_io_connect_total", []string{"namespace", "/"}, 1},
		{"socket_io_disconnect_total", []string{"namespace", "/", "reason", core.ReasonClientNamespaceDisconnect}, 1},
		{"socket_io_events_received_total", []string{"event", "chat", "namespace", "/"}, 2},
		{"socket_io_events_received_total", []string{"event", "other", "namespace", "/"}, 1},
		{"socket_io_events_sent_total", []string{"event", "chat", "namespace", "/"}, 2},
		{"socket_io_events_sent_total", []string{"event", "news", "namespace", "/"}, 1},
		{"socket_io_events_sent_total", []string{"event", "other", "namespace", "/"}, 1},
		{"socket_io_recieve_bytes", []string{"event", "chat", "namespace", "/"}, float64(in["chat"])},
		{"socket_io_recieve_bytes", []string{"event", "other", "namespace", "/"}, float64(in["typing"])},
		{"socket_io_transmit_bytes", []string{"event", "chat", "namespace", "/"}, float64(out["chat"])},
		{"socket_io_transmit_bytes", []string{"event", "other", "namespace", "/"}, float64(out["weather"])},
		{"socket_io_errors_total", []string{"namespace", "/admin"}, 1},
		{"socket_io_errors_total", []string{"namespace", "other"}, 1},
	} {
		if got := value(t, reg, tc.name, tc.labels...); got != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
	if in["chat"] == 0 || out["chat"] == 0 || out["weather"] == 0 {
		t.Errorf("sizes not reported: in %v out %v", in, out)
	}
	if z.tagged != 2 {
		t.Errorf("wrapped OnEventOut saw %d tagged contexts, want 2", z.tagged)
	}
	if len(z.refusals) != 2 {
		t.Errorf("wrapped OnConnectError saw %v", z.refusals)
	}
	// No series for an event or a namespace outside the allow-lists.
	if n := testutil.CollectAndCount(m, "socket_io_events_received_total"); n != 2 {
		t.Errorf("%d received series, want 2", n)
	}
}

func TestNamespaceAllowList(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := sioprom.New(reg, sioprom.Options{Namespaces: []string{"/"}})
	srv, url := newServer(t, &core.Options{Hooks: m.Hooks()})
	srv.OfFunc(func(name string, _ *core.Handshake) bool { return strings.HasPrefix(name, "/room-") })

	c := dial(t, url)
	c.Send("40", "40/room-1,", "40/room-2,")
	c.Expect("40")
	c.Expect("40/room-")
	c.Expect("40/room-")
	if got := value(t, reg, "socket_io_connect_total", "namespace", "other"); got != 2 {
		t.Errorf("connect_total{other} = %v, want 2", got)
	}
	if got := value(t, reg, "socket_io_connected", "namespace", "/"); got != 1 {
		t.Errorf("connected{/} = %v, want 1", got)
	}
}

func TestNilRegisterer(t *testing.T) {
	t.Parallel()
	m := sioprom.New(nil, sioprom.Options{})
	m.Hooks().OnConnectError("/x", errors.New("no"))
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(m)
	if got := value(t, reg, "socket_io_errors_total", "namespace", "/x"); got != 1 {
		t.Errorf("errors_total = %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering twice did not panic")
		}
	}()
	sioprom.New(reg, sioprom.Options{})
}

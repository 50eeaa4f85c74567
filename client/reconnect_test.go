package client_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosio/gosio/client"
	"github.com/gosio/gosio/core"
)

// events records what a client socket and its manager report, in order.
type events struct {
	ch chan string
}

func watch(s *client.Socket) *events {
	ev := &events{ch: make(chan string, 64)}
	s.OnConnect(func(s *client.Socket) { ev.ch <- "connect" })
	s.OnDisconnect(func(s *client.Socket, reason string) { ev.ch <- "disconnect: " + reason })
	m := s.Manager()
	m.OnReconnectAttempt(func(n int) { ev.ch <- fmt.Sprintf("reconnect_attempt %d", n) })
	m.OnReconnect(func(n int) { ev.ch <- fmt.Sprintf("reconnect %d", n) })
	m.OnReconnectFailed(func() { ev.ch <- "reconnect_failed" })
	return ev
}

// until reads events until want, failing on a disconnect or connect it
// did not expect; reconnection events come from the manager's goroutine,
// in any order with the socket's.
func (ev *events) until(t *testing.T, want string) {
	t.Helper()
	for {
		e := ev.next(t)
		switch {
		case e == want:
			return
		case strings.HasPrefix(e, "disconnect"), e == "connect":
			t.Fatalf("got %q, waiting for %q", e, want)
		}
	}
}

// next returns the next event that is not a reconnect_attempt.
func (ev *events) next(t *testing.T) string {
	t.Helper()
	for {
		e := recv(t, ev.ch)
		if len(e) < 17 || e[:17] != "reconnect_attempt" {
			return e
		}
	}
}

// reconnected waits for the manager's reconnect event and the socket's
// connect (they come from two goroutines, in either order) and returns the
// attempt's number.
func (ev *events) reconnected(t *testing.T) int {
	t.Helper()
	n, connected := 0, false
	for n == 0 || !connected {
		e := ev.next(t)
		switch {
		case e == "connect":
			connected = true
		case len(e) > 10 && e[:10] == "reconnect ":
			if _, err := fmt.Sscanf(e, "reconnect %d", &n); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("got %q while reconnecting", e)
		}
	}
	return n
}

// TestReconnectAfterServerRestart: the server goes away and comes back
// (a new server behind the same address); the client reconnects by
// itself with a new id, and what it emitted meanwhile arrives in order.
func TestReconnectAfterServerRestart(t *testing.T) {
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) {
			got := make(chan string, 16)
			g := startGosio(t, nil, func(io *core.Server) {
				io.OnConnection(func(s *core.Socket) {
					s.On("msg", core.Handle(func(s *core.Socket, v string) error {
						got <- v
						return nil
					}))
				})
			})
			p := newProxy(t, g.Addr())
			s := dial(t, p.URL(), fastReconnect(tc.opts))
			ev := watch(s)
			if tc.name == "upgrade" {
				waitUpgraded(t, s, g)
			}
			first := s.ID()

			p.Cut(true) // refuse connections while the server is down
			g.stop()
			want := map[string]bool{"disconnect: " + client.ReasonTransportClose: true, "disconnect: " + client.ReasonTransportError: true}
			if e := ev.next(t); !want[e] {
				t.Fatalf("got %q", e)
			}
			for i := range 3 {
				if err := s.Emit("msg", fmt.Sprint("buffered ", i)); err != nil {
					t.Fatal(err)
				}
			}
			g.start()
			p.SetTarget(g.Addr())
			p.Up()
			ev.reconnected(t)
			if s.ID() == "" || s.ID() == first {
				t.Fatalf("id %q after reconnection (was %q)", s.ID(), first)
			}
			for i := range 3 {
				if v := recv(t, got); v != fmt.Sprint("buffered ", i) {
					t.Fatalf("got %q", v)
				}
			}
			if tc.name == "upgrade" {
				// The new connection upgrades too. (Waiting for it also
				// keeps Close out of the middle of an upgrade, which
				// gosio's engine can miss behind this test's proxy: its
				// Close then waits for its WriteTimeout.)
				waitUpgraded(t, s, g)
			}
		})
	}
}

// TestReconnectAfterNetworkCut: the network drops every connection and
// refuses new ones for a while; the attempts fail, with growing delays,
// until it is back.
func TestReconnectAfterNetworkCut(t *testing.T) {
	g := startGosio(t, nil, echoServer)
	p := newProxy(t, g.Addr())
	s := dial(t, p.URL(), fastReconnect(client.Options{}))
	ev := watch(s)
	errs := make(chan error, 16)
	s.Manager().OnReconnectError(func(err error) { errs <- err })
	p.Cut(true)
	if e := ev.next(t); !strings.HasPrefix(e, "disconnect") {
		t.Fatalf("got %q", e)
	}
	recv(t, errs)
	recv(t, errs) // two attempts failed
	p.Up()
	if n := ev.reconnected(t); n < 3 {
		t.Fatalf("reconnected at attempt %d, after two failed ones", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if _, err := s.EmitWithAck(ctx, "echo", 1); err != nil {
		t.Fatal(err)
	}
	waitUpgraded(t, s, g) // see TestReconnectAfterServerRestart
}

// TestReconnectionAttempts: with ReconnectionAttempts, the manager gives
// up; Connect reports ErrReconnectFailed.
func TestReconnectionAttempts(t *testing.T) {
	g := startGosio(t, nil, nil)
	p := newProxy(t, g.Addr())
	o := fastReconnect(client.Options{})
	o.ReconnectionAttempts = 2
	s := dial(t, p.URL(), o)
	ev := watch(s)
	p.Cut(true)
	if e := ev.next(t); !strings.HasPrefix(e, "disconnect") {
		t.Fatalf("got %q", e)
	}
	ev.until(t, "reconnect_failed")
	if s.Active() {
		t.Fatal("still active")
	}
	// Connect starts over, and gives up the same way.
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := s.Connect(ctx); !errors.Is(err, client.ErrReconnectFailed) {
		t.Fatalf("Connect: %v", err)
	}
	// With no reconnection, the first error is Connect's.
	o.NoReconnection = true
	if _, err := client.Dial(ctx, p.URL(), o); err == nil || errors.Is(err, client.ErrReconnectFailed) {
		t.Fatalf("Dial without reconnection: %v", err)
	}
}

// TestSendBuffer: emits made while disconnected are bounded.
func TestSendBuffer(t *testing.T) {
	g := startGosio(t, nil, nil)
	s := dial(t, g.URL(), &client.Options{SocketOptions: client.SocketOptions{SendBufferSize: 2}})
	s.Disconnect()
	for i := range 2 {
		if err := s.Emit("x", i); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Emit("x", 3); !errors.Is(err, client.ErrBufferFull) {
		t.Fatalf("third emit: %v", err)
	}
	s2 := dial(t, g.URL(), &client.Options{SocketOptions: client.SocketOptions{SendBufferSize: -1}})
	s2.Disconnect()
	if err := s2.Emit("x"); !errors.Is(err, client.ErrDisconnected) {
		t.Fatalf("no buffer: %v", err)
	}
}

// TestServerDisconnect: a server-side disconnect ends the socket for good.
func TestServerDisconnect(t *testing.T) {
	g := startGosio(t, nil, func(io *core.Server) {
		io.OnConnection(func(s *core.Socket) {
			s.On("kick", func(s *core.Socket, e *core.Event) error {
				s.Disconnect(false)
				return nil
			})
		})
	})
	s := dial(t, g.URL(), fastReconnect(client.Options{}))
	ev := watch(s)
	closed := make(chan string, 1)
	s.Manager().OnClose(func(reason string, err error) { closed <- reason })
	if err := s.Emit("kick"); err != nil {
		t.Fatal(err)
	}
	if e := ev.next(t); e != "disconnect: "+client.ReasonIOServerDisconnect {
		t.Fatalf("got %q", e)
	}
	if s.Active() {
		t.Fatal("still active")
	}
	// No socket left: the manager closes its connection (or gosio
	// closes it first), and does not reconnect.
	if r := recv(t, closed); r != client.ReasonForcedClose && r != client.ReasonTransportClose && r != client.ReasonTransportError {
		t.Fatalf("manager closed with %q", r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := s.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	if e := ev.next(t); e != "connect" {
		t.Fatalf("got %q: it reconnected by itself", e)
	}
}

// TestRecovery: with connection state recovery on the server, a client
// whose connection dropped gets its session back and the events it missed,
// in order, before the new ones.
func TestRecovery(t *testing.T) {
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) {
			recovered := make(chan bool, 2)
			g := startGosio(t, &core.Options{ConnectionStateRecovery: &core.ConnectionStateRecovery{}}, func(io *core.Server) {
				io.OnConnection(func(s *core.Socket) {
					if !s.Recovered() {
						s.Join("news")
					}
					recovered <- s.Recovered()
				})
			})
			p := newProxy(t, g.Addr())
			s := dial(t, p.URL(), fastReconnect(tc.opts))
			got := make(chan string, 16)
			s.On("news", client.Handle(func(s *client.Socket, v string) error {
				got <- v
				return nil
			}))
			ev := watch(s)
			if tc.name == "upgrade" {
				waitUpgraded(t, s, g)
			}
			if s.Recovered() {
				t.Fatal("recovered on the first connection")
			}
			id := s.ID()
			io := g.Server()
			if err := io.To("news").Emit("news", "before"); err != nil {
				t.Fatal(err)
			}
			if v := recv(t, got); v != "before" {
				t.Fatalf("got %q", v)
			}

			p.Cut(true)
			ev.next(t) // disconnect
			waitFor(t, "the server to see the disconnect", func() bool { return len(io.Of("/").Sockets()) == 0 })
			for i := range 3 {
				if err := io.To("news").Emit("news", fmt.Sprint("missed ", i)); err != nil {
					t.Fatal(err)
				}
			}
			p.Up()
			ev.reconnected(t)
			if !s.Recovered() || s.ID() != id {
				t.Fatalf("recovered %v, id %q (was %q)", s.Recovered(), s.ID(), id)
			}
			if err := io.To("news").Emit("news", "after"); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"missed 0", "missed 1", "missed 2", "after"} {
				if v := recv(t, got); v != want {
					t.Fatalf("got %q, want %q", v, want)
				}
			}
			if a, b := recv(t, recovered), recv(t, recovered); a || !b {
				t.Fatalf("the server recovered %v, then %v", a, b)
			}
			if tc.name == "upgrade" {
				waitUpgraded(t, s, g)
			}
		})
	}
}

// TestRetries: with Retries, an emit whose acknowledgement does not come
// in AckTimeout is sent again, until the server acknowledges it; one that
// never gets one fails after Retries+1 tries. Emits go one at a time, in
// order.
func TestRetries(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	g := startGosio(t, nil, func(io *core.Server) {
		io.OnConnection(func(s *core.Socket) {
			s.On("job", func(s *core.Socket, e *core.Event) error {
				v, _ := core.Decode[string](&e.Args)
				mu.Lock()
				seen[v]++
				n := seen[v]
				mu.Unlock()
				if (v == "flaky" && n < 3) || v == "never" {
					return nil // no ack: the client tries again
				}
				return e.Ack(v + " done")
			})
		})
	})
	so := client.SocketOptions{Retries: 3, AckTimeout: 100 * time.Millisecond}
	s := dial(t, g.URL(), &client.Options{SocketOptions: so})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	ans, err := s.EmitWithAck(ctx, "job", "flaky")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := client.Decode[string](ans); v != "flaky done" {
		t.Fatalf("ack %q", v)
	}
	if _, err := s.EmitWithAck(ctx, "job", "never"); !errors.Is(err, client.ErrAckTimeout) {
		t.Fatalf("never acked: %v", err)
	}
	if err := s.Emit("job", "plain"); err != nil {
		t.Fatal(err)
	}
	ans, err = s.EmitWithAck(ctx, "job", "last")
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	// At least once, at most Retries+1 times: an ack later than AckTimeout
	// (a loaded machine) makes one more try, as in socket.io-client.
	within := func(n, lo int) bool { return n >= lo && n <= so.Retries+1 }
	if !within(seen["flaky"], 3) || seen["never"] != so.Retries+1 || seen["plain"] != 1 || !within(seen["last"], 1) {
		t.Fatalf("tries %v", seen)
	}
}

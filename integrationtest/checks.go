package integrationtest

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gosio/gosio/core"
)

// RoleKey is the key under which the app's auth middleware stores the role
// "admin" in the framework's request values (see the package doc). A plain
// value, comparable: safe for concurrent use as a key.
type RoleKey struct{}

// RequestIDKey is the key under which the app's auth middleware stores
// "req-<user>" in the handshake request's own context (see the package
// doc). A plain value, comparable: safe for concurrent use as a key.
type RequestIDKey struct{}

// Alice is the handshake header of the user "alice", which the app's auth
// middleware accepts. The checks share it: do not modify it.
var Alice = http.Header{"X-User": {"alice"}}

// Seen is what a socket handler of [NewServer]'s server read of the app's
// values. A plain value, sent over a channel to the test's goroutine.
type Seen struct {
	Where     string // "connect" (the connect middleware) or "disconnect"
	User      string // what the user function passed to NewServer returned
	Role      string // the string under RoleKey
	RequestID string // the string under RequestIDKey
}

// NewServer returns a server whose connect middleware, event handler
// ("whoami", answered with "you", the user, the request id and the
// transport) and disconnect handler report what they see of the app's
// values, on the returned channel; user reads "user" with the integration's
// accessor. opts may be nil. The server is closed when the test ends.
//
// The channel holds 8 reports: a test that connects more sockets must read
// them with [Recv].
func NewServer(t testing.TB, opts *core.Options, user func(*core.Socket) string) (*core.Server, <-chan Seen) {
	io := core.NewServer(opts)
	ch := make(chan Seen, 8)
	report := func(where string, s *core.Socket) {
		role, _ := core.Value[string](s, RoleKey{})
		id, _ := core.Value[string](s, RequestIDKey{})
		ch <- Seen{where, user(s), role, id}
	}
	io.Use(core.ConnectFunc(func(s *core.Socket) error { report("connect", s); return nil }))
	io.OnConnection(func(s *core.Socket) {
		s.On("whoami", func(s *core.Socket, _ *core.Event) error {
			return s.Emit("you", user(s), core.MustValue[string](s, RequestIDKey{}), s.Transport())
		})
		s.OnDisconnect(func(s *core.Socket, _ string) { report("disconnect", s) })
	})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), Wait)
		defer cancel()
		if err := io.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return io, ch
}

// Sessions checks sessions over polling, WebSocket and upgrade, each in a
// parallel subtest, and the rejection of a handshake without a user. newApp
// mounts io behind the app's auth middleware (see the package doc) and
// returns the endpoint's URL; user reads "user" with the integration's
// accessor.
func Sessions(t *testing.T, newApp func(*testing.T, *core.Server) string, user func(*core.Socket) string) {
	for _, transport := range []string{"polling", "websocket", "upgrade"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			io, events := NewServer(t, nil, user)
			c := NewClient(t, newApp(t, io), Alice)
			if transport != "websocket" {
				if c.Open() != http.StatusOK {
					t.Fatal("polling handshake failed")
				}
				c.eio.Header = nil // follow-up requests are let through by the app's middleware
			}
			if transport != "polling" && c.OpenWS() != http.StatusSwitchingProtocols {
				t.Fatal("websocket failed")
			}
			if transport == "upgrade" {
				transport = "websocket"
			}
			c.Send("40")
			c.Expect(`40{"sid":`)
			want := Seen{"connect", "alice", "admin", "req-alice"}
			if got := Recv(t, events); got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
			c.Send(`42["whoami"]`)
			c.Expect(`42["you","alice","req-alice","` + transport + `"]`)
			c.Send("1")
			want.Where = "disconnect"
			if got := Recv(t, events); got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
	t.Run("rejected", func(t *testing.T) {
		t.Parallel()
		io, _ := NewServer(t, nil, user)
		url := newApp(t, io)
		if st := NewClient(t, url, nil).Open(); st != http.StatusUnauthorized {
			t.Errorf("polling handshake: %d, want 401", st)
		}
		if st := NewClient(t, url, nil).OpenWS(); st != http.StatusUnauthorized {
			t.Errorf("websocket handshake: %d, want 401", st)
		}
	})
}

// Paths checks that base+each of urls serves a session over polling
// without a redirect and passes OPTIONS on to the engine, and that base+not
// (unless empty) is not found. The handshakes carry [Alice].
func Paths(t testing.TB, base string, urls []string, not string) {
	t.Helper()
	for _, u := range urls {
		c := NewClient(t, base+u, Alice)
		if st := c.Open(); st != http.StatusOK {
			t.Fatalf("%s: handshake %d", u, st)
		}
		c.Send("40")
		c.Expect("40{")
		if res, body := c.Do(http.MethodOptions, ""); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"code"`) {
			t.Errorf("%s: OPTIONS %d %q, want the engine's 400", u, res.StatusCode, body)
		}
	}
	if not != "" {
		if st := NewClient(t, base+not, Alice).Open(); st != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", not, st)
		}
	}
}

// CORS checks that a preflight and a handshake from origin to url (the
// endpoint's URL) each get exactly one Access-Control-Allow-Origin header,
// whose value is origin.
func CORS(t testing.TB, url, origin string) {
	t.Helper()
	c := NewClient(t, url, http.Header{"Origin": {origin}, "Access-Control-Request-Method": {"POST"}})
	for _, method := range []string{http.MethodOptions, http.MethodGet} {
		res, _ := c.Do(method, "")
		if got := res.Header.Values("Access-Control-Allow-Origin"); len(got) != 1 || got[0] != origin {
			t.Errorf("%s: Access-Control-Allow-Origin %q, want once %q", method, got, origin)
		}
	}
}

// Handshake checks that a socket's handshake holds what Node's
// socket.handshake holds: the request's headers with Host among them (the
// host the client dialled, e.g. "127.0.0.1:1234" or "[::1]:1234") and the
// client's address without its port ("127.0.0.1", "::1"). It checks a
// polling and a WebSocket handshake, each in a parallel subtest, over IPv4
// and, where the machine has it, IPv6 loopback. newApp serves io on ln
// behind the app's auth middleware (see the package doc) and returns the
// endpoint's URL; user reads "user" with the integration's accessor.
func Handshake(t *testing.T, newApp func(t *testing.T, io *core.Server, ln net.Listener) string, user func(*core.Socket) string) {
	for _, ip := range []struct{ name, host string }{{"IPv4", "127.0.0.1"}, {"IPv6", "::1"}} {
		for _, transport := range []string{"polling", "websocket"} {
			t.Run(ip.name+"/"+transport, func(t *testing.T) {
				t.Parallel()
				ln, err := net.Listen("tcp", net.JoinHostPort(ip.host, "0"))
				if err != nil && ip.name == "IPv6" {
					t.Skipf("no IPv6 loopback: %v", err)
				}
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = ln.Close() }) // in case newApp fails first
				io, _ := NewServer(t, nil, user)
				got := make(chan [2]string, 1)
				io.OnConnection(func(s *core.Socket) {
					got <- [2]string{s.Handshake().Header.Get("Host"), s.Handshake().Address}
				})
				endpoint := newApp(t, io, ln)
				c := NewClient(t, endpoint, Alice)
				if transport == "polling" && c.Open() != http.StatusOK {
					t.Fatal("polling handshake failed")
				}
				if transport == "websocket" && c.OpenWS() != http.StatusSwitchingProtocols {
					t.Fatal("websocket handshake failed")
				}
				c.Send("40")
				c.Expect(`40{"sid":`)
				u, err := url.Parse(endpoint)
				if err != nil {
					t.Fatal(err)
				}
				want := [2]string{u.Host, ip.host}
				if hs := Recv(t, got); hs != want {
					t.Errorf("handshake Host header and address %q, want %q", hs, want)
				}
			})
		}
	}
}

// ServeListener serves h on ln until the test ends and returns its URL
// (e.g. "http://[::1]:1234"), for integrations whose framework is an
// http.Handler.
func ServeListener(t testing.TB, h http.Handler, ln net.Listener) string {
	hs := httptest.NewUnstartedServer(h)
	_ = hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	t.Cleanup(hs.Close)
	return hs.URL
}

// Serve starts h on a loopback listener closed when the test ends and
// returns its URL (e.g. "http://127.0.0.1:1234"), for integrations whose
// framework is an http.Handler.
func Serve(t testing.TB, h http.Handler) string {
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs.URL
}

// StartServer serves a new core.Server built with opts on a loopback
// httptest server, and closes both when the test ends (the test fails when
// the server does not close cleanly). It returns the server and the base URL
// (add the server's Path for the Engine.IO endpoint).
func StartServer(t testing.TB, opts *core.Options) (*core.Server, string) {
	t.Helper()
	srv := core.NewServer(opts)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), Wait)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
		hs.Close()
	})
	return srv, hs.URL
}

// Recv returns the next value on ch, or fails the test after [Wait].
func Recv[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(Wait):
		t.Fatal("timed out")
		panic("unreachable")
	}
}

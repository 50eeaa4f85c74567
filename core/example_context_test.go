package core_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/gosio/gosio/client"
	"github.com/gosio/gosio/core"
)

// serve runs h on a loopback test server until the returned stop is
// called; examples call Server.Close themselves.
func serve(h http.Handler) (url string, stop func()) {
	hs := httptest.NewServer(h)
	return hs.URL, hs.Close
}

// dial connects a Go client and waits for its CONNECT answer.
func dial(url string, opts *client.Options) *client.Socket {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := client.Dial(ctx, url, opts)
	if err != nil {
		log.Fatal(err)
	}
	return s
}

// connect is dial for a client whose handlers must be registered before it
// connects, because the server emits at once: setup registers them. Close
// the returned socket's Manager.
func connect(url string, opts *client.Options, setup func(*client.Socket)) *client.Socket {
	m, err := client.NewManager(url, opts)
	if err != nil {
		log.Fatal(err)
	}
	s := m.Socket("/", nil)
	setup(s)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Connect(ctx); err != nil {
		log.Fatal(err)
	}
	return s
}

type userKey struct{}

// The app's own net/http middleware authenticates the handshake and puts
// the user in the request's context; every handler of the socket reads it
// with Value, for the socket's whole life.
func ExampleValue() {
	io := core.NewServer(nil)
	greeted := make(chan string, 1)
	io.OnConnection(func(s *core.Socket) {
		user, ok := core.Value[string](s, userKey{})
		greeted <- fmt.Sprintf("hello %s (%v)", user, ok)
	})
	auth := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			user := r.Header.Get("X-User") // the app's real session check goes here
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, user)))
		})
	}
	url, stop := serve(auth(io))
	defer stop()
	defer io.Close(context.Background())

	c := dial(url, &client.Options{Header: http.Header{"X-User": {"ada"}}})
	defer c.Close()
	fmt.Println(<-greeted)
	// Output: hello ada (true)
}

// WithValues is what integrations call with the values a framework's
// middleware stored for the request (gin's c.Keys, Fiber's Locals); a
// plain net/http app may call it too. Socket values set with SetValue
// come first.
func ExampleWithValues() {
	io := core.NewServer(nil)
	got := make(chan string, 1)
	io.Use(core.ConnectFunc(func(s *core.Socket) error {
		s.SetValue("plan", "pro") // the socket's own value
		return nil
	}))
	io.OnConnection(func(s *core.Socket) {
		role, _ := core.Value[string](s, "role")
		plan, _ := core.Value[string](s, "plan")
		got <- role + " " + plan
	})
	frameworkValues := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			vals := map[any]any{"role": "admin", "plan": "free"}
			next.ServeHTTP(w, r.WithContext(core.WithValues(r.Context(), vals)))
		})
	}
	url, stop := serve(frameworkValues(io))
	defer stop()
	defer io.Close(context.Background())

	c := dial(url, nil)
	defer c.Close()
	fmt.Println(<-got)
	// Output: admin pro
}

// An auth middleware that checks only the requests that open a session:
// a polling session's later requests carry its sid and were authenticated
// with the first one.
func ExampleIsHandshake() {
	io := core.NewServer(nil)
	var checked, passed atomic.Int32
	auth := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !core.IsHandshake(r) {
				passed.Add(1)
				next.ServeHTTP(w, r)
				return
			}
			checked.Add(1)
			if r.Header.Get("Authorization") != "Bearer secret" {
				http.Error(w, "unauthorized", http.StatusUnauthorized) // a connect error on the client
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	io.OnConnection(func(s *core.Socket) {
		s.On("ping", core.HandleAck(func(s *core.Socket, _ any) (string, error) { return "pong", nil }))
	})
	url, stop := serve(auth(io))
	defer stop()
	defer io.Close(context.Background())

	c := dial(url, &client.Options{
		Transports: []string{client.TransportPolling}, // several requests per session
		Header:     http.Header{"Authorization": {"Bearer secret"}},
	})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for range 3 {
		if _, err := c.EmitWithAck(ctx, "ping", nil); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("handshakes checked:", checked.Load())
	fmt.Println("later requests let through:", passed.Load() > 0)
	// Output:
	// handshakes checked: 1
	// later requests let through: true
}

// Close disconnects every socket with "server shutting down", after
// flushing what was queued for them, and waits for their handlers.
func ExampleServer_Close() {
	io := core.NewServer(nil)
	connected := make(chan struct{})
	io.OnConnection(func(s *core.Socket) {
		s.OnDisconnect(func(s *core.Socket, reason string) { fmt.Println("server side:", reason) })
		_ = s.Emit("bye", "see you")
		close(connected)
	})
	url, stop := serve(io)
	defer stop()

	got := make(chan string, 1)
	c := connect(url, nil, func(c *client.Socket) {
		c.On("bye", client.Handle(func(s *client.Socket, msg string) error { got <- msg; return nil }))
	})
	defer c.Manager().Close()
	<-connected

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := io.Close(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("client got:", <-got)
	// Output:
	// server side: server shutting down
	// client got: see you
}

// Hooks observe the whole server without touching its handlers: here a
// count of connections and of events in, by name, as a metrics module
// would keep them.
func ExampleHooks() {
	var mu sync.Mutex
	events := map[string]int{}
	connects := make(chan string, 1)
	io := core.NewServer(&core.Options{Hooks: core.Hooks{
		// Hooks run on the sockets' goroutines, concurrently for different sockets.
		OnConnect: func(s *core.Socket) { connects <- s.Namespace().Name() },
		OnEventIn: func(s *core.Socket, event string, size int) {
			mu.Lock()
			events[event]++
			mu.Unlock()
		},
	}})
	io.OnConnection(func(s *core.Socket) {
		s.On("add", core.HandleAck(func(s *core.Socket, n int) (int, error) { return n + 1, nil }))
	})
	url, stop := serve(io)
	defer stop()
	defer io.Close(context.Background())

	c := dial(url, nil)
	defer c.Close()
	fmt.Println("connected to", <-connects)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := range 2 {
		if _, err := c.EmitWithAck(ctx, "add", i); err != nil {
			log.Fatal(err)
		}
	}
	mu.Lock()
	fmt.Println("events in:", events)
	mu.Unlock()
	// Output:
	// connected to /
	// events in: map[add:2]
}

// OfFunc creates child namespaces on demand, here one per tenant whose
// name the function accepts; the parent's handlers apply to each child.
func ExampleServer_OfFunc() {
	io := core.NewServer(nil)
	tenants := io.OfFunc(func(name string, hs *core.Handshake) bool {
		return strings.HasPrefix(name, "/tenant-")
	})
	joined := make(chan string, 2)
	tenants.OnConnection(func(s *core.Socket) { joined <- s.Namespace().Name() })
	url, stop := serve(io)
	defer stop()
	defer io.Close(context.Background())

	for _, nsp := range []string{"/tenant-acme", "/tenant-initech"} {
		c := dial(url+nsp, nil)
		defer c.Close()
	}
	names := []string{<-joined, <-joined}
	sort.Strings(names)
	fmt.Println(names)
	var children []string
	for _, ns := range tenants.Children() {
		children = append(children, ns.Name())
	}
	sort.Strings(children)
	fmt.Println(children)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := client.Dial(ctx, url+"/other", &client.Options{NoReconnection: true})
	var refused *client.ConnectError
	fmt.Println(errors.As(err, &refused), err) // no function accepts "/other"

	// Output:
	// [/tenant-acme /tenant-initech]
	// [/tenant-acme /tenant-initech]
	// true Invalid namespace
}

// Connection state recovery: a client whose connection is cut comes back
// within the window with its id and rooms, and gets what was broadcast
// meanwhile. The cut here is the client's TCP connection closed under it.
func ExampleConnectionStateRecovery() {
	io := core.NewServer(&core.Options{
		ConnectionStateRecovery: &core.ConnectionStateRecovery{}, // 2 min window
	})
	lost := make(chan string, 1)
	back := make(chan bool, 1)
	io.OnConnection(func(s *core.Socket) {
		if s.Recovered() {
			back <- true // same id, rooms and data: nothing to set up again
			return
		}
		s.Join("news")
		s.OnDisconnect(func(s *core.Socket, reason string) { lost <- reason })
		_ = s.Emit("welcome") // the client knows its offset from here on
	})
	url, stop := serve(io)
	defer stop()
	defer io.Close(context.Background())

	var mu sync.Mutex
	var conns []net.Conn
	dialer := &websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
		return c, err
	}}
	welcome := make(chan struct{}, 1)
	news := make(chan string, 1)
	c := connect(url, &client.Options{
		Transports:        []string{client.TransportWebSocket},
		Dialer:            dialer,
		ReconnectionDelay: 10 * time.Millisecond,
	}, func(c *client.Socket) {
		c.On("welcome", func(*client.Socket, *client.Event) error { welcome <- struct{}{}; return nil })
		c.On("news", client.Handle(func(s *client.Socket, msg string) error { news <- msg; return nil }))
	})
	defer c.Manager().Close()
	<-welcome

	mu.Lock()
	_ = conns[0].Close() // the network goes away
	mu.Unlock()
	fmt.Println("server saw:", <-lost)
	_ = io.To("news").Emit("news", "sent while away")
	fmt.Println("recovered:", <-back)
	fmt.Println("client got:", <-news)
	// Output:
	// server saw: transport close
	// recovered: true
	// client got: sent while away
}

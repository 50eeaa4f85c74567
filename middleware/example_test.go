package middleware_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/parser"
	"github.com/gosio/gosio/internal/siotest"
	"github.com/gosio/gosio/middleware"
)

func ExampleAuth() {
	srv := core.NewServer(nil)
	srv.Use(middleware.Auth(middleware.AuthOptions[string]{
		// Look the token up, verify a JWT...: return who it stands for.
		Validate: func(ctx context.Context, token string) (string, error) {
			if token != "s3cret" {
				return "", errors.New("unknown token")
			}
			return "ada", nil
		},
	}))
	srv.OnConnection(func(s *core.Socket) {
		s.On("whoami", func(s *core.Socket, e *core.Event) error {
			user, _ := middleware.User[string](s)
			return e.Ack(user)
		})
	})
	ts := exampleServe(srv)
	defer ts.stop()

	// A client connects with io(url, {auth: {token: "..."}}).
	fmt.Println(ts.dial().connect(map[string]string{"token": "guess"}))
	c := ts.dial()
	fmt.Println(c.connect(map[string]string{"token": "s3cret"}))
	fmt.Println(c.ask("whoami"))
	// Output:
	// connect_error {"message":"unauthorized"}
	// connected
	// ["ada"]
}

func ExampleRecover() {
	srv := core.NewServer(nil)
	srv.Use(middleware.Events(middleware.Recover(&middleware.RecoverOptions{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		OnPanic: func(s *core.Socket, e *core.Event, err *core.PanicError) {
			fmt.Printf("recovered in %q: %v\n", err.Event, err.Value)
		},
	})))
	srv.OnConnection(func(s *core.Socket) {
		s.On("crash", func(s *core.Socket, e *core.Event) error { panic("boom") })
		s.On("ping", func(s *core.Socket, e *core.Event) error { return e.Ack("pong") })
	})
	ts := exampleServe(srv)
	defer ts.stop()
	c := ts.dial()

	fmt.Println(c.connect(nil))
	fmt.Println(c.ask("crash"))
	fmt.Println(c.ask("ping"))
	// Output:
	// connected
	// recovered in "crash": boom
	// [{"error":"internal server error"}]
	// ["pong"]
}

func ExampleLogging() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		// Leave out what changes from run to run.
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey, "sid", "remote_addr", "duration":
				return slog.Attr{}
			}
			return a
		},
	}))
	srv := core.NewServer(nil)
	srv.Use(middleware.Logging(logger))
	gone := make(chan struct{})
	srv.OnConnection(func(s *core.Socket) {
		s.On("bye", func(s *core.Socket, e *core.Event) error {
			s.Disconnect(false)
			return nil
		})
		s.OnDisconnect(func(*core.Socket, string) { close(gone) })
	})
	ts := exampleServe(srv)
	defer ts.stop()
	c := ts.dial()

	c.connect(map[string]string{"password": "never logged"})
	c.emit("bye", "never logged either")
	<-gone // Logging's disconnect handler, added first, has run
	// Output:
	// level=INFO msg="socket.io: connect" nsp=/ transport=websocket
	// level=DEBUG msg="socket.io: event in" nsp=/ event=bye ack=false
	// level=INFO msg="socket.io: disconnect" nsp=/ reason="server namespace disconnect"
}

func ExampleRateLimit() {
	srv := core.NewServer(nil)
	srv.Use(middleware.RateLimit(middleware.RateLimitOptions{
		// Two reports at once, then one a minute, per socket.
		PerSocket: middleware.Limit{Rate: 1.0 / 60, Burst: 2},
		// And 100 events a second for all the sockets of an address.
		PerIP: middleware.Limit{Rate: 100, Burst: 200},
	}))
	srv.OnConnection(func(s *core.Socket) {
		s.On("report", func(s *core.Socket, e *core.Event) error { return e.Ack("thanks") })
	})
	ts := exampleServe(srv)
	defer ts.stop()
	c := ts.dial()

	fmt.Println(c.connect(nil))
	for i := 0; i < 3; i++ {
		fmt.Println(c.ask("report"))
	}
	// Output:
	// connected
	// ["thanks"]
	// ["thanks"]
	// [{"error":"rate limit exceeded"}]
}

func ExampleLimitEvents() {
	srv := core.NewServer(&core.Options{ConnectionStateRecovery: &core.ConnectionStateRecovery{}})
	// On the namespace rather than with Use, so that the sockets connection
	// state recovery restores (which skip connect middlewares) are limited
	// too.
	srv.UseEvents(middleware.LimitEvents(middleware.RateLimitOptions{
		PerSocket: middleware.Limit{Rate: 1.0 / 60, Burst: 2},
	}))
	srv.OnConnection(func(s *core.Socket) {
		s.On("report", func(s *core.Socket, e *core.Event) error { return e.Ack("thanks") })
	})
	ts := exampleServe(srv)
	defer ts.stop()
	c := ts.dial()

	fmt.Println(c.connect(nil))
	for i := 0; i < 3; i++ {
		fmt.Println(c.ask("report"))
	}
	// Output:
	// connected
	// ["thanks"]
	// ["thanks"]
	// [{"error":"rate limit exceeded"}]
}

func ExampleLogEvents() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		// Leave out what changes from run to run.
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey, "sid", "remote_addr", "duration":
				return slog.Attr{}
			}
			return a
		},
	}))
	srv := core.NewServer(&core.Options{ConnectionStateRecovery: &core.ConnectionStateRecovery{}})
	// Logging logs connects and disconnects; LogEvents logs the events of
	// every socket, restored ones included. Each event is logged once.
	srv.Use(middleware.Logging(logger))
	srv.UseEvents(middleware.LogEvents(middleware.LoggingOptions{Logger: logger}))
	gone := make(chan struct{})
	srv.OnConnection(func(s *core.Socket) {
		s.On("hello", func(s *core.Socket, e *core.Event) error { return e.Ack() })
		s.On("bye", func(s *core.Socket, e *core.Event) error {
			s.Disconnect(false)
			return nil
		})
		s.OnDisconnect(func(*core.Socket, string) { close(gone) })
	})
	ts := exampleServe(srv)
	defer ts.stop()
	c := ts.dial()

	c.connect(nil)
	c.ask("hello")
	c.emit("bye")
	<-gone // Logging's disconnect handler, added first, has run
	// Output:
	// level=INFO msg="socket.io: connect" nsp=/ transport=websocket
	// level=DEBUG msg="socket.io: event in" nsp=/ event=hello ack=true
	// level=DEBUG msg="socket.io: event in" nsp=/ event=bye ack=false
	// level=INFO msg="socket.io: disconnect" nsp=/ reason="server namespace disconnect"
}

// Move is a payload that checks itself.
type Move struct {
	X, Y int
}

func (m Move) Validate() error {
	if m.X < 0 || m.X > 7 || m.Y < 0 || m.Y > 7 {
		return errors.New("off the board")
	}
	return nil
}

func ExampleBind() {
	srv := core.NewServer(nil)
	srv.OnConnection(func(s *core.Socket) {
		s.On("move", middleware.Bind(func(s *core.Socket, e *core.Event, m Move) error {
			return e.Ack(fmt.Sprintf("moved to %d,%d", m.X, m.Y))
		}))
	})
	ts := exampleServe(srv)
	defer ts.stop()
	c := ts.dial()

	fmt.Println(c.connect(nil))
	fmt.Println(c.ask("move", Move{X: 1, Y: 2}))
	fmt.Println(c.ask("move", Move{X: 9, Y: 2}))
	fmt.Println(c.ask("move", "e4"))
	// Output:
	// connected
	// ["moved to 1,2"]
	// [{"error":"off the board"}]
	// [{"error":"invalid payload"}]
}

func ExampleValidate() {
	srv := core.NewServer(nil)
	srv.OnConnection(func(s *core.Socket) {
		// Validate in front of a handler that decodes by itself.
		s.On("move", middleware.Validate[Move](core.Handle(func(s *core.Socket, m Move) error {
			return s.Broadcast().Emit("moved", m)
		})))
	})
}

func ExampleEvents() {
	srv := core.NewServer(nil)
	// Every socket of the main namespace gets these event middlewares,
	// outermost first, before its connection handlers run.
	srv.Use(
		middleware.Logging(slog.Default()),
		middleware.Events(middleware.Recover(nil)),
		middleware.RateLimit(middleware.RateLimitOptions{PerSocket: middleware.Limit{Rate: 20, Burst: 40}}),
	)
}

// exampleClient drives a server for the examples, as socket.io-client
// would.
type exampleClient struct {
	c   *siotest.Client
	ids uint64
}

// exampleServer serves a server on a loopback listener for the examples.
type exampleServer struct {
	srv     *core.Server
	hs      *httptest.Server
	clients []*siotest.Client
}

func exampleServe(srv *core.Server) *exampleServer {
	return &exampleServer{srv: srv, hs: httptest.NewServer(srv)}
}

// dial opens a new client connection.
func (ts *exampleServer) dial() *exampleClient {
	c, err := siotest.DialErr(ts.hs.URL, nil)
	if err != nil {
		panic(err)
	}
	ts.clients = append(ts.clients, c)
	return &exampleClient{c: c}
}

// stop closes the clients, the server and the listener.
func (ts *exampleServer) stop() {
	for _, c := range ts.clients {
		c.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = ts.srv.Close(ctx)
	ts.hs.Close()
}

func (c *exampleClient) next() *parser.Packet {
	p, err := c.c.NextErr(siotest.Wait)
	if err != nil {
		panic(err)
	}
	return p
}

// connect joins the main namespace and describes the answer.
func (c *exampleClient) connect(auth any) string {
	c.c.Send(&parser.Packet{Type: parser.Connect, Nsp: "/", Data: auth})
	p := c.next()
	if p.Type == parser.ConnectError {
		return "connect_error " + string(p.Raw)
	}
	return "connected"
}

// emit sends an event without asking for an ack.
func (c *exampleClient) emit(event string, args ...any) {
	c.c.Emit("/", -1, event, args...)
}

// ask sends an event and returns its ack as JSON.
func (c *exampleClient) ask(event string, args ...any) string {
	c.ids++
	c.c.Emit("/", int(c.ids), event, args...)
	p := c.next()
	if p.Type != parser.Ack || p.ID != c.ids {
		return fmt.Sprintf("unexpected %v %s", p.Type, p.Raw)
	}
	var v []any
	_ = json.Unmarshal(p.Raw, &v)
	b, _ := json.Marshal(v)
	return strings.TrimSpace(string(b))
}

package client_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gosio/gosio/client"
	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/parser"
)

// echoServer is the handlers most tests use: "echo" acknowledges its
// arguments, "ping-me" makes the server emit "pong" with its argument,
// "ask" makes the server ask the client with EmitWithAck and report the
// answer as "answer".
func echoServer(io *core.Server) {
	setup := func(s *core.Socket) {
		s.On("echo", func(s *core.Socket, e *core.Event) error {
			vs, err := e.Values()
			if err != nil {
				return err
			}
			return e.Ack(vs...)
		})
		s.On("ping-me", func(s *core.Socket, e *core.Event) error {
			vs, _ := e.Values()
			return s.Emit("pong", vs...)
		})
		s.On("ask", func(s *core.Socket, e *core.Event) error {
			ctx, cancel := context.WithTimeout(s.Context(), wait)
			defer cancel()
			ans, err := s.EmitWithAck(ctx, "question", "6*7?")
			if err != nil {
				return s.Emit("answer", "error: "+err.Error())
			}
			vs, _ := ans.Values()
			return s.Emit("answer", vs...)
		})
	}
	io.OnConnection(setup)
	io.Of("/custom").OnConnection(setup)
}

// TestTransports runs events, acks both ways and binary over each
// transport against gosio, with each parser (the MessagePack one sends
// every packet as one binary message), and checks where the connection
// settles.
func TestTransports(t *testing.T) {
	parsers := []struct {
		name string
		pr   parser.Parser
	}{{"json", parser.JSON}, {"msgpack", parser.MsgPack}}
	for _, pc := range parsers {
		for _, tc := range transportCases {
			t.Run(pc.name+"/"+tc.name, func(t *testing.T) { testTransport(t, tc.name, tc.opts, tc.transport, pc.pr) })
		}
	}
}

func testTransport(t *testing.T, name string, opts client.Options, transport string, pr parser.Parser) {
	g := startGosio(t, &core.Options{Parser: pr}, echoServer)
	opts.Parser = pr
	upgraded := make(chan string, 1)
	s := dial(t, g.URL(), &opts)
	if name == "upgrade" {
		s.Manager().OnUpgrade(func(tr string) { upgraded <- tr })
		if s.Manager().Transport() != client.TransportWebSocket {
			if got := recv(t, upgraded); got != client.TransportWebSocket {
				t.Fatalf("upgraded to %q", got)
			}
		}
	}
	if got := s.Manager().Transport(); got != transport {
		t.Fatalf("transport %q, want %q", got, transport)
	}
	if s.ID() == "" || !s.Connected() {
		t.Fatalf("not connected: id %q", s.ID())
	}

	// Client → server with ack, binary in and out.
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	bin := []byte{0, 1, 2, 0xff}
	ans, err := s.EmitWithAck(ctx, "echo", "hi", 42, bin, map[string]any{"nested": []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	var (
		str    string
		n      int
		b      []byte
		nested struct{ Nested []byte }
	)
	if err := ans.Bind(&str, &n, &b, &nested); err != nil {
		t.Fatal(err)
	}
	if str != "hi" || n != 42 || !bytes.Equal(b, bin) || string(nested.Nested) != "x" {
		t.Fatalf("ack %q %d %v %q", str, n, b, nested.Nested)
	}

	// Server → client events.
	pongs := make(chan []byte, 1)
	s.On("pong", client.Handle(func(s *client.Socket, v []byte) error {
		pongs <- v
		return nil
	}))
	if err := s.Emit("ping-me", bin); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, pongs); !bytes.Equal(got, bin) {
		t.Fatalf("pong %v", got)
	}

	// Server → client with ack: the client's handler answers.
	answers := make(chan string, 1)
	s.On("question", client.HandleAck(func(s *client.Socket, q string) (int, error) {
		if q != "6*7?" {
			return 0, errors.New("bad question")
		}
		return 42, nil
	}))
	s.On("answer", func(s *client.Socket, e *client.Event) error {
		answers <- string(e.Raw(0))
		return nil
	})
	if err := s.Emit("ask"); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, answers); got != "42" {
		t.Fatalf("answer %s", got)
	}
}

// TestNamespaces multiplexes two namespaces on one connection.
func TestNamespaces(t *testing.T) {
	g := startGosio(t, nil, echoServer)
	conns := make(chan string, 4)
	g.Server().OnConnection(func(s *core.Socket) { conns <- "/ " + s.ConnID() })
	g.Server().Of("/custom").OnConnection(func(s *core.Socket) { conns <- "/custom " + s.ConnID() })

	m, err := client.NewManager(g.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	main, custom := m.Socket("/", nil), m.Socket("custom", nil)
	if m.Socket("/custom", nil) != custom {
		t.Fatal("Socket returned a second socket for /custom")
	}
	if err := main.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	if err := custom.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	a, b := recv(t, conns), recv(t, conns)
	if a[len(a)-20:] != b[len(b)-20:] {
		t.Fatalf("two connections: %q and %q", a, b)
	}
	if main.ID() == custom.ID() {
		t.Fatal("same socket id in two namespaces")
	}
	got := make(chan string, 2)
	for _, s := range []*client.Socket{main, custom} {
		s.On("pong", client.Handle(func(s *client.Socket, v string) error {
			got <- s.Namespace() + " " + v
			return nil
		}))
	}
	if err := custom.Emit("ping-me", "c"); err != nil {
		t.Fatal(err)
	}
	if v := recv(t, got); v != "/custom c" {
		t.Fatalf("got %q", v)
	}
	if err := main.Emit("ping-me", "m"); err != nil {
		t.Fatal(err)
	}
	if v := recv(t, got); v != "/ m" {
		t.Fatalf("got %q", v)
	}

	// Disconnecting one namespace leaves the other connected.
	disc := make(chan string, 1)
	custom.OnDisconnect(func(s *client.Socket, reason string) { disc <- reason })
	custom.Disconnect()
	if r := recv(t, disc); r != client.ReasonIOClientDisconnect {
		t.Fatalf("reason %q", r)
	}
	ans, err := main.EmitWithAck(ctx, "echo", 1)
	if err != nil || string(ans.Raw(0)) != "1" {
		t.Fatalf("main after custom left: %v %v", ans, err)
	}
}

// TestConnectError: a refused namespace and a middleware's error come back
// as *ConnectError, with the data, through Connect and OnConnectError.
func TestConnectError(t *testing.T) {
	g := startGosio(t, nil, func(io *core.Server) {
		io.Of("/private").Use(core.ConnectFunc(func(s *core.Socket) error {
			var auth struct{ Token string }
			if err := core.DecodeAuth(s, &auth); err != nil || auth.Token != "secret" {
				return core.NewConnectError("unauthorized", map[string]any{"hint": "log in"})
			}
			return nil
		}))
	})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()

	_, err := client.Dial(ctx, g.URL()+"/nowhere", nil)
	var ce *client.ConnectError
	if !errors.As(err, &ce) || ce.Message != "Invalid namespace" {
		t.Fatalf("unknown namespace: %v", err)
	}

	m, err := client.NewManager(g.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s := m.Socket("/private", &client.SocketOptions{Auth: map[string]string{"token": "wrong"}})
	errs := make(chan error, 1)
	s.OnConnectError(func(s *client.Socket, err error) { errs <- err })
	err = s.Connect(ctx)
	if !errors.As(err, &ce) || ce.Message != "unauthorized" {
		t.Fatalf("refused: %v", err)
	}
	var data struct{ Hint string }
	if err := ce.DecodeData(&data); err != nil || data.Hint != "log in" {
		t.Fatalf("data %s: %v", ce.Data, err)
	}
	if got := recv(t, errs); got != err {
		t.Fatalf("OnConnectError got %v", got)
	}
	if s.Active() {
		t.Fatal("a refused socket still tries")
	}

	ok := m.Socket("/ok", &client.SocketOptions{AuthFunc: func(context.Context) (any, error) {
		return map[string]string{"token": "secret"}, nil
	}})
	_ = ok
	priv := client.SocketOptions{AuthFunc: func(context.Context) (any, error) {
		return struct {
			Token string `json:"token"`
		}{"secret"}, nil
	}}
	s2, err := client.Dial(ctx, g.URL()+"/private", &client.Options{SocketOptions: priv})
	if err != nil {
		t.Fatalf("AuthFunc: %v", err)
	}
	s2.Close()
}

// TestAckTimeout: EmitWithAck gives up at the context's deadline, at the
// socket's AckTimeout and at an emitter's Timeout.
func TestAckTimeout(t *testing.T) {
	g := startGosio(t, nil, func(io *core.Server) {
		io.OnConnection(func(s *core.Socket) {
			s.On("never", func(*core.Socket, *core.Event) error { return nil })
		})
	})
	s := dial(t, g.URL(), &client.Options{SocketOptions: client.SocketOptions{AckTimeout: 50 * time.Millisecond}})
	if _, err := s.EmitWithAck(context.Background(), "never"); !errors.Is(err, client.ErrAckTimeout) {
		t.Fatalf("AckTimeout: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.Timeout(time.Hour).EmitWithAck(ctx, "never"); !errors.Is(err, client.ErrAckTimeout) {
		t.Fatalf("ctx deadline: %v", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := s.Timeout(time.Hour).EmitWithAck(ctx, "never"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if err := s.Emit("disconnect"); !errors.Is(err, client.ErrReservedEvent) {
		t.Fatalf("reserved: %v", err)
	}
}

// TestOnAnyAndVolatile: OnAny sees every event before its handler;
// volatile emits go out while connected and are dropped while not.
func TestOnAnyAndVolatile(t *testing.T) {
	// No pings (whose pongs would keep the writer busy) and no upgrade:
	// nothing but the test writes, so a volatile emit goes out.
	g := startGosio(t, &core.Options{Engine: core.EngineOptions{PingInterval: time.Minute, PingTimeout: time.Minute}}, echoServer)
	s := dial(t, g.URL(), &client.Options{Transports: []string{client.TransportWebSocket}})
	seen := make(chan string, 4)
	s.OnAny(func(s *client.Socket, e *client.Event) { seen <- "any " + e.Name })
	s.On("pong", func(s *client.Socket, e *client.Event) error {
		seen <- "on " + e.Name
		return nil
	})
	out := make(chan string, 4)
	s.OnAnyOutgoing(func(s *client.Socket, event string, args []any) { out <- event })
	if err := s.Volatile().Emit("ping-me", 1); err != nil {
		t.Fatal(err)
	}
	if a, b := recv(t, seen), recv(t, seen); a != "any pong" || b != "on pong" {
		t.Fatalf("order %q, %q", a, b)
	}
	if e := recv(t, out); e != "ping-me" {
		t.Fatalf("outgoing %q", e)
	}
	s.Disconnect()
	if err := s.Volatile().Emit("ping-me", 2); err != nil {
		t.Fatalf("volatile while disconnected: %v", err)
	}
	if err := s.Emit("ping-me", 3); err != nil {
		t.Fatalf("buffered: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := s.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	// Only the buffered one arrives: 3, not 2.
	if a := recv(t, seen); a != "any pong" {
		t.Fatal(a)
	}
	recv(t, seen)
	ans, err := s.EmitWithAck(ctx, "echo", "after")
	if err != nil {
		t.Fatal(err)
	}
	_ = ans
	select {
	case v := <-seen:
		t.Fatalf("the volatile emit arrived: %q", v)
	default:
	}
}

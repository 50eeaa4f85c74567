package core_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/parser"
	"github.com/gosio/gosio/internal/siotest"
)

func TestConnectHandshakeAndAuth(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	got := make(chan *core.Socket, 1)
	srv.OnConnection(func(s *core.Socket) { got <- s })

	c := siotest.Dial(t, url, http.Header{"X-Test": {"yes"}})
	sid := c.MustConnect("/", map[string]any{"token": "abc"})
	s := recv(t, got)
	if s.ID() != sid {
		t.Fatalf("socket id %q, CONNECT said %q", s.ID(), sid)
	}
	hs := s.Handshake()
	if string(hs.Auth) != `{"token":"abc"}` {
		t.Errorf("auth = %s", hs.Auth)
	}
	if hs.Header.Get("X-Test") != "yes" || hs.Query.Get("EIO") != "4" {
		t.Errorf("handshake = %+v", hs)
	}
	// As Node's handshake: all the request's headers, Host included (which
	// net/http keeps apart), and the address without its port.
	if host := strings.TrimPrefix(url, "http://"); hs.Header.Get("Host") != host {
		t.Errorf("Host header %q, want %q", hs.Header.Get("Host"), host)
	}
	if hs.Address != "127.0.0.1" {
		t.Errorf("address %q, want 127.0.0.1", hs.Address)
	}
	if s.Transport() != "websocket" || s.ConnID() != c.SID {
		t.Errorf("transport %q conn %q, want websocket %q", s.Transport(), s.ConnID(), c.SID)
	}
	if rooms := s.Rooms(); !reflect.DeepEqual(rooms, []string{sid}) {
		t.Errorf("rooms = %v", rooms)
	}
}

func TestUnknownNamespace(t *testing.T) {
	t.Parallel()
	_, url := newServer(t, nil)
	c := siotest.Dial(t, url, nil)
	p := c.Connect("/nope", nil)
	if p.Type != parser.ConnectError || string(p.Raw) != `{"message":"Invalid namespace"}` {
		t.Fatalf("got %v %s", p.Type, p.Raw)
	}
}

func TestConnectMiddlewareRejects(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	var order []string
	srv.Use(core.ConnectFunc(func(s *core.Socket) error {
		order = append(order, "first")
		return nil
	}), func(next core.ConnectHandler) core.ConnectHandler {
		return func(s *core.Socket) error {
			order = append(order, "second")
			var auth struct{ Token string }
			_ = json.Unmarshal(s.Handshake().Auth, &auth)
			if auth.Token != "good" {
				return core.NewConnectError("unauthorized", map[string]any{"code": 42})
			}
			s.SetData("admitted")
			return next(s)
		}
	})
	connected := make(chan *core.Socket, 1)
	srv.OnConnection(func(s *core.Socket) { connected <- s })

	c := siotest.Dial(t, url, nil)
	p := c.Connect("/", map[string]string{"token": "bad"})
	if p.Type != parser.ConnectError || string(p.Raw) != `{"data":{"code":42},"message":"unauthorized"}` {
		t.Fatalf("got %v %s", p.Type, p.Raw)
	}
	c.MustConnect("/", map[string]string{"token": "good"})
	s := recv(t, connected)
	if d, _ := core.Data[string](s); d != "admitted" {
		t.Errorf("data = %v", s.Data())
	}
	if strings.Join(order, ",") != "first,second,first,second" {
		t.Errorf("order = %v", order)
	}
}

type chatMsg struct {
	Text string `json:"text"`
	Blob []byte `json:"blob"`
}

func TestEventsAcksAndBinary(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	srv.OnConnection(func(s *core.Socket) {
		s.On("echo", func(s *core.Socket, e *core.Event) error {
			vals, err := e.Values()
			if err != nil {
				return err
			}
			return e.Ack(vals...)
		})
		s.On("chat", core.HandleAck(func(s *core.Socket, m chatMsg) (chatMsg, error) {
			m.Text = strings.ToUpper(m.Text)
			m.Blob = append(m.Blob, 0xff)
			return m, nil
		}))
		s.On("fail", core.HandleAck(func(s *core.Socket, m chatMsg) (string, error) {
			return "", errors.New("nope")
		}))
		s.On("ping-me", func(s *core.Socket, e *core.Event) error {
			return s.Emit("pong", []byte{1, 2, 3}, map[string]any{"nested": []any{[]byte{4}}})
		})
	})
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)

	c.Emit("/", 1, "echo", "a", 2.5, nil, true, map[string]any{"x": []any{"y"}})
	if got := c.ExpectAck(1); !reflect.DeepEqual(got, []any{"a", 2.5, nil, true, map[string]any{"x": []any{"y"}}}) {
		t.Errorf("echo ack = %#v", got)
	}
	c.Emit("/", 2, "chat", map[string]any{"text": "hi", "blob": []byte{7, 8}})
	got := c.ExpectAck(2)
	m := got[0].(map[string]any)
	if m["text"] != "HI" || !reflect.DeepEqual(m["blob"], []byte{7, 8, 0xff}) {
		t.Errorf("chat ack = %#v", got)
	}
	c.Emit("/", 3, "fail", map[string]any{})
	if got := c.ExpectAck(3); !reflect.DeepEqual(got, []any{map[string]any{"error": "nope"}}) {
		t.Errorf("fail ack = %#v", got)
	}
	c.Emit("/", 4, "chat", "not an object")
	if got := c.ExpectAck(4); len(got) != 1 || !strings.Contains(fmt.Sprint(got[0]), "error") {
		t.Errorf("decode error ack = %#v", got)
	}
	c.Emit("/", -1, "ping-me")
	ev := c.ExpectEvent()
	if ev.Name != "pong" || !reflect.DeepEqual(ev.Args, []any{[]byte{1, 2, 3}, map[string]any{"nested": []any{[]byte{4}}}}) {
		t.Errorf("pong = %#v", ev)
	}
}

func TestServerEmitWithAck(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	result := make(chan any, 2)
	srv.OnConnection(func(s *core.Socket) {
		s.On("ask", func(s *core.Socket, e *core.Event) error {
			// Waiting for our own client's ack inside a handler must work.
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			a, err := s.EmitWithAck(ctx, "question", 1)
			if err != nil {
				result <- err
				return nil
			}
			n, err := core.Decode[int](a)
			if err != nil {
				result <- err
			}
			result <- n
			_, err = s.Timeout(50*time.Millisecond).EmitWithAck(context.Background(), "ignored")
			result <- err
			return nil
		})
	})
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)
	c.Emit("/", -1, "ask")
	q := c.ExpectEvent()
	if q.Name != "question" || !q.HasID {
		t.Fatalf("question = %#v", q)
	}
	c.Ack("/", q.ID, 41)
	if got := recv(t, result); got != 41 {
		t.Fatalf("ack result = %v", got)
	}
	ign := c.ExpectEvent()
	if ign.Name != "ignored" {
		t.Fatalf("got %#v", ign)
	}
	if got := recv(t, result); !errors.Is(got.(error), core.ErrAckTimeout) {
		t.Fatalf("want timeout, got %v", got)
	}
}

func TestMultiplexAndDynamicNamespaces(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	seen := make(chan string, 8)
	srv.OnConnection(func(s *core.Socket) { seen <- "main:" + s.Namespace().Name() })
	srv.Of("/admin").OnConnection(func(s *core.Socket) {
		seen <- "admin:" + s.Namespace().Name()
		s.On("hi", func(s *core.Socket, e *core.Event) error { return e.Ack("admin") })
	})
	dyn := srv.OfRegexp(regexp.MustCompile(`^/room-\d+$`))
	dyn.Use(core.ConnectFunc(func(s *core.Socket) error {
		if s.Namespace().Name() == "/room-13" {
			return errors.New("unlucky")
		}
		return nil
	}))
	dyn.OnConnection(func(s *core.Socket) { seen <- "dyn:" + s.Namespace().Name() })

	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)
	c.MustConnect("/admin", nil)
	c.MustConnect("/room-7", nil)
	got := []string{recv(t, seen), recv(t, seen), recv(t, seen)}
	if !reflect.DeepEqual(got, []string{"main:/", "admin:/admin", "dyn:/room-7"}) {
		t.Errorf("connections = %v", got)
	}
	if p := c.Connect("/room-13", nil); p.Type != parser.ConnectError || string(p.Raw) != `{"message":"unlucky"}` {
		t.Errorf("room-13: %v %s", p.Type, p.Raw)
	}
	if p := c.Connect("/room-x", nil); p.Type != parser.ConnectError {
		t.Errorf("room-x: %v %s", p.Type, p.Raw)
	}
	c.Emit("/admin", 9, "hi")
	if got := c.ExpectAck(9); !reflect.DeepEqual(got, []any{"admin"}) {
		t.Errorf("admin ack = %v", got)
	}
	// A broadcast on the parent reaches every child.
	if err := dyn.Emit("all-rooms", 1); err != nil {
		t.Fatal(err)
	}
	ev := c.ExpectEvent()
	if ev.Nsp != "/room-7" || ev.Name != "all-rooms" {
		t.Errorf("dyn broadcast = %#v", ev)
	}
}

// joinClients connects n clients to "/" and returns them with their server
// sockets, in order.
func joinClients(t *testing.T, srv *core.Server, url string, n int) ([]*siotest.Client, []*core.Socket) {
	t.Helper()
	ch := make(chan *core.Socket, n)
	srv.OnConnection(func(s *core.Socket) { ch <- s })
	cs := make([]*siotest.Client, n)
	ss := make([]*core.Socket, n)
	for i := range cs {
		cs[i] = siotest.Dial(t, url, nil)
		cs[i].MustConnect("/", nil)
		ss[i] = recv(t, ch)
	}
	return cs, ss
}

func TestRoomsAndBroadcasts(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	cs, ss := joinClients(t, srv, url, 4)
	ss[0].Join("a")
	ss[1].Join("a", "b")
	ss[2].Join("b")
	// ss[3] in no room.

	expect := func(ev string, want ...int) {
		t.Helper()
		wanted := map[int]bool{}
		for _, i := range want {
			wanted[i] = true
		}
		for i, c := range cs {
			if wanted[i] {
				if e := c.ExpectEvent(); e.Name != ev {
					t.Errorf("client %d got %q, want %q", i, e.Name, ev)
				}
			}
		}
		for i, c := range cs {
			if !wanted[i] {
				c.ExpectNothing(30 * time.Millisecond)
			}
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(srv.To("a").Emit("to-a"))
	expect("to-a", 0, 1)
	must(srv.To("a", "b").Emit("to-a-b")) // client 1 once
	expect("to-a-b", 0, 1, 2)
	must(srv.Except("b").Emit("except-b"))
	expect("except-b", 0, 3)
	must(srv.To("a").Except("b").Emit("a-not-b"))
	expect("a-not-b", 0)
	must(ss[1].Broadcast().Emit("from-1"))
	expect("from-1", 0, 2, 3)
	must(ss[1].To("b").Emit("from-1-to-b"))
	expect("from-1-to-b", 2)
	must(srv.To(ss[3].ID()).Emit("private"))
	expect("private", 3)
	must(srv.Emit("everyone"))
	expect("everyone", 0, 1, 2, 3)

	ss[1].Leave("a")
	must(srv.To("a").Emit("after-leave"))
	expect("after-leave", 0)

	must(srv.In("b").SocketsJoin("c"))
	must(srv.To("c").Emit("c"))
	expect("c", 1, 2)
	must(srv.In("c").SocketsLeave("c"))
	must(srv.To("c").Emit("c-empty"))
	expect("c-empty")

	socks, err := srv.In("b").FetchSockets(context.Background())
	must(err)
	ids := map[string]bool{}
	for _, r := range socks {
		ids[r.ID()] = true
		if _, local := r.Local(); !local {
			t.Errorf("fetched socket %s not local", r.ID())
		}
	}
	if len(ids) != 2 || !ids[ss[1].ID()] || !ids[ss[2].ID()] {
		t.Errorf("fetched %v", ids)
	}
	for _, r := range socks {
		if r.ID() == ss[2].ID() {
			must(r.Emit("remote-handle"))
		}
	}
	expect("remote-handle", 2)
}

func TestBroadcastWithAcks(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	cs, _ := joinClients(t, srv, url, 5)
	res := make(chan []*core.Args, 1)
	errc := make(chan error, 1)
	go func() {
		acks, err := srv.Timeout(3*time.Second).EmitWithAck(context.Background(), "poll", "q")
		res <- acks
		errc <- err
	}()
	for i, c := range cs {
		e := c.ExpectEvent()
		if e.Name != "poll" || !e.HasID {
			t.Fatalf("client %d: %#v", i, e)
		}
		c.Ack("/", e.ID, i)
	}
	acks := recv(t, res)
	if err := recv(t, errc); err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, a := range acks {
		n, _ := core.Decode[int](a)
		sum += n
	}
	if len(acks) != 5 || sum != 0+1+2+3+4 {
		t.Errorf("acks %d sum %d", len(acks), sum)
	}

	// With one client silent, the timeout returns the partial answers.
	go func() {
		acks, err := srv.Timeout(200*time.Millisecond).EmitWithAck(context.Background(), "poll2")
		res <- acks
		errc <- err
	}()
	for i, c := range cs {
		e := c.ExpectEvent()
		if i != 0 {
			c.Ack("/", e.ID, "ok")
		}
	}
	acks = recv(t, res)
	if err := recv(t, errc); !errors.Is(err, core.ErrAckTimeout) || len(acks) != 4 {
		t.Errorf("partial: %d acks, err %v", len(acks), err)
	}
}

func TestDisconnectReasons(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	reasons := make(chan string, 4)
	sockets := make(chan *core.Socket, 4)
	srv.OnConnection(func(s *core.Socket) {
		s.OnDisconnecting(func(s *core.Socket, reason string) {
			if len(s.Rooms()) == 0 {
				reasons <- "rooms already gone"
			}
		})
		s.OnDisconnect(func(s *core.Socket, reason string) { reasons <- reason })
		sockets <- s
	})
	// Server-side disconnect of one namespace.
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)
	s := recv(t, sockets)
	s.Disconnect(false)
	if p := c.Next(); p.Type != parser.Disconnect || p.Nsp != "/" {
		t.Fatalf("want DISCONNECT, got %v", p.Type)
	}
	if r := recv(t, reasons); r != core.ReasonServerNamespaceDisconnect {
		t.Errorf("reason %q", r)
	}
	if err := s.Emit("late"); !errors.Is(err, core.ErrDisconnected) {
		t.Errorf("emit after disconnect: %v", err)
	}
	// Client-side disconnect.
	c.MustConnect("/", nil)
	recv(t, sockets)
	c.Send(&parser.Packet{Type: parser.Disconnect, Nsp: "/"})
	if r := recv(t, reasons); r != core.ReasonClientNamespaceDisconnect {
		t.Errorf("reason %q", r)
	}
	// Transport closed by the client.
	c.MustConnect("/", nil)
	recv(t, sockets)
	c.Close()
	if r := recv(t, reasons); r != core.ReasonTransportClose {
		t.Errorf("reason %q", r)
	}
	// Disconnect(true) closes the connection.
	c2 := siotest.Dial(t, url, nil)
	c2.MustConnect("/", nil)
	s2 := recv(t, sockets)
	s2.Disconnect(true)
	if p := c2.Next(); p.Type != parser.Disconnect {
		t.Fatalf("want DISCONNECT, got %v", p.Type)
	}
	if !c2.Closed(3 * time.Second) {
		t.Error("connection still open after Disconnect(true)")
	}
	if r := recv(t, reasons); r != core.ReasonServerNamespaceDisconnect {
		t.Errorf("reason %q", r)
	}
}

func TestMalformedPacketsCloseWithParseError(t *testing.T) {
	t.Parallel()
	bad := []string{
		`9`,                          // unknown type
		`2{"not":"array"}`,           // event payload not an array
		`2[]`,                        // event without name
		`2abc["x"]`,                  // non-numeric ack id
		`5["x"]`,                     // binary event without attachment count
		`2["x"`,                      // truncated JSON
		`299999999999999999999["x"]`, // ack id too large
	}
	for _, raw := range bad {
		t.Run(raw, func(t *testing.T) {
			t.Parallel()
			srv, url := newServer(t, nil)
			reasons := make(chan string, 1)
			srv.OnConnection(func(s *core.Socket) {
				s.OnDisconnect(func(s *core.Socket, reason string) { reasons <- reason })
			})
			c := siotest.Dial(t, url, nil)
			c.MustConnect("/", nil)
			if err := c.SendRaw(raw); err != nil {
				t.Fatal(err)
			}
			if r := recv(t, reasons); r != core.ReasonParseError {
				t.Errorf("reason %q", r)
			}
			if !c.Closed(3 * time.Second) {
				t.Error("connection not closed")
			}
		})
	}
}

func TestConnectTimeout(t *testing.T) {
	t.Parallel()
	_, url := newServer(t, &core.Options{ConnectTimeout: 100 * time.Millisecond})
	c := siotest.Dial(t, url, nil)
	if !c.Closed(3 * time.Second) {
		t.Fatal("idle connection not closed")
	}
}

func TestHandlerPanicIsRecovered(t *testing.T) {
	t.Parallel()
	errs := make(chan error, 1)
	srv, url := newServer(t, &core.Options{OnError: func(s *core.Socket, err error) { errs <- err }})
	srv.OnConnection(func(s *core.Socket) {
		s.On("boom", func(*core.Socket, *core.Event) error { panic("kaboom") })
		s.On("ok", func(s *core.Socket, e *core.Event) error { return e.Ack("fine") })
	})
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)
	c.Emit("/", 1, "boom")
	if got := c.ExpectAck(1); !reflect.DeepEqual(got, []any{map[string]any{"error": "internal server error"}}) {
		t.Errorf("ack = %v", got)
	}
	var perr *core.PanicError
	if err := recv(t, errs); !errors.As(err, &perr) || perr.Value != "kaboom" {
		t.Errorf("reported %v", err)
	}
	c.Emit("/", 2, "ok")
	if got := c.ExpectAck(2); !reflect.DeepEqual(got, []any{"fine"}) {
		t.Errorf("ack after panic = %v", got)
	}
}

func TestHandlersRunInOrder(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	got := make(chan int, 100)
	srv.OnConnection(func(s *core.Socket) {
		s.On("n", core.Handle(func(s *core.Socket, n int) error {
			if n%10 == 0 {
				time.Sleep(time.Millisecond) // a slow handler must not let later events overtake it
			}
			got <- n
			return nil
		}))
	})
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)
	for i := 0; i < 100; i++ {
		c.Emit("/", -1, "n", i)
	}
	for i := 0; i < 100; i++ {
		if n := recv(t, got); n != i {
			t.Fatalf("event %d handled at position %d", n, i)
		}
	}
}

func TestReservedEventsAndValues(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	errc := make(chan error, 1)
	srv.OnConnection(func(s *core.Socket) { errc <- s.Emit("disconnect") })
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)
	if err := recv(t, errc); !errors.Is(err, core.ErrReservedEvent) {
		t.Errorf("emit disconnect: %v", err)
	}
	if err := srv.Emit("connect"); !errors.Is(err, core.ErrReservedEvent) {
		t.Errorf("broadcast connect: %v", err)
	}
}

func TestVolatileAndOnAny(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	anyIn := make(chan string, 4)
	anyOut := make(chan string, 4)
	srv.OnConnection(func(s *core.Socket) {
		s.OnAny(func(s *core.Socket, e *core.Event) { anyIn <- e.Name })
		s.OnAnyOutgoing(func(s *core.Socket, event string, args []any) { anyOut <- event })
		s.On("go", func(s *core.Socket, e *core.Event) error {
			if err := s.Volatile().Emit("vol", 1); err != nil {
				return err
			}
			return s.Emit("after")
		})
	})
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)
	c.Emit("/", -1, "go")
	if n := recv(t, anyIn); n != "go" {
		t.Errorf("onAny got %q", n)
	}
	if n := recv(t, anyOut); n != "vol" {
		t.Errorf("onAnyOutgoing got %q", n)
	}
	// The volatile packet may be dropped when the transport is busy (the
	// engine's tests pin down when); it never reorders or blocks what follows.
	e := c.ExpectEvent()
	if e.Name == "vol" {
		e = c.ExpectEvent()
	}
	if e.Name != "after" {
		t.Errorf("got %q, want after", e.Name)
	}
}

func TestCloseDisconnectsEverySocket(t *testing.T) {
	t.Parallel()
	srv := core.NewServer(nil)
	hs := httptestServer(t, srv)
	reasons := make(chan string, 3)
	srv.OnConnection(func(s *core.Socket) {
		s.OnDisconnect(func(s *core.Socket, reason string) { reasons <- reason })
	})
	var cs []*siotest.Client
	for i := 0; i < 3; i++ {
		c := siotest.Dial(t, hs, nil)
		c.MustConnect("/", nil)
		cs = append(cs, c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if r := recv(t, reasons); r != core.ReasonServerShuttingDown {
			t.Errorf("reason %q", r)
		}
	}
	for _, c := range cs {
		if !c.Closed(3 * time.Second) {
			t.Error("client still connected after Close")
		}
	}
	if _, err := siotest.DialErr(hs, nil); err == nil {
		t.Error("closed server accepted a connection")
	}
}

func TestMaxNamespacesPerClient(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, &core.Options{MaxNamespacesPerClient: 2})
	srv.Of("/a")
	srv.Of("/b")
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)
	c.MustConnect("/a", nil)
	if p := c.Connect("/b", nil); p.Type != parser.ConnectError || string(p.Raw) != `{"message":"Too many namespaces"}` {
		t.Fatalf("third namespace: %v %s", p.Type, p.Raw)
	}
	// The refusal does not close the connection.
	c.Emit("/", -1, "still-here")
	c.ExpectNothing(20 * time.Millisecond)
	if c.Closed(0) {
		t.Fatal("connection closed")
	}
}

func TestHooks(t *testing.T) {
	t.Parallel()
	events := make(chan string, 16)
	hooks := core.Hooks{
		OnConnect:      func(s *core.Socket) { events <- "connect " + s.Namespace().Name() },
		OnConnectError: func(nsp string, err error) { events <- "refused " + nsp + ": " + err.Error() },
		OnDisconnect:   func(s *core.Socket, reason string) { events <- "disconnect " + reason },
		OnEventIn:      func(s *core.Socket, event string, size int) { events <- fmt.Sprintf("in %s %d", event, size) },
		OnEventOut: func(_ context.Context, nsp, event string, size, targets int) {
			events <- fmt.Sprintf("out %s %s %d x%d", nsp, event, size, targets)
		},
	}
	srv, url := newServer(t, &core.Options{Hooks: hooks})
	srv.OnConnection(func(s *core.Socket) {
		s.On("hi", func(s *core.Socket, e *core.Event) error {
			if err := s.Emit("direct", "x"); err != nil {
				return err
			}
			return srv.Emit("all", []byte{1, 2})
		})
	})
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)
	c.Connect("/nope", nil)
	c.Emit("/", -1, "hi", "abc")
	c.ExpectEvent()
	c.ExpectEvent()
	c.Close()
	want := []string{
		"connect /",
		"refused /nope: Invalid namespace",
		`in hi 12`,           // ["hi","abc"]
		`out / direct 15 x1`, // 2["direct","x"]
		`out / all 42 x1`,    // 51-["all",{"_placeholder":true,"num":0}] and 2 bytes
		"disconnect transport close",
	}
	for _, w := range want {
		if got := recv(t, events); got != w {
			t.Errorf("hook %q, want %q", got, w)
		}
	}
}

// A handler that waits for its own client's ack with the event's context
// returns as soon as the client goes away: the disconnect cancels the
// context and fails the pending acks at once, not from the dispatcher that
// the waiting handler occupies; the disconnect handlers run after it.
func TestAckWaitReleasedOnDisconnect(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	waiting := make(chan struct{}, 1)
	returned := make(chan error, 1)
	disconnected := make(chan string, 1)
	release, cancelRelease := context.WithCancel(context.Background())
	defer cancelRelease() // lets the handler go at the end, so nothing leaks
	srv.OnConnection(func(s *core.Socket) {
		s.OnDisconnect(func(_ *core.Socket, reason string) { disconnected <- reason })
		s.On("ask", func(s *core.Socket, e *core.Event) error {
			ctx, cancel := context.WithCancel(e.Context())
			defer cancel()
			stop := context.AfterFunc(release, cancel)
			defer stop()
			waiting <- struct{}{}
			_, err := s.EmitWithAck(ctx, "question")
			returned <- err
			return nil
		})
	})
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)
	c.Emit("/", -1, "ask")
	recv(t, waiting)
	if ev := c.ExpectEvent(); ev.Name != "question" {
		t.Fatalf("got %q", ev.Name)
	}
	c.Close() // the client goes away without acknowledging
	select {
	case err := <-returned:
		if !errors.Is(err, core.ErrDisconnected) && !errors.Is(err, context.Canceled) {
			t.Errorf("EmitWithAck returned %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("EmitWithAck still waiting 2s after the client went away; the disconnect is stuck behind it")
	}
	recv(t, disconnected)
}

// DISCONNECT and CONNECT for one namespace back to back (the client's
// socket.disconnect(); socket.connect()): the new CONNECT is answered,
// although the old socket's disconnect may still be queued.
func TestReconnectRightAfterClientDisconnect(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	srv.OnConnection(func(s *core.Socket) {})
	for i := 0; i < 20; i++ {
		c := siotest.Dial(t, url, nil)
		c.MustConnect("/", nil)
		c.Send(&parser.Packet{Type: parser.Disconnect, Nsp: "/"})
		c.Send(&parser.Packet{Type: parser.Connect, Nsp: "/"})
		p, err := c.NextErr(2 * time.Second)
		if err != nil {
			t.Fatalf("attempt %d: no answer to CONNECT sent right after DISCONNECT: %v", i, err)
		}
		if p.Type != parser.Connect {
			t.Fatalf("attempt %d: got %v %s", i, p.Type, p.Raw)
		}
		c.Close()
	}
}

// The same after a server-side disconnect from a handler that goes on
// working after Socket.Disconnect: the client's CONNECT, sent as soon as it
// got DISCONNECT (what socket.io-client's socket.connect() does after "io
// server disconnect"), is answered.
func TestReconnectAfterServerDisconnectFromHandler(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	srv.OnConnection(func(s *core.Socket) {
		s.On("kick", func(s *core.Socket, e *core.Event) error {
			s.Disconnect(false)
			time.Sleep(200 * time.Millisecond) // e.g. an audit log write
			return nil
		})
	})
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)
	c.Emit("/", -1, "kick")
	if p := c.Next(); p.Type != parser.Disconnect {
		t.Fatalf("got %v", p.Type)
	}
	c.Send(&parser.Packet{Type: parser.Connect, Nsp: "/"}) // what socket.io-client's socket.connect() sends
	p, err := c.NextErr(2 * time.Second)
	if err != nil || p.Type != parser.Connect {
		t.Fatalf("no CONNECT answer after a server disconnect: %v %v", p, err)
	}
}

// A socket that a connect middleware refused leaves the rooms the
// middlewares before it made it join.
func TestRefusedSocketLeavesNoRooms(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	srv.Use(core.ConnectFunc(func(s *core.Socket) error {
		s.Join("lobby")
		return nil
	}), core.ConnectFunc(func(s *core.Socket) error {
		return core.NewConnectError("unauthorized", nil)
	}))
	c := siotest.Dial(t, url, nil)
	if p := c.Connect("/", nil); p.Type != parser.ConnectError {
		t.Fatalf("got %v", p.Type)
	}
	ids := srv.Of("/").Adapter().Sockets(core.BroadcastOptions{})
	rooms, _ := srv.Of("/").Adapter().AllRooms(context.Background())
	if len(ids) != 0 || len(rooms) != 0 {
		t.Fatalf("refused socket still in the adapter: sockets %v, rooms %v", ids, rooms)
	}
}

// SocketsJoin racing the disconnects of the sockets it picked does not put
// a disconnected socket back in a room.
func TestSocketsJoinRacingDisconnect(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	gone := make(chan struct{}, 256)
	srv.OnConnection(func(s *core.Socket) {
		s.OnDisconnect(func(*core.Socket, string) { gone <- struct{}{} })
	})
	const n = 60
	clients := make([]*siotest.Client, n)
	for i := range clients {
		clients[i] = siotest.Dial(t, url, nil)
		clients[i].MustConnect("/", nil)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				_ = srv.SocketsJoin("r")
			}
		}
	}()
	for _, c := range clients {
		c.Close()
	}
	for range clients {
		recv(t, gone)
	}
	close(stop)
	wg.Wait()
	if ghosts := srv.Of("/").Adapter().Sockets(core.BroadcastOptions{Rooms: []string{"r"}}); len(ghosts) > 0 {
		t.Fatalf("%d disconnected sockets are still in room r", len(ghosts))
	}
}

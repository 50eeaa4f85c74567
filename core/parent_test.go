package core_test

import (
	"context"
	"reflect"
	"regexp"
	"slices"
	"testing"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/parser"
	"github.com/gosio/gosio/internal/siotest"
)

// Every operation of a parent namespace acts on its children, over real
// sockets: middlewares and handlers, broadcasts with rooms and acks, bulk
// room changes and disconnects.
func TestParentNamespaceOperations(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	dyn := srv.OfRegexp(regexp.MustCompile(`^/room-\d+$`))
	if dyn.Server() != srv {
		t.Error("Server() is not the parent's server")
	}
	events := make(chan string, 4)
	dyn.UseEvents(func(next core.EventHandler) core.EventHandler {
		return func(s *core.Socket, e *core.Event) error {
			events <- s.Namespace().Name() + " " + e.Name
			return next(s, e)
		}
	})
	conns := make(chan *core.Socket, 2)
	dyn.OnConnection(func(s *core.Socket) {
		s.On("hi", func(s *core.Socket, e *core.Event) error { return e.Ack(s.Namespace().Name()) })
		conns <- s
	})
	a, b := siotest.Dial(t, url, nil), siotest.Dial(t, url, nil)
	a.MustConnect("/room-1", nil)
	sa := recv(t, conns)
	b.MustConnect("/room-2", nil)
	sb := recv(t, conns)

	var names []string
	for _, c := range dyn.Children() {
		names = append(names, c.Name())
	}
	if !slices.Equal(names, []string{"/room-1", "/room-2"}) {
		t.Errorf("Children() = %v", names)
	}
	if c, ok := srv.Of("/room-1").Socket(sa.ID()); !ok || c != sa {
		t.Error("Of(child name) is not the child")
	}

	a.Emit("/room-1", 1, "hi")
	if got := a.ExpectAck(1); !slices.Equal(got, []any{"/room-1"}) {
		t.Errorf("ack %v", got)
	}
	if got := recv(t, events); got != "/room-1 hi" {
		t.Errorf("event middleware saw %q", got)
	}

	expect := func(c *siotest.Client, nsp, name string) siotest.Event {
		t.Helper()
		e := c.ExpectEvent()
		if e.Nsp != nsp || e.Name != name {
			t.Fatalf("got %s %q, want %s %q", e.Nsp, e.Name, nsp, name)
		}
		return e
	}
	if err := dyn.Emit("all", 1); err != nil {
		t.Fatal(err)
	}
	expect(a, "/room-1", "all")
	expect(b, "/room-2", "all")

	sa.Join("red")
	if err := dyn.To("red").Emit("red"); err != nil {
		t.Fatal(err)
	}
	if err := dyn.Except("red").Local().Emit("not-red"); err != nil {
		t.Fatal(err)
	}
	expect(a, "/room-1", "red")
	expect(b, "/room-2", "not-red")

	done := make(chan []*core.Args, 1)
	go func() {
		acks, err := dyn.Timeout(siotest.Wait).EmitWithAck(context.Background(), "ask")
		if err != nil {
			t.Error(err)
		}
		done <- acks
	}()
	for _, c := range []*siotest.Client{a, b} {
		e := c.ExpectEvent()
		if e.Name != "ask" || !e.HasID {
			t.Fatalf("got %+v, want ask with an ack id", e)
		}
		c.Ack(e.Nsp, e.ID, e.Nsp)
	}
	if acks := recv(t, done); len(acks) != 2 {
		t.Fatalf("%d acks, want 2", len(acks))
	}

	if err := dyn.SocketsJoin("blue"); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(sa.Rooms(), "blue") || !slices.Contains(sb.Rooms(), "blue") {
		t.Errorf("after SocketsJoin: %v, %v", sa.Rooms(), sb.Rooms())
	}
	if err := dyn.In("blue").SocketsLeave("blue"); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(sa.Rooms(), "blue") || slices.Contains(sb.Rooms(), "blue") {
		t.Errorf("after SocketsLeave: %v, %v", sa.Rooms(), sb.Rooms())
	}

	if err := dyn.DisconnectSockets(false); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*siotest.Client{a, b} {
		if p := c.Next(); p.Type != parser.Disconnect {
			t.Errorf("got %v %s, want DISCONNECT", p.Type, p.Raw)
		}
	}
}

// What cannot work on a parent, which has no sockets or adapter of its own,
// does not exist on its type (Node throws on fetchSockets there, and its
// parent's adapter supports no server-side emits).
func TestParentNamespaceHasNoUnsupportedOperations(t *testing.T) {
	t.Parallel()
	for _, typ := range []reflect.Type{
		reflect.TypeFor[*core.ParentNamespace](),
		reflect.TypeFor[core.ParentBroadcastOperator](),
	} {
		for _, m := range []string{
			"FetchSockets", "OnServerSide", "ServerSideEmit", "ServerSideEmitWithAck",
			"Adapter", "Sockets", "Socket", "Name",
		} {
			if _, ok := typ.MethodByName(m); ok {
				t.Errorf("%v has %s", typ, m)
			}
		}
	}
}

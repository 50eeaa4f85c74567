package core_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"regexp"
	"strings"
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

func TestConnectTimeout(t *testing.T) {
	t.Parallel()
	_, url := newServer(t, &core.Options{ConnectTimeout: 100 * time.Millisecond})
	c := siotest.Dial(t, url, nil)
	if !c.Closed(3 * time.Second) {
		t.Fatal("idle connection not closed")
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

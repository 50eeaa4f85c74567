package core_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/parser"
	"github.com/gosio/gosio/internal/siotest"
)

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

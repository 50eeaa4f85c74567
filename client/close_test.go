package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/gosio/gosio/client"
)

// TestParseError: a packet the client cannot decode closes the connection
// with "parse error", and the client reconnects.
func TestParseError(t *testing.T) {
	var mu sync.Mutex
	conns := 0
	up := websocket.Upgrader{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		mu.Lock()
		conns++
		n := conns
		mu.Unlock()
		_ = c.WriteMessage(websocket.TextMessage, []byte(`0{"sid":"s`+strings.Repeat("x", n)+`","upgrades":[],"pingInterval":10000,"pingTimeout":10000,"maxPayload":1000000}`))
		if _, msg, err := c.ReadMessage(); err != nil || string(msg) != "40" {
			return
		}
		_ = c.WriteMessage(websocket.TextMessage, []byte(`40{"sid":"a"}`))
		if n == 1 {
			_ = c.WriteMessage(websocket.TextMessage, []byte(`42["unterminated`))
		}
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}))
	defer hs.Close()
	defer hs.CloseClientConnections()
	o := fastReconnect(client.Options{Transports: []string{client.TransportWebSocket}})
	// The garbage follows the CONNECT answer at once: watch before
	// connecting.
	m, err := client.NewManager(hs.URL, o)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s := m.Socket("/", nil)
	ev := watch(s)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := s.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	ev.until(t, "connect")
	ev.until(t, "disconnect: "+client.ReasonParseError)
	ev.until(t, "connect")
}

// TestCloseEndsEverything: Close returns at once, and leaves no goroutine
// behind (goleak checks at the end), whatever the manager is doing: waiting
// for a server that never answers the handshake, waiting between
// reconnection attempts, or running a handler that calls Close itself.
func TestCloseEndsEverything(t *testing.T) {
	t.Run("handshake", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		var held []net.Conn
		var mu sync.Mutex
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				mu.Lock()
				held = append(held, c) // accepted, never answered
				mu.Unlock()
			}
		}()
		defer func() {
			mu.Lock()
			for _, c := range held {
				c.Close()
			}
			mu.Unlock()
		}()
		for _, tc := range transportCases[:2] {
			m, err := client.NewManager("http://"+ln.Addr().String(), &tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			s := m.Socket("/", nil)
			mu.Lock()
			before := len(held)
			mu.Unlock()
			errs := make(chan error, 1)
			go func() { errs <- s.Connect(context.Background()) }()
			waitFor(t, "the handshake to start", func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(held) > before
			})
			start := time.Now()
			m.Close()
			if err := recv(t, errs); !errors.Is(err, client.ErrClosed) {
				t.Fatalf("%s: Connect returned %v", tc.name, err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("%s: Close took %v", tc.name, d)
			}
		}
	})

	t.Run("backoff", func(t *testing.T) {
		g := startGosio(t, nil, nil)
		p := newProxy(t, g.Addr())
		o := client.Options{ReconnectionDelay: time.Hour}
		s := dial(t, p.URL(), &o)
		ev := watch(s)
		p.Cut(true)
		ev.next(t) // disconnect: the next attempt is an hour away
		start := time.Now()
		s.Close()
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("Close took %v", d)
		}
		if err := s.Emit("x"); !errors.Is(err, client.ErrClosed) {
			t.Fatalf("emit after Close: %v", err)
		}
	})

	t.Run("from a handler", func(t *testing.T) {
		g := startGosio(t, nil, echoServer)
		s := dial(t, g.URL(), nil)
		closed := make(chan struct{})
		s.On("pong", func(s *client.Socket, e *client.Event) error {
			s.Close()
			close(closed)
			return nil
		})
		disc := make(chan string, 1)
		s.OnDisconnect(func(s *client.Socket, reason string) { disc <- reason })
		if err := s.Emit("ping-me"); err != nil {
			t.Fatal(err)
		}
		recv(t, closed)
		if r := recv(t, disc); r != client.ReasonIOClientDisconnect {
			t.Fatalf("reason %q", r)
		}
	})
}

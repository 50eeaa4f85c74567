package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"time"

	"github.com/gosio/gosio/client"
	"github.com/gosio/gosio/core"
)

// A client of a chat server: join a room, say something, print what the
// room says. The server here is gosio on a test server; the client works
// the same with Node's socket.io.
func Example() {
	io := core.NewServer(nil)
	io.OnConnection(func(s *core.Socket) {
		s.On("join", core.HandleAck(func(s *core.Socket, room string) (string, error) {
			s.Join(room)
			return "welcome to " + room, nil
		}))
		s.On("say", core.Handle(func(s *core.Socket, msg string) error {
			return io.To("lobby").Emit("said", msg)
		}))
	})
	hs := httptest.NewServer(io)
	defer hs.Close()
	defer io.Close(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := client.Dial(ctx, hs.URL, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	said := make(chan string, 1)
	s.On("said", client.Handle(func(s *client.Socket, msg string) error {
		said <- msg
		return nil
	}))
	ack, err := s.EmitWithAck(ctx, "join", "lobby")
	if err != nil {
		log.Fatal(err)
	}
	welcome, _ := client.Decode[string](ack)
	fmt.Println(welcome)
	if err := s.Emit("say", "hello"); err != nil {
		log.Fatal(err)
	}
	fmt.Println(<-said)
	// Output:
	// welcome to lobby
	// hello
}

// Two namespaces on one connection, with a token refreshed on every
// (re)connection and the reconnection events logged.
func ExampleManager() {
	m, err := client.NewManager("https://chat.example.com", &client.Options{
		Transports:        []string{client.TransportWebSocket},
		ReconnectionDelay: 500 * time.Millisecond,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	m.OnReconnectAttempt(func(n int) { log.Printf("reconnecting (attempt %d)", n) })
	m.OnReconnect(func(n int) { log.Printf("reconnected after %d attempts", n) })

	admin := m.Socket("/admin", &client.SocketOptions{
		AuthFunc: func(ctx context.Context) (any, error) {
			token, err := fetchToken(ctx)
			return map[string]string{"token": token}, err
		},
	})
	admin.OnConnectError(func(s *client.Socket, err error) {
		var ce *client.ConnectError
		if errors.As(err, &ce) {
			log.Printf("refused: %s", ce.Message)
		}
	})
	news := m.Socket("/news", nil)
	ctx := context.Background()
	if err := admin.Connect(ctx); err != nil {
		log.Fatal(err)
	}
	if err := news.Connect(ctx); err != nil {
		log.Fatal(err)
	}
}

func fetchToken(context.Context) (string, error) { return "token", nil }

// Answering the server's questions: the handler's result is the ack the
// server's emitWithAck resolves to.
func ExampleHandleAck() {
	var s *client.Socket // from Dial
	s.On("add", client.HandleAck(func(s *client.Socket, o struct{ A, B int }) (int, error) {
		return o.A + o.B, nil
	}))
}

// Waiting for the server's acknowledgement, with a timeout.
func ExampleSocket_EmitWithAck() {
	var s *client.Socket // from Dial
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ack, err := s.EmitWithAck(ctx, "save", map[string]any{"id": 7, "blob": []byte{1, 2, 3}})
	switch {
	case errors.Is(err, client.ErrAckTimeout):
		log.Print("no answer in time")
	case err != nil:
		log.Print(err)
	default:
		var saved bool
		_ = ack.Decode(0, &saved)
	}
}

// At-least-once delivery: each emit is sent again until the server
// acknowledges it, at most 3 more times, one second apart.
func ExampleSocketOptions_retries() {
	s, err := client.Dial(context.Background(), "http://localhost:3000", &client.Options{
		SocketOptions: client.SocketOptions{Retries: 3, AckTimeout: time.Second},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	_ = s.Emit("order", map[string]int{"item": 42}) // the server's handler must ack
}

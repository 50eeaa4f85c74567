package engine_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/gosio/gosio/core/engine"
)

// echo is a Handler that sends every message back.
type echo struct{}

// OnOpen returns the handler of one session: here the session itself is
// all the state it needs.
func (echo) OnOpen(s *engine.Session) engine.SessionHandler {
	log.Printf("open %s over %s", s.ID(), s.Transport())
	return echoSession{s}
}

// echoSession sends one session's messages back.
type echoSession struct{ s *engine.Session }

func (e echoSession) OnMessage(m engine.Message) {
	if err := e.s.Send(m); err != nil {
		log.Printf("send to %s: %v", e.s.ID(), err)
	}
}

func (e echoSession) OnClose(reason string, err error) {
	log.Printf("close %s: %s (%v)", e.s.ID(), reason, err)
}

// A bare Engine.IO echo server on net/http, shut down gracefully.
func Example() {
	srv := engine.NewServer(echo{}, engine.Options{
		PingInterval: 25 * time.Second,
		CORS:         &engine.CORS{Origins: []string{"*"}},
	})
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", srv)
	hs := &http.Server{Addr: "127.0.0.1:3000", Handler: mux}
	go func() {
		if err := hs.ListenAndServe(); err != nil && err != http.ErrServerClosed {
			log.Print(err)
		}
	}()

	// ... later:
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Close(ctx) // sessions get "server shutting down"
	_ = hs.Shutdown(ctx)
}

func ExampleAppendPayload() {
	payload := engine.AppendPayload(nil, []engine.Packet{
		{Type: engine.PacketMessage, Data: []byte("hello")},
		{Type: engine.PacketPing},
		{Type: engine.PacketMessage, Data: []byte{1, 2, 3, 4}, Binary: true},
	})
	fmt.Printf("%q\n", payload)
	// Output: "4hello\x1e2\x1ebAQIDBA=="
}

func ExampleDecodePayload() {
	err := engine.DecodePayload([]byte("4hello\x1ebAQIDBA=="), func(p engine.Packet) error {
		fmt.Println(p.Type, p.Binary, p.Data)
		return nil
	})
	fmt.Println(err)
	// Output:
	// message false [104 101 108 108 111]
	// message true [1 2 3 4]
	// <nil>
}

func ExampleSession_Send() {
	// A broadcast encodes once and hands the same bytes to every session;
	// the engine never modifies them.
	var sessions []*engine.Session // collected in OnOpen by the layer above
	data := []byte(`2["news","hello everyone"]`)
	for _, s := range sessions {
		if err := s.Send(engine.Message{Data: data}); err != nil {
			log.Printf("%s: %v", s.ID(), err) // ErrQueueFull, ErrClosed
		}
	}
	fmt.Println(len(sessions))
	// Output: 0
}

package sioredis_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/parser"
)

// Broadcasts from another server reach the outgoing listeners of the local
// sockets they are delivered to (as in Node, whose Redis adapter delivers
// them through the in-memory adapter), with and without acks.
func TestClusterOutgoingListeners(t *testing.T) {
	forEachMode(t, 5*time.Second, testClusterOutgoingListeners)
}

func testClusterOutgoingListeners(t *testing.T, cfg nodeConfig) {
	r := startRedis(t)
	type call struct{ event, args string }
	calls := make(chan call, 16)
	sender := newNode(t, r.Addr, cfg)
	cfg.setup = func(io *core.Server) {
		// Registered before the CONNECT answer, so that the first
		// broadcast cannot come before the listener.
		io.Use(core.ConnectFunc(func(s *core.Socket) error {
			s.OnAnyOutgoing(func(_ *core.Socket, event string, args []any) {
				b, err := json.Marshal(args)
				if err != nil {
					b = []byte(err.Error())
				}
				calls <- call{event, string(b)}
			})
			return nil
		}))
	}
	receiver := newNode(t, r.Addr, cfg)
	c := dial(t, receiver.URL, "/", nil)
	c.OnAck(func(*parser.Packet) []any { return []any{"ok"} })
	expect := func(want call) {
		t.Helper()
		select {
		case got := <-calls:
			if got != want {
				t.Fatalf("outgoing listener got %+v, want %+v", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("outgoing listener not called with %+v", want)
		}
	}

	if err := sender.IO.Emit("all", "x", 1, map[string]any{"k": true}); err != nil {
		t.Fatal(err)
	}
	expect(call{"all", `["x",1,{"k":true}]`})
	c.Expect("all")

	acks, err := sender.IO.Timeout(5*time.Second).EmitWithAck(context.Background(), "ask", 2)
	if err != nil || len(acks) != 1 {
		t.Fatalf("EmitWithAck: %d acks, %v", len(acks), err)
	}
	expect(call{"ask", `[2]`})
	c.Expect("ask")
	select {
	case got := <-calls:
		t.Fatalf("outgoing listener called again: %+v", got)
	case <-time.After(100 * time.Millisecond):
	}
}

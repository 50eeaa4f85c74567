package engine_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/internal/eiotest"
)

// TestWebSocketFraming checks the writer's own framing: payload lengths on
// both sides of each header size (7-bit, 16-bit, 64-bit), text and binary,
// a round larger than the flush size, on both HTTP stacks.
func TestWebSocketFraming(t *testing.T) {
	t.Parallel()
	sizes := []int{0, 1, 124, 125, 126, 127, 65534, 65535, 65536, 70000, 300000}
	var msgs []engine.Message
	for i, n := range sizes {
		data := bytes.Repeat([]byte{byte('a' + i)}, n)
		msgs = append(msgs, engine.Message{Data: data}, engine.Message{Data: data, Binary: true})
	}
	// Many small ones: one round, several flushes.
	for i := range 5000 {
		msgs = append(msgs, engine.Message{Data: []byte(fmt.Sprintf("m%d-%s", i, strings.Repeat("z", i%50)))})
	}
	for _, stack := range []string{"nethttp", "fasthttp"} {
		t.Run(stack, func(t *testing.T) {
			t.Parallel()
			var e *env
			if stack == "nethttp" {
				e = newEnv(t, engine.Options{MaxQueueBytes: 4 << 20, MaxQueuePackets: 10000})
			} else {
				e = newFastEnv(t, engine.Options{MaxQueueBytes: 4 << 20, MaxQueuePackets: 10000})
			}
			c, s := e.wsSession(t)
			eventually(t, "writer idle", func() bool { return !engine.WriterRunning(s) })
			if err := s.Send(msgs...); err != nil {
				t.Fatal(err)
			}
			for i, m := range msgs {
				p, err := c.ReadWSMessage()
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				want := eiotest.Packet{Type: eiotest.Msg, Data: string(m.Data), Binary: m.Binary}
				if p != want {
					t.Fatalf("message %d: got %d bytes binary=%v, want %d bytes binary=%v",
						i, len(p.Data), p.Binary, len(m.Data), m.Binary)
				}
			}
			// The connection still works both ways afterwards.
			if err := c.WriteWS(eiotest.Message("after")); err != nil {
				t.Fatal(err)
			}
			if m := e.rec.nextMessage(t); string(m.Data) != "after" {
				t.Fatalf("got %q", m.Data)
			}
		})
	}
}

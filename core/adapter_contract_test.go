package core_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/parser"
)

// stampAdapter is an adapter written against the exported contract alone:
// it keeps Memory's rooms, but delivers its broadcasts itself with
// Namespace.Deliver, and gives recovery offsets of its own ("b-1", "e-2")
// to what it broadcasts and to what is emitted to one socket.
type stampAdapter struct {
	*adapter.Memory
	nsp adapter.Namespace
	mu  sync.Mutex // orders the offsets with the deliveries
	seq int
}

func (a *stampAdapter) stamp(kind string, p *parser.Packet, flags adapter.BroadcastFlags) *parser.Packet {
	if !adapter.Recordable(p, flags) {
		return p
	}
	a.seq++
	return adapter.WithOffset(p, fmt.Sprintf("%s-%d", kind, a.seq))
}

func (a *stampAdapter) Broadcast(p *parser.Packet, opts adapter.BroadcastOptions) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	enc, err := adapter.Encode(a.nsp.Parser(), a.stamp("b", p, opts.Flags))
	if err != nil {
		return err
	}
	a.nsp.Deliver(opts.Context, a.Sockets(opts), enc, opts.Flags, nil)
	return nil
}

func (a *stampAdapter) EmitToSocket(id adapter.SocketID, p *parser.Packet, flags adapter.BroadcastFlags, deliver func(*parser.Packet) error) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return deliver(a.stamp("e", p, flags))
}

// An adapter outside core/adapter gets the sends through the exported
// contract: its offsets reach the client and the outgoing listeners, and
// the hooks see each send once, with its context and count, whether the
// adapter delivered it (Namespace.Deliver) or the server did (the deliver
// function EmitToSocket got).
func TestAdapterContractOffsetsAndHooks(t *testing.T) {
	t.Parallel()
	type out struct {
		event, tag string
		targets    int
	}
	outs := make(chan out, 16)
	srv, url := newServer(t, &core.Options{
		Adapter: func(nsp adapter.Namespace) adapter.Adapter {
			return &stampAdapter{Memory: adapter.NewMemory(nsp, adapter.MemoryOptions{}), nsp: nsp}
		},
		Hooks: core.Hooks{OnEventOut: func(ctx context.Context, _, event string, _, targets int) {
			outs <- out{event, tag(ctx), targets}
		}},
	})
	cs, ss := joinClients(t, srv, url, 2)
	c, s := cs[0], ss[0]
	listened := listenOut(t, s)
	ctx := context.WithValue(context.Background(), tagKey{}, "mine")

	if err := s.EmitContext(ctx, "single", 1); err != nil {
		t.Fatal(err)
	}
	if err := srv.To(s.ID()).EmitContext(ctx, "multi", 2); err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct{ event, args string }{
		{"single", `[1,"e-1"]`}, {"multi", `[2,"b-2"]`},
	} {
		expectOut(t, listened, s.ID(), want.event, want.args)
		e := c.ExpectEvent()
		args, err := json.Marshal(e.Args)
		if err != nil {
			t.Fatal(err)
		}
		if e.Name != want.event || string(args) != want.args {
			t.Errorf("client got %s %s, want %s %s", e.Name, args, want.event, want.args)
		}
		if got, wantOut := recv(t, outs), (out{want.event, "mine", 1}); got != wantOut {
			t.Errorf("hook got %+v, want %+v", got, wantOut)
		}
	}
	cs[1].ExpectNothing(20 * time.Millisecond) // left out of every send
}

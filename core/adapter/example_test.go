package adapter_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/parser"
)

// Bus is a cluster in one process: the adapters of the servers that share
// it relay their broadcasts to each other, where a real adapter would
// publish them on a broker (Redis, NATS) and receive them on a goroutine of
// its own. It is safe for concurrent use.
type Bus struct {
	mu       sync.Mutex
	adapters []*BusAdapter
}

// Factory returns the adapter factory of one server of the bus.
func (b *Bus) Factory() adapter.Factory {
	return func(nsp adapter.Namespace) adapter.Adapter {
		a := &BusAdapter{Memory: adapter.NewMemory(nsp, adapter.MemoryOptions{}), bus: b, nsp: nsp.Name()}
		b.mu.Lock()
		b.adapters = append(b.adapters, a)
		b.mu.Unlock()
		return a
	}
}

// peers returns the adapters of a's namespace on the other servers.
func (b *Bus) peers(a *BusAdapter) []*BusAdapter {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []*BusAdapter
	for _, o := range b.adapters {
		if o != a && o.nsp == a.nsp {
			out = append(out, o)
		}
	}
	return out
}

// BusAdapter is the adapter of one namespace on one server of a Bus. The
// embedded Memory keeps this server's rooms and does every local
// operation; BusAdapter overrides what crosses servers: in this sketch,
// broadcasts without acks only (the other operations stay Memory's, on one
// server, which is what Memory's ServerCount says). Like Memory, it is safe
// for concurrent use.
type BusAdapter struct {
	*adapter.Memory
	bus *Bus
	nsp string
}

// Broadcast sends p to the other servers, where it is a local broadcast
// with the same selection, then to the local sockets. Memory.Broadcast
// hands it to Namespace.Deliver, on each server: the outgoing listeners,
// the hooks and the queues are the server's business.
func (a *BusAdapter) Broadcast(p *parser.Packet, opts adapter.BroadcastOptions) error {
	if !opts.Flags.Local {
		remote := opts
		remote.Flags.Local = true
		remote.Context = nil // the context stays on this server
		for _, o := range a.bus.peers(a) {
			if err := o.Memory.Broadcast(p, remote); err != nil {
				return err
			}
		}
	}
	return a.Memory.Broadcast(p, opts)
}

// Close takes the adapter off the bus.
func (a *BusAdapter) Close() error {
	a.bus.mu.Lock()
	defer a.bus.mu.Unlock()
	a.bus.adapters = slices.DeleteFunc(a.bus.adapters, func(o *BusAdapter) bool { return o == a })
	return nil
}

// An adapter written outside this package: two servers share a Bus, and a
// broadcast made on server A reaches a client of server B. Server B's hook
// counts the delivery, as it would for one of its own broadcasts.
func Example() {
	var bus Bus
	newServer := func(name string) *core.Server {
		return core.NewServer(&core.Options{
			Adapter: bus.Factory(),
			Hooks: core.Hooks{OnEventOut: func(_ context.Context, nsp, event string, _, targets int) {
				fmt.Printf("server %s: %q sent to %d socket(s)\n", name, event, targets)
			}},
		})
	}
	a, b := newServer("A"), newServer("B")
	joined := make(chan struct{})
	b.OnConnection(func(s *core.Socket) {
		s.Join("news")
		close(joined)
	})

	c := dialPolling(b)
	<-joined
	if err := a.To("news").Emit("headline", "from A"); err != nil {
		fmt.Println(err)
	}
	fmt.Println("client of B got", c.poll())

	c.close()
	for _, srv := range []*core.Server{a, b} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = srv.Close(ctx)
		cancel()
	}
	// Output:
	// server B: "headline" sent to 1 socket(s)
	// server A: "headline" sent to 0 socket(s)
	// client of B got 42["headline","from A"]
}

// pollingClient is just enough of a Socket.IO client, over HTTP
// long-polling served in process, for the example.
type pollingClient struct {
	h   http.Handler
	sid string
}

// dialPolling opens a session on h and connects to the main namespace.
func dialPolling(h http.Handler) *pollingClient {
	c := &pollingClient{h: h}
	var open struct {
		SID string `json:"sid"`
	}
	_ = json.Unmarshal([]byte(strings.TrimPrefix(c.do(http.MethodGet, ""), "0")), &open)
	c.sid = open.SID
	c.do(http.MethodPost, "40")
	c.poll() // the CONNECT packet
	return c
}

// poll returns what the server queued for the client, waiting for it.
func (c *pollingClient) poll() string { return c.do(http.MethodGet, "") }

// close closes the Engine.IO session.
func (c *pollingClient) close() { c.do(http.MethodPost, "1") }

func (c *pollingClient) do(method, body string) string {
	url := "/socket.io/?EIO=4&transport=polling"
	if c.sid != "" {
		url += "&sid=" + c.sid
	}
	w := httptest.NewRecorder()
	c.h.ServeHTTP(w, httptest.NewRequest(method, url, strings.NewReader(body)))
	b, _ := io.ReadAll(w.Result().Body)
	return string(b)
}

package core_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/gosio/gosio/core"
)

// benchClients connects n Socket.IO clients to "/" over WebSocket; each
// reads and counts the event packets it receives, without decoding them.
type benchClients struct {
	conns    []*websocket.Conn
	received atomic.Int64
	progress chan struct{}
	readers  sync.WaitGroup
}

func dialBenchClients(b *testing.B, srv *core.Server, url string, n int) *benchClients {
	b.Helper()
	connected := make(chan struct{}, n)
	srv.OnConnection(func(*core.Socket) { connected <- struct{}{} })
	bc := &benchClients{conns: make([]*websocket.Conn, n), progress: make(chan struct{}, 1)}
	b.Cleanup(bc.close)
	wsURL := "ws://" + strings.TrimPrefix(url, "http://") + "/socket.io/?EIO=4&transport=websocket"
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second, ReadBufferSize: 4096, WriteBufferSize: 512}
	for i := range bc.conns {
		c, _, err := d.Dial(wsURL, nil)
		if err != nil {
			b.Fatal(err)
		}
		bc.conns[i] = c
		if _, open, err := c.ReadMessage(); err != nil || open[0] != '0' {
			b.Fatalf("open packet %q: %v", open, err)
		}
		if err := c.WriteMessage(websocket.TextMessage, []byte("40")); err != nil {
			b.Fatal(err)
		}
		if _, ok, err := c.ReadMessage(); err != nil || !strings.HasPrefix(string(ok), "40") {
			b.Fatalf("connect packet %q: %v", ok, err)
		}
		bc.readers.Add(1)
		go bc.read(c)
	}
	for range n {
		select {
		case <-connected:
		case <-time.After(5 * time.Second):
			b.Fatal("clients not connected in time")
		}
	}
	return bc
}

func (bc *benchClients) read(c *websocket.Conn) {
	defer bc.readers.Done()
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			return
		}
		if len(data) > 1 && data[0] == '4' && data[1] == '2' {
			bc.received.Add(1)
			select {
			case bc.progress <- struct{}{}:
			default:
			}
		}
	}
}

// wait waits until the clients received total events in all.
func (bc *benchClients) wait(b *testing.B, total int64) {
	b.Helper()
	timer := time.NewTimer(time.Minute)
	defer timer.Stop()
	for bc.received.Load() < total {
		select {
		case <-bc.progress:
		case <-timer.C:
			b.Fatalf("received %d of %d events", bc.received.Load(), total)
		}
	}
}

func (bc *benchClients) close() {
	for _, c := range bc.conns {
		if c != nil {
			_ = c.Close()
		}
	}
	bc.readers.Wait()
}

// BenchmarkBroadcast1000 is the rig's fan-out in a test: each op is one
// io.Emit of a small object to 1,000 WebSocket clients (encode once, queue
// on 1,000 sessions, coalesced writes), and the clients read everything
// (every 32 ops and at the end the benchmark waits for delivery). The
// clients run in the same process, so ns/op includes their reading;
// delivered/s is the rate to compare between versions.
func BenchmarkBroadcast1000(b *testing.B) {
	srv, url := newBenchServer(b)
	benchBroadcast(b, srv, url)
}

// BenchmarkBroadcast1000OutgoingListener is BenchmarkBroadcast1000 with an
// outgoing listener (Socket.OnAnyOutgoing) on every socket, which each
// delivery calls: what listening costs, against the plain benchmark where
// it costs one atomic load per delivery.
func BenchmarkBroadcast1000OutgoingListener(b *testing.B) {
	srv, url := newBenchServer(b)
	var calls atomic.Int64
	srv.OnConnection(func(s *core.Socket) {
		s.OnAnyOutgoing(func(*core.Socket, string, []any) { calls.Add(1) })
	})
	benchBroadcast(b, srv, url)
	if got, want := calls.Load(), int64(b.N)*1000; got != want {
		b.Fatalf("listeners called %d times, want %d", got, want)
	}
}

func benchBroadcast(b *testing.B, srv *core.Server, url string) {
	const n = 1000
	bc := dialBenchClients(b, srv, url, n)
	type msg struct {
		I  int    `json:"i"`
		TS int64  `json:"ts"`
		P  string `json:"p"`
	}
	p := strings.Repeat("x", 100)
	b.ReportAllocs()
	b.ResetTimer()
	t0 := time.Now()
	for i := 0; i < b.N; i++ {
		if err := srv.Emit("bench:msg", msg{I: i, TS: int64(i), P: p}); err != nil {
			b.Fatal(err)
		}
		if i%32 == 31 {
			bc.wait(b, int64(i+1)*n)
		}
	}
	bc.wait(b, int64(b.N)*n)
	b.ReportMetric(float64(b.N)*n/time.Since(t0).Seconds(), "delivered/s")
}

// newBenchServer starts a server on a loopback listener, closed when the
// benchmark ends.
func newBenchServer(b *testing.B) (*core.Server, string) {
	srv := core.NewServer(nil)
	hs := httptest.NewServer(srv)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
		hs.Close()
	})
	return srv, hs.URL
}

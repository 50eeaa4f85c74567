package admin_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/gosio/gosio/admin"
	"github.com/gosio/gosio/core"
)

// The benchmarks measure what the instrumentation costs with no UI
// connected, against the plain server: "none" is not instrumented,
// "production" and "development" are, in that mode.
var benchModes = []string{"none", admin.Production, admin.Development}

func benchServer(b *testing.B, mode string) (*core.Server, string) {
	b.Helper()
	srv := core.NewServer(nil)
	srv.OnConnection(func(s *core.Socket) {
		s.On("echo", func(s *core.Socket, e *core.Event) error {
			v, _ := core.Decode[string](&e.Args)
			return e.Ack(v)
		})
	})
	if mode != "none" {
		a, err := admin.Instrument(srv, admin.Options{Auth: admin.NoAuth(), Mode: mode})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = a.Close() })
	}
	hs := httptest.NewServer(srv)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
		hs.Close()
	})
	return srv, "ws://" + strings.TrimPrefix(hs.URL, "http://") + "/socket.io/?EIO=4&transport=websocket"
}

func benchDial(b *testing.B, url string) *websocket.Conn {
	b.Helper()
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	if _, open, err := c.ReadMessage(); err != nil || open[0] != '0' {
		b.Fatalf("open %q: %v", open, err)
	}
	if err := c.WriteMessage(websocket.TextMessage, []byte("40")); err != nil {
		b.Fatal(err)
	}
	if _, ok, err := c.ReadMessage(); err != nil || !strings.HasPrefix(string(ok), "40") {
		b.Fatalf("connect %q: %v", ok, err)
	}
	return c
}

// BenchmarkBroadcast1000 is the rig's fan-out: each op is one broadcast of
// a 100-byte payload to 1,000 WebSocket clients, which read everything.
func BenchmarkBroadcast1000(b *testing.B) {
	for _, mode := range benchModes {
		b.Run(mode, func(b *testing.B) {
			srv, url := benchServer(b, mode)
			const n = 1000
			var received atomic.Int64
			var readers sync.WaitGroup
			progress := make(chan struct{}, 1)
			for range n {
				c := benchDial(b, url)
				readers.Add(1)
				go func() {
					defer readers.Done()
					for {
						_, data, err := c.ReadMessage()
						if err != nil {
							return
						}
						if len(data) > 1 && data[0] == '4' && data[1] == '2' {
							received.Add(1)
							select {
							case progress <- struct{}{}:
							default:
							}
						}
					}
				}()
			}
			b.Cleanup(readers.Wait)
			wait := func(total int64) {
				deadline := time.After(time.Minute)
				for received.Load() < total {
					select {
					case <-progress:
					case <-deadline:
						b.Fatalf("received %d of %d", received.Load(), total)
					}
				}
			}
			p := strings.Repeat("x", 100)
			b.ReportAllocs()
			b.ResetTimer()
			t0 := time.Now()
			for i := 0; i < b.N; i++ {
				if err := srv.Emit("bench:msg", map[string]any{"i": i, "p": p}); err != nil {
					b.Fatal(err)
				}
				if i%32 == 31 {
					wait(int64(i+1) * n)
				}
			}
			wait(int64(b.N) * n)
			b.ReportMetric(float64(b.N)*n/time.Since(t0).Seconds(), "delivered/s")
		})
	}
}

// BenchmarkEcho is the rig's echo: each op is one event with an ack and its
// answer, from each of 8 clients in parallel.
func BenchmarkEcho(b *testing.B) {
	for _, mode := range benchModes {
		b.Run(mode, func(b *testing.B) {
			_, url := benchServer(b, mode)
			const clients = 8
			conns := make([]*websocket.Conn, clients)
			for i := range conns {
				conns[i] = benchDial(b, url)
			}
			var next atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			var wg sync.WaitGroup
			var failed atomic.Value
			for _, c := range conns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for id := 0; next.Add(1) <= int64(b.N); id++ {
						msg := fmt.Sprintf(`42%d["echo","%s"]`, id, strings.Repeat("x", 100))
						if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
							failed.Store(err)
							return
						}
						for {
							_, data, err := c.ReadMessage()
							if err != nil {
								failed.Store(err)
								return
							}
							if strings.HasPrefix(string(data), "43") {
								break
							}
							if string(data) == "2" { // ping
								_ = c.WriteMessage(websocket.TextMessage, []byte("3"))
							}
						}
					}
				}()
			}
			wg.Wait()
			if err := failed.Load(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

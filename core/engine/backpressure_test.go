package engine_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/gosio/gosio/core/engine"
)

// The tests here prove the backpressure contract with real sockets: a client
// that stops reading its TCP socket costs the server at most its queue
// bounds, and never delays the delivery to the other clients.

// fanHandler records sessions in open order and their close reasons.
type fanHandler struct {
	mu       sync.Mutex
	sessions []*engine.Session
	opened   chan struct{} // poked on each open
	closed   chan fanClose
}

type fanClose struct {
	s      *engine.Session
	reason string
}

func newFanHandler() *fanHandler {
	return &fanHandler{opened: make(chan struct{}, 1), closed: make(chan fanClose, 4096)}
}

func (h *fanHandler) OnOpen(s *engine.Session) engine.SessionHandler {
	h.mu.Lock()
	h.sessions = append(h.sessions, s)
	h.mu.Unlock()
	select {
	case h.opened <- struct{}{}:
	default:
	}
	return fanSession{h, s}
}

// fanSession reports one session's close to its fanHandler.
type fanSession struct {
	h *fanHandler
	s *engine.Session
}

func (fanSession) OnMessage(engine.Message) {}
func (f fanSession) OnClose(reason string, _ error) {
	f.h.closed <- fanClose{f.s, reason}
}

// waitSessions waits until n sessions are open and returns them in order.
func (h *fanHandler) waitSessions(tb testing.TB, n int) []*engine.Session {
	tb.Helper()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		h.mu.Lock()
		if len(h.sessions) >= n {
			out := append([]*engine.Session(nil), h.sessions[:n]...)
			h.mu.Unlock()
			return out
		}
		h.mu.Unlock()
		select {
		case <-h.opened:
		case <-timer.C:
			tb.Fatalf("%d sessions open within %v, want %d", len(h.sessions), wait, n)
		}
	}
}

// sndbufListener gives every accepted connection a small kernel send buffer,
// so that a client that stops reading blocks the server's writes soon.
type sndbufListener struct {
	net.Listener
	size int
}

func (l sndbufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(l.size)
	}
	return c, err
}

// newFanServer starts an engine server whose connections have 16 KiB send
// buffers; it is closed when the test ends.
func newFanServer(tb testing.TB, opts engine.Options) (*engine.Server, *fanHandler, string) {
	tb.Helper()
	h := newFanHandler()
	srv := engine.NewServer(h, opts)
	hs := httptest.NewUnstartedServer(srv)
	hs.Listener = sndbufListener{hs.Listener, 16 << 10}
	hs.Start()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			tb.Errorf("Server.Close: %v", err)
		}
		hs.Close()
	})
	return srv, h, "ws://" + strings.TrimPrefix(hs.URL, "http://") + "/engine.io/?EIO=4&transport=websocket"
}

// dialFan opens a WebSocket session and reads its open packet. rcvbuf > 0
// shrinks the client's kernel receive buffer.
func dialFan(url string, rcvbuf int) (*websocket.Conn, error) {
	d := websocket.Dialer{
		HandshakeTimeout: wait,
		ReadBufferSize:   4096,
		WriteBufferSize:  512,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if tc, ok := c.(*net.TCPConn); ok && rcvbuf > 0 {
				_ = tc.SetReadBuffer(rcvbuf)
			}
			return c, err
		},
	}
	c, _, err := d.Dial(url, nil)
	if err != nil {
		return nil, err
	}
	_ = c.SetReadDeadline(time.Now().Add(wait))
	_, data, err := c.ReadMessage()
	if err != nil || len(data) == 0 || data[0] != '0' {
		_ = c.Close()
		return nil, fmt.Errorf("open packet %q: %v", data, err)
	}
	_ = c.SetReadDeadline(time.Time{})
	return c, nil
}

// fanout is one stalled client and healthy ones reading everything.
type fanout struct {
	stalled  *websocket.Conn
	healthy  []*websocket.Conn
	sessions []*engine.Session // sessions[0] is the stalled client's
	received atomic.Int64      // messages read by all healthy clients
	progress chan struct{}     // poked by the healthy readers
	errs     chan error
	readers  sync.WaitGroup
}

// newFanout connects the stalled client (when stalled), then healthy
// clients, each reading and checking message numbers in order.
func newFanout(tb testing.TB, h *fanHandler, url string, healthy int, stalled bool) *fanout {
	tb.Helper()
	f := &fanout{progress: make(chan struct{}, 1), errs: make(chan error, healthy)}
	n := 0
	if stalled {
		c, err := dialFan(url, 4096)
		if err != nil {
			tb.Fatal(err)
		}
		f.stalled = c
		n = 1
		h.waitSessions(tb, 1)
	}
	f.healthy = make([]*websocket.Conn, healthy)
	var wg sync.WaitGroup
	var dialErr atomic.Value
	sem := make(chan struct{}, 32)
	for i := range f.healthy {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := dialFan(url, 0)
			if err != nil {
				dialErr.Store(err)
				return
			}
			f.healthy[i] = c
		}()
	}
	wg.Wait()
	tb.Cleanup(f.close)
	if err, ok := dialErr.Load().(error); ok {
		tb.Fatal(err)
	}
	f.sessions = h.waitSessions(tb, n+healthy)
	for _, c := range f.healthy {
		f.readers.Add(1)
		go f.read(c)
	}
	return f
}

// read counts the messages of a healthy client, checking their order.
func (f *fanout) read(c *websocket.Conn) {
	defer f.readers.Done()
	next := 0
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			return // closed at the end of the test
		}
		if len(data) < 7 || data[0] != '4' {
			continue // a ping
		}
		i, err := strconv.Atoi(string(data[1:7]))
		if err != nil || i != next {
			f.errs <- fmt.Errorf("message %q, want number %d", data[:7], next)
			return
		}
		next++
		f.received.Add(1)
		select {
		case f.progress <- struct{}{}:
		default:
		}
	}
}

func (f *fanout) close() {
	if f.stalled != nil {
		_ = f.stalled.Close()
	}
	for _, c := range f.healthy {
		if c != nil {
			_ = c.Close()
		}
	}
	f.readers.Wait()
}

// waitDelivered waits until every healthy client has read total messages,
// at most d.
func (f *fanout) waitDelivered(tb testing.TB, total int, d time.Duration) {
	tb.Helper()
	want := int64(total) * int64(len(f.healthy))
	timer := time.NewTimer(d)
	defer timer.Stop()
	for f.received.Load() < want {
		select {
		case <-f.progress:
		case err := <-f.errs:
			tb.Fatal(err)
		case <-timer.C:
			tb.Fatalf("healthy clients read %d of %d messages within %v", f.received.Load(), want, d)
		}
	}
}

// fanMessage returns message i: its 6-digit number padded to size bytes.
func fanMessage(i, size int) engine.Message {
	b := make([]byte, size)
	copy(b, fmt.Sprintf("%06d", i))
	for j := 6; j < size; j++ {
		b[j] = 'x'
	}
	return engine.Message{Data: b}
}

func TestStalledClientAmongThousand(t *testing.T) {
	const (
		healthy   = 999
		rounds    = 40
		perRound  = 10
		size      = 512
		maxBytes  = 16 << 10
		maxPacket = 64
		// Far longer than the test: the healthy clients' delivery must
		// never wait for the stalled client's write to time out.
		writeTimeout = 10 * time.Minute
		// Per round of perRound broadcasts to 1000 sessions.
		roundDeadline = 10 * time.Second
	)
	for _, policy := range []engine.SlowClientPolicy{engine.SlowClientError, engine.SlowClientDisconnect} {
		name := map[engine.SlowClientPolicy]string{engine.SlowClientError: "error", engine.SlowClientDisconnect: "disconnect"}[policy]
		t.Run(name, func(t *testing.T) {
			_, h, url := newFanServer(t, engine.Options{
				MaxQueuePackets: maxPacket, MaxQueueBytes: maxBytes, SlowClient: policy, WriteTimeout: writeTimeout,
				// The stalled client answers no ping: on a loaded machine the
				// test may outlast the default 45 s heartbeat, which is not
				// what it checks.
				PingInterval: 5 * time.Minute, PingTimeout: time.Minute,
			})
			f := newFanout(t, h, url, healthy, true)
			stalled := f.sessions[0]
			var full, closedSends int
			var slowest time.Duration
			for r := range rounds {
				for k := range perRound {
					m := fanMessage(r*perRound+k, size)
					for i, s := range f.sessions {
						t0 := time.Now()
						err := s.Send(m)
						slowest = max(slowest, time.Since(t0))
						switch {
						case err == nil:
						case i == 0 && errors.Is(err, engine.ErrQueueFull):
							full++
						case i == 0 && policy == engine.SlowClientDisconnect && errors.Is(err, engine.ErrClosed):
							closedSends++
						default:
							t.Fatalf("Send to session %d: %v", i, err)
						}
					}
					// The server never holds more than the bounds for the
					// stalled client, whatever was sent to it.
					if p, b := engine.Queued(stalled); p > maxPacket || b > maxBytes {
						t.Fatalf("stalled client holds %d packets, %d bytes; bounds %d, %d", p, b, maxPacket, maxBytes)
					}
				}
				f.waitDelivered(t, (r+1)*perRound, roundDeadline)
			}
			total := rounds * perRound
			t.Logf("%d messages to %d clients; stalled client: %d refused (queue full), %d after close; slowest Send %v",
				total, healthy+1, full, closedSends, slowest)
			if full == 0 {
				t.Fatal("the stalled client's queue never filled: the test did not stall it")
			}
			if slowest > wait {
				t.Errorf("a Send took %v: Send must not wait for the network", slowest)
			}
			switch policy {
			case engine.SlowClientError:
				if _, b := engine.Queued(stalled); b == 0 {
					t.Error("the stalled client's queue is empty")
				}
				// The stalled session stays open (its writer blocked in
				// write) until the client goes away.
				_ = f.stalled.Close()
				ev := waitFanClose(t, h, stalled)
				if ev.reason != engine.ReasonTransportError && ev.reason != engine.ReasonTransportClose {
					t.Fatalf("stalled session closed with %q", ev.reason)
				}
			case engine.SlowClientDisconnect:
				ev := waitFanClose(t, h, stalled)
				if ev.reason != engine.ReasonSlowClient {
					t.Fatalf("stalled session closed with %q, want %q", ev.reason, engine.ReasonSlowClient)
				}
				if full != 1 {
					t.Errorf("%d sends refused, want exactly 1 (then the session is closed)", full)
				}
			}
			if p, b := engine.Queued(stalled); p != 0 || b != 0 {
				t.Errorf("closed session still holds %d packets, %d bytes", p, b)
			}
		})
	}
}

// waitFanClose waits for the close of s (other sessions do not close here).
func waitFanClose(tb testing.TB, h *fanHandler, s *engine.Session) fanClose {
	tb.Helper()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case ev := <-h.closed:
			if ev.s == s {
				return ev
			}
			tb.Fatalf("session %s closed (%s), not the stalled one", ev.s.ID(), ev.reason)
		case <-timer.C:
			tb.Fatalf("stalled session not closed within %v", wait)
		}
	}
}

// TestWebSocketWriteTimeout: a client that stops reading blocks the writer
// once the kernel buffers are full; after WriteTimeout the write fails, the
// session closes with "transport error" and the writer goroutine ends.
func TestWebSocketWriteTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	_, h, url := newFanServer(t, engine.Options{WriteTimeout: timeout})
	c, err := dialFan(url, 4096)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	s := h.waitSessions(t, 1)[0]
	// 1 MiB in 1 KiB messages fits the default queue (8 MiB) but not the
	// kernel buffers (16 KiB send, 4 KiB receive).
	var blockedSince time.Time
	for i := 0; i < 1024; i++ {
		if err := s.Send(fanMessage(i, 1024)); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	blockedSince = time.Now()
	ev := waitFanClose(t, h, s)
	if ev.reason != engine.ReasonTransportError {
		t.Fatalf("closed with %q, want %q", ev.reason, engine.ReasonTransportError)
	}
	if d := time.Since(blockedSince); d < timeout/2 {
		t.Errorf("closed after %v, before the write timeout %v", d, timeout)
	}
	eventually(t, "writer goroutine ends", func() bool { return !engine.WriterRunning(s) })
	if err := s.Send(fanMessage(0, 10)); !errors.Is(err, engine.ErrClosed) {
		t.Fatalf("Send after close: %v", err)
	}
}

// BenchmarkBroadcastWithStalledClient sends b.N broadcasts of 128 bytes to
// 1,000 WebSocket sessions over loopback and waits until the 999 healthy
// clients read them all; the stalled client (in the "stalled" case) never
// reads. One op is one broadcast, i.e. 1,000 Sends. The reported
// delivered/s should not drop with the stalled client, and held-bytes (what
// the server holds for it) stays within MaxQueueBytes (default 8 MiB).
func BenchmarkBroadcastWithStalledClient(b *testing.B) {
	for _, stalled := range []bool{false, true} {
		b.Run(fmt.Sprintf("stalled=%v", stalled), func(b *testing.B) {
			_, h, url := newFanServer(b, engine.Options{})
			healthy := 1000
			if stalled {
				healthy--
			}
			f := newFanout(b, h, url, healthy, stalled)
			b.ReportAllocs()
			b.ResetTimer()
			t0 := time.Now()
			for i := 0; i < b.N; i++ {
				m := fanMessage(i%1_000_000, 128)
				for _, s := range f.sessions {
					_ = s.Send(m)
				}
				if i%32 == 31 {
					f.waitDelivered(b, i+1, time.Minute)
				}
			}
			f.waitDelivered(b, b.N, time.Minute)
			el := time.Since(t0)
			b.StopTimer()
			b.ReportMetric(float64(b.N)*float64(healthy)/el.Seconds(), "delivered/s")
			if stalled {
				_, held := engine.Queued(f.sessions[0])
				b.ReportMetric(float64(held), "held-bytes")
			}
		})
	}
}

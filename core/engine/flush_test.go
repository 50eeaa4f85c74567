package engine_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/gosio/gosio/core/engine"
)

// TestSocketFullThenIdle covers the hand-over between a flusher round and
// the session's writer goroutine. 512 KiB of messages do not fit the kernel
// buffers of a client that has not read yet (16 KiB send, 128 KiB receive), so
// the flusher's non-blocking send takes part of them and a writer goroutine
// waits to write the rest. The client asks for a pong meanwhile: the
// reader's control frame must not land inside the rest. After that, with
// the writer's deadline long expired, a message sent to the now idle session
// must still go out through the flusher.
func TestSocketFullThenIdle(t *testing.T) {
	t.Parallel()
	const timeout = 500 * time.Millisecond
	_, h, url := newFanServer(t, engine.Options{WriteTimeout: timeout, PingInterval: time.Minute})
	c, err := dialFan(url, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	s := h.waitSessions(t, 1)[0]
	if runtime.GOOS == "linux" && !engine.Flushed(s) {
		t.Fatal("a plain TCP connection on Linux is not written by the flushers")
	}

	const n = 512
	for i := 0; i < n; i++ {
		if err := s.Send(fanMessage(i, 1024)); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	var pongs atomic.Int32
	c.SetPongHandler(func(string) error { pongs.Add(1); return nil })
	if err := c.WriteControl(websocket.PingMessage, []byte("p"), time.Now().Add(wait)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(wait))
	for i := 0; i < n; i++ {
		checkFanMessage(t, c, i, 1024)
	}
	eventually(t, "writer done", func() bool { return !engine.WriterRunning(s) })
	// Outlive the write deadline the writer goroutine left on the socket.
	<-time.After(timeout + 50*time.Millisecond)
	if err := s.Send(fanMessage(n, 100)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(wait))
	checkFanMessage(t, c, n, 100)
	if got := pongs.Load(); got != 1 {
		t.Errorf("%d pongs, want 1", got)
	}
	select {
	case ev := <-h.closed:
		t.Fatalf("session closed: %s", ev.reason)
	default:
	}
}

// checkFanMessage reads the next message and checks that it is
// fanMessage(i, size), byte for byte.
func checkFanMessage(t *testing.T, c *websocket.Conn, i, size int) {
	t.Helper()
	_, data, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("message %d: %v", i, err)
	}
	want := "4" + string(fanMessage(i, size).Data)
	if string(data) != want {
		t.Fatalf("message %d: got %d bytes starting %q, want %d bytes starting %q",
			i, len(data), data[:min(len(data), 12)], len(want), want[:12])
	}
}

// TestStalledWriterCutShortOnClose: a writer blocked on a client that
// stopped reading holds the connection's write lock for up to WriteTimeout
// (10 s by default). When the session closes meanwhile (here the client
// sends a close packet), the reader's shutdown must cut that write short
// rather than wait for it, so the connection and its Server task end at
// once.
func TestStalledWriterCutShortOnClose(t *testing.T) {
	t.Parallel()
	srv, h, url := newFanServer(t, engine.Options{PingInterval: time.Minute})
	c, err := dialFan(url, 4096)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	s := h.waitSessions(t, 1)[0]
	for i := 0; i < 1024; i++ {
		if err := s.Send(fanMessage(i, 1024)); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	// The kernel buffers hold a few dozen KiB: a writer is left waiting.
	eventually(t, "writer blocked", func() bool {
		p, _ := engine.Queued(s)
		return engine.WriterRunning(s) && p > 0
	})
	if err := c.WriteMessage(websocket.TextMessage, []byte("1")); err != nil {
		t.Fatal(err)
	}
	if ev := waitFanClose(t, h, s); ev.reason != engine.ReasonTransportClose {
		t.Fatalf("closed with %q", ev.reason)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	t0 := time.Now()
	if err := srv.Close(ctx); err != nil {
		t.Fatalf("Server.Close after %v: %v (a writer still holds the connection)", time.Since(t0), err)
	}
}

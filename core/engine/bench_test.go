package engine_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/internal/eiotest"
)

func benchPackets() []engine.Packet {
	ps := make([]engine.Packet, 16)
	for i := range ps {
		ps[i] = engine.Packet{Type: engine.PacketMessage, Data: []byte(`2["chat",{"user":"ann","text":"` + strings.Repeat("x", 40) + `"}]`)}
	}
	ps[7] = engine.Packet{Type: engine.PacketMessage, Data: make([]byte, 256), Binary: true}
	return ps
}

func BenchmarkAppendPayload(b *testing.B) {
	ps := benchPackets()
	buf := engine.AppendPayload(nil, ps)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = engine.AppendPayload(buf[:0], ps)
	}
}

func BenchmarkDecodePayload(b *testing.B) {
	body := engine.AppendPayload(nil, benchPackets())
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	n := 0
	fn := func(engine.Packet) error { n++; return nil }
	for i := 0; i < b.N; i++ {
		if err := engine.DecodePayload(body, fn); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodePacket(b *testing.B) {
	data := []byte(`42["chat",{"user":"ann","text":"hello"}]`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := engine.DecodePacket(data, false); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPollingRoundTrip measures one POST of a message and the GET that
// returns its echo, over loopback HTTP.
func BenchmarkPollingRoundTrip(b *testing.B) {
	srv := engine.NewServer(benchEcho{}, engine.Options{})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer func() { _ = srv.Close(context.Background()) }()
	c := eiotest.New(hs.URL + "/")
	defer c.Close()
	if _, err := c.HandshakePolling(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.Send(eiotest.Message("ping")); err != nil {
			b.Fatal(err)
		}
		ps, err := c.Poll()
		if err != nil || len(ps) != 1 {
			b.Fatal(ps, err)
		}
	}
}

// benchEcho is a Handler that only echoes.
type benchEcho struct{}

func (benchEcho) OnOpen(s *engine.Session) engine.SessionHandler { return benchEchoSession{s} }

// benchEchoSession echoes one session's messages.
type benchEchoSession struct{ s *engine.Session }

func (e benchEchoSession) OnMessage(m engine.Message) { _ = e.s.Send(m) }
func (benchEchoSession) OnClose(string, error)        {}

// BenchmarkWebSocketEcho measures one message echoed over a WebSocket.
func BenchmarkWebSocketEcho(b *testing.B) {
	srv := engine.NewServer(benchEcho{}, engine.Options{})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer func() { _ = srv.Close(context.Background()) }()
	c := eiotest.New(hs.URL + "/")
	defer c.Close()
	if err := c.HandshakeWebSocket(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.WriteWS(eiotest.Message("ping")); err != nil {
			b.Fatal(err)
		}
		if _, err := c.ReadWSMessage(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIdleWebSocket opens b.N idle WebSocket sessions from a child
// process (so only the server's side is measured) and reports the heap+stack
// growth and the goroutines per session. Run it with -benchtime=2000x: b.N
// is the number of sessions. TestIdleWebSocketFootprint bounds the same
// numbers.
func BenchmarkIdleWebSocket(b *testing.B) {
	perSession, stack, goroutines := measureIdleWebSocket(b, b.N)
	b.ReportMetric(perSession, "bytes/session")
	b.ReportMetric(stack, "stack-bytes/session")
	b.ReportMetric(goroutines, "goroutines/session")
}

// TestIdleWebSocketFootprint checks what an idle WebSocket session costs
// the server, over real sockets: no goroutine where the poller parks it
// (Linux), and a few KiB of heap. It was 8.5 KiB and one goroutine with a
// 4 KiB stack before the engine framed its reads itself.
func TestIdleWebSocketFootprint(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 500 connections")
	}
	perSession, _, goroutines := measureIdleWebSocket(t, 500)
	t.Logf("idle WebSocket: %.0f bytes, %.3f goroutines per session", perSession, goroutines)
	maxGoroutines := 1.01
	if runtime.GOOS == "linux" {
		maxGoroutines = 0.01
	}
	if goroutines > maxGoroutines {
		t.Errorf("%.3f goroutines per idle session, want <= %.2f", goroutines, maxGoroutines)
	}
	if perSession > 5000 {
		t.Errorf("%.0f bytes per idle session, want <= 5000", perSession)
	}
}

// measureIdleWebSocket opens n idle WebSocket sessions from a child process
// and returns the server's heap+stack growth, stack growth and goroutines,
// per session.
func measureIdleWebSocket(tb testing.TB, n int) (perSession, stack, goroutines float64) {
	srv := engine.NewServer(benchEcho{}, engine.Options{})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer func() { _ = srv.Close(context.Background()) }()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	g0 := runtime.NumGoroutine()
	b, _ := tb.(*testing.B)
	if b != nil {
		b.ResetTimer()
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperIdleClients$")
	cmd.Env = append(os.Environ(), "EIOTEST_URL="+hs.URL+"/", "EIOTEST_N="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = stdin.Close(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		tb.Fatalf("helper: %q %v", line, err)
	}
	if b != nil {
		b.StopTimer()
	}
	for i := 0; i < 1000 && srv.Count() < n; i++ {
		time.Sleep(time.Millisecond)
	}
	for i := 0; i < 100 && runtime.NumGoroutine()-g0 > 0; i++ {
		time.Sleep(time.Millisecond) // writers of the open packets exiting
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	mem := float64(after.HeapInuse+after.StackInuse) - float64(before.HeapInuse+before.StackInuse)
	return mem / float64(n),
		(float64(after.StackInuse) - float64(before.StackInuse)) / float64(n),
		float64(runtime.NumGoroutine()-g0) / float64(n)
}

// TestHelperIdleClients is BenchmarkIdleWebSocket's child process: it opens
// EIOTEST_N WebSocket sessions, prints "ready" and holds them until stdin
// closes.
func TestHelperIdleClients(t *testing.T) {
	url := os.Getenv("EIOTEST_URL")
	if url == "" {
		t.Skip("helper process only")
	}
	n, _ := strconv.Atoi(os.Getenv("EIOTEST_N"))
	clients := make([]*eiotest.Client, 0, n)
	for i := 0; i < n; i++ {
		c := eiotest.New(url)
		if err := c.HandshakeWebSocket(); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range clients {
		c.Close()
	}
}

package engine_test

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/internal/eiotest"
)

// The tests of this file guard the ownership rules of ARCHITECTURE.md: who
// reads, who writes and who closes a WebSocket in each of its states.

// waitParked waits until s's WebSocket is parked in the epoll set; it
// reports false where the engine parks nothing (outside Linux).
func waitParked(t *testing.T, s *engine.Session) bool {
	t.Helper()
	if runtime.GOOS != "linux" {
		return false
	}
	eventually(t, "the idle WebSocket parked", func() bool { return engine.Parked(s) })
	return true
}

// TestParkedWebSocketWakes: an idle WebSocket waits in the epoll set, with
// no reader goroutine; each burst the client sends after a pause is read by
// a new reader, which parks the connection again once the burst is over.
// Bursts of two messages check that a reader lingers for the second one.
func TestParkedWebSocketWakes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{PingInterval: time.Minute})
	c, s := e.wsSession(t)
	for round := range 5 {
		waitParked(t, s)
		for k := range 2 {
			if err := c.WriteWS(eiotest.Message(fmt.Sprintf("r%d-%d", round, k))); err != nil {
				t.Fatal(err)
			}
		}
		for k := range 2 {
			want := fmt.Sprintf("r%d-%d", round, k)
			if m := e.rec.nextMessage(t); string(m.Data) != want {
				t.Fatalf("handler got %q, want %q", m.Data, want)
			}
			p, err := c.ReadWSMessage()
			if err != nil || p.Data != want {
				t.Fatalf("echo %q, %v; want %q", p.Data, err, want)
			}
		}
	}
	waitParked(t, s)
	e.rec.none(t, evClose, 0)
}

// TestCloseParkedWebSocket: a session whose WebSocket is parked has no
// reader to notice its close; Session.Close takes the connection back from
// the epoll set (interrupt), and a new reader sends the close frame and
// closes it at once, without waiting for the client to send anything.
func TestCloseParkedWebSocket(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{PingInterval: time.Minute})
	c, s := e.wsSession(t)
	parked := waitParked(t, s)
	s.Close()
	e.rec.nextClose(t, engine.ReasonForcedClose)
	if err := c.WaitWSClosed(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Fatalf("parked=%v: the client got %v, want a close frame", parked, err)
	}
	if engine.Parked(s) {
		t.Fatal("the closed connection is still parked")
	}
}

// TestSendWhileOnMessageBlocks: the reader holds no session lock while it
// runs OnMessage, and the writer does not need the reader: while OnMessage
// blocks, Send from another goroutine goes out on both transports, and
// Close still ends the session once OnMessage returns.
func TestSendWhileOnMessageBlocks(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	inHandler := make(chan *engine.Session, 2)
	e := newEnv(t, engine.Options{PingInterval: time.Minute}, func(r *recorder) {
		r.onMessage = func(s *engine.Session, m engine.Message) {
			if string(m.Data) == "block" {
				inHandler <- s
				<-release
			}
		}
	})
	check := func(t *testing.T, s *engine.Session, read func() (eiotest.Packet, error)) {
		t.Helper()
		var got *engine.Session
		select {
		case got = <-inHandler:
		case <-time.After(wait):
			t.Fatal("OnMessage not called")
		}
		if got != s {
			t.Fatal("another session's OnMessage")
		}
		sent := make(chan error, 1)
		go func() { sent <- s.Send(engine.Message{Data: []byte("meanwhile")}) }()
		select {
		case err := <-sent:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(wait):
			t.Fatal("Send blocked while OnMessage runs")
		}
		p, err := read()
		if err != nil || p.Data != "meanwhile" {
			t.Fatalf("client got %+v, %v", p, err)
		}
	}
	t.Run("websocket", func(t *testing.T) {
		c, s := e.wsSession(t)
		if err := c.WriteWS(eiotest.Message("block")); err != nil {
			t.Fatal(err)
		}
		check(t, s, c.ReadWSMessage)
		release <- struct{}{}
	})
	t.Run("polling", func(t *testing.T) {
		c, s := e.pollingSession(t)
		posted := make(chan error, 1)
		go func() { posted <- c.Send(eiotest.Message("block")) }()
		check(t, s, func() (eiotest.Packet, error) {
			ps, err := c.Poll()
			if err != nil || len(ps) != 1 {
				return eiotest.Packet{}, fmt.Errorf("poll: %v %v", ps, err)
			}
			return ps[0], nil
		})
		release <- struct{}{}
		if err := <-posted; err != nil {
			t.Fatal(err)
		}
	})
}

// TestOnCloseWaitsForOnMessage: Done is closed as soon as the session
// closes, so that an OnMessage blocked on it can give up; OnClose comes
// only after that OnMessage returned, never beside it.
func TestOnCloseWaitsForOnMessage(t *testing.T) {
	t.Parallel()
	sawDone := make(chan struct{})
	release := make(chan struct{})
	var returned atomic.Bool
	e := newEnv(t, engine.Options{PingInterval: time.Minute}, func(r *recorder) {
		r.onMessage = func(s *engine.Session, m engine.Message) {
			select {
			case <-s.Done():
			case <-time.After(wait):
				return
			}
			close(sawDone)
			<-release
			returned.Store(true)
		}
	})
	c, s := e.wsSession(t)
	if err := c.WriteWS(eiotest.Message("hold")); err != nil {
		t.Fatal(err)
	}
	e.rec.nextMessage(t)
	go s.Close()
	select {
	case <-sawDone:
	case <-time.After(wait):
		t.Fatal("Done not closed by Close while OnMessage runs")
	}
	e.rec.none(t, evClose, 100*time.Millisecond)
	close(release)
	e.rec.nextClose(t, engine.ReasonForcedClose)
	if !returned.Load() {
		t.Fatal("OnClose called before OnMessage returned")
	}
}

// TestConcurrentSendsOneWriter: Sends from many goroutines at once reach
// the client whole and, per goroutine, in order: one writer round at a time
// takes the queue, whether a flusher or the session's writer goroutine
// writes it. A slow reader on the client side makes the socket fill up now
// and then, so that rounds pass from the flushers to writer goroutines.
func TestConcurrentSendsOneWriter(t *testing.T) {
	t.Parallel()
	const senders, each = 8, 300
	e := newEnv(t, engine.Options{PingInterval: time.Minute, MaxQueuePackets: senders * each})
	c, s := e.wsSession(t)
	var wg sync.WaitGroup
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				data := []byte(strconv.Itoa(g) + ":" + strconv.Itoa(i) + ":" + strings.Repeat("x", (i%7)*700))
				if err := s.Send(engine.Message{Data: data}); err != nil {
					e.rec.violate("Send %d:%d: %v", g, i, err)
					return
				}
			}
		}()
	}
	next := make([]int, senders)
	for n := range senders * each {
		p, err := c.ReadWSMessage()
		if err != nil {
			t.Fatalf("message %d: %v", n, err)
		}
		f := strings.SplitN(p.Data, ":", 3)
		if len(f) != 3 {
			t.Fatalf("message %d: %q", n, p.Data[:min(len(p.Data), 20)])
		}
		g, _ := strconv.Atoi(f[0])
		i, _ := strconv.Atoi(f[1])
		if g < 0 || g >= senders || i != next[g] || len(f[2]) != (i%7)*700 {
			t.Fatalf("message %d: sender %d's #%d (%d bytes), want #%d", n, g, i, len(f[2]), next[g])
		}
		next[g]++
	}
	wg.Wait()
}

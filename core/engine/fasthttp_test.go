package engine_test

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/internal/eiotest"
)

// The same core scenarios through ServeFastHTTP on a real fasthttp server.

func TestFastHTTPPolling(t *testing.T) {
	t.Parallel()
	e := newFastEnv(t, engine.Options{Cookie: &engine.Cookie{HTTPOnly: true}, Headers: func(_ engine.Request, h http.Header) { h.Set("X-Every", "1") }})
	c := e.client(t)
	c.Header = http.Header{"X-Test": {"fast"}}
	res, err := c.Do(http.MethodGet, "EIO=4&transport=polling&q=1", "", nil)
	if err != nil || res.Status != 200 {
		t.Fatal(res, err)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
		t.Errorf("Content-Type %q", ct)
	}
	ps, err := eiotest.DecodePayload(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	c.SID = sidOf(t, ps[0].Data)
	if got := res.Header.Get("Set-Cookie"); got != "io="+c.SID+"; Path=/; HttpOnly; SameSite=Lax" {
		t.Errorf("Set-Cookie %q", got)
	}
	if res.Header.Get("X-Every") != "1" {
		t.Errorf("Headers hook not applied")
	}
	s := e.rec.nextOpen(t)
	hs := s.OpenRequest()
	if hs.Header.Get("X-Test") != "fast" || hs.Query.Get("q") != "1" || hs.RemoteAddr == "" || hs.Context == nil {
		t.Fatalf("handshake %+v", hs)
	}
	if got := hs.Header.Get("Host"); got != e.host() || !strings.HasPrefix(hs.RemoteAddr, "127.0.0.1:") {
		t.Errorf("Host header %q (want %q), RemoteAddr %q", got, e.host(), hs.RemoteAddr)
	}
	bin := []byte{9, 8, 7}
	if err := c.Send(eiotest.Message("a"), eiotest.BinaryMessage(bin)); err != nil {
		t.Fatal(err)
	}
	if m := e.rec.nextMessage(t); string(m.Data) != "a" {
		t.Fatal(string(m.Data))
	}
	if m := e.rec.nextMessage(t); !m.Binary || string(m.Data) != string(bin) {
		t.Fatal(m)
	}
	res, err = c.PollRaw()
	if err != nil || res.Body != "4a\x1ebCQgH" {
		t.Fatalf("%+v %v", res, err)
	}
	// A parked GET is released by Send.
	ch := asyncPoll(c)
	eventually(t, "GET parked", func() bool { return engine.GetParked(s) })
	if err := s.Send(msg("late")); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, ch).body(t); got != "4late" {
		t.Fatal(got)
	}
	// Errors.
	res, err = c.Do(http.MethodGet, "EIO=4&transport=polling&sid=nope", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res, 400, 1)
	res, err = c.Do(http.MethodGet, "EIO=3&transport=polling", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res, 400, 5)
	s.Close()
	e.rec.nextClose(t, engine.ReasonForcedClose)
}

// The oversized POST on fasthttp, which reads the whole body (chunked too)
// before the handler: 413, no body, the session left alone.
func TestFastHTTPPostTooLarge(t *testing.T) {
	t.Parallel()
	testPostTooLarge(t, newFastEnv)
}

func TestFastHTTPWebSocket(t *testing.T) {
	t.Parallel()
	e := newFastEnv(t, engine.Options{InitialHeaders: func(_ engine.Request, h http.Header) { h.Set("X-Initial", "ws") }})
	c, s := e.wsSession(t)
	if c.WSResponse.Header.Get("X-Initial") != "ws" {
		t.Errorf("initial headers %v", c.WSResponse.Header)
	}
	if want := runtime.GOOS == "linux"; engine.Flushed(s) != want {
		t.Errorf("written by the flushers: %v, want %v", !want, want)
	}
	if err := c.WriteWS(eiotest.Message("hello")); err != nil {
		t.Fatal(err)
	}
	if p, err := c.ReadWSMessage(); err != nil || p.Data != "hello" {
		t.Fatal(p, err)
	}
	if err := c.WriteWS(eiotest.BinaryMessage([]byte{1, 2})); err != nil {
		t.Fatal(err)
	}
	if p, err := c.ReadWSMessage(); err != nil || !p.Binary || p.Data != "\x01\x02" {
		t.Fatal(p, err)
	}
	e.rec.nextMessage(t)
	e.rec.nextMessage(t)
	s.Close()
	e.rec.nextClose(t, engine.ReasonForcedClose)
	if err := c.WaitWSClosed(); errors.Is(err, eiotest.ErrWSOpen) {
		t.Fatal("not closed")
	}
}

func TestFastHTTPUpgrade(t *testing.T) {
	t.Parallel()
	e := newFastEnv(t, engine.Options{})
	c, s := e.pollingSession(t)
	pending := asyncPoll(c)
	eventually(t, "GET parked", func() bool { return engine.GetParked(s) })
	if err := c.Probe(); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, pending).body(t); got != "6" {
		t.Fatalf("pending GET %q", got)
	}
	if err := s.Send(msg("over ws")); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteWS(eiotest.Packet{Type: eiotest.Upgrade}); err != nil {
		t.Fatal(err)
	}
	if p, err := c.ReadWSMessage(); err != nil || p.Data != "over ws" {
		t.Fatal(p, err)
	}
	if s.Transport() != engine.TransportWebSocket {
		t.Fatal(s.Transport())
	}
	res, err := c.PollRaw()
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res, 400, 3)
}

func TestFastHTTPServerClose(t *testing.T) {
	t.Parallel()
	e := newFastEnv(t, engine.Options{})
	pc, ps := e.pollingSession(t)
	wc, _ := e.wsSession(t)
	pending := asyncPoll(pc)
	eventually(t, "GET parked", func() bool { return engine.GetParked(ps) })
	// Cleanup closes the server; here check what the clients see.
	done := make(chan struct{})
	go func() {
		defer close(done)
		if got := recv(t, pending).body(t); got != "1" {
			t.Errorf("pending GET %q", got)
		}
		if err := wc.WaitWSClosed(); errors.Is(err, eiotest.ErrWSOpen) {
			t.Error("websocket not closed")
		}
	}()
	ctx, cancel := ctxWait()
	defer cancel()
	if err := e.srv.Close(ctx); err != nil {
		t.Fatal(err)
	}
	<-done
	e.rec.nextClose(t, engine.ReasonServerShutdown)
	e.rec.nextClose(t, engine.ReasonServerShutdown)
}

// A polling client that stops reading its response: on fasthttp too the
// response write is bounded by WriteTimeout, and the failed write closes
// the session (fasthttp reports it after the handler returned).
func TestFastHTTPPollingWriteTimeout(t *testing.T) {
	t.Parallel()
	e := newFastEnv(t, engine.Options{WriteTimeout: 200 * time.Millisecond, MaxQueueBytes: 64 << 20})
	c, s := e.pollingSession(t)
	big := bytes.Repeat([]byte("x"), 1<<20)
	for i := 0; i < 32; i++ {
		if err := s.Send(engine.Message{Data: big}); err != nil {
			t.Fatal(err)
		}
	}
	u, _ := url.Parse(e.url)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.(*net.TCPConn).SetReadBuffer(4096)
	if _, err := fmt.Fprintf(conn, "GET %s?%s HTTP/1.1\r\nHost: %s\r\n\r\n", u.Path, c.Query("polling"), u.Host); err != nil {
		t.Fatal(err)
	}
	// Nothing is read: the server's write stalls, then times out.
	e.rec.nextClose(t, engine.ReasonTransportError)
}

// The deadline of a polling response does not outlive it: the keep-alive
// connection serves later requests, long after WriteTimeout.
func TestFastHTTPPollingDeadlineCleared(t *testing.T) {
	t.Parallel()
	e := newFastEnv(t, engine.Options{WriteTimeout: 50 * time.Millisecond})
	c, s := e.pollingSession(t)
	for i := 0; i < 3; i++ {
		if err := s.Send(msg(fmt.Sprint("m", i))); err != nil {
			t.Fatal(err)
		}
		res, err := c.PollRaw()
		if err != nil || res.Status != http.StatusOK || res.Body != fmt.Sprint("4m", i) {
			t.Fatalf("poll %d: %+v %v", i, res, err)
		}
		time.Sleep(150 * time.Millisecond) // three WriteTimeouts
		// A response that sets no deadline of its own (as the app's other
		// routes on the same connection).
		res, err = c.Do(http.MethodGet, "EIO=4&transport=bogus", "", nil)
		if err != nil || res.Status != http.StatusBadRequest {
			t.Fatalf("request after poll %d: %+v %v", i, res, err)
		}
	}
	if n := c.NewConns(); n != 1 {
		t.Fatalf("the client opened %d connections, want 1 kept alive", n)
	}
	e.rec.none(t, evClose, 10*time.Millisecond)
}

// TestFastHTTPKeptConnsIdle: when the fasthttp server keeps hijacked
// connections (HijackKeepsConn), a WebSocket outlives fasthttp's hijack
// handler: idle sessions hold no goroutine (they wait in the engine's epoll
// set on Linux, or on a reader goroutine elsewhere), and they still carry
// messages both ways once woken.
func TestFastHTTPKeptConnsIdle(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprintf("keep=%v", keep), func(t *testing.T) {
			e := newFastEnvKeep(t, keep, engine.Options{PingInterval: time.Minute})
			const n = 50
			g0 := runtime.NumGoroutine()
			clients := make([]*eiotest.Client, n)
			sessions := make([]*engine.Session, n)
			for i := range clients {
				clients[i], sessions[i] = e.wsSession(t)
			}
			held := func() int { return runtime.NumGoroutine() - g0 }
			if keep && runtime.GOOS == "linux" {
				eventually(t, "idle sessions hold no goroutine", func() bool { return held() < n/5 })
			} else if !keep {
				// The hijack handler of each connection waits for its end.
				if g := held(); g < n {
					t.Fatalf("%d goroutines for %d sessions: the test cannot tell the modes apart", g, n)
				}
			}
			c, s := clients[n/2], sessions[n/2]
			if err := c.WriteWS(eiotest.Message("wake")); err != nil {
				t.Fatal(err)
			}
			if m := e.rec.nextMessage(t); string(m.Data) != "wake" {
				t.Fatalf("message %q", m.Data)
			}
			if err := s.Send(engine.Message{Data: []byte("back")}); err != nil {
				t.Fatal(err)
			}
			for { // the recorder echoes "wake" first
				p, err := c.ReadWSMessage()
				if err != nil {
					t.Fatal(err)
				}
				if p.Data == "back" {
					break
				}
			}
		})
	}
}

// TestFastHTTPKeptConnEarlyFrame: bytes the client sent right behind its
// upgrade request sit in fasthttp's reader, which goes back to fasthttp's
// pool when the hijack handler returns; the engine takes them over first.
func TestFastHTTPKeptConnEarlyFrame(t *testing.T) {
	t.Parallel()
	e := newFastEnvKeep(t, true, engine.Options{})
	addr := strings.TrimPrefix(strings.TrimSuffix(e.url, "/engine.io/"), "http://")
	nc, err := net.DialTimeout("tcp", addr, wait)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = nc.Close() }()
	payload := "4early"
	frame := append([]byte{0x81, 0x80 | byte(len(payload)), 0, 0, 0, 0}, payload...) // zero mask
	req := "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: " + addr +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := nc.Write(append([]byte(req), frame...)); err != nil {
		t.Fatal(err)
	}
	e.rec.nextOpen(t)
	if m := e.rec.nextMessage(t); string(m.Data) != "early" {
		t.Fatalf("message %q, want %q", m.Data, "early")
	}
}

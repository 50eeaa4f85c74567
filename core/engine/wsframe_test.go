package engine_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/internal/eiotest"
)

// clientFrame builds one client frame by hand: b0 is the first header byte
// (FIN, RSV and opcode); the payload is masked unless unmasked is set.
func clientFrame(b0 byte, payload string, unmasked bool) []byte {
	mask := byte(0x80)
	if unmasked {
		mask = 0
	}
	out := []byte{b0}
	switch n := len(payload); {
	case n <= 125:
		out = append(out, mask|byte(n))
	case n <= 0xffff:
		out = append(out, mask|126, byte(n>>8), byte(n))
	default:
		panic("frame too large for the test")
	}
	if unmasked {
		return append(out, payload...)
	}
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	out = append(out, key[:]...)
	for i := 0; i < len(payload); i++ {
		out = append(out, payload[i]^key[i%4])
	}
	return out
}

const (
	finText   = 0x81
	finBinary = 0x82
	fragText  = 0x01
	fragCont  = 0x00
	finCont   = 0x80
	finClose  = 0x88
	finPing   = 0x89
)

// writeRaw writes bytes on the client's connection, under the library's
// framing.
func writeRaw(t *testing.T, c *eiotest.Client, b []byte) {
	t.Helper()
	nc := c.WS.UnderlyingConn()
	_ = nc.SetWriteDeadline(deadline())
	if _, err := nc.Write(b); err != nil {
		t.Fatal(err)
	}
}

// The engine reads WebSocket frames itself: fragments, interleaved control
// frames, bursts and messages that arrive a byte at a time all make the
// same messages.
func TestWebSocketReadFraming(t *testing.T) {
	t.Parallel()
	opts := engine.Options{MaxHTTPBufferSize: 100}

	t.Run("fragments and a ping between them", func(t *testing.T) {
		e := newEnv(t, opts)
		c, _ := e.wsSession(t)
		pong := make(chan string, 1)
		c.WS.SetPongHandler(func(data string) error { pong <- data; return nil })
		var b []byte
		b = append(b, clientFrame(fragText, "4hel", false)...)
		b = append(b, clientFrame(finPing, "are you there", false)...)
		b = append(b, clientFrame(fragCont, "lo ", false)...)
		b = append(b, clientFrame(finCont, "world", false)...)
		writeRaw(t, c, b)
		if m := e.rec.nextMessage(t); string(m.Data) != "hello world" || m.Binary {
			t.Fatalf("message %q binary %v", m.Data, m.Binary)
		}
		p, err := c.ReadWSMessage() // the echo; the pong goes to the handler on the way
		if err != nil || p.Data != "hello world" {
			t.Fatalf("echo %+v %v", p, err)
		}
		select {
		case data := <-pong:
			if data != "are you there" {
				t.Fatalf("pong %q", data)
			}
		case <-time.After(wait):
			t.Fatal("no pong")
		}
	})

	t.Run("a burst in one write", func(t *testing.T) {
		e := newEnv(t, opts)
		c, _ := e.wsSession(t)
		var b []byte
		for i := range 50 {
			b = append(b, clientFrame(finText, "4m"+strconv.Itoa(i), false)...)
		}
		b = append(b, clientFrame(finBinary, "\x00\x01\x02", false)...)
		writeRaw(t, c, b)
		for i := range 50 {
			if m := e.rec.nextMessage(t); string(m.Data) != "m"+strconv.Itoa(i) {
				t.Fatalf("message %d: %q", i, m.Data)
			}
		}
		if m := e.rec.nextMessage(t); !m.Binary || string(m.Data) != "\x00\x01\x02" {
			t.Fatalf("binary message %q %v", m.Data, m.Binary)
		}
	})

	t.Run("a byte at a time", func(t *testing.T) {
		e := newEnv(t, opts)
		c, _ := e.wsSession(t)
		payload := "4" + strings.Repeat("z", 90) // 16-bit length, masked in words and bytes
		for _, x := range clientFrame(finText, payload, false) {
			writeRaw(t, c, []byte{x})
			time.Sleep(200 * time.Microsecond)
		}
		if m := e.rec.nextMessage(t); string(m.Data) != payload[1:] {
			t.Fatalf("message %q", m.Data)
		}
	})

	t.Run("after a long idle", func(t *testing.T) {
		e := newEnv(t, opts)
		c, _ := e.wsSession(t)
		time.Sleep(300 * time.Millisecond) // parked across poller ticks
		if err := c.WriteWS(eiotest.Message("still here")); err != nil {
			t.Fatal(err)
		}
		if m := e.rec.nextMessage(t); string(m.Data) != "still here" {
			t.Fatalf("message %q", m.Data)
		}
	})

	t.Run("close frame is answered", func(t *testing.T) {
		e := newEnv(t, opts)
		c, _ := e.wsSession(t)
		writeRaw(t, c, clientFrame(finClose, "\x0f\xa0bye", false)) // 4000 "bye"
		e.rec.nextClose(t, engine.ReasonTransportClose)
		if err := c.WaitWSClosed(); !websocket.IsCloseError(err, 4000) {
			t.Fatalf("server's close: %v", err)
		}
	})

	t.Run("fragments past the limit", func(t *testing.T) {
		e := newEnv(t, opts)
		c, _ := e.wsSession(t)
		var b []byte
		b = append(b, clientFrame(fragText, "4"+strings.Repeat("a", 39), false)...)
		b = append(b, clientFrame(fragCont, strings.Repeat("b", 40), false)...)
		b = append(b, clientFrame(finCont, strings.Repeat("c", 40), false)...)
		writeRaw(t, c, b)
		ev := e.rec.nextClose(t, engine.ReasonTransportError)
		if !errors.Is(ev.err, websocket.ErrReadLimit) {
			t.Fatalf("cause %v", ev.err)
		}
		if err := c.WaitWSClosed(); !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
			t.Fatalf("server's close: %v", err)
		}
	})
}

// A frame that breaks RFC 6455 closes the session with a transport error,
// and the client gets a close frame saying so (1002), as with
// fasthttp/websocket's reader.
func TestWebSocketProtocolErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		frame []byte
	}{
		{"reserved bit", clientFrame(0xc1, "4x", false)},
		{"unmasked", clientFrame(finText, "4x", true)},
		{"unknown opcode", clientFrame(0x83, "4x", false)},
		{"continuation first", clientFrame(finCont, "4x", false)},
		{"data inside a message", append(clientFrame(fragText, "4x", false), clientFrame(finText, "4y", false)...)},
		{"fragmented ping", clientFrame(0x09, "", false)},
		{"long ping", clientFrame(finPing, strings.Repeat("p", 126), false)},
		{"close code 1005", clientFrame(finClose, "\x03\xed", false)},
		{"one-byte close", clientFrame(finClose, "\x03", false)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, engine.Options{})
			c, _ := e.wsSession(t)
			writeRaw(t, c, tc.frame)
			e.rec.nextClose(t, engine.ReasonTransportError)
			if err := c.WaitWSClosed(); !websocket.IsCloseError(err, websocket.CloseProtocolError) {
				t.Fatalf("server's close: %v", err)
			}
		})
	}
}

// Closing the server ends parked (idle) WebSockets with a close frame and
// leaves no goroutine behind (goleak checks the latter in TestMain).
func TestCloseIdleWebSockets(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	clients := make([]*eiotest.Client, 20)
	for i := range clients {
		clients[i], _ = e.wsSession(t)
	}
	time.Sleep(50 * time.Millisecond) // all idle
	ctx, cancel := ctxWait()
	defer cancel()
	if err := e.srv.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for range clients {
		e.rec.nextClose(t, engine.ReasonServerShutdown)
	}
	for _, c := range clients {
		if err := c.WaitWSClosed(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			t.Fatalf("server's close: %v", err)
		}
	}
	if engine.PollerRunning(e.srv) {
		t.Fatal("poller still running after Close")
	}
}

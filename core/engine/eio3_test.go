package engine_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/gosio/gosio/core/engine"
)

// Engine.IO 3 (Options.AllowEIO3) over real sockets, with raw requests: the
// wire format is written out in each test.

type rawRes struct {
	status int
	ctype  string
	body   []byte
}

func do3(t *testing.T, method, url, ctype string, body []byte) rawRes {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawRes{res.StatusCode, res.Header.Get("Content-Type"), b}
}

// open3 opens an Engine.IO 3 polling session with query q ("EIO=3&b64=1");
// it returns the sid and the server's session.
func open3(t *testing.T, e *env, q string) (string, *engine.Session) {
	t.Helper()
	r := do3(t, "GET", e.url+"?transport=polling&"+q, "", nil)
	head, open, ok := strings.Cut(string(r.body), ":0")
	if r.status != 200 || !ok {
		t.Fatalf("handshake: %d %q", r.status, r.body)
	}
	var hs struct {
		SID          string   `json:"sid"`
		Upgrades     []string `json:"upgrades"`
		PingInterval int      `json:"pingInterval"`
		MaxPayload   int      `json:"maxPayload"`
	}
	if err := json.Unmarshal([]byte(open), &hs); err != nil || head != itoa(len(open)+1) || hs.SID == "" || hs.MaxPayload == 0 {
		t.Fatalf("handshake body %q: %v", r.body, err)
	}
	s := e.rec.nextOpen(t)
	if s.ID() != hs.SID || s.Protocol() != engine.Protocol3 {
		t.Fatalf("session %q protocol %d, sid %q", s.ID(), s.Protocol(), hs.SID)
	}
	return hs.SID, s
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func eio3Opts() engine.Options {
	return engine.Options{AllowEIO3: true, PingInterval: time.Minute, PingTimeout: time.Minute}
}

func TestEIO3Refused(t *testing.T) {
	e := newEnv(t, engine.Options{})
	for _, q := range []string{"EIO=3", "", "EIO=abc"} {
		r := do3(t, "GET", e.url+"?transport=polling&"+q, "", nil)
		if r.status != 400 || string(r.body) != `{"code":5,"message":"Unsupported protocol version"}` {
			t.Fatalf("%q: %d %s", q, r.status, r.body)
		}
	}
	e.rec.none(t, evOpen, 50*time.Millisecond)
}

// TestEIO3Handshake: with the option, a handshake without EIO (or with any
// EIO but 4) opens an Engine.IO 3 session, and EIO=4 a version 4 one.
func TestEIO3Handshake(t *testing.T) {
	e := newEnv(t, eio3Opts())
	for _, q := range []string{"EIO=3", "", "EIO=abc"} {
		open3(t, e, q)
	}
	r := do3(t, "GET", e.url+"?transport=polling&EIO=4", "", nil)
	if r.status != 200 || !strings.HasPrefix(string(r.body), `0{"sid"`) {
		t.Fatalf("EIO=4: %d %q", r.status, r.body)
	}
	if s := e.rec.nextOpen(t); s.Protocol() != engine.Protocol4 {
		t.Fatalf("EIO=4 session protocol %d", s.Protocol())
	}
}

// TestEIO3PollingPayloads: the length-prefixed text framing both ways
// (lengths in UTF-16 units, base64 binary with its type digit), the binary
// framing for a client without b64, and a malformed payload.
func TestEIO3PollingPayloads(t *testing.T) {
	e := newEnv(t, eio3Opts())

	sid, _ := open3(t, e, "EIO=3&b64=1")
	url := e.url + "?EIO=3&transport=polling&sid=" + sid
	if r := do3(t, "POST", url, "text/plain", []byte("6:4hello10:b4AQIDBA==5:4é😀x")); r.status != 200 || string(r.body) != "ok" {
		t.Fatalf("POST: %d %q", r.status, r.body)
	}
	for _, want := range []engine.Message{{Data: []byte("hello")}, {Data: []byte{1, 2, 3, 4}, Binary: true}, {Data: []byte("é😀x")}} {
		if m := e.rec.nextMessage(t); m.Binary != want.Binary || !bytes.Equal(m.Data, want.Data) {
			t.Fatalf("message %+v, want %+v", m, want)
		}
	}
	if r := do3(t, "GET", url, "", nil); string(r.body) != "6:4hello10:b4AQIDBA==5:4é😀x" || r.ctype != "text/plain; charset=UTF-8" {
		t.Fatalf("GET (echo): %q %s", r.body, r.ctype)
	}

	// A client that takes binary: binary messages make the payload binary.
	sid, s := open3(t, e, "EIO=3")
	url = e.url + "?EIO=3&transport=polling&sid=" + sid
	if err := s.Send(engine.Message{Data: []byte("hello")}, engine.Message{Data: []byte{1, 2, 3, 4}, Binary: true}); err != nil {
		t.Fatal(err)
	}
	r := do3(t, "GET", url, "", nil)
	want := []byte{0, 6, 255, '4', 'h', 'e', 'l', 'l', 'o', 1, 5, 255, 4, 1, 2, 3, 4}
	if !bytes.Equal(r.body, want) || r.ctype != "application/octet-stream" {
		t.Fatalf("binary GET: % x (%s), want % x", r.body, r.ctype, want)
	}
	if r := do3(t, "POST", url, "application/octet-stream", want); r.status != 200 {
		t.Fatalf("binary POST: %d %q", r.status, r.body)
	}
	if m := e.rec.nextMessage(t); string(m.Data) != "hello" || m.Binary {
		t.Fatalf("first message %+v", m)
	}
	if m := e.rec.nextMessage(t); !bytes.Equal(m.Data, []byte{1, 2, 3, 4}) || !m.Binary {
		t.Fatalf("second message %+v", m)
	}
	// The echo of those two, in the binary framing.
	if r := do3(t, "GET", url, "", nil); !bytes.Equal(r.body, want) || r.ctype != "application/octet-stream" {
		t.Fatalf("echo GET: % x %s", r.body, r.ctype)
	}
	// Text only: the text framing, even for this client.
	if err := s.Send(engine.Message{Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if r := do3(t, "GET", url, "", nil); string(r.body) != "2:4x" || r.ctype != "text/plain; charset=UTF-8" {
		t.Fatalf("text GET: %q", r.body)
	}

	// Malformed: 400, and the session is gone.
	if r := do3(t, "POST", url, "text/plain", []byte("abc")); r.status != 400 {
		t.Fatalf("malformed POST: %d", r.status)
	}
	e.rec.nextClose(t, engine.ReasonParseError)
	if r := do3(t, "GET", url, "", nil); r.status != 400 {
		t.Fatalf("GET after a malformed POST: %d", r.status)
	}
}

// TestEIO3Heartbeat: the client pings, the server answers; a session whose
// client pings in time outlives PingInterval+PingTimeout, one whose client
// stops closes with "ping timeout"; a pong from the client is an error.
func TestEIO3Heartbeat(t *testing.T) {
	o := eio3Opts()
	o.PingInterval, o.PingTimeout = 100*time.Millisecond, 100*time.Millisecond
	e := newEnv(t, o)
	sid, _ := open3(t, e, "EIO=3&b64=1")
	url := e.url + "?EIO=3&transport=polling&sid=" + sid
	start, last := time.Now(), time.Now()
	for time.Since(start) < 500*time.Millisecond { // 2.5 times the deadline
		last = time.Now()
		if r := do3(t, "POST", url, "text/plain", []byte("1:2")); r.status != 200 {
			t.Fatalf("ping: %d %q", r.status, r.body)
		}
		if r := do3(t, "GET", url, "", nil); string(r.body) != "1:3" {
			t.Fatalf("pong: %d %q", r.status, r.body)
		}
		time.Sleep(50 * time.Millisecond) // the client's ping interval, well within the deadline
	}
	e.rec.none(t, evClose, 0)
	e.rec.nextClose(t, engine.ReasonPingTimeout)
	if d := time.Since(last); d < 200*time.Millisecond {
		t.Fatalf("closed %v after the last ping, before PingInterval+PingTimeout", d)
	}

	sid, _ = open3(t, e, "EIO=3&b64=1")
	url = e.url + "?EIO=3&transport=polling&sid=" + sid
	if r := do3(t, "POST", url, "text/plain", []byte("1:3")); r.status != 200 {
		t.Fatalf("pong POST: %d", r.status)
	}
	e.rec.nextClose(t, engine.ReasonTransportError)
}

func dial3(t *testing.T, e *env, q string) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.url, "http")+"?transport=websocket&"+q, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetReadDeadline(deadline())
	return c
}

func readWS(t *testing.T, c *websocket.Conn) (int, string) {
	t.Helper()
	mt, b, err := c.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	return mt, string(b)
}

// TestEIO3WebSocket: binary frames carry their type byte (or go as base64
// text with b64), the client's pings are answered.
func TestEIO3WebSocket(t *testing.T) {
	for _, b64 := range []bool{false, true} {
		e := newEnv(t, eio3Opts())
		q := "EIO=3"
		if b64 {
			q += "&b64=1"
		}
		c := dial3(t, e, q)
		if _, open := readWS(t, c); !strings.HasPrefix(open, `0{"sid"`) || !strings.Contains(open, `"upgrades":[]`) {
			t.Fatalf("open %q", open)
		}
		if s := e.rec.nextOpen(t); s.Protocol() != engine.Protocol3 {
			t.Fatalf("protocol %d", s.Protocol())
		}
		if err := c.WriteMessage(websocket.BinaryMessage, []byte{4, 1, 2, 3}); err != nil {
			t.Fatal(err)
		}
		if m := e.rec.nextMessage(t); !m.Binary || !bytes.Equal(m.Data, []byte{1, 2, 3}) {
			t.Fatalf("message %+v", m)
		}
		mt, echo := readWS(t, c)
		if b64 && (mt != websocket.TextMessage || echo != "b4AQID") || !b64 && (mt != websocket.BinaryMessage || echo != "\x04\x01\x02\x03") {
			t.Fatalf("echo %d %q", mt, echo)
		}
		if err := c.WriteMessage(websocket.TextMessage, []byte("b4BQY=")); err != nil {
			t.Fatal(err)
		}
		if m := e.rec.nextMessage(t); !m.Binary || !bytes.Equal(m.Data, []byte{5, 6}) {
			t.Fatalf("base64 message %+v", m)
		}
		readWS(t, c) // its echo
		for i := 0; i < 3; i++ {
			if err := c.WriteMessage(websocket.TextMessage, []byte("2")); err != nil {
				t.Fatal(err)
			}
			if _, pong := readWS(t, c); pong != "3" {
				t.Fatalf("pong %q", pong)
			}
		}
	}
}

// TestEIO3Upgrade: the probe on an Engine.IO 3 session, the pending GET's
// "1:6", then the session on the WebSocket.
func TestEIO3Upgrade(t *testing.T) {
	e := newEnv(t, eio3Opts())
	sid, s := open3(t, e, "EIO=3&b64=1")
	url := e.url + "?EIO=3&transport=polling&sid=" + sid
	pending := make(chan rawRes, 1)
	go func() { pending <- do3(t, "GET", url, "", nil) }()
	eventually(t, "a GET waits", func() bool { return engine.GetParked(s) })
	c := dial3(t, e, "EIO=3&sid="+sid)
	if err := c.WriteMessage(websocket.TextMessage, []byte("2probe")); err != nil {
		t.Fatal(err)
	}
	if _, p := readWS(t, c); p != "3probe" {
		t.Fatalf("probe answer %q", p)
	}
	select {
	case r := <-pending:
		if string(r.body) != "1:6" {
			t.Fatalf("pending GET: %q", r.body)
		}
	case <-time.After(wait):
		t.Fatal("the pending GET was not released")
	}
	if err := c.WriteMessage(websocket.TextMessage, []byte("5")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "upgraded", func() bool { return s.Transport() == engine.TransportWebSocket })
	// The WebSocket has its own b64: none here, so binary frames.
	if err := s.Send(engine.Message{Data: []byte{7}, Binary: true}); err != nil {
		t.Fatal(err)
	}
	if mt, m := readWS(t, c); mt != websocket.BinaryMessage || m != "\x04\x07" {
		t.Fatalf("after the upgrade: %d %q", mt, m)
	}
}

package sioredis_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/gosio/gosio/core/parser"
)

// sioClient is a compact Socket.IO v5 client over Engine.IO v4 WebSocket,
// for tests: it joins one namespace, answers pings, records the events it
// receives and can acknowledge them.
type sioClient struct {
	t    testing.TB
	nsp  string
	conn *websocket.Conn
	SID  string
	PID  string // the private id, with connection state recovery

	wmu sync.Mutex

	events chan *parser.Packet
	closed chan struct{}

	mu     sync.Mutex
	ackFn  func(p *parser.Packet) []any // replies to events that ask for an ack
	discon bool
}

// dial connects a client to nsp of the server at url ("http://host:port"),
// with auth as CONNECT payload (nil for none).
func dial(t testing.TB, url, nsp string, auth any) *sioClient {
	t.Helper()
	ws := "ws" + strings.TrimPrefix(url, "http") + "/socket.io/?EIO=4&transport=websocket"
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	conn, _, err := d.Dial(ws, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", ws, err)
	}
	c := &sioClient{t: t, nsp: nsp, conn: conn, events: make(chan *parser.Packet, 4096), closed: make(chan struct{})}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, open, err := conn.ReadMessage()
	if err != nil || len(open) == 0 || open[0] != '0' {
		t.Fatalf("engine open: %q %v", open, err)
	}
	connect := "40"
	if nsp != "/" {
		connect += nsp + ","
	}
	if auth != nil {
		b, _ := json.Marshal(auth)
		connect += string(b)
	}
	c.write([]byte(connect), nil)
	var dec parser.Decoder
	for c.SID == "" {
		typ, msg, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("connect to %s: %v", nsp, err)
		}
		if typ != websocket.TextMessage || len(msg) == 0 || msg[0] != '4' {
			continue
		}
		p, err := dec.Decode(msg[1:], false)
		if err != nil || p == nil {
			t.Fatalf("connect reply %q: %v", msg, err)
		}
		if p.Type == parser.Event {
			// Node's server sends a recovered socket's missed packets
			// before CONNECT; socket.io-client buffers them until it.
			c.events <- p
			continue
		}
		if p.Type == parser.ConnectError {
			t.Fatalf("connect_error: %s", p.Raw)
		}
		var v struct {
			SID string `json:"sid"`
			PID string `json:"pid"`
		}
		if p.Type == parser.Connect && json.Unmarshal(p.Raw, &v) == nil {
			c.SID, c.PID = v.SID, v.PID
		}
	}
	_ = conn.SetReadDeadline(time.Time{})
	go c.read(&dec)
	t.Cleanup(c.Close)
	return c
}

func (c *sioClient) write(text []byte, atts [][]byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := c.conn.WriteMessage(websocket.TextMessage, text); err != nil {
		return
	}
	for _, a := range atts {
		if err := c.conn.WriteMessage(websocket.BinaryMessage, a); err != nil {
			return
		}
	}
}

func (c *sioClient) read(dec *parser.Decoder) {
	defer close(c.closed)
	for {
		typ, msg, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		var p *parser.Packet
		if typ == websocket.BinaryMessage {
			p, err = dec.Decode(msg, true)
		} else if len(msg) > 0 {
			switch msg[0] {
			case '2':
				c.write([]byte("3"), nil)
				continue
			case '4':
				p, err = dec.Decode(msg[1:], false)
			default:
				continue
			}
		}
		if err != nil || p == nil {
			continue
		}
		switch p.Type {
		case parser.Event:
			if p.HasID {
				c.mu.Lock()
				fn := c.ackFn
				c.mu.Unlock()
				if fn != nil {
					c.sendPacket(&parser.Packet{Type: parser.Ack, Nsp: c.nsp, ID: p.ID, HasID: true, Data: fn(p)})
				}
			}
			c.events <- p
		case parser.Disconnect:
			c.mu.Lock()
			c.discon = true
			c.mu.Unlock()
		}
	}
}

func (c *sioClient) sendPacket(p *parser.Packet) {
	text, atts, err := parser.Encode(p)
	if err != nil {
		c.t.Errorf("encode: %v", err)
		return
	}
	c.write(append([]byte{'4'}, text...), atts)
}

// Emit sends an event.
func (c *sioClient) Emit(event string, args ...any) {
	c.sendPacket(&parser.Packet{Type: parser.Event, Nsp: c.nsp, Data: append([]any{event}, args...)})
}

// OnAck sets how the client acknowledges events that ask for it.
func (c *sioClient) OnAck(fn func(p *parser.Packet) []any) {
	c.mu.Lock()
	c.ackFn = fn
	c.mu.Unlock()
}

// Expect waits for the next event, which must be named event, and returns
// its raw arguments (after the name) as JSON text: an event of another
// name (a duplicate of an earlier one, say) fails the test.
func (c *sioClient) Expect(event string) string {
	c.t.Helper()
	p := c.ExpectPacket(event)
	args, _ := parser.SplitArray(p.Raw)
	parts := make([]string, 0, len(args))
	for _, a := range args[1:] {
		parts = append(parts, string(a))
	}
	return strings.Join(parts, ",")
}

// ExpectPacket waits for the next event, which must be named event.
func (c *sioClient) ExpectPacket(event string) *parser.Packet {
	c.t.Helper()
	select {
	case p := <-c.events:
		if name, _, err := parser.EventName(p); err != nil || name != event {
			c.t.Fatalf("client %s: got %s, want a %q event", c.SID, p.Raw, event)
		}
		return p
	case <-time.After(5 * time.Second):
		c.t.Fatalf("client %s: no %q event", c.SID, event)
		return nil
	}
}

// ExpectNothing checks that no event arrives within d.
func (c *sioClient) ExpectNothing(d time.Duration) {
	c.t.Helper()
	select {
	case p := <-c.events:
		c.t.Fatalf("client %s: unexpected event %s", c.SID, p.Raw)
	case <-time.After(d):
	}
}

// Disconnected reports whether the server disconnected the namespace, or
// the connection is closed.
func (c *sioClient) Disconnected() bool {
	select {
	case <-c.closed:
		return true
	default:
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.discon
}

// Close closes the connection and waits for the reader to stop.
func (c *sioClient) Close() {
	_ = c.conn.Close()
	<-c.closed
}

func (c *sioClient) String() string { return fmt.Sprintf("client(%s)", c.SID) }

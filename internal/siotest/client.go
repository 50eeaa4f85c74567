// Package siotest is a small Socket.IO v5 client over a raw Engine.IO v4
// WebSocket, for gosio's own tests. It answers pings by itself and hands
// every other packet to the test, with deadlines on every wait.
//
// It is the Socket.IO test client; the Engine.IO session under it is opened
// by the Engine.IO test client, internal/eiotest. Tests that check the
// Engine.IO wire itself use eiotest directly.
//
// A Client is safe for concurrent use by one test's goroutines.
package siotest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/gosio/gosio/core/parser"
	"github.com/gosio/gosio/internal/eiotest"
)

// Wait is how long a client waits for any expected packet.
const Wait = 5 * time.Second

// Client is a Socket.IO client over WebSocket.
type Client struct {
	t    testing.TB
	eio  *eiotest.Client
	conn *websocket.Conn
	SID  string // Engine.IO session id
	pr   parser.Parser

	wmu     sync.Mutex
	packets chan *parser.Packet
	done    chan struct{}
	err     error
}

// Dial opens a WebSocket Engine.IO session on base (an http:// URL of the
// server root; path defaults to /socket.io/) and reads the open packet.
func Dial(t testing.TB, base string, header http.Header) *Client {
	t.Helper()
	c, err := DialErr(base, header)
	if err != nil {
		t.Fatalf("siotest: dial: %v", err)
	}
	c.t = t
	t.Cleanup(c.Close)
	return c
}

// DialErr is Dial returning the error instead of failing the test; the
// caller must Close the client.
func DialErr(base string, header http.Header) (*Client, error) {
	return dial(base, header, parser.JSON)
}

// DialParser is Dial for a client speaking the wire format pr.
func DialParser(t testing.TB, base string, header http.Header, pr parser.Parser) *Client {
	t.Helper()
	c, err := dial(base, header, pr)
	if err != nil {
		t.Fatalf("siotest: dial: %v", err)
	}
	c.t = t
	t.Cleanup(c.Close)
	return c
}

func dial(base string, header http.Header, pr parser.Parser) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/socket.io/"
	}
	query := u.RawQuery
	if query == "" {
		query = "EIO=4&transport=websocket"
	}
	u.RawQuery = ""
	e := eiotest.New(u.String())
	e.Header = header
	e.Timeout = Wait
	if err := e.HandshakeWebSocketQuery(query); err != nil {
		e.Close()
		if res := e.WSError(); res != nil {
			return nil, fmt.Errorf("%w (status %d)", err, res.Status)
		}
		return nil, err
	}
	_ = e.WS.SetReadDeadline(time.Time{})
	c := &Client{eio: e, conn: e.WS, SID: e.SID, pr: pr, packets: make(chan *parser.Packet, 4096), done: make(chan struct{})}
	go c.read()
	return c, nil
}

func (c *Client) read() {
	defer close(c.done)
	dec := c.pr.NewDecoder()
	for {
		typ, msg, err := c.conn.ReadMessage()
		if err != nil {
			c.err = err
			return
		}
		if typ == websocket.TextMessage {
			if len(msg) == 0 {
				continue
			}
			switch msg[0] {
			case '2':
				c.write(websocket.TextMessage, []byte("3"))
				continue
			case '4':
				msg = msg[1:]
			default:
				continue
			}
		}
		p, err := dec.Decode(msg, typ == websocket.BinaryMessage)
		if err != nil {
			c.err = err
			return
		}
		if p != nil {
			c.packets <- p
		}
	}
}

func (c *Client) write(typ int, b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.conn.WriteMessage(typ, b)
}

// Send encodes and sends a packet; an error fails the test (Errorf).
func (c *Client) Send(p *parser.Packet) {
	if err := c.SendErr(p); err != nil && c.t != nil {
		c.t.Errorf("siotest: send: %v", err)
	}
}

// SendErr is Send returning the error, for a goroutine of the test's that
// may send after the connection closed (an automatic ack, say).
func (c *Client) SendErr(p *parser.Packet) error {
	text, att, err := c.pr.Encode(p)
	if err == nil {
		if parser.EncodesBinary(c.pr) {
			err = c.write(websocket.BinaryMessage, text)
		} else {
			err = c.write(websocket.TextMessage, append([]byte("4"), text...))
		}
	}
	for _, a := range att {
		if err == nil {
			err = c.write(websocket.BinaryMessage, a)
		}
	}
	return err
}

// Packets returns the channel of received packets that Next reads, for a
// reader goroutine of the test's own (one that must keep reading while the
// test waits on something else); use either it or Next, not both. It is
// never closed: Done is, once the connection is.
func (c *Client) Packets() <-chan *parser.Packet { return c.packets }

// Done returns a channel closed once the connection is closed; every packet
// received before is in Packets by then.
func (c *Client) Done() <-chan struct{} { return c.done }

// SendRaw sends one Engine.IO text message ("4" is prepended).
func (c *Client) SendRaw(s string) error {
	return c.write(websocket.TextMessage, []byte("4"+s))
}

// Next returns the next packet, or fails the test after Wait.
func (c *Client) Next() *parser.Packet {
	c.t.Helper()
	p, err := c.NextErr(Wait)
	if err != nil {
		c.t.Fatalf("siotest: %v", err)
	}
	return p
}

// NextErr returns the next packet within d.
func (c *Client) NextErr(d time.Duration) (*parser.Packet, error) {
	select {
	case p := <-c.packets:
		return p, nil
	case <-time.After(d):
		return nil, errors.New("no packet in time")
	case <-c.done:
		select {
		case p := <-c.packets:
			return p, nil
		default:
		}
		return nil, fmt.Errorf("connection closed: %v", c.err)
	}
}

// Closed reports whether the server closed the connection within d.
func (c *Client) Closed(d time.Duration) bool {
	select {
	case <-c.done:
		return true
	case <-time.After(d):
		return false
	}
}

// Connect joins a namespace with an auth payload (nil for none) and returns
// the CONNECT or CONNECT_ERROR answer.
func (c *Client) Connect(nsp string, auth any) *parser.Packet {
	c.t.Helper()
	c.Send(&parser.Packet{Type: parser.Connect, Nsp: nsp, Data: auth})
	for {
		p := c.Next()
		if p.Nsp == nsp && (p.Type == parser.Connect || p.Type == parser.ConnectError) {
			return p
		}
	}
}

// MustConnect joins a namespace and returns the socket id.
func (c *Client) MustConnect(nsp string, auth any) string {
	c.t.Helper()
	p := c.Connect(nsp, auth)
	if p.Type != parser.Connect {
		c.t.Fatalf("siotest: connect %s refused: %s", nsp, p.Raw)
	}
	var v struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal(p.Raw, &v); err != nil || v.SID == "" {
		c.t.Fatalf("siotest: bad CONNECT payload %s", p.Raw)
	}
	return v.SID
}

// Emit sends an event on a namespace; id >= 0 asks for an ack with that id.
func (c *Client) Emit(nsp string, id int, event string, args ...any) {
	p := &parser.Packet{Type: parser.Event, Nsp: nsp, Data: append([]any{event}, args...)}
	if id >= 0 {
		p.ID, p.HasID = uint64(id), true
	}
	c.Send(p)
}

// Event is an event the client received.
type Event struct {
	Nsp   string
	Name  string
	Args  []any // generic values; binary attachments as []byte
	ID    uint64
	HasID bool
}

// ExpectEvent waits for the next event (skipping nothing: any other packet
// fails the test) and decodes it.
func (c *Client) ExpectEvent() Event {
	c.t.Helper()
	p := c.Next()
	if p.Type != parser.Event && p.Type != parser.BinaryEvent {
		c.t.Fatalf("siotest: want an event, got %v %s", p.Type, p.Raw)
	}
	return decodeEvent(c.t, p)
}

func decodeEvent(t testing.TB, p *parser.Packet) Event {
	t.Helper()
	var all []any
	if err := parser.Unmarshal(p.Raw, p.Attachments, &all); err != nil || len(all) == 0 {
		t.Fatalf("siotest: bad event %s: %v", p.Raw, err)
	}
	name, _ := all[0].(string)
	return Event{Nsp: p.Nsp, Name: name, Args: all[1:], ID: p.ID, HasID: p.HasID}
}

// ExpectAck waits for the ack with id and returns its arguments.
func (c *Client) ExpectAck(id uint64) []any {
	c.t.Helper()
	p := c.Next()
	if (p.Type != parser.Ack && p.Type != parser.BinaryAck) || p.ID != id {
		c.t.Fatalf("siotest: want ack %d, got %v id=%d %s", id, p.Type, p.ID, p.Raw)
	}
	var args []any
	if err := parser.Unmarshal(p.Raw, p.Attachments, &args); err != nil {
		c.t.Fatalf("siotest: bad ack %s: %v", p.Raw, err)
	}
	return args
}

// Ack answers a server event that asked for an ack.
func (c *Client) Ack(nsp string, id uint64, args ...any) {
	if args == nil {
		args = []any{}
	}
	c.Send(&parser.Packet{Type: parser.Ack, Nsp: nsp, ID: id, HasID: true, Data: args})
}

// ExpectNothing fails the test if a packet arrives within d.
func (c *Client) ExpectNothing(d time.Duration) {
	c.t.Helper()
	select {
	case p := <-c.packets:
		c.t.Fatalf("siotest: unexpected packet %v %s", p.Type, p.Raw)
	case <-time.After(d):
	}
}

// Close closes the connection abruptly (no close packet).
func (c *Client) Close() {
	c.eio.Close()
	<-c.done
}

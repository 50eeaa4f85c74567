// Package eiotest is a raw Engine.IO v4 client for tests: it speaks the wire
// protocol directly (polling GET/POST, WebSocket frames, the upgrade probe) so
// that tests can check exactly what a server sends and send it anything,
// including malformed input. It has its own small codec, independent of the
// server's, so a codec bug cannot hide itself.
//
// Every network operation is bounded by Client.Timeout. A Client is meant for
// one test goroutine, except that one goroutine may poll (or read the
// WebSocket) while another posts (or writes).
//
// Typical use:
//
//	c := eiotest.New(srv.URL + "/engine.io/")
//	defer c.Close()
//	if _, err := c.HandshakePolling(); err != nil { t.Fatal(err) }
//	if err := c.Send(eiotest.Message("hello")); err != nil { t.Fatal(err) }
//	ps, err := c.Poll()
package eiotest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"
)

// Packet types, as their wire digit.
const (
	Open    byte = '0'
	Close   byte = '1'
	Ping    byte = '2'
	Pong    byte = '3'
	Msg     byte = '4'
	Upgrade byte = '5'
	Noop    byte = '6'
)

// Packet is one Engine.IO packet. Type is the wire digit ('0'..'6'); Binary
// messages carry raw bytes in Data.
type Packet struct {
	Type   byte
	Data   string
	Binary bool
}

// Message returns a text message packet.
func Message(data string) Packet { return Packet{Type: Msg, Data: data} }

// BinaryMessage returns a binary message packet.
func BinaryMessage(data []byte) Packet { return Packet{Type: Msg, Data: string(data), Binary: true} }

// String returns the polling text form of p (binary as "b"+base64).
func (p Packet) String() string {
	if p.Binary {
		return "b" + base64.StdEncoding.EncodeToString([]byte(p.Data))
	}
	return string(p.Type) + p.Data
}

// ParsePacket decodes the text form of one packet.
func ParsePacket(s string) (Packet, error) {
	if s == "" {
		return Packet{}, errors.New("eiotest: empty packet")
	}
	if s[0] == 'b' {
		b, err := base64.StdEncoding.DecodeString(s[1:])
		if err != nil {
			return Packet{}, fmt.Errorf("eiotest: bad base64: %w", err)
		}
		return Packet{Type: Msg, Data: string(b), Binary: true}, nil
	}
	if s[0] < '0' || s[0] > '6' {
		return Packet{}, fmt.Errorf("eiotest: bad packet type in %q", s)
	}
	return Packet{Type: s[0], Data: s[1:]}, nil
}

// EncodePayload joins packets with the record separator 0x1e.
func EncodePayload(ps ...Packet) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, "\x1e")
}

// DecodePayload splits a polling payload into packets.
func DecodePayload(s string) ([]Packet, error) {
	var ps []Packet
	for _, part := range strings.Split(s, "\x1e") {
		p, err := ParsePacket(part)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// OpenData is the JSON data of the open packet.
type OpenData struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
	MaxPayload   int      `json:"maxPayload"`
}

// Response is a raw HTTP response.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// ErrorBody decodes an Engine.IO error body {"code":N,"message":"..."}.
func (r *Response) ErrorBody() (code int, message string, err error) {
	var e struct {
		Code    *int   `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(r.Body), &e); err != nil {
		return 0, "", fmt.Errorf("eiotest: error body %q: %w", r.Body, err)
	}
	if e.Code == nil {
		return 0, "", fmt.Errorf("eiotest: error body %q has no code", r.Body)
	}
	return *e.Code, e.Message, nil
}

// Client is a raw Engine.IO v4 client. Set its fields before the first call.
type Client struct {
	// URL is the endpoint, e.g. "http://127.0.0.1:1234/engine.io/".
	URL string
	// HTTP is the client for polling requests. New gives it its own
	// transport, which Close releases.
	HTTP *http.Client
	// Header is added to every request (polling and WebSocket).
	Header http.Header
	// Timeout bounds each operation. Default (New) 5s.
	Timeout time.Duration

	// SID and Open are set by a successful handshake.
	SID  string
	Open OpenData
	// WS is the WebSocket, after HandshakeWebSocket or Probe.
	WS *websocket.Conn
	// WSResponse is the HTTP response of the last WebSocket dial.
	WSResponse *http.Response
	// WSResponseBody is the start (up to 1 KiB) of the body of the last
	// WebSocket dial's response, when the handshake failed.
	WSResponseBody string

	tr    *http.Transport
	dials atomic.Int64
}

// New returns a Client for url with its own HTTP transport.
func New(url string) *Client {
	c := &Client{URL: url, Timeout: 5 * time.Second}
	var d net.Dialer
	c.tr = &http.Transport{
		MaxIdleConnsPerHost: 4,
		DisableCompression:  true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c.dials.Add(1)
			return d.DialContext(ctx, network, addr)
		},
	}
	c.HTTP = &http.Client{Transport: c.tr}
	return c
}

// NewConns returns how many TCP connections the polling transport of a
// Client made by New has opened.
func (c *Client) NewConns() int { return int(c.dials.Load()) }

// Close closes the WebSocket, if any, and the idle HTTP connections.
func (c *Client) Close() {
	if c.WS != nil {
		_ = c.WS.Close()
	}
	if c.tr != nil {
		c.tr.CloseIdleConnections()
	}
}

// Query returns "EIO=4&transport=<transport>" plus "&sid=" once known.
func (c *Client) Query(transport string) string {
	q := "EIO=4&transport=" + transport
	if c.SID != "" {
		q += "&sid=" + c.SID
	}
	return q
}

func (c *Client) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), c.Timeout)
}

// Do sends a raw request to URL?query and returns the whole response.
func (c *Client) Do(method, query, body string, hdr http.Header) (*Response, error) {
	ctx, cancel := c.ctx()
	defer cancel()
	return c.DoContext(ctx, method, query, body, hdr)
}

// DoContext is Do with the caller's context (to abort a request).
func (c *Client) DoContext(ctx context.Context, method, query, body string, hdr http.Header) (*Response, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.URL+"?"+query, rd)
	if err != nil {
		return nil, err
	}
	for k, vs := range c.Header {
		req.Header[k] = append(req.Header[k], vs...)
	}
	for k, vs := range hdr {
		req.Header[k] = append([]string(nil), vs...)
	}
	if body != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: string(b)}, nil
}

// HandshakePolling opens a session over polling. It returns the packets that
// came after the open packet in the same payload.
func (c *Client) HandshakePolling() ([]Packet, error) {
	res, ps, err := c.HandshakePollingResponse()
	if err == nil && res.Status != http.StatusOK {
		err = fmt.Errorf("eiotest: handshake status %d: %s", res.Status, res.Body)
	}
	return ps, err
}

// HandshakePollingResponse is HandshakePolling returning the response as
// well, for a check of a refused handshake: a status other than 200 is no
// error, and leaves the client without a session.
func (c *Client) HandshakePollingResponse() (*Response, []Packet, error) {
	c.SID = ""
	res, err := c.Do(http.MethodGet, c.Query("polling"), "", nil)
	if err != nil {
		return nil, nil, err
	}
	if res.Status != http.StatusOK {
		return res, nil, nil
	}
	ps, err := DecodePayload(res.Body)
	if err != nil {
		return res, nil, err
	}
	if err := c.parseOpen(ps[0]); err != nil {
		return res, nil, err
	}
	return res, ps[1:], nil
}

func (c *Client) parseOpen(p Packet) error {
	if p.Type != Open {
		return fmt.Errorf("eiotest: expected open packet, got %q", p.String())
	}
	if err := json.Unmarshal([]byte(p.Data), &c.Open); err != nil {
		return fmt.Errorf("eiotest: open packet %q: %w", p.Data, err)
	}
	if c.Open.SID == "" {
		return fmt.Errorf("eiotest: open packet without sid: %q", p.Data)
	}
	c.SID = c.Open.SID
	return nil
}

// PollRaw sends one polling GET and returns the raw response.
func (c *Client) PollRaw() (*Response, error) {
	return c.Do(http.MethodGet, c.Query("polling"), "", nil)
}

// Poll sends one polling GET and decodes its payload; a non-200 status is an
// error.
func (c *Client) Poll() ([]Packet, error) {
	res, err := c.PollRaw()
	if err != nil {
		return nil, err
	}
	if res.Status != http.StatusOK {
		return nil, fmt.Errorf("eiotest: poll status %d: %s", res.Status, res.Body)
	}
	return DecodePayload(res.Body)
}

// Post sends a raw payload in a polling POST.
func (c *Client) Post(payload string) (*Response, error) {
	return c.Do(http.MethodPost, c.Query("polling"), payload, nil)
}

// Send posts packets and expects 200 "ok".
func (c *Client) Send(ps ...Packet) error {
	res, err := c.Post(EncodePayload(ps...))
	if err != nil {
		return err
	}
	if res.Status != http.StatusOK || res.Body != "ok" {
		return fmt.Errorf("eiotest: post status %d: %s", res.Status, res.Body)
	}
	return nil
}

// WSURL returns the WebSocket URL for query.
func (c *Client) WSURL(query string) string {
	u := c.URL
	switch {
	case strings.HasPrefix(u, "http://"):
		u = "ws://" + u[len("http://"):]
	case strings.HasPrefix(u, "https://"):
		u = "wss://" + u[len("https://"):]
	}
	return u + "?" + query
}

// DialWS opens a WebSocket to URL?query without touching c.WS. On a failed
// handshake the HTTP response is in c.WSResponse.
func (c *Client) DialWS(query string) (*websocket.Conn, error) {
	ctx, cancel := c.ctx()
	defer cancel()
	d := websocket.Dialer{HandshakeTimeout: c.Timeout}
	conn, res, err := d.DialContext(ctx, c.WSURL(query), c.Header)
	c.WSResponse = res
	c.WSResponseBody = ""
	if res != nil && res.Body != nil {
		if err != nil {
			b, _ := io.ReadAll(io.LimitReader(res.Body, 1024))
			c.WSResponseBody = string(b)
		}
		_ = res.Body.Close()
	}
	return conn, err
}

// WSError returns the failed WebSocket handshake's response as a Response
// (status, headers, body start), or nil when the last dial got none.
func (c *Client) WSError() *Response {
	if c.WSResponse == nil {
		return nil
	}
	return &Response{Status: c.WSResponse.StatusCode, Header: c.WSResponse.Header, Body: c.WSResponseBody}
}

// HandshakeWebSocket opens a WebSocket-only session and reads the open
// packet.
func (c *Client) HandshakeWebSocket() error {
	c.SID = ""
	return c.HandshakeWebSocketQuery(c.Query("websocket"))
}

// HandshakeWebSocketQuery is HandshakeWebSocket with the caller's query
// (which must hold EIO=4&transport=websocket, and may add parameters of the
// app's own). On a failed dial, WSError holds the HTTP answer.
func (c *Client) HandshakeWebSocketQuery(query string) error {
	c.SID = ""
	conn, err := c.DialWS(query)
	if err != nil {
		return err
	}
	c.WS = conn
	p, err := c.ReadWS()
	if err != nil {
		return err
	}
	return c.parseOpen(p)
}

// Probe starts an upgrade: it opens a WebSocket with the session's sid,
// sends "2probe" and expects "3probe". The WebSocket becomes c.WS.
func (c *Client) Probe() error {
	conn, err := c.DialWS(c.Query("websocket"))
	if err != nil {
		return err
	}
	c.WS = conn
	if err := c.WriteWS(Packet{Type: Ping, Data: "probe"}); err != nil {
		return err
	}
	p, err := c.ReadWS()
	if err != nil {
		return err
	}
	if p.Type != Pong || p.Data != "probe" {
		return fmt.Errorf("eiotest: expected 3probe, got %q", p.String())
	}
	return nil
}

// Upgrade runs the whole upgrade: Probe, then the upgrade packet "5". A
// pending polling GET is expected to be answered with a noop meanwhile; that
// is the caller's to check.
func (c *Client) Upgrade() error {
	if err := c.Probe(); err != nil {
		return err
	}
	return c.WriteWS(Packet{Type: Upgrade})
}

// WriteWS writes one packet on c.WS: a text frame, or a binary frame with the
// raw bytes for a binary message.
func (c *Client) WriteWS(p Packet) error {
	if p.Binary {
		return c.WriteWSRaw(websocket.BinaryMessage, []byte(p.Data))
	}
	return c.WriteWSRaw(websocket.TextMessage, []byte(p.String()))
}

// WriteWSRaw writes one frame of type mt on c.WS.
func (c *Client) WriteWSRaw(mt int, data []byte) error {
	if err := c.WS.SetWriteDeadline(time.Now().Add(c.Timeout)); err != nil {
		return err
	}
	return c.WS.WriteMessage(mt, data)
}

// ReadWS reads one packet from c.WS within Timeout.
func (c *Client) ReadWS() (Packet, error) {
	if err := c.WS.SetReadDeadline(time.Now().Add(c.Timeout)); err != nil {
		return Packet{}, err
	}
	mt, data, err := c.WS.ReadMessage()
	if err != nil {
		return Packet{}, err
	}
	if mt == websocket.BinaryMessage {
		return Packet{Type: Msg, Data: string(data), Binary: true}, nil
	}
	return ParsePacket(string(data))
}

// ReadWSMessage reads from c.WS until a packet other than ping arrives,
// answering pings with pongs.
func (c *Client) ReadWSMessage() (Packet, error) {
	for i := 0; i < 1000; i++ {
		p, err := c.ReadWS()
		if err != nil {
			return p, err
		}
		if p.Type != Ping {
			return p, nil
		}
		if err := c.WriteWS(Packet{Type: Pong}); err != nil {
			return p, err
		}
	}
	return Packet{}, errors.New("eiotest: only pings")
}

// ErrWSOpen is returned (wrapped) by WaitWSClosed when the WebSocket did not
// close within Timeout.
var ErrWSOpen = errors.New("eiotest: WebSocket still open")

// WaitWSClosed reads c.WS until it fails (the server closed it), within
// Timeout, and returns the read error (a *websocket.CloseError for a clean
// close), or an error wrapping ErrWSOpen when it stayed open.
func (c *Client) WaitWSClosed() error {
	deadline := time.Now().Add(c.Timeout)
	if err := c.WS.SetReadDeadline(deadline); err != nil {
		return err
	}
	for i := 0; i < 100000; i++ {
		if _, _, err := c.WS.ReadMessage(); err != nil {
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() {
				return fmt.Errorf("%w after %v", ErrWSOpen, c.Timeout)
			}
			return err
		}
	}
	return fmt.Errorf("%w: it kept sending", ErrWSOpen)
}

// PollUntil polls until a payload contains a packet for which match returns
// true, answering pings with pongs, at most n polls. It returns every packet
// read, pings excluded.
func (c *Client) PollUntil(n int, match func(Packet) bool) ([]Packet, error) {
	var all []Packet
	for i := 0; i < n; i++ {
		ps, err := c.Poll()
		if err != nil {
			return all, err
		}
		found := false
		for _, p := range ps {
			if p.Type == Ping {
				if err := c.Send(Packet{Type: Pong}); err != nil {
					return all, err
				}
				continue
			}
			all = append(all, p)
			if match(p) {
				found = true
			}
		}
		if found {
			return all, nil
		}
	}
	return all, fmt.Errorf("eiotest: no matching packet in %d polls", n)
}

package integrationtest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/gosio/gosio/internal/eiotest"
)

// Wait bounds every network operation of the client and every wait of the
// checks.
const Wait = 5 * time.Second

// Client is a minimal Socket.IO client on raw Engine.IO: polling, WebSocket
// and the polling→WebSocket upgrade. It answers pings and skips noops, and
// fails its test on any network error. Its packets are strings in their
// Engine.IO text form ("40", `42["hi"]`), so that a check states exactly
// what goes over the wire.
//
// A Client is used by one goroutine, the test's own: it is not safe for
// concurrent use, and it calls t.Fatal.
type Client struct {
	t   testing.TB
	eio *eiotest.Client // the transport: gosio's Engine.IO test client
	buf []string        // received packets not yet read
}

// NewClient returns a client of the Engine.IO endpoint at url (e.g.
// "http://127.0.0.1:1234/socket.io/") that sends hdr with every request. It
// does not follow redirects. Its connections are closed when the test ends.
func NewClient(t testing.TB, url string, hdr http.Header) *Client {
	e := eiotest.New(url)
	e.Header = hdr
	e.Timeout = Wait
	e.HTTP.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	t.Cleanup(e.Close)
	return &Client{t: t, eio: e}
}

// Do sends one polling request with the given method and body (in the
// session, once there is one) and returns the response, whose body is
// already read and closed, and its body.
func (c *Client) Do(method, body string) (*http.Response, string) {
	c.t.Helper()
	res, err := c.eio.Do(method, c.eio.Query("polling"), body, nil)
	c.must(err)
	return &http.Response{
		Status:     fmt.Sprintf("%d %s", res.Status, http.StatusText(res.Status)),
		StatusCode: res.Status,
		Header:     res.Header,
		Body:       http.NoBody,
	}, res.Body
}

// Open does the polling handshake and returns its status. On 200 OK the
// client is in the session; it fails the test if the open packet is bad.
func (c *Client) Open() int {
	c.t.Helper()
	res, more, err := c.eio.HandshakePollingResponse()
	c.must(err)
	for _, p := range more {
		c.buf = append(c.buf, p.String())
	}
	return res.Status
}

// OpenWS opens a WebSocket session, or upgrades the polling session Open
// opened (probe and upgrade packets), and returns the status of the HTTP
// answer: 101 Switching Protocols when it worked, after which packets go
// over the WebSocket.
func (c *Client) OpenWS() int {
	c.t.Helper()
	var err error
	if c.eio.SID == "" {
		err = c.eio.HandshakeWebSocket()
	} else {
		err = c.eio.Upgrade()
	}
	if err != nil && c.eio.WS == nil {
		// The dial failed: the server's answer, if there is one, is the
		// result.
		if res := c.eio.WSError(); res != nil {
			return res.Status
		}
		c.t.Fatalf("dial: %v", err)
	}
	c.must(err)
	return c.eio.WSResponse.StatusCode
}

func (c *Client) must(err error) {
	c.t.Helper()
	if err != nil {
		c.t.Fatal(err)
	}
}

// Send sends Engine.IO packets (e.g. "40", `42["hi"]`) on the current
// transport: one POST for all of them over polling, one message each over
// WebSocket. Over polling it fails the test unless the server answers "ok".
func (c *Client) Send(packets ...string) {
	c.t.Helper()
	if c.eio.WS == nil {
		res, err := c.eio.Post(strings.Join(packets, "\x1e"))
		c.must(err)
		if res.Body != "ok" {
			c.t.Fatalf("POST: %d %q", res.Status, res.Body)
		}
		return
	}
	for _, p := range packets {
		c.must(c.eio.WriteWSRaw(websocket.TextMessage, []byte(p)))
	}
}

// Next returns the next packet that is neither a ping nor a noop, answering
// pings with pongs on the way.
func (c *Client) Next() string {
	c.t.Helper()
	for {
		for len(c.buf) == 0 {
			c.receive()
		}
		p := c.buf[0]
		c.buf = c.buf[1:]
		switch p {
		case "2":
			c.Send("3")
		case "6":
		default:
			return p
		}
	}
}

// Receive reads one WebSocket message or one polling payload (a long-poll)
// and returns its packets after those received earlier and not yet returned
// by Next, pings and noops included: the caller answers pings itself.
func (c *Client) Receive() []string {
	c.t.Helper()
	c.receive()
	ps := c.buf
	c.buf = nil
	return ps
}

// receive reads one WebSocket message or one polling payload into c.buf:
// a binary WebSocket message as its raw bytes, packets of a payload in
// their text form.
func (c *Client) receive() {
	c.t.Helper()
	if c.eio.WS != nil {
		p, err := c.eio.ReadWS()
		c.must(err)
		if p.Binary {
			c.buf = append(c.buf, p.Data)
		} else {
			c.buf = append(c.buf, p.String())
		}
		return
	}
	res, err := c.eio.PollRaw()
	c.must(err)
	if res.Status != http.StatusOK {
		c.t.Fatalf("GET: %d %q", res.Status, res.Body)
	}
	c.buf = append(c.buf, strings.Split(res.Body, "\x1e")...)
}

// Expect reads the next packet as Next does, fails the test unless it
// starts with prefix, and returns it.
func (c *Client) Expect(prefix string) string {
	c.t.Helper()
	p := c.Next()
	if !strings.HasPrefix(p, prefix) {
		c.t.Fatalf("got %q, want %q…", p, prefix)
	}
	return p
}

package integrationtest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

// Wait bounds every network operation of the client and every wait of the
// checks.
const Wait = 5 * time.Second

// Client is a minimal Socket.IO client on raw Engine.IO: polling, WebSocket
// and the polling→WebSocket upgrade. It answers pings and skips noops, and
// fails its test on any network error.
//
// A Client is used by one goroutine, the test's own: it is not safe for
// concurrent use, and it calls t.Fatal.
type Client struct {
	t    testing.TB
	url  string // e.g. http://127.0.0.1:1234/socket.io/
	hdr  http.Header
	http *http.Client
	sid  string
	ws   *websocket.Conn
	buf  []string // received packets not yet read
}

// NewClient returns a client of the Engine.IO endpoint at url (e.g.
// "http://127.0.0.1:1234/socket.io/") that sends hdr with every request. It
// does not follow redirects. Its connections are closed when the test ends.
func NewClient(t testing.TB, url string, hdr http.Header) *Client {
	tr := &http.Transport{}
	c := &Client{t: t, url: url, hdr: hdr, http: &http.Client{
		Transport:     tr,
		Timeout:       Wait,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	t.Cleanup(func() {
		if c.ws != nil {
			c.ws.Close()
		}
		tr.CloseIdleConnections()
	})
	return c
}

func (c *Client) query(transport string) string {
	q := "?EIO=4&transport=" + transport
	if c.sid != "" {
		q += "&sid=" + c.sid
	}
	return q
}

// Do sends one polling request with the given method and body (in the
// session, once there is one) and returns the response, whose body is
// already read and closed, and its body.
func (c *Client) Do(method, body string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.url+c.query("polling"), strings.NewReader(body))
	c.must(err)
	for k, v := range c.hdr {
		req.Header[k] = v
	}
	res, err := c.http.Do(req)
	c.must(err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	c.must(err)
	return res, string(b)
}

// Open does the polling handshake and returns its status. On 200 OK the
// client is in the session; it fails the test if the open packet is bad.
func (c *Client) Open() int {
	c.t.Helper()
	res, body := c.Do(http.MethodGet, "")
	if res.StatusCode == http.StatusOK {
		c.setSID(body)
	}
	return res.StatusCode
}

func (c *Client) setSID(open string) {
	c.t.Helper()
	var o struct{ SID string }
	if !strings.HasPrefix(open, "0") || json.Unmarshal([]byte(open[1:]), &o) != nil || o.SID == "" {
		c.t.Fatalf("bad open packet %q", open)
	}
	c.sid = o.SID
}

// OpenWS opens a WebSocket session, or upgrades the polling session Open
// opened (probe and upgrade packets), and returns the status of the HTTP
// answer: 101 Switching Protocols when it worked, after which packets go
// over the WebSocket.
func (c *Client) OpenWS() int {
	c.t.Helper()
	d := websocket.Dialer{HandshakeTimeout: Wait}
	ws, res, err := d.Dial("ws"+strings.TrimPrefix(c.url, "http")+c.query("websocket"), c.hdr)
	if res == nil {
		c.t.Fatalf("dial: %v", err)
	}
	if err != nil {
		return res.StatusCode
	}
	c.ws = ws
	if c.sid == "" {
		c.setSID(c.Next())
		return res.StatusCode
	}
	c.Send("2probe")
	if p := c.Next(); p != "3probe" {
		c.t.Fatalf("probe answered %q", p)
	}
	c.Send("5")
	return res.StatusCode
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
	if c.ws == nil {
		if res, body := c.Do(http.MethodPost, strings.Join(packets, "\x1e")); body != "ok" {
			c.t.Fatalf("POST: %d %q", res.StatusCode, body)
		}
		return
	}
	for _, p := range packets {
		c.must(c.ws.WriteMessage(websocket.TextMessage, []byte(p)))
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

// receive reads one WebSocket message or one polling payload into c.buf.
func (c *Client) receive() {
	c.t.Helper()
	if c.ws != nil {
		c.must(c.ws.SetReadDeadline(time.Now().Add(Wait)))
		_, b, err := c.ws.ReadMessage()
		c.must(err)
		c.buf = append(c.buf, string(b))
		return
	}
	res, body := c.Do(http.MethodGet, "")
	if res.StatusCode != http.StatusOK {
		c.t.Fatalf("GET: %d %q", res.StatusCode, body)
	}
	c.buf = append(c.buf, strings.Split(body, "\x1e")...)
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

//go:build linux && !386

package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.uber.org/goleak"

	"github.com/gosio/gosio/internal/eiotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// connect opens a WebSocket session on the floor server and joins "/".
func connect(t *testing.T, url string) *eiotest.Client {
	t.Helper()
	c := eiotest.New(url + "/socket.io/")
	t.Cleanup(c.Close)
	if err := c.HandshakeWebSocket(); err != nil {
		t.Fatal(err)
	}
	if c.SID == "" || c.Open.PingInterval != 25000 {
		t.Fatalf("open packet: sid %q, %+v", c.SID, c.Open)
	}
	if err := c.WriteWS(eiotest.Message("0")); err != nil {
		t.Fatal(err)
	}
	expect(t, c, `0{"sid":"floor"}`)
	return c
}

func expect(t *testing.T, c *eiotest.Client, data string) {
	t.Helper()
	p, err := c.ReadWSMessage()
	if err != nil {
		t.Fatal(err)
	}
	if p.Type != eiotest.Msg || p.Data != data {
		t.Fatalf("got %q, want message %q", p.String(), data)
	}
}

// The bench contract over real sockets: echo with an ack, a broadcast to
// every connection (the sender included) with i, ts and p, then its ack.
func TestContract(t *testing.T) {
	srv := httptest.NewServer(newServer())
	defer srv.Close()
	a, b := connect(t, srv.URL), connect(t, srv.URL)

	if err := a.WriteWS(eiotest.Message(`21["bench:echo","q\"é"]`)); err != nil {
		t.Fatal(err)
	}
	expect(t, a, `31["q\"é"]`)

	if err := a.WriteWS(eiotest.Message(`22["bench:broadcast",{"n":3,"size":4,"ts":1000}]`)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*eiotest.Client{a, b} {
		for i := 0; i < 3; i++ {
			p, err := c.ReadWSMessage()
			if err != nil {
				t.Fatal(err)
			}
			var ev []json.RawMessage
			var m struct {
				I  int    `json:"i"`
				TS int64  `json:"ts"`
				P  string `json:"p"`
			}
			if len(p.Data) == 0 || p.Data[0] != '2' || json.Unmarshal([]byte(p.Data[1:]), &ev) != nil || len(ev) != 2 ||
				string(ev[0]) != `"bench:msg"` || json.Unmarshal(ev[1], &m) != nil {
				t.Fatalf("message %d: got %q", i, p.Data)
			}
			if m.I != i || m.TS < 1000 || m.P != "xxxx" {
				t.Fatalf("message %d: got %+v", i, m)
			}
		}
	}
	expect(t, a, `32[3]`)
}

// What the contract does not cover ends the connection or the request with a
// clear error, and the server stays up for the others.
func TestBadInput(t *testing.T) {
	srv := httptest.NewServer(newServer())
	defer srv.Close()

	res, err := http.Get(srv.URL + "/socket.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("polling request: status %d, want 400", res.StatusCode)
	}

	for _, bad := range []string{`2["bench:echo","x"]`, `2{`, `2x["bench:echo","x"]`, `9`, `2["bench:broadcast",{"n":-1}]`} {
		c := connect(t, srv.URL)
		if err := c.WriteWS(eiotest.Message(bad)); err != nil {
			t.Fatal(err)
		}
		if bad == `2["bench:echo","x"]` {
			// No ack asked for: nothing comes back, the connection stays.
			if err := c.WriteWS(eiotest.Message(`23["bench:echo","y"]`)); err != nil {
				t.Fatal(err)
			}
			expect(t, c, `33["y"]`)
			continue
		}
		if err := c.WaitWSClosed(); errors.Is(err, eiotest.ErrWSOpen) {
			t.Fatalf("%q: connection still open", bad)
		}
	}
	connect(t, srv.URL) // still serving
}

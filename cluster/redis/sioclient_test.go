package sioredis_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosio/gosio/core/parser"
	"github.com/gosio/gosio/internal/siotest"
)

// sioClient is siotest's Socket.IO client bound to one namespace, for the
// cluster tests: a reader goroutine of its own answers events that ask for
// an ack (OnAck) while the test waits elsewhere, notes a DISCONNECT, and
// hands the events, and only them, to the test on events.
type sioClient struct {
	t   testing.TB
	nsp string
	sc  *siotest.Client
	SID string // the socket's id in nsp
	PID string // the private id, with connection state recovery

	events chan *parser.Packet
	closed chan struct{} // closed once the connection is and the reader stopped

	mu     sync.Mutex
	ackFn  func(p *parser.Packet) []any // replies to events that ask for an ack
	discon bool
}

// dial connects a client to nsp of the server at url ("http://host:port"),
// with auth as CONNECT payload (nil for none).
func dial(t testing.TB, url, nsp string, auth any) *sioClient {
	t.Helper()
	sc := siotest.Dial(t, url, nil)
	c := &sioClient{t: t, nsp: nsp, sc: sc, events: make(chan *parser.Packet, 4096), closed: make(chan struct{})}
	sc.Send(&parser.Packet{Type: parser.Connect, Nsp: nsp, Data: auth})
	deadline := time.After(siotest.Wait)
	for c.SID == "" {
		select {
		case p := <-sc.Packets():
			switch p.Type {
			case parser.Event:
				// Node's server sends a recovered socket's missed packets
				// before CONNECT; socket.io-client buffers them until it.
				c.events <- p
			case parser.ConnectError:
				t.Fatalf("connect_error: %s", p.Raw)
			case parser.Connect:
				var v struct {
					SID string `json:"sid"`
					PID string `json:"pid"`
				}
				if json.Unmarshal(p.Raw, &v) == nil {
					c.SID, c.PID = v.SID, v.PID
				}
			}
		case <-sc.Done():
			t.Fatalf("connect to %s: connection closed", nsp)
		case <-deadline:
			t.Fatalf("connect to %s: no answer in %v", nsp, siotest.Wait)
		}
	}
	go c.read()
	t.Cleanup(c.Close)
	return c
}

func (c *sioClient) read() {
	defer close(c.closed)
	handle := func(p *parser.Packet) {
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
	for {
		select {
		case p := <-c.sc.Packets():
			handle(p)
		case <-c.sc.Done():
			for {
				select {
				case p := <-c.sc.Packets():
					handle(p)
				default:
					return
				}
			}
		}
	}
}

// sendPacket sends p; a failure (the connection closed) is ignored, as a
// client whose network went away sends nothing.
func (c *sioClient) sendPacket(p *parser.Packet) { _ = c.sc.SendErr(p) }

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
	c.sc.Close()
	<-c.closed
}

func (c *sioClient) String() string { return fmt.Sprintf("client(%s)", c.SID) }

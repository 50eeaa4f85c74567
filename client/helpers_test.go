package client_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gosio/gosio/client"
	"github.com/gosio/gosio/core"
)

// wait bounds every wait of the tests.
const wait = 10 * time.Second

// transportCases are the ways a client connects: polling only, WebSocket
// only, and polling upgraded to WebSocket.
var transportCases = []struct {
	name      string
	opts      client.Options
	transport string // the transport once settled
}{
	{"polling", client.Options{Transports: []string{client.TransportPolling}}, client.TransportPolling},
	{"websocket", client.Options{Transports: []string{client.TransportWebSocket}}, client.TransportWebSocket},
	{"upgrade", client.Options{}, client.TransportWebSocket},
}

// gosio is a core.Server on a loopback httptest server, which a test may
// restart (a new core.Server on a new port behind the same proxy).
type gosio struct {
	t    *testing.T
	opts *core.Options
	mu   sync.Mutex
	io   *core.Server
	hs   *httptest.Server
	// setup registers the handlers on each new server.
	setup func(io *core.Server)
}

// startGosio starts a gosio server with opts (nil for fast heartbeats) and
// setup; it is closed when the test ends.
func startGosio(t *testing.T, opts *core.Options, setup func(io *core.Server)) *gosio {
	t.Helper()
	if opts == nil {
		opts = &core.Options{}
	}
	if opts.Engine.PingInterval == 0 {
		opts.Engine.PingInterval = 300 * time.Millisecond
		opts.Engine.PingTimeout = 300 * time.Millisecond
	}
	g := &gosio{t: t, opts: opts, setup: setup}
	g.start()
	t.Cleanup(g.stop)
	return g
}

func (g *gosio) start() {
	io := core.NewServer(g.opts)
	if g.setup != nil {
		g.setup(io)
	}
	hs := httptest.NewServer(io)
	g.mu.Lock()
	g.io, g.hs = io, hs
	g.mu.Unlock()
}

// stop closes the server and its listener.
func (g *gosio) stop() {
	g.mu.Lock()
	io, hs := g.io, g.hs
	g.io, g.hs = nil, nil
	g.mu.Unlock()
	if io == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := io.Close(ctx); err != nil {
		g.t.Errorf("close gosio: %v", err)
	}
	hs.CloseClientConnections()
	hs.Close()
}

// URL returns the server's base URL.
func (g *gosio) URL() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.hs.URL
}

// Addr returns the server's listening address.
func (g *gosio) Addr() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.hs.Listener.Addr().String()
}

// Server returns the current core.Server.
func (g *gosio) Server() *core.Server {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.io
}

// proxy is a TCP proxy on loopback in front of a server: Cut drops every
// connection (a network failure the client sees at once), Hold stops
// forwarding and refuses new connections while keeping the open ones (a
// silent network loss), and SetTarget points it at another server.
type proxy struct {
	ln net.Listener
	wg sync.WaitGroup

	mu     sync.Mutex
	target string
	down   bool // refuse connections
	held   bool // stop forwarding
	conns  map[net.Conn]struct{}
	halves map[net.Conn]int // directions ended, per connection
	resume chan struct{}
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}, halves: map[net.Conn]int{}, resume: make(chan struct{})}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// URL returns the proxy's base URL.
func (p *proxy) URL() string { return "http://" + p.ln.Addr().String() }

func (p *proxy) SetTarget(addr string) {
	p.mu.Lock()
	p.target = addr
	p.mu.Unlock()
}

// Cut drops every connection; with down, new ones are refused until Up.
func (p *proxy) Cut(down bool) {
	p.mu.Lock()
	p.down = down
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
}

// Hold stops forwarding, and refuses new connections, until Up.
func (p *proxy) Hold() {
	p.mu.Lock()
	p.held, p.down = true, true
	p.mu.Unlock()
}

// Up accepts connections and forwards again; held connections are
// dropped.
func (p *proxy) Up() {
	p.mu.Lock()
	if p.held {
		for c := range p.conns {
			c.Close()
		}
		close(p.resume)
		p.resume = make(chan struct{})
	}
	p.held, p.down = false, false
	p.mu.Unlock()
}

func (p *proxy) close() {
	p.ln.Close()
	p.Up()
	p.Cut(true)
	p.wg.Wait()
}

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down, target := p.down, p.target
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		up, err := net.DialTimeout("tcp", target, wait)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[up] = struct{}{}, struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(c, up)
		go p.pipe(up, c)
	}
}

// pipe copies from src to dst until src ends, then half-closes dst (as
// a TCP stack would; closing it with unread data would reset it); while
// held, it keeps what it read.
func (p *proxy) pipe(src, dst net.Conn) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			held, resume := p.held, p.resume
			p.mu.Unlock()
			if held {
				<-resume // Up drops held connections
				err = errHeld
			} else if _, werr := dst.Write(buf[:n]); werr != nil {
				err = werr
			}
		}
		if err == io.EOF {
			_ = dst.(*net.TCPConn).CloseWrite()
			p.done(src)
			return
		}
		if err != nil {
			src.Close()
			dst.Close()
			p.done(src)
			p.done(dst)
			return
		}
	}
}

var errHeld = errors.New("held")

// done forgets a connection once both directions ended.
func (p *proxy) done(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.halves[c]++
	if p.halves[c] >= 2 {
		c.Close()
		delete(p.conns, c)
		delete(p.halves, c)
	}
}

// recv returns the next value on ch, or fails the test after wait.
func recv[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatal("timed out")
		panic("unreachable")
	}
}

// dial connects a client socket, closed when the test ends.
func dial(t testing.TB, url string, opts *client.Options) *client.Socket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	s, err := client.Dial(ctx, url, opts)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// waitFor polls cond until it holds or wait passed.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitUpgraded waits until both sides moved the connection to WebSocket.
func waitUpgraded(t testing.TB, s *client.Socket, g *gosio) {
	t.Helper()
	waitFor(t, "the upgrade", func() bool {
		if s.Manager().Transport() != client.TransportWebSocket {
			return false
		}
		for _, ss := range g.Server().Of(s.Namespace()).Sockets() {
			if ss.ID() == s.ID() {
				return ss.Transport() == client.TransportWebSocket
			}
		}
		return false
	})
}

// fastReconnect are options that reconnect quickly.
func fastReconnect(o client.Options) *client.Options {
	o.ReconnectionDelay = 20 * time.Millisecond
	o.ReconnectionDelayMax = 100 * time.Millisecond
	return &o
}

var _ = http.StatusOK

package e2e

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/gosio/gosio/core"
)

// cutListener is a net.Listener that simulates a network outage: it resets
// every connection it accepted (the peers get a TCP reset) and, for a while,
// each new one as soon as it is accepted.
type cutListener struct {
	net.Listener
	mu        sync.Mutex
	conns     map[*cutConn]struct{}
	downUntil time.Time
}

func newCutListener(ln net.Listener) *cutListener {
	return &cutListener{Listener: ln, conns: make(map[*cutConn]struct{})}
}

func (l *cutListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		down := time.Now().Before(l.downUntil)
		cc := &cutConn{Conn: c, l: l}
		if !down {
			l.conns[cc] = struct{}{}
		}
		l.mu.Unlock()
		if down {
			reset(c)
			continue
		}
		return cc, nil
	}
}

// cut resets every open connection and, for the next d, every new one. It
// returns how many open connections it reset.
func (l *cutListener) cut(d time.Duration) int {
	l.mu.Lock()
	l.downUntil = time.Now().Add(d)
	conns := make([]*cutConn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		reset(c.Conn)
		_ = c.Close()
	}
	return len(conns)
}

// reset closes c with a TCP reset, like a dropped network.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

type cutConn struct {
	net.Conn
	l    *cutListener
	once sync.Once
}

func (c *cutConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

// testServer is one gosio server of the suite: a *core.Server configured by
// opts and the handlers of handlers_test.go, served by an integration on a
// loopback port. It can cut its TCP connections and restart on the same port
// with a fresh *core.Server, as a restarted process would.
type testServer struct {
	name string
	in   integration
	opts core.Options
	app  *app
	log  func(format string, args ...any)

	reasons *reasonBook // disconnect reasons, kept across restarts

	mu     sync.Mutex
	addr   string
	gen    int // incremented by each restart
	ln     *cutListener
	io     *core.Server
	stop   func(context.Context) error
	closed bool

	errMu sync.Mutex // not mu: a handler may panic while a restart holds mu
	errs  []error    // PanicErrors reported by the server
}

// startServer starts a server and stops it when the test ends.
func startServer(t *testing.T, name string, in integration, a *app, opts core.Options) *testServer {
	t.Helper()
	ts := &testServer{name: name, in: in, opts: opts, app: a, reasons: newReasonBook()}
	ts.log = func(format string, args ...any) {
		if os.Getenv("E2E_DEBUG") != "" {
			fmt.Fprintf(os.Stderr, "[%s %s] %s\n", t.Name(), name, fmt.Sprintf(format, args...))
		}
	}
	ts.opts.OnError = func(s *core.Socket, err error) {
		ts.log("server error: %v", err)
		var perr *core.PanicError
		if errors.As(err, &perr) {
			ts.errMu.Lock()
			ts.errs = append(ts.errs, fmt.Errorf("%v\n%s", perr, perr.Stack))
			ts.errMu.Unlock()
		}
	}
	if os.Getenv("E2E_DEBUG") != "" {
		ts.opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("server", t.Name()+"/"+name)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = ln.Addr().String()
	ts.serveLocked(ln)
	t.Cleanup(func() {
		ts.close()
		ts.errMu.Lock()
		defer ts.errMu.Unlock()
		for _, err := range ts.errs {
			t.Errorf("%s: handler panicked: %v", name, err)
		}
	})
	return ts
}

// URL is the server's base URL.
func (ts *testServer) URL() string { return "http://" + ts.addr }

// serveLocked serves a fresh *core.Server on ln.
func (ts *testServer) serveLocked(ln net.Listener) {
	ts.ln = newCutListener(ln)
	ts.io = core.NewServer(&ts.opts)
	setupHandlers(ts, ts.io, ts.gen)
	ts.stop = ts.in.serve(ts.ln, ts.io, ts.app)
}

// outage is how long a cut lasts: long enough that a polling client, whose
// every request has a connection of its own, fails its next request too.
const outage = 300 * time.Millisecond

// cut simulates a network outage between the server and its clients: every
// TCP connection is reset, and so are new ones for the outage's duration.
// Clients see their transport fail; the server sees its sessions close (at
// once for a request or WebSocket in flight, at the ping timeout otherwise).
func (ts *testServer) cut() {
	ts.mu.Lock()
	ln := ts.ln
	ts.mu.Unlock()
	n := ln.cut(outage)
	ts.log("cut %d connections", n)
}

// shutdownLocked closes the current *core.Server gracefully, then the HTTP
// stack and the listener, then resets whatever connection is left.
func (ts *testServer) shutdownLocked() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ts.io.Close(ctx); err != nil {
		ts.log("io.Close: %v", err)
	}
	_ = ts.ln.Close()
	if err := ts.stop(ctx); err != nil {
		ts.log("stop: %v", err)
	}
	ts.ln.cut(0)
}

// restart shuts the server down and starts a new *core.Server on the same
// port, as a process restart would.
func (ts *testServer) restart() error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.closed {
		return net.ErrClosed
	}
	ts.shutdownLocked()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port is ours; a listen can only race a dying socket
		if ln, err = net.Listen("tcp", ts.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	ts.gen++
	ts.serveLocked(ln)
	ts.log("restarted, generation %d", ts.gen)
	return nil
}

func (ts *testServer) close() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.closed {
		return
	}
	ts.closed = true
	ts.shutdownLocked()
}

// reasonBook records why sockets disconnected, so that cases can ask.
type reasonBook struct {
	mu      sync.Mutex
	reasons map[string]disconnectInfo
	wake    chan struct{} // closed and replaced at each record
}

type disconnectInfo struct {
	Reason string `json:"reason"`
	User   string `json:"user"` // the app's value, read in the disconnect handler
}

func newReasonBook() *reasonBook {
	return &reasonBook{reasons: make(map[string]disconnectInfo), wake: make(chan struct{})}
}

func (b *reasonBook) record(id string, info disconnectInfo) {
	b.mu.Lock()
	b.reasons[id] = info
	close(b.wake)
	b.wake = make(chan struct{})
	b.mu.Unlock()
}

// wait returns the disconnect of socket id, waiting until ctx is done.
func (b *reasonBook) wait(ctx context.Context, id string) (disconnectInfo, error) {
	for {
		b.mu.Lock()
		info, ok := b.reasons[id]
		wake := b.wake
		b.mu.Unlock()
		if ok {
			return info, nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return disconnectInfo{}, fmt.Errorf("socket %s did not disconnect: %w", id, ctx.Err())
		}
	}
}

package core_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/parser"
	"github.com/gosio/gosio/internal/eiotest"
	"github.com/gosio/gosio/internal/siotest"
)

type connectPayload struct {
	SID string `json:"sid"`
	PID string `json:"pid"`
}

func connectWith(t *testing.T, c *siotest.Client, auth any) connectPayload {
	t.Helper()
	p := c.Connect("/", auth)
	if p.Type != parser.Connect {
		t.Fatalf("connect refused: %s", p.Raw)
	}
	var cp connectPayload
	if err := json.Unmarshal(p.Raw, &cp); err != nil {
		t.Fatal(err)
	}
	return cp
}

func TestConnectionStateRecovery(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, &core.Options{
		ConnectionStateRecovery: &core.ConnectionStateRecovery{MaxDisconnectionDuration: time.Minute},
	})
	type conn struct {
		s         *core.Socket
		recovered bool
	}
	conns := make(chan conn, 4)
	disconnected := make(chan string, 4)
	middlewareRuns := make(chan struct{}, 4)
	srv.Use(core.ConnectFunc(func(s *core.Socket) error { middlewareRuns <- struct{}{}; return nil }))
	srv.OnConnection(func(s *core.Socket) {
		if !s.Recovered() {
			s.Join("news")
			s.SetData("kept")
		}
		s.OnDisconnect(func(s *core.Socket, reason string) { disconnected <- reason })
		conns <- conn{s, s.Recovered()}
	})

	c := siotest.Dial(t, url, nil)
	first := connectWith(t, c, nil)
	if first.PID == "" {
		t.Fatal("no pid in CONNECT with recovery on")
	}
	recv(t, conns)
	recv(t, middlewareRuns)
	// One broadcast while connected: the client sees its offset.
	if err := srv.To("news").Emit("n", -1); err != nil {
		t.Fatal(err)
	}
	ev := c.ExpectEvent()
	offset, ok := ev.Args[len(ev.Args)-1].(string)
	if !ok || len(ev.Args) != 2 {
		t.Fatalf("broadcast to a recoverable socket carries no offset: %#v", ev.Args)
	}
	c.Close() // the network goes away
	if r := recv(t, disconnected); r != core.ReasonTransportClose {
		t.Fatalf("reason %q", r)
	}
	const missed = 1000
	for i := 0; i < missed; i++ {
		if err := srv.To("news").Emit("n", i); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.To("elsewhere").Emit("not-for-us"); err != nil {
		t.Fatal(err)
	}

	c2 := siotest.Dial(t, url, nil)
	again := connectWith(t, c2, map[string]any{"pid": first.PID, "offset": offset})
	if again.SID != first.SID {
		t.Fatalf("recovered sid %q, want %q", again.SID, first.SID)
	}
	for i := 0; i < missed; i++ {
		ev := c2.ExpectEvent()
		if ev.Name != "n" || len(ev.Args) != 2 || ev.Args[0] != float64(i) {
			t.Fatalf("missed packet %d: %#v", i, ev)
		}
	}
	got := recv(t, conns)
	if !got.recovered || got.s.ID() != first.SID {
		t.Fatalf("socket not recovered: %v %s", got.recovered, got.s.ID())
	}
	if d, _ := core.Data[string](got.s); d != "kept" {
		t.Errorf("data %v", got.s.Data())
	}
	rooms := got.s.Rooms()
	if len(rooms) != 2 {
		t.Errorf("rooms %v", rooms)
	}
	select {
	case <-middlewareRuns:
		t.Error("middlewares ran for a recovered socket")
	default:
	}
	c2.ExpectNothing(50 * time.Millisecond)

	// A deliberate disconnect is not recoverable: the pid is gone.
	got.s.Disconnect(true)
	recv(t, disconnected)
	c3 := siotest.Dial(t, url, nil)
	fresh := connectWith(t, c3, map[string]any{"pid": first.PID, "offset": offset})
	if fresh.SID == first.SID {
		t.Error("session recovered after a deliberate disconnect")
	}
	if r := recv(t, conns); r.recovered {
		t.Error("Recovered() true for a fresh socket")
	}
}

func TestRecoveryWindowExpires(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, &core.Options{
		ConnectionStateRecovery: &core.ConnectionStateRecovery{MaxDisconnectionDuration: 50 * time.Millisecond},
	})
	gone := make(chan struct{}, 1)
	srv.OnConnection(func(s *core.Socket) {
		s.OnDisconnect(func(*core.Socket, string) { gone <- struct{}{} })
		_ = s.Emit("welcome")
	})
	c := siotest.Dial(t, url, nil)
	first := connectWith(t, c, nil)
	welcome := c.ExpectEvent()
	offset := offsetOf(t, welcome)
	c.Close()
	recv(t, gone)
	time.Sleep(100 * time.Millisecond) // let the recovery window pass
	c2 := siotest.Dial(t, url, nil)
	again := connectWith(t, c2, map[string]any{"pid": first.PID, "offset": offset})
	if again.SID == first.SID {
		t.Fatal("recovered after the window expired")
	}
}

// A client that reconnects while its old connection is still open (the old
// transport has not timed out yet) gets a new socket, as with Node: there
// is no persisted session for its pid yet. The old socket is untouched.
func TestRecoveryWhileOldConnectionStillOpen(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, &core.Options{
		ConnectionStateRecovery: &core.ConnectionStateRecovery{},
	})
	conns := make(chan *core.Socket, 2)
	srv.OnConnection(func(s *core.Socket) { conns <- s })
	old := siotest.Dial(t, url, nil)
	first := connectWith(t, old, nil)
	oldSocket := recv(t, conns)

	c := siotest.Dial(t, url, nil)
	again := connectWith(t, c, map[string]any{"pid": first.PID, "offset": ""})
	if again.SID == first.SID || again.PID == first.PID {
		t.Fatalf("old session %+v handed out again: %+v", first, again)
	}
	if s := recv(t, conns); s.Recovered() {
		t.Error("Recovered() for a session that was never persisted")
	}
	if !oldSocket.Connected() {
		t.Fatal("the old socket was disconnected")
	}
	if err := oldSocket.Emit("still", "here"); err != nil {
		t.Fatal(err)
	}
	if e := old.ExpectEvent(); e.Name != "still" {
		t.Errorf("old connection got %q", e.Name)
	}
}

// Namespace event middlewares wrap the events of recovered sockets too,
// which skip the connect middlewares.
func TestUseEventsCoversRecoveredSockets(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, &core.Options{
		ConnectionStateRecovery: &core.ConnectionStateRecovery{},
	})
	seen := make(chan string, 4)
	srv.Of("/").UseEvents(func(next core.EventHandler) core.EventHandler {
		return func(s *core.Socket, e *core.Event) error {
			seen <- "mw:" + e.Name
			return next(s, e)
		}
	})
	gone := make(chan struct{}, 1)
	srv.OnConnection(func(s *core.Socket) {
		s.On("ping", func(s *core.Socket, e *core.Event) error { return e.Ack("pong") })
		s.OnDisconnect(func(*core.Socket, string) { gone <- struct{}{} })
		if !s.Recovered() {
			_ = s.Emit("welcome") // its offset lets the client recover
		}
	})
	c := siotest.Dial(t, url, nil)
	first := connectWith(t, c, nil)
	welcome := c.ExpectEvent()
	offset := offsetOf(t, welcome)
	c.Emit("/", 1, "ping")
	c.ExpectAck(1)
	if got := recv(t, seen); got != "mw:ping" {
		t.Fatalf("got %q", got)
	}
	c.Close()
	recv(t, gone)
	c2 := siotest.Dial(t, url, nil)
	if again := connectWith(t, c2, map[string]any{"pid": first.PID, "offset": offset}); again.SID != first.SID {
		t.Fatal("not recovered")
	}
	c2.Emit("/", 2, "ping")
	c2.ExpectAck(2)
	if got := recv(t, seen); got != "mw:ping" {
		t.Fatalf("recovered socket: got %q", got)
	}
}

// With RunMiddlewares, the middlewares run on a provisional socket: the
// rooms they join go to the recovered socket, beside those of its session
// (as in Node, where they run on the restored socket), and the provisional
// one leaves no trace in the adapter.
func TestRecoveryRunMiddlewaresRooms(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, &core.Options{
		ConnectionStateRecovery: &core.ConnectionStateRecovery{MaxDisconnectionDuration: time.Minute, RunMiddlewares: true},
	})
	var runs atomic.Int32
	srv.Use(core.ConnectFunc(func(s *core.Socket) error { s.Join(fmt.Sprint("mw", runs.Add(1))); return nil }))
	conns := make(chan *core.Socket, 2)
	disconnected := make(chan string, 2)
	srv.OnConnection(func(s *core.Socket) {
		s.OnDisconnect(func(_ *core.Socket, reason string) { disconnected <- reason })
		conns <- s
	})
	c := siotest.Dial(t, url, nil)
	first := connectWith(t, c, nil)
	recv(t, conns)
	if err := srv.To("mw1").Emit("n"); err != nil {
		t.Fatal(err)
	}
	ev := c.ExpectEvent()
	offset := offsetOf(t, ev)
	c.Close()
	recv(t, disconnected)

	c2 := siotest.Dial(t, url, nil)
	if again := connectWith(t, c2, map[string]any{"pid": first.PID, "offset": offset}); again.SID != first.SID {
		t.Fatalf("not recovered: sid %q, want %q", again.SID, first.SID)
	}
	s := recv(t, conns)
	if rooms := s.Rooms(); !slices.Equal(sorted(rooms), sorted([]string{first.SID, "mw1", "mw2"})) {
		t.Errorf("recovered socket's rooms %v", rooms)
	}
	if ids := srv.Of("/").Adapter().Sockets(core.BroadcastOptions{}); !slices.Equal(ids, []string{first.SID}) {
		t.Errorf("adapter sockets %v, want only %s", ids, first.SID)
	}
}

// recoveryServer returns a server with connection state recovery (a
// minute's window) whose sockets are handed to conns when they connect
// (when conns has room) and signal gone when they disconnect.
func recoveryServer(t *testing.T) (srv *core.Server, url string, conns chan *core.Socket, gone chan struct{}) {
	srv, url = newServer(t, &core.Options{
		ConnectionStateRecovery: &core.ConnectionStateRecovery{MaxDisconnectionDuration: time.Minute},
	})
	conns = make(chan *core.Socket, 2)
	gone = make(chan struct{}, 2)
	srv.OnConnection(func(s *core.Socket) {
		s.OnDisconnect(func(*core.Socket, string) { gone <- struct{}{} })
		select {
		case conns <- s:
		default:
		}
	})
	return srv, url, conns, gone
}

// offsetOf returns the recovery offset an event carries as its last
// argument.
func offsetOf(t *testing.T, ev siotest.Event) string {
	t.Helper()
	if len(ev.Args) == 0 {
		t.Fatalf("event %q carries no offset", ev.Name)
	}
	off, ok := ev.Args[len(ev.Args)-1].(string)
	if !ok || off == "" {
		t.Fatalf("event %q: last argument %#v is no offset", ev.Name, ev.Args[len(ev.Args)-1])
	}
	return off
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// An event emitted to one socket carries an offset when recovery is on, as
// with Node: socket.io-client takes the last string argument of any event
// as the offset to recover from, so without one an app event ending with a
// string would make its next recovery fail.
func TestDirectEmitCarriesOffset(t *testing.T) {
	t.Parallel()
	_, url, conns, gone := recoveryServer(t)
	c := siotest.Dial(t, url, nil)
	first := connectWith(t, c, nil)
	s := recv(t, conns)
	if err := s.Emit("chat", "hello"); err != nil {
		t.Fatal(err)
	}
	ev := c.ExpectEvent()
	if len(ev.Args) != 2 || ev.Args[0] != "hello" {
		t.Fatalf("event args %v, want hello and an offset", ev.Args)
	}
	last, _ := ev.Args[1].(string) // what socket.io-client keeps
	c.Close()
	recv(t, gone)

	c2 := siotest.Dial(t, url, nil)
	if again := connectWith(t, c2, map[string]any{"pid": first.PID, "offset": last}); again.SID != first.SID {
		t.Fatalf("not recovered with the offset %q of an emitted event", last)
	}
}

// rawSocket connects a raw WebSocket client to "/" and returns it with its
// sid and pid and a reader of its next Socket.IO packet (answering pings):
// a client that can stop reading, as one whose network went away.
func rawSocket(t *testing.T, base string) (conn *websocket.Conn, sid, pid string, read func() string) {
	t.Helper()
	c := eiotest.New(base + "/socket.io/")
	c.Timeout = siotest.Wait
	t.Cleanup(c.Close)
	if err := c.HandshakeWebSocket(); err != nil {
		t.Fatal(err)
	}
	read = func() string {
		t.Helper()
		p, err := c.ReadWSMessage()
		if err != nil {
			t.Fatal(err)
		}
		return p.String()
	}
	if err := c.WriteWS(eiotest.Message("0")); err != nil {
		t.Fatal(err)
	}
	var hello struct{ SID, PID string }
	if m := read(); !strings.HasPrefix(m, "40") || json.Unmarshal([]byte(m[2:]), &hello) != nil {
		t.Fatalf("connect: %q", m)
	}
	return c.WS, hello.SID, hello.PID, read
}

// An event emitted to one socket that the client never got, because its
// transport dropped, is replayed on recovery like a broadcast sent at the
// same moment.
func TestDirectEmitReplayedAfterDrop(t *testing.T) {
	t.Parallel()
	srv, base, conns, gone := recoveryServer(t)
	conn, sid, pid, read := rawSocket(t, base)
	s := recv(t, conns)
	if err := srv.Emit("b", 0); err != nil {
		t.Fatal(err)
	}
	var args []any
	if m := read(); json.Unmarshal([]byte(m[2:]), &args) != nil || len(args) != 3 {
		t.Fatalf("broadcast: %q", m)
	}
	offset := args[2].(string)

	// The client reads no more; a broadcast and an event to the socket go
	// out; then the connection drops.
	if err := srv.Emit("b", 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Emit("direct", 1); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	conn.Close()
	recv(t, gone)

	c2 := siotest.Dial(t, base, nil)
	if again := connectWith(t, c2, map[string]any{"pid": pid, "offset": offset}); again.SID != sid {
		t.Fatalf("not recovered")
	}
	for _, want := range []string{"b", "direct"} {
		if ev := c2.ExpectEvent(); ev.Name != want {
			t.Fatalf("replayed %q, want %q", ev.Name, want)
		}
	}
	c2.ExpectNothing(100 * time.Millisecond)
}

// A client that got no event since it connected reconnects with its pid
// and no offset: what it missed is unknown (packets sent between the
// network's failure and the server's noticing it went to the dead
// transport), so it gets a new socket, as with Node, rather than a
// recovery that silently lost packets.
func TestRecoveryRefusedWithoutOffset(t *testing.T) {
	t.Parallel()
	srv, base, _, gone := recoveryServer(t)
	conn, sid, pid, _ := rawSocket(t, base)
	if err := srv.Emit("news", 1); err != nil { // never read
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	conn.Close()
	recv(t, gone)

	c2 := siotest.Dial(t, base, nil)
	if again := connectWith(t, c2, map[string]any{"pid": pid}); again.SID == sid {
		t.Fatal("recovered without an offset")
	}
}

// Broadcasts from several goroutines at once reach a client in the order
// of their offsets: a client reports the last offset it got, and a
// recovery replays what follows it.
func TestBroadcastOffsetsInOrder(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, &core.Options{
		ConnectionStateRecovery: &core.ConnectionStateRecovery{MaxDisconnectionDuration: time.Minute},
	})
	c := siotest.Dial(t, url, nil)
	connectWith(t, c, nil)
	const writers, each = 4, 300
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				_ = srv.Emit("n", w, i, strings.Repeat("x", 200))
			}
		}()
	}
	wg.Wait()
	prev := uint64(0)
	for i := 0; i < writers*each; i++ {
		ev := c.ExpectEvent()
		off := offsetOf(t, ev)
		seq, err := strconv.ParseUint(off[strings.LastIndexByte(off, '-')+1:], 10, 64)
		if err != nil {
			t.Fatalf("offset %q", off)
		}
		if seq < prev {
			t.Fatalf("event %d has offset %d after one with %d", i, seq, prev)
		}
		prev = seq
	}
}

// Hooks.OnConnect and the connection handlers of a recovered socket may
// emit: they run once the missed packets are queued, not while the adapter
// holds broadcasts back for the restore.
func TestRecoveredSocketHooksMayEmit(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, &core.Options{
		ConnectionStateRecovery: &core.ConnectionStateRecovery{MaxDisconnectionDuration: time.Minute},
		Hooks: core.Hooks{OnConnect: func(s *core.Socket) {
			if s.Recovered() {
				_ = s.Emit("hook")
				_ = s.Broadcast().Emit("hook-broadcast")
			}
		}},
	})
	gone := make(chan struct{}, 2)
	joined := make(chan struct{}, 1)
	srv.OnConnection(func(s *core.Socket) {
		s.OnDisconnect(func(*core.Socket, string) { gone <- struct{}{} })
		if s.Recovered() {
			_ = s.Emit("handler")
		} else {
			s.Join("news")
			joined <- struct{}{}
		}
	})
	c := siotest.Dial(t, url, nil)
	first := connectWith(t, c, nil)
	// The CONNECT answer goes out before the connection handlers run, as
	// in Node: broadcast to the room once the handler joined it.
	recv(t, joined)
	if err := srv.To("news").Emit("n", 0); err != nil {
		t.Fatal(err)
	}
	ev := c.ExpectEvent()
	offset := offsetOf(t, ev)
	c.Close()
	recv(t, gone)
	if err := srv.To("news").Emit("n", 1); err != nil {
		t.Fatal(err)
	}
	c2 := siotest.Dial(t, url, nil)
	if again := connectWith(t, c2, map[string]any{"pid": first.PID, "offset": offset}); again.SID != first.SID {
		t.Fatal("not recovered")
	}
	for _, want := range []string{"n", "hook", "handler"} {
		if ev := c2.ExpectEvent(); ev.Name != want {
			t.Fatalf("got %q, want %q", ev.Name, want)
		}
	}
}

package core_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/internal/siotest"
)

// seenLog collects what an observer heard, one line per call.
type seenLog struct {
	mu    sync.Mutex
	lines []string
	ch    chan string
}

func (l *seenLog) add(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	l.mu.Lock()
	l.lines = append(l.lines, s)
	l.mu.Unlock()
	select {
	case l.ch <- s:
	default:
	}
}

// wait waits until line was heard.
func (l *seenLog) wait(t *testing.T, line string) {
	t.Helper()
	l.mu.Lock()
	if slices.Contains(l.lines, line) {
		l.mu.Unlock()
		return
	}
	l.mu.Unlock()
	for {
		if recv(t, l.ch) == line {
			return
		}
	}
}

func (l *seenLog) has(line string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Contains(l.lines, line)
}

func logObserver(l *seenLog) *core.Observer {
	return &core.Observer{
		OnConnOpen:   func(id, tr string) { l.add("open %s", tr) },
		OnConnClose:  func(id, reason string) { l.add("close %s", reason) },
		OnMessageIn:  func(n int) { l.add("in") },
		OnMessageOut: func(n int) { l.add("out") },
		OnConnect:    func(s *core.Socket) { l.add("connect %s", s.Namespace().Name()) },
		OnDisconnect: func(s *core.Socket, r string) { l.add("disconnect %s", r) },
		OnEventIn:    func(s *core.Socket, e *core.Event) { l.add("event in %s %d", e.Name, e.Len()) },
		OnEventOut:   func(s *core.Socket, ev string, args []any) { l.add("event out %s %v", ev, args) },
		OnData:       func(s *core.Socket) { l.add("data %v", s.Data()) },
		OnRoomJoin:   func(n *core.Namespace, room, id string) { l.add("join %s", room) },
		OnRoomLeave:  func(n *core.Namespace, room, id string) { l.add("leave %s", room) },
		PeerData:     func(s *core.Socket) map[string]any { return map[string]any{"_admin": "x"} },
	}
}

// An observer added at run time hears each kind of activity; removed, it
// hears nothing more.
func TestObserver(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	l := &seenLog{ch: make(chan string, 256)}
	remove := srv.Observe(logObserver(l))
	socks := make(chan *core.Socket, 1)
	srv.OnConnection(func(s *core.Socket) {
		s.On("go", func(s *core.Socket, e *core.Event) error {
			s.Join("lobby")
			s.SetData(map[string]any{"user": "ann"})
			s.Leave("lobby")
			return s.Emit("done", 1)
		})
		socks <- s
	})
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)
	s := recv(t, socks)
	l.wait(t, "open websocket")
	l.wait(t, "connect /")
	l.wait(t, "join "+s.ID())
	c.Emit("/", -1, "go", "a", "b")
	if e := c.ExpectEvent(); e.Name != "done" {
		t.Fatalf("got %q", e.Name)
	}
	for _, line := range []string{"in", "out", "event in go 2", "join lobby", "data map[user:ann]", "leave lobby", "event out done [1]"} {
		l.wait(t, line)
	}
	// Other servers see the added fields; local code sees its own data.
	if got := fmt.Sprint(s.PeerData()); got != "map[_admin:x user:ann]" {
		t.Fatalf("PeerData %s", got)
	}
	if got := fmt.Sprint(s.Data()); got != "map[user:ann]" {
		t.Fatalf("Data %s", got)
	}
	c.Close()
	l.wait(t, "disconnect transport close")
	l.wait(t, "close transport close")
	l.wait(t, "leave "+s.ID())

	remove()
	remove() // idempotent
	if got := s.PeerData(); fmt.Sprint(got) != "map[user:ann]" {
		t.Fatalf("PeerData after remove: %v", got)
	}
	c2 := siotest.Dial(t, url, nil)
	c2.MustConnect("/", nil)
	recv(t, socks)
	c2.Close()
	l.mu.Lock()
	n := 0
	for _, line := range l.lines {
		if line == "connect /" {
			n++
		}
	}
	l.mu.Unlock()
	if n != 1 {
		t.Fatalf("removed observer heard %d connects, want 1", n)
	}
}

// Two observers both hear; removing one leaves the other.
func TestObserversIndependent(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	a := &seenLog{ch: make(chan string, 256)}
	b := &seenLog{ch: make(chan string, 256)}
	removeA := srv.Observe(logObserver(a))
	srv.Observe(logObserver(b))
	removeA()
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", nil)
	b.wait(t, "connect /")
	if a.has("connect /") {
		t.Fatal("removed observer heard a connect")
	}
}

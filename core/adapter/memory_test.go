package adapter

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gosio/gosio/core/parser"
)

// fakeNsp is a namespace of fake sockets that record what they get.
type fakeNsp struct {
	mu       sync.Mutex
	sockets  map[SocketID]*fakeSocket
	ids      uint64
	emitted  []string
	delivers []delivery // every Deliver call
}

// delivery is one call of Namespace.Deliver.
type delivery struct {
	ctx     context.Context
	ids     []SocketID
	withAck bool
}

type fakeSocket struct {
	id     SocketID
	mu     sync.Mutex
	got    []string
	acks   []AckFunc
	closed bool
}

func newFakeNsp(ids ...SocketID) *fakeNsp {
	n := &fakeNsp{sockets: map[SocketID]*fakeSocket{}}
	for _, id := range ids {
		n.sockets[id] = &fakeSocket{id: id}
	}
	return n
}

func (n *fakeNsp) Name() string { return "/" }
func (n *fakeNsp) Socket(id SocketID) (Socket, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	s, ok := n.sockets[id]
	return s, ok
}
func (n *fakeNsp) Parser() parser.Parser { return parser.JSON }
func (n *fakeNsp) NextAckID() uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.ids++
	return n.ids - 1
}
func (n *fakeNsp) OnServerSideEmit(event string, args []any, ack func(args ...any)) {
	n.emitted = append(n.emitted, event)
}
func (n *fakeNsp) RecoveryWindow() time.Duration             { return 0 }
func (n *fakeNsp) SocketState(SocketID) (*SocketState, bool) { return nil, false }
func (n *fakeNsp) Deliver(ctx context.Context, ids []SocketID, p *EncodedPacket, _ BroadcastFlags, ack AckFunc) int {
	n.mu.Lock()
	n.delivers = append(n.delivers, delivery{ctx, slices.Clone(ids), ack != nil})
	n.mu.Unlock()
	count := 0
	for _, id := range ids {
		n.mu.Lock()
		s, ok := n.sockets[id]
		n.mu.Unlock()
		if ok {
			s.deliver(p, ack)
			count++
		}
	}
	return count
}

func (s *fakeSocket) ID() SocketID { return s.id }
func (s *fakeSocket) deliver(p *EncodedPacket, ack AckFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, string(p.Text))
	if ack != nil {
		s.acks = append(s.acks, ack)
	}
}
func (s *fakeSocket) Disconnect(bool)       { s.mu.Lock(); s.closed = true; s.mu.Unlock() }
func (s *fakeSocket) Handshake() *Handshake { return nil }
func (s *fakeSocket) Rooms() []Room         { return nil }
func (s *fakeSocket) Data() any             { return nil }

func (s *fakeSocket) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.got
	s.got = nil
	return g
}

func event(args ...any) *parser.Packet {
	return &parser.Packet{Type: parser.Event, Nsp: "/", Data: args}
}

func TestMemoryRoomsAndBroadcast(t *testing.T) {
	t.Parallel()
	n := newFakeNsp("a", "b", "c")
	m := NewMemory(n, MemoryOptions{})
	for id := range n.sockets {
		m.AddAll(id, id)
	}
	m.AddAll("a", "r1", "r2")
	m.AddAll("b", "r2")
	if got := m.SocketRooms("a"); !reflect.DeepEqual(got, []Room{"a", "r1", "r2"}) {
		t.Errorf("rooms of a = %v", got)
	}
	tests := []struct {
		opts BroadcastOptions
		want []SocketID
	}{
		{BroadcastOptions{}, []SocketID{"a", "b", "c"}},
		{BroadcastOptions{Rooms: []Room{"r1", "r2"}}, []SocketID{"a", "b"}},
		{BroadcastOptions{Rooms: []Room{"r2"}, Except: []Room{"r1"}}, []SocketID{"b"}},
		{BroadcastOptions{Except: []Room{"c"}}, []SocketID{"a", "b"}},
		{BroadcastOptions{Rooms: []Room{"nobody"}}, nil},
	}
	for i, tt := range tests {
		got := m.Sockets(tt.opts)
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%d: Sockets(%+v) = %v, want %v", i, tt.opts, got, tt.want)
		}
		if err := m.Broadcast(event("ev", i), tt.opts); err != nil {
			t.Fatal(err)
		}
		for id, s := range n.sockets {
			got := s.take()
			if slices.Contains(tt.want, id) != (len(got) == 1) || len(got) > 1 {
				t.Errorf("%d: socket %s got %v", i, id, got)
			}
			if len(got) == 1 && got[0] != fmt.Sprintf(`2["ev",%d]`, i) {
				t.Errorf("%d: socket %s got %q", i, id, got[0])
			}
		}
	}
	m.Del("a", "r1")
	m.DelAll("b")
	if got := m.Sockets(BroadcastOptions{Rooms: []Room{"r1", "r2"}}); !reflect.DeepEqual(got, []SocketID{"a"}) {
		t.Errorf("after leave: %v", got)
	}
	rooms, _ := m.AllRooms(context.Background())
	if !reflect.DeepEqual(rooms, []Room{"a", "c", "r2"}) {
		t.Errorf("all rooms %v", rooms)
	}
	_ = m.AddSockets(BroadcastOptions{Rooms: []Room{"c"}}, []Room{"x"})
	_ = m.DelSockets(BroadcastOptions{Rooms: []Room{"a"}}, []Room{"r2"})
	if got := m.Sockets(BroadcastOptions{Rooms: []Room{"x", "r2"}}); !reflect.DeepEqual(got, []SocketID{"c"}) {
		t.Errorf("after bulk join/leave: %v", got)
	}
	_ = m.DisconnectSockets(BroadcastOptions{Rooms: []Room{"x"}}, true)
	if !n.sockets["c"].closed || n.sockets["a"].closed {
		t.Error("DisconnectSockets hit the wrong sockets")
	}
}

func TestMemoryBroadcastWithAck(t *testing.T) {
	t.Parallel()
	n := newFakeNsp("a", "b")
	m := NewMemory(n, MemoryOptions{})
	m.AddAll("a", "a", "r")
	m.AddAll("b", "b", "r")
	count := -1
	if err := m.BroadcastWithAck(event("q"), BroadcastOptions{Rooms: []Room{"r"}}, func(c int) { count = c }, func(*parser.Packet) {}); err != nil {
		t.Fatal(err)
	}
	if count != 2 {
		t.Errorf("client count %d", count)
	}
	for _, s := range n.sockets {
		if got := s.take(); len(got) != 1 || got[0] != `20["q"]` || len(s.acks) != 1 {
			t.Errorf("socket %s got %v (%d acks)", s.id, got, len(s.acks))
		}
	}
}

type ctxKey struct{}

// Memory hands each broadcast to its namespace in one Deliver, with the
// broadcast's context and every target; the count Deliver returns is the
// client count of a broadcast with acks.
func TestMemoryDeliversOncePerBroadcast(t *testing.T) {
	t.Parallel()
	n := newFakeNsp("a", "b", "c")
	m := NewMemory(n, MemoryOptions{})
	for id := range n.sockets {
		m.AddAll(id, id, "r")
	}
	m.AddAll("gone", "gone", "r") // in a room, not a socket of the namespace
	ctx := context.WithValue(context.Background(), ctxKey{}, 1)
	if err := m.Broadcast(event("ev"), BroadcastOptions{Rooms: []Room{"r"}, Except: []Room{"c"}, Context: ctx}); err != nil {
		t.Fatal(err)
	}
	count := -1
	if err := m.BroadcastWithAck(event("q"), BroadcastOptions{Rooms: []Room{"r"}}, func(c int) { count = c }, func(*parser.Packet) {}); err != nil {
		t.Fatal(err)
	}
	if len(n.delivers) != 2 {
		t.Fatalf("%d Deliver calls for 2 broadcasts", len(n.delivers))
	}
	first, second := n.delivers[0], n.delivers[1]
	slices.Sort(first.ids)
	slices.Sort(second.ids)
	if first.ctx != ctx || first.withAck || !slices.Equal(first.ids, []SocketID{"a", "b", "gone"}) {
		t.Errorf("broadcast delivered as %+v", first)
	}
	if second.ctx != nil || !second.withAck || !slices.Equal(second.ids, []SocketID{"a", "b", "c", "gone"}) || count != 3 {
		t.Errorf("broadcast with acks delivered as %+v, client count %d", second, count)
	}
}

func TestRecordableAndWithOffset(t *testing.T) {
	t.Parallel()
	args := make([]any, 2, 4) // room to append in place: WithOffset must not
	args[0], args[1] = "ev", 1
	p := &parser.Packet{Type: parser.Event, Nsp: "/", Data: args}
	q := WithOffset(p, "o-1")
	if got := q.Data.([]any); !reflect.DeepEqual(got, []any{"ev", 1, "o-1"}) {
		t.Errorf("with offset: %v", got)
	}
	if len(p.Data.([]any)) != 2 || args[:3][2] != nil {
		t.Errorf("WithOffset changed the packet or its arguments: %v", args[:3])
	}
	acked := *p
	acked.ID, acked.HasID = 1, true
	for _, tt := range []struct {
		p     *parser.Packet
		flags BroadcastFlags
		want  bool
	}{
		{p, BroadcastFlags{}, true},
		{p, BroadcastFlags{Local: true}, true},
		{p, BroadcastFlags{Volatile: true}, false},
		{&acked, BroadcastFlags{}, false},
		{&parser.Packet{Type: parser.Ack, Data: []any{}}, BroadcastFlags{}, false},
		{&parser.Packet{Type: parser.Event, Data: "not a list"}, BroadcastFlags{}, false},
	} {
		if got := Recordable(tt.p, tt.flags); got != tt.want {
			t.Errorf("Recordable(%+v, %+v) = %v", tt.p, tt.flags, got)
		}
	}
}

// restore returns the session RestoreSession hands to its callback.
func restore(m *Memory, pid, offset string) (*SocketState, error) {
	var got *SocketState
	err := m.RestoreSession(pid, offset, func(s *SocketState) { got = s })
	return got, err
}

func TestRecoveryReplaysMissedPackets(t *testing.T) {
	t.Parallel()
	n := newFakeNsp("a")
	m := NewMemory(n, MemoryOptions{Recovery: &RecoveryOptions{MaxDisconnectionDuration: time.Minute}})
	m.AddAll("a", "a", "news")
	if err := m.Broadcast(event("seen"), BroadcastOptions{Rooms: []Room{"news"}}); err != nil {
		t.Fatal(err)
	}
	var seen []any
	if err := json.Unmarshal([]byte(n.sockets["a"].take()[0][1:]), &seen); err != nil || len(seen) != 2 {
		t.Fatalf("broadcast without offset: %v", seen)
	}
	offset := seen[1].(string)
	m.PersistSession(&SocketState{SID: "a", PID: "pid", Rooms: m.SocketRooms("a"), Data: "d"})
	m.DelAll("a")
	_ = m.Broadcast(event("missed", 1), BroadcastOptions{Rooms: []Room{"news"}})
	_ = m.Broadcast(event("other"), BroadcastOptions{Rooms: []Room{"sports"}})
	_ = m.Broadcast(event("excluded"), BroadcastOptions{Except: []Room{"a"}})
	_ = m.Broadcast(event("volatile"), BroadcastOptions{Flags: BroadcastFlags{Volatile: true}})
	_ = m.Broadcast(event("all", 2), BroadcastOptions{})
	acked := event("acked")
	acked.ID, acked.HasID = 7, true
	_ = m.Broadcast(acked, BroadcastOptions{})

	if _, err := restore(m, "pid", "unknown-offset"); err != ErrNoSession {
		t.Errorf("unknown offset: %v", err)
	}
	// A failed restore forgets the session, as Node does.
	m.PersistSession(&SocketState{SID: "a", PID: "pid", Rooms: []Room{"a", "news"}, Data: "d"})
	s, err := restore(m, "pid", offset)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range s.Missed {
		args := p.Data.([]any)
		names = append(names, args[0].(string))
		if _, ok := args[len(args)-1].(string); !ok {
			t.Errorf("missed packet without offset: %v", args)
		}
	}
	if !reflect.DeepEqual(names, []string{"missed", "all"}) || s.SID != "a" || s.Data != "d" {
		t.Errorf("restored %+v, missed %v", s, names)
	}
	if _, err := restore(m, "pid", offset); err != ErrNoSession {
		t.Errorf("second restore: %v", err)
	}
}

func TestRecoveryBounds(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	n := newFakeNsp()
	m := NewMemory(n, MemoryOptions{Recovery: &RecoveryOptions{MaxDisconnectionDuration: time.Minute, MaxPackets: 3}})
	m.rec.now = func() time.Time { return now }
	for i := 0; i < 10; i++ {
		_ = m.Broadcast(event("e", i), BroadcastOptions{})
	}
	if len(m.rec.kept) != 3 {
		t.Errorf("kept %d packets, cap 3", len(m.rec.kept))
	}
	first := m.rec.kept[0].offset
	m.PersistSession(&SocketState{SID: "s", PID: "p"})
	now = now.Add(30 * time.Second)
	m.PersistSession(&SocketState{SID: "s2", PID: "p2"})
	now = now.Add(31 * time.Second) // p expired, p2 not
	if _, err := restore(m, "p", first); err != ErrNoSession {
		t.Errorf("expired session restored: %v", err)
	}
	_ = m.Broadcast(event("late"), BroadcastOptions{}) // prunes the old packets
	if len(m.rec.kept) != 1 {
		t.Errorf("kept %d packets after the window", len(m.rec.kept))
	}
	late := m.rec.kept[0].offset
	// Without an offset what the client missed is unknown: no recovery,
	// and the session stays for a request that has one.
	if _, err := restore(m, "p2", ""); err != ErrNoSession {
		t.Errorf("p2 restored without an offset: %v", err)
	}
	_ = m.Broadcast(event("later"), BroadcastOptions{})
	s, err := restore(m, "p2", late)
	if err != nil || len(s.Missed) != 1 {
		t.Fatalf("p2: %v, %+v", err, s)
	}
	if len(m.rec.sess) != 0 {
		t.Errorf("%d sessions left", len(m.rec.sess))
	}
}

func TestHandshakeJSONMatchesNode(t *testing.T) {
	t.Parallel()
	h := Handshake{
		Header:  http.Header{"User-Agent": {"node"}, "Set-Cookie": {"a=1", "b=2"}},
		Time:    time.Date(2026, 11, 27, 16, 56, 59, 419e6, time.UTC),
		Address: "::ffff:127.0.0.1",
		URL:     "/socket.io/?EIO=4&transport=websocket",
		Query:   url.Values{"EIO": {"4"}, "transport": {"websocket"}},
		Auth:    json.RawMessage(`{"token":"abc"}`),
	}
	b, err := h.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"headers":{"set-cookie":["a=1","b=2"],"user-agent":"node"},"time":"Fri Nov 27 2026 16:56:59 GMT+0000 (Coordinated Universal Time)","address":"::ffff:127.0.0.1","xdomain":false,"secure":false,"issued":1795798619419,"url":"/socket.io/?EIO=4&transport=websocket","query":{"EIO":"4","transport":"websocket"},"auth":{"token":"abc"}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	var back Handshake
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Header.Get("User-Agent") != "node" || len(back.Header["Set-Cookie"]) != 2 || !back.Time.Equal(h.Time) || back.Query.Get("EIO") != "4" {
		t.Errorf("round trip %+v", back)
	}
}

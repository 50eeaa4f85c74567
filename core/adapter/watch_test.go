package adapter

import (
	"slices"
	"sync"
	"testing"
)

// watchingNsp is a fakeNsp that records the room changes Memory reports.
type watchingNsp struct {
	*fakeNsp
	mu      sync.Mutex
	changes []string
}

func (w *watchingNsp) RoomJoined(room Room, id SocketID) { w.add("+" + room + " " + id) }
func (w *watchingNsp) RoomLeft(room Room, id SocketID)   { w.add("-" + room + " " + id) }
func (w *watchingNsp) add(s string) {
	w.mu.Lock()
	w.changes = append(w.changes, s)
	w.mu.Unlock()
}

// Memory reports each membership that begins or ends, once, whoever changes
// it; joining a room twice or leaving one the socket is not in reports
// nothing.
func TestMemoryRoomWatcher(t *testing.T) {
	w := &watchingNsp{fakeNsp: newFakeNsp("s1", "s2")}
	m := NewMemory(w, MemoryOptions{})
	m.AddAll("s1", "s1", "a", "b")
	m.AddAll("s1", "a") // already in
	m.AddAll("s2", "s2", "a")
	m.Del("s1", "b")
	m.Del("s1", "b") // not in any more
	_ = m.DelSockets(BroadcastOptions{Rooms: []Room{"a"}}, []Room{"a"})
	_ = m.AddSockets(BroadcastOptions{Rooms: []Room{"s2"}}, []Room{"c"})
	m.DelAll("s2")
	want := []string{"+s1 s1", "+a s1", "+b s1", "+s2 s2", "+a s2", "-b s1"}
	got := slices.Clone(w.changes)
	if !slices.Equal(got[:len(want)], want) {
		t.Fatalf("changes %v, want first %v", got, want)
	}
	rest := got[len(want):]
	slices.Sort(rest) // DelSockets and DelAll visit in no set order
	wantRest := []string{"+c s2", "-a s1", "-a s2", "-c s2", "-s2 s2"}
	if !slices.Equal(rest, wantRest) {
		t.Fatalf("then %v, want %v", rest, wantRest)
	}
	// A namespace that does not watch costs nothing and gets nothing.
	plain := NewMemory(newFakeNsp("s1"), MemoryOptions{})
	plain.AddAll("s1", "a")
	if plain.watch != nil {
		t.Fatal("a plain namespace is watched")
	}
}

package adapter

import (
	"context"
	"slices"
	"sync"

	"github.com/gosio/gosio/core/parser"
)

// Memory is the in-memory adapter: rooms live in this process and broadcasts
// reach only its sockets. It is the default, and the base that cluster
// adapters embed, overriding the operations that cross servers.
//
// All methods are safe for concurrent use. The namespace is called back
// outside the lock of the rooms: its sockets may join and leave rooms from
// the outgoing listeners that [Namespace.Deliver] runs.
type Memory struct {
	nsp   Namespace
	watch RoomWatcher // nsp, when it watches room changes; else nil

	// bmu orders broadcasts against session restores: broadcasts share it,
	// a restore holds it alone, so a restored socket gets its missed
	// packets before any later broadcast and misses none in between.
	bmu sync.RWMutex
	// order makes giving a packet its recovery offset and delivering it one
	// step, so that every client gets the recorded packets in offset order
	// (it reports the last offset it got when it recovers).
	order sync.Mutex

	mu    sync.RWMutex
	rooms map[Room]set[SocketID]
	sids  map[SocketID]set[Room]

	rec *recovery // nil unless connection state recovery is on
}

// MemoryOptions configure a Memory adapter. The zero value is valid. Immutable
// once passed to NewMemory.
type MemoryOptions struct {
	// Recovery turns on connection state recovery: broadcast packets are
	// kept, with their offsets, for sockets that reconnect.
	Recovery *RecoveryOptions
}

// NewMemory returns an in-memory adapter for nsp.
func NewMemory(nsp Namespace, opts MemoryOptions) *Memory {
	m := &Memory{
		nsp:   nsp,
		rooms: make(map[Room]set[SocketID]),
		sids:  make(map[SocketID]set[Room]),
	}
	if opts.Recovery != nil {
		m.rec = newRecovery(*opts.Recovery)
	}
	m.watch, _ = nsp.(RoomWatcher)
	return m
}

// MemoryFactory returns a Factory of Memory adapters with opts.
func MemoryFactory(opts MemoryOptions) Factory {
	return func(nsp Namespace) Adapter { return NewMemory(nsp, opts) }
}

// Namespace returns the namespace the adapter serves.
func (m *Memory) Namespace() Namespace { return m.nsp }

// AddAll adds the socket to the rooms.
func (m *Memory) AddAll(id SocketID, rooms ...Room) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.addLocked(id, rooms)
}

// AddPresent adds the socket to the rooms if it is in the adapter (in a
// room, its own at least), and reports whether it was. Joins made on a
// socket's behalf by others (AddSockets) use it: a socket that left every
// room since it was picked (it disconnected) is not put back.
func (m *Memory) AddPresent(id SocketID, rooms ...Room) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.sids[id]; !ok {
		return false
	}
	m.addLocked(id, rooms)
	return true
}

func (m *Memory) addLocked(id SocketID, rooms []Room) {
	mine := m.sids[id]
	for _, r := range rooms {
		mine.add(r)
		members := m.rooms[r]
		before := members.len()
		members.add(id)
		m.rooms[r] = members
		if m.watch != nil && members.len() > before {
			m.watch.RoomJoined(r, id)
		}
	}
	m.sids[id] = mine
}

// Del removes the socket from the room.
func (m *Memory) Del(id SocketID, room Room) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if mine, ok := m.sids[id]; ok {
		mine.del(room)
		m.sids[id] = mine
	}
	m.delMember(room, id)
}

func (m *Memory) delMember(room Room, id SocketID) {
	members, ok := m.rooms[room]
	if !ok {
		return
	}
	before := members.len()
	members.del(id)
	if m.watch != nil && members.len() < before {
		m.watch.RoomLeft(room, id)
	}
	if members.len() == 0 {
		delete(m.rooms, room)
	} else {
		m.rooms[room] = members
	}
}

// DelAll removes the socket from every room.
func (m *Memory) DelAll(id SocketID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mine := m.sids[id]
	mine.each(func(r Room) { m.delMember(r, id) })
	delete(m.sids, id)
}

// SocketRooms returns the rooms of a local socket, sorted.
func (m *Memory) SocketRooms(id SocketID) []Room {
	m.mu.RLock()
	defer m.mu.RUnlock()
	mine := m.sids[id]
	out := make([]Room, 0, mine.len())
	mine.each(func(r Room) { out = append(out, r) })
	slices.Sort(out)
	return out
}

// Sockets returns the ids of the local sockets matching opts.
func (m *Memory) Sockets(opts BroadcastOptions) []SocketID {
	var out []SocketID
	m.apply(opts, func(id SocketID) { out = append(out, id) })
	return out
}

// apply calls fn, outside the lock, for each local socket matching opts,
// once each.
func (m *Memory) apply(opts BroadcastOptions, fn func(id SocketID)) {
	bp := m.snapshot(opts)
	for _, id := range *bp {
		fn(id)
	}
	release(bp)
}

// snapshot returns the ids of the local sockets matching opts, once each,
// in a recycled slice to hand back with release.
func (m *Memory) snapshot(opts BroadcastOptions) *[]SocketID {
	bp := idSlices.Get().(*[]SocketID)
	ids := (*bp)[:0]
	m.mu.RLock()
	except := m.exceptSet(opts.Except)
	if len(opts.Rooms) > 0 {
		var seen map[SocketID]struct{}
		if len(opts.Rooms) > 1 {
			seen = make(map[SocketID]struct{})
		}
		for _, r := range opts.Rooms {
			members := m.rooms[r]
			members.each(func(id SocketID) {
				if _, skip := except[id]; skip {
					return
				}
				if seen != nil {
					if _, dup := seen[id]; dup {
						return
					}
					seen[id] = struct{}{}
				}
				ids = append(ids, id)
			})
		}
	} else {
		for id := range m.sids {
			if _, skip := except[id]; !skip {
				ids = append(ids, id)
			}
		}
	}
	m.mu.RUnlock()
	*bp = ids
	return bp
}

// release hands a snapshot back for reuse.
func release(bp *[]SocketID) {
	clear(*bp)
	*bp = (*bp)[:0]
	idSlices.Put(bp)
}

// idSlices recycles the snapshots of socket ids: a broadcast to every
// socket otherwise allocates one the size of the namespace.
var idSlices = sync.Pool{New: func() any { return new([]SocketID) }}

// exceptSet returns the ids of the sockets in the except rooms. The caller
// holds the read lock.
func (m *Memory) exceptSet(except []Room) map[SocketID]struct{} {
	if len(except) == 0 {
		return nil
	}
	out := make(map[SocketID]struct{})
	for _, r := range except {
		members := m.rooms[r]
		members.each(func(id SocketID) { out[id] = struct{}{} })
	}
	return out
}

// Broadcast encodes p once and delivers it to every local socket matching
// opts, in one [Namespace.Deliver]. With recovery on, a [Recordable] packet
// gets its offset as last argument and is kept for reconnecting sockets.
func (m *Memory) Broadcast(p *parser.Packet, opts BroadcastOptions) error {
	m.bmu.RLock()
	defer m.bmu.RUnlock()
	if m.rec != nil && Recordable(p, opts.Flags) {
		m.order.Lock()
		defer m.order.Unlock()
		p = m.rec.record(p, opts)
	}
	enc, err := Encode(m.nsp.Parser(), p)
	if err != nil {
		return err
	}
	m.deliver(enc, opts, nil)
	return nil
}

// deliver hands enc to the local sockets matching opts, in one
// Namespace.Deliver, and returns how many took it.
func (m *Memory) deliver(enc *EncodedPacket, opts BroadcastOptions, ack AckFunc) int {
	bp := m.snapshot(opts)
	n := m.nsp.Deliver(opts.Context, *bp, enc, opts.Flags, ack)
	release(bp)
	return n
}

// EmitToSocket sends p, an event emitted to the local socket id alone,
// through deliver. With recovery on, a [Recordable] packet first gets its
// offset and is kept like a broadcast to the socket's own room, in offset
// order with the broadcasts, so that the client can report it and get it
// again after a reconnection. deliver's error is returned.
func (m *Memory) EmitToSocket(id SocketID, p *parser.Packet, flags BroadcastFlags, deliver func(*parser.Packet) error) error {
	if m.rec == nil || !Recordable(p, flags) {
		return deliver(p)
	}
	m.bmu.RLock()
	defer m.bmu.RUnlock()
	m.order.Lock()
	defer m.order.Unlock()
	return deliver(m.rec.record(p, BroadcastOptions{Rooms: []Room{id}, Flags: flags}))
}

// BroadcastWithAck gives p a fresh ack id, encodes it once and delivers it to
// every local socket matching opts, in one [Namespace.Deliver]; each
// client's reply reaches ack. It calls clientCount with the number of
// sockets it reached.
func (m *Memory) BroadcastWithAck(p *parser.Packet, opts BroadcastOptions, clientCount func(int), ack AckFunc) error {
	m.bmu.RLock()
	defer m.bmu.RUnlock()
	q := *p
	q.ID, q.HasID = m.nsp.NextAckID(), true
	enc, err := Encode(m.nsp.Parser(), &q)
	if err != nil {
		return err
	}
	clientCount(m.deliver(enc, opts, ack))
	return nil
}

// AllRooms returns the local rooms.
func (m *Memory) AllRooms(context.Context) ([]Room, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]Room, 0, len(m.rooms))
	for r := range m.rooms {
		out = append(out, r)
	}
	slices.Sort(out)
	return out, nil
}

// FetchSockets describes the local sockets matching opts.
func (m *Memory) FetchSockets(_ context.Context, opts BroadcastOptions) ([]SocketInfo, error) {
	var out []SocketInfo
	m.apply(opts, func(id SocketID) {
		if s, ok := m.nsp.Socket(id); ok {
			out = append(out, localInfo(s))
		}
	})
	return out, nil
}

// AddSockets makes the local sockets matching opts join rooms.
func (m *Memory) AddSockets(opts BroadcastOptions, rooms []Room) error {
	m.apply(opts, func(id SocketID) { m.AddPresent(id, rooms...) })
	return nil
}

// DelSockets makes the local sockets matching opts leave rooms.
func (m *Memory) DelSockets(opts BroadcastOptions, rooms []Room) error {
	m.apply(opts, func(id SocketID) {
		for _, r := range rooms {
			m.Del(id, r)
		}
	})
	return nil
}

// DisconnectSockets disconnects the local sockets matching opts.
func (m *Memory) DisconnectSockets(opts BroadcastOptions, close bool) error {
	m.apply(opts, func(id SocketID) {
		if s, ok := m.nsp.Socket(id); ok {
			s.Disconnect(close)
		}
	})
	return nil
}

// ServerSideEmit does nothing on a single server: there is no other server
// to reach, so a request for acks gets no replies at once.
func (m *Memory) ServerSideEmit(context.Context, []any, bool) ([]any, error) {
	return nil, nil
}

// ServerCount returns 1.
func (m *Memory) ServerCount(context.Context) (int, error) { return 1, nil }

// PersistSession keeps s for connection state recovery; without recovery it
// does nothing.
func (m *Memory) PersistSession(s *SocketState) {
	if m.rec != nil {
		m.rec.persist(s)
	}
}

// DataChanged does nothing: Memory keeps a session only once its socket
// went away.
func (m *Memory) DataChanged(SocketID) {}

// RestoreSession restores the session pid: it calls fn with the session and
// the packets it missed after offset while no broadcast is under way, so fn
// can put the socket back in its rooms and queue the missed packets before
// any later broadcast reaches it. fn must not broadcast.
func (m *Memory) RestoreSession(pid, offset string, fn func(*SocketState)) error {
	if m.rec == nil {
		return ErrNoSession
	}
	m.bmu.Lock()
	defer m.bmu.Unlock()
	s, err := m.rec.restore(pid, offset)
	if err != nil {
		return err
	}
	fn(s)
	return nil
}

// Close does nothing for the in-memory adapter.
func (m *Memory) Close() error { return nil }

package adapter

import "context"

// RoomWatcher is implemented by a [Namespace] that wants to hear of room
// membership changes, as Node's adapter emits "join-room" and "leave-room".
// [NewMemory] looks for it once; Memory then calls RoomJoined when a socket
// becomes a member of a room it was not in (its own room included) and
// RoomLeft when it stops being one (Del, DelAll), whoever asked: the
// socket itself or a bulk operation from any server.
//
// Both are called while Memory holds its room lock: they must be fast and
// must not call the adapter (hand the news to a goroutine of your own).
type RoomWatcher interface {
	RoomJoined(room Room, id SocketID)
	RoomLeft(room Room, id SocketID)
}

// PeerDataSocket is implemented by a [Socket] whose data shown to other
// servers differs from its own data value: core's sockets add there what an
// observer attached (the Admin UI's "_admin" object, as Node puts it in
// socket.data), leaving Data, which local code reads, alone. Like the
// other Socket methods, PeerData is safe for concurrent use.
type PeerDataSocket interface {
	PeerData() any
}

// PeerData returns the data of s as other servers should see it: its
// PeerData when it has one, else its Data.
func PeerData(s Socket) any {
	if p, ok := s.(PeerDataSocket); ok {
		return p.PeerData()
	}
	return s.Data()
}

// PeerSockets describes the local sockets matching opts for another
// server's FetchSockets: like FetchSockets, with each socket's [PeerData].
// A cluster adapter answers remote requests with it.
func (m *Memory) PeerSockets(_ context.Context, opts BroadcastOptions) []SocketInfo {
	var out []SocketInfo
	m.apply(opts, func(id SocketID) {
		if s, ok := m.nsp.Socket(id); ok {
			info := localInfo(s)
			info.Data = PeerData(s)
			out = append(out, info)
		}
	})
	return out
}

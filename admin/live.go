package admin

import (
	"encoding/json"

	"github.com/gosio/gosio/core"
)

// observer watches the server for the statistics and, in development mode,
// for the live events. What it hears it counts, or serializes and queues for
// the worker: it never emits itself (observers must not).
func (a *Admin) observer() *core.Observer {
	o := &core.Observer{
		OnConnOpen:  func(string, string) { a.counts.add("rawConnection", "", 1) },
		OnConnClose: func(_, reason string) { a.counts.add("rawDisconnection", reason, 1) },
		OnMessageIn: func(size int) {
			a.counts.packetsIn.Add(1)
			a.counts.bytesIn.Add(uint64(size))
		},
		OnMessageOut: func(size int) {
			a.counts.packetsOut.Add(1)
			a.counts.bytesOut.Add(uint64(size))
		},
		PeerData: func(s *core.Socket) map[string]any {
			return map[string]any{"_admin": adminData(s)}
		},
	}
	if !a.dev {
		return o
	}
	o.OnConnect = func(s *core.Socket) {
		if !a.live.Load() {
			return
		}
		ser := serializeLocal(s, s.Rooms())
		date := now()
		a.queue(func() { _ = a.nsp.Emit("socket_connected", ser, date) })
	}
	o.OnDisconnect = func(s *core.Socket, reason string) {
		if !a.live.Load() {
			return
		}
		nsp, id, date := s.Namespace().Name(), s.ID(), now()
		a.queue(func() { _ = a.nsp.Emit("socket_disconnected", nsp, id, reason, date) })
	}
	o.OnUpgrade = func(s *core.Socket) {
		if !a.live.Load() {
			return
		}
		upd := map[string]any{"id": s.ID(), "nsp": s.Namespace().Name(), "transport": s.Transport()}
		a.queue(func() { _ = a.nsp.Emit("socket_updated", upd) })
	}
	o.OnData = func(s *core.Socket) {
		if !a.live.Load() {
			return
		}
		upd := map[string]any{"id": s.ID(), "nsp": s.Namespace().Name(), "data": serializeData(s.Data())}
		a.queue(func() { _ = a.nsp.Emit("socket_updated", upd) })
	}
	o.OnRoomJoin = func(n *core.Namespace, room, id string) {
		if !a.live.Load() {
			return
		}
		nsp, date := n.Name(), now()
		a.queue(func() { _ = a.nsp.Emit("room_joined", nsp, room, id, date) })
	}
	o.OnRoomLeave = func(n *core.Namespace, room, id string) {
		if !a.live.Load() {
			return
		}
		nsp, date := n.Name(), now()
		a.queue(func() { _ = a.nsp.Emit("room_left", nsp, room, id, date) })
	}
	o.OnEventIn = func(s *core.Socket, e *core.Event) {
		if !a.live.Load() || s.Namespace() == a.nsp {
			return
		}
		args := make([]json.RawMessage, e.Len()) // the ack, if any, is not among them
		for i := range args {
			args[i] = e.Raw(i)
		}
		nsp, id, date := s.Namespace().Name(), s.ID(), now()
		a.queue(func() { _ = a.nsp.Emit("event_received", nsp, id, append([]any{e.Name}, rawArgs(args)...), date) })
	}
	o.OnEventOut = func(s *core.Socket, event string, args []any) {
		if !a.live.Load() || s.Namespace() == a.nsp {
			return
		}
		// args may not be kept: the JSON is made now.
		raw, err := json.Marshal(append([]any{event}, args...))
		if err != nil {
			return
		}
		nsp, id, date := s.Namespace().Name(), s.ID(), now()
		a.queue(func() { _ = a.nsp.Emit("event_sent", nsp, id, json.RawMessage(raw), date) })
	}
	return o
}

func rawArgs(raw []json.RawMessage) []any {
	out := make([]any, len(raw))
	for i, r := range raw {
		out[i] = r
	}
	return out
}

// adminData is the "_admin" object Node keeps in socket.data: what other
// servers' UIs show of a socket that only this server knows.
func adminData(s *core.Socket) map[string]any {
	id := s.ConnID()
	if len(id) > 12 {
		id = id[:12]
	}
	return map[string]any{"clientId": id, "transport": s.Transport()}
}

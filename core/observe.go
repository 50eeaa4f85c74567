package core

import (
	"encoding/json"
	"slices"
	"sync"

	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/core/parser"
)

// Observer watches a server's activity from the moment it is added with
// [Server.Observe] until it is removed. It serves tools attached to a server
// that already runs, such as the Admin UI (module
// github.com/gosio/gosio/admin), where [Hooks], fixed at construction, do
// not fit. Every field is optional.
//
// The functions are called synchronously, from whatever goroutine does the
// work (readers, handlers, broadcasters, a cluster adapter's receiver),
// possibly concurrently, and OnRoomJoin and OnRoomLeave while the adapter
// holds its room lock: keep them fast, and do not emit, broadcast, join or
// leave from them (hand that to a goroutine of your own). A server without
// observers pays one atomic load at each of these points.
type Observer struct {
	// OnConnOpen is called when an Engine.IO connection opens, with its id
	// and first transport ("polling" or "websocket").
	OnConnOpen func(connID, transport string)
	// OnConnClose is called when an Engine.IO connection closed, with the
	// engine's reason ("transport close", "ping timeout", ...).
	OnConnClose func(connID, reason string)
	// OnUpgrade is called for each socket of a connection that switched
	// from polling to WebSocket.
	OnUpgrade func(s *Socket)
	// OnMessageIn is called for each Engine.IO message received from a
	// client (a packet's text or one of its binary attachments), with its
	// size in bytes.
	OnMessageIn func(size int)
	// OnMessageOut is called for each Engine.IO message queued for a
	// client, with its size in bytes.
	OnMessageOut func(size int)
	// OnConnect is called when a socket connected, before the connection
	// handlers run.
	OnConnect func(s *Socket)
	// OnDisconnect is called once a socket disconnected, before its
	// disconnect handlers run.
	OnDisconnect func(s *Socket, reason string)
	// OnEventIn is called for each event received, before its handler.
	OnEventIn func(s *Socket, e *Event)
	// OnEventOut is called for each event sent to a socket's client, as
	// [Socket.OnAnyOutgoing] listeners are (same rules: args are not to
	// be changed nor kept past the call).
	OnEventOut func(s *Socket, event string, args []any)
	// OnData is called after SetData changed a socket's data.
	OnData func(s *Socket)
	// OnRoomJoin is called when a socket became a member of a room of its
	// namespace (its own room included), OnRoomLeave when it stopped
	// being one; whoever asked, the socket itself or a bulk operation from
	// any server. They come from adapters that report room changes
	// (adapter.Memory and those built on it).
	OnRoomJoin  func(nsp *Namespace, room, id string)
	OnRoomLeave func(nsp *Namespace, room, id string)
	// PeerData returns fields that other servers see in the socket's data
	// (see [Socket.PeerData]); nil adds none.
	PeerData func(s *Socket) map[string]any
}

// observers is the copy-on-write list of a server's observers.
type observers struct{ list []*Observer }

// observerList guards the changes of a server's observers.
var observerList sync.Mutex

// Observe adds o to the server's observers and returns the function that
// removes it (idempotent). It is safe for concurrent use; an observer added
// while a socket connects may miss some of its events.
func (s *Server) Observe(o *Observer) (remove func()) {
	observerList.Lock()
	var list []*Observer
	if cur := s.obs.Load(); cur != nil {
		list = slices.Clone(cur.list)
	}
	s.obs.Store(&observers{append(list, o)})
	observerList.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			observerList.Lock()
			defer observerList.Unlock()
			cur := s.obs.Load()
			if cur == nil {
				return
			}
			list := slices.DeleteFunc(slices.Clone(cur.list), func(x *Observer) bool { return x == o })
			if len(list) == 0 {
				s.obs.Store(nil)
			} else {
				s.obs.Store(&observers{list})
			}
		})
	}
}

// observers returns the server's observers, nil when there are none.
func (s *Server) observers() []*Observer {
	if p := s.obs.Load(); p != nil {
		return p.list
	}
	return nil
}

// PeerData returns the socket's data as other servers see it through
// FetchSockets: Data itself unless an observer adds fields (the Admin UI
// adds "_admin", as Node does), then a map of the data's JSON object's
// fields and the added ones. Data that is not a JSON object gets none.
func (s *Socket) PeerData() any {
	data := s.Data()
	var extra map[string]any
	for _, o := range s.nsp.srv.observers() {
		if o.PeerData == nil {
			continue
		}
		for k, v := range o.PeerData(s) {
			if extra == nil {
				extra = make(map[string]any)
			}
			extra[k] = v
		}
	}
	if extra == nil {
		return data
	}
	merged := make(map[string]any, len(extra))
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil || json.Unmarshal(b, &merged) != nil {
			return data
		}
	}
	for k, v := range extra {
		merged[k] = v
	}
	return merged
}

// RoomJoined and RoomLeft make the namespace an adapter.RoomWatcher.
func (v nsView) RoomJoined(room, id string) {
	for _, o := range v.n.srv.observers() {
		if o.OnRoomJoin != nil {
			o.OnRoomJoin(v.n, room, id)
		}
	}
}

func (v nsView) RoomLeft(room, id string) {
	for _, o := range v.n.srv.observers() {
		if o.OnRoomLeave != nil {
			o.OnRoomLeave(v.n, room, id)
		}
	}
}

// OnUpgrade makes a client's SessionHandler an engine.UpgradeHandler.
func (cs *clientSession) OnUpgrade() {
	c := (*client)(cs)
	obs := c.srv.observers()
	if obs == nil {
		return
	}
	c.mu.Lock()
	socks := slices.Clone(c.sockets)
	c.mu.Unlock()
	for _, o := range obs {
		if o.OnUpgrade == nil {
			continue
		}
		for _, s := range socks {
			o.OnUpgrade(s)
		}
	}
}

// The observation points, each a no-op without observers.

func (s *Server) observeConn(sess *engine.Session, reason string, open bool) {
	for _, o := range s.observers() {
		switch {
		case open && o.OnConnOpen != nil:
			o.OnConnOpen(sess.ID(), sess.Transport())
		case !open && o.OnConnClose != nil:
			o.OnConnClose(sess.ID(), reason)
		}
	}
}

func (s *Server) observeMessages(in bool, msgs ...engine.Message) {
	for _, o := range s.observers() {
		fn := o.OnMessageOut
		if in {
			fn = o.OnMessageIn
		}
		if fn == nil {
			continue
		}
		for _, m := range msgs {
			fn(len(m.Data))
		}
	}
}

func (s *Socket) observeConnect() {
	for _, o := range s.nsp.srv.observers() {
		if o.OnConnect != nil {
			o.OnConnect(s)
		}
	}
}

func (s *Socket) observeDisconnect(reason string) {
	for _, o := range s.nsp.srv.observers() {
		if o.OnDisconnect != nil {
			o.OnDisconnect(s, reason)
		}
	}
}

func (s *Socket) observeEventIn(e *Event) {
	for _, o := range s.nsp.srv.observers() {
		if o.OnEventIn != nil {
			o.OnEventIn(s, e)
		}
	}
}

func (s *Socket) observeData() {
	for _, o := range s.nsp.srv.observers() {
		if o.OnData != nil {
			o.OnData(s)
		}
	}
}

// observeEventOut reports an event packet about to be queued for s.
func (s *Socket) observeEventOut(p *parser.Packet) {
	obs := s.nsp.srv.observers()
	if obs == nil {
		return
	}
	data, ok := p.Data.([]any)
	if !ok || len(data) == 0 {
		return
	}
	event, ok := data[0].(string)
	if !ok {
		return
	}
	args := data[1:len(data):len(data)]
	for _, o := range obs {
		if o.OnEventOut != nil {
			o.OnEventOut(s, event, args)
		}
	}
}

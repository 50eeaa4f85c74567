package adapter

import (
	"context"
	"errors"
	"time"

	"github.com/gosio/gosio/core/parser"
)

// Room names a group of sockets. Every socket is in the room named after its
// own id. A plain value (a string).
type Room = string

// SocketID is a socket's public id. A plain value (a string).
type SocketID = string

// BroadcastFlags change how a broadcast is delivered. It is a value, copied
// freely; Compress points to a value nobody modifies. Read-only for adapters.
type BroadcastFlags struct {
	// Volatile packets are dropped for a client whose transport cannot take
	// them right away.
	Volatile bool
	// Local broadcasts reach only this server's sockets.
	Local bool
	// Compress is carried to other servers for Node compatibility; gosio does
	// not compress per message.
	Compress *bool
	// Timeout bounds the wait for acknowledgements of a broadcast with acks.
	Timeout time.Duration
}

// BroadcastOptions select the sockets a broadcast or a bulk operation
// reaches: the sockets in any of Rooms (every socket of the namespace when
// Rooms is empty), minus those in any of Except. It is a value: the server
// shares its slices between the calls it makes, so an adapter reads them
// and never modifies them. Read-only for adapters, which may use it from any
// goroutine.
type BroadcastOptions struct {
	Rooms  []Room
	Except []Room
	Flags  BroadcastFlags
	// Context is the context of the call that made a broadcast, or nil. It
	// carries values for observers (the trace span of the handler that
	// emitted): adapters pass it to [Namespace.Deliver] with the local
	// delivery; it does not travel to other servers, and its cancellation
	// does not stop a broadcast.
	Context context.Context
}

// EncodedPacket is a packet encoded once for many sockets: the text frame
// and the binary attachments, which every target's connection queues as
// they are. Once made it is immutable: its packet and slices are shared by
// all the goroutines that send it and must not be modified.
type EncodedPacket struct {
	Packet      *parser.Packet
	Text        []byte
	Attachments [][]byte
}

// Encode encodes p with the given parser into an EncodedPacket.
func Encode(pr parser.Parser, p *parser.Packet) (*EncodedPacket, error) {
	text, att, err := pr.Encode(p)
	if err != nil {
		return nil, err
	}
	return &EncodedPacket{Packet: p, Text: text, Attachments: att}, nil
}

// AckFunc receives one client's acknowledgement of a packet delivered with
// an ack id: the ACK packet as decoded (its Raw arguments and
// Attachments), or nil when the socket disconnected first (its ack will
// never come). It is called at most once per socket, from the goroutine
// that reads that client's connection or that disconnects it: keep it
// short, and safe for concurrent use when it serves several sockets.
type AckFunc func(ack *parser.Packet)

// Namespace is what an adapter sees of its local namespace: the way back
// to the sockets of this server. The server implements it and hands it to
// the adapter's [Factory]; an adapter calls it and never implements it
// (except as a fake in its own tests).
//
// Its methods are safe for concurrent use and never block on the network.
// Name, Socket, Parser, NextAckID and Deliver call no method of the
// adapter, so an adapter may call them while it holds locks of its own
// (Memory delivers under the lock that keeps its recovery offsets in
// order). The application's outgoing listeners that Deliver runs must not
// send, but may join, leave or list rooms: the locks that AddAll, Del,
// DelAll and SocketRooms take must not be held around Deliver (Memory's
// are not). OnServerSideEmit runs the application's handler, which may
// call any method of the adapter: call it holding no lock.
type Namespace interface {
	// Name returns the namespace name, with its leading slash.
	Name() string
	// Socket returns the local socket with the given id.
	Socket(id SocketID) (Socket, bool)
	// Parser returns the packet codec the namespace's clients speak.
	Parser() parser.Parser
	// NextAckID returns a fresh acknowledgement id, unique in the namespace.
	NextAckID() uint64
	// Deliver sends one encoded packet to the local sockets ids, and
	// returns how many took it. For each connected socket among ids (the
	// others are skipped), in order, it registers ack under p.Packet.ID
	// when ack is non-nil, calls the socket's outgoing listeners with
	// p.Packet, and queues p.Text and p.Attachments on the socket's
	// connection (a full queue refuses it, or drops it when
	// flags.Volatile). Then it reports the send, once, to the server's
	// observers (Hooks.OnEventOut: metrics, tracing) with ctx (nil means
	// context.Background()) and the count, zero included.
	//
	// Call it once per packet and per namespace: each call is one send
	// for the observers. Recovery offsets are the adapter's to give
	// before it encodes (see [Adapter.Broadcast]); Deliver sends the bytes
	// as they are. It keeps neither ids nor p past its return, except
	// that p's slices stay queued: they must not change afterwards.
	Deliver(ctx context.Context, ids []SocketID, p *EncodedPacket, flags BroadcastFlags, ack AckFunc) int
	// OnServerSideEmit delivers an event emitted by another server with
	// ServerSideEmit. ack is nil when the sender expects no reply.
	OnServerSideEmit(event string, args []any, ack func(args ...any))
	// RecoveryWindow returns how long the server keeps the state of a
	// socket that went away for connection state recovery
	// (MaxDisconnectionDuration), or 0 when recovery is off.
	RecoveryWindow() time.Duration
	// SocketState returns what connection state recovery would keep of
	// the local socket id if it went away now: its SID, PID, rooms and
	// data, in a SocketState of the caller's own. It returns false when the socket
	// is unknown or recovery is off. An adapter that keeps the sessions of
	// live sockets outside the process (so that a client recovers even
	// when its server dies) reads it when the socket connects, joins or
	// leaves rooms, or changes its data ([Adapter.DataChanged]).
	SocketState(id SocketID) (*SocketState, bool)
}

// Socket is what an adapter sees of a local socket: what FetchSockets
// describes, and a way to disconnect it. Packets reach sockets through
// [Namespace.Deliver], not through Socket. Its methods are safe for
// concurrent use and never block on the network.
type Socket interface {
	ID() SocketID
	// Handshake returns the request that opened the socket; it does not
	// change.
	Handshake() *Handshake
	// Rooms returns the socket's rooms: it calls the adapter's
	// SocketRooms.
	Rooms() []Room
	// Data returns the socket's data value (shown to other servers).
	Data() any
	// Disconnect disconnects the socket from its namespace; close also
	// closes the underlying connection.
	Disconnect(close bool)
}

// Adapter is the rooms and broadcast backend of one namespace. The
// namespace calls it for every room change, send and bulk operation; it
// reaches the local sockets back through the [Namespace] its [Factory] got,
// and the other servers of a cluster by means of its own. [Memory]
// implements every method for one server; a cluster adapter embeds it and
// overrides the methods that cross servers (see the package documentation).
//
// All methods are safe for concurrent use: the server calls them from
// handlers, connection readers and the application's goroutines at once.
// The room bookkeeping methods (AddAll to Sockets) concern this server only
// and must not wait on the network; the methods that may cross servers
// take a context, or return once their work is handed off.
type Adapter interface {
	// AddAll adds the socket to the rooms.
	AddAll(id SocketID, rooms ...Room)
	// Del removes the socket from the room.
	Del(id SocketID, room Room)
	// DelAll removes the socket from every room.
	DelAll(id SocketID)
	// SocketRooms returns the rooms of a local socket.
	SocketRooms(id SocketID) []Room
	// Sockets returns the ids of the local sockets matching opts.
	Sockets(opts BroadcastOptions) []SocketID

	// Broadcast sends p, an event of the namespace, to every socket
	// matching opts, on every server unless opts.Flags.Local. The local
	// sockets get it through one [Namespace.Deliver] of p encoded once,
	// with opts.Context. An adapter that keeps packets for connection
	// state recovery gives each [Recordable] packet its offset first
	// ([WithOffset]), and keeps it for the sockets that reconnect.
	Broadcast(p *parser.Packet, opts BroadcastOptions) error
	// BroadcastWithAck sends p with an ack id ([Namespace.NextAckID]) to
	// the sockets matching opts; clientCount is called once per server
	// with the number of sockets reached, and ack with each client's
	// reply. The local sockets get it through one [Namespace.Deliver] with
	// ack.
	BroadcastWithAck(p *parser.Packet, opts BroadcastOptions, clientCount func(n int), ack AckFunc) error
	// EmitToSocket sends p, an event the application emits to the local
	// socket id alone (Socket.Emit and its variants), through deliver:
	// deliver encodes p, calls the socket's outgoing listeners and queues
	// it; the server reports the send to its observers once deliver
	// succeeded. An adapter that keeps packets for recovery gives a
	// [Recordable] p its offset and keeps it as a broadcast to the
	// socket's own room, in offset order with its broadcasts (it calls
	// deliver under the lock that orders them), so that the client can
	// report it after a reconnection (Node sends such emits through its
	// adapter for the same reason). An adapter that keeps none calls
	// deliver(p). It calls deliver once, or fails without calling it, and
	// returns deliver's error.
	EmitToSocket(id SocketID, p *parser.Packet, flags BroadcastFlags, deliver func(*parser.Packet) error) error

	// AllRooms returns the rooms known on every server.
	AllRooms(ctx context.Context) ([]Room, error)
	// FetchSockets describes the sockets matching opts on every server.
	FetchSockets(ctx context.Context, opts BroadcastOptions) ([]SocketInfo, error)
	// AddSockets makes the sockets matching opts join rooms.
	AddSockets(opts BroadcastOptions, rooms []Room) error
	// DelSockets makes the sockets matching opts leave rooms.
	DelSockets(opts BroadcastOptions, rooms []Room) error
	// DisconnectSockets disconnects the sockets matching opts.
	DisconnectSockets(opts BroadcastOptions, close bool) error
	// ServerSideEmit sends an event to the other servers of the cluster.
	// With ack it waits (bounded by ctx) for their replies and returns
	// them; without, it returns nil at once.
	ServerSideEmit(ctx context.Context, args []any, ack bool) ([]any, error)
	// ServerCount returns the number of servers in the cluster.
	ServerCount(ctx context.Context) (int, error)

	// PersistSession keeps the state of a socket that went away
	// unexpectedly, for connection state recovery.
	PersistSession(s *SocketState)
	// DataChanged tells the adapter that the data value of the local
	// socket id changed (Socket.SetData), for adapters that keep live
	// sessions outside the process (see [Namespace.SocketState]). It must not
	// wait on the network; Memory's does nothing.
	DataChanged(id SocketID)
	// RestoreSession forgets the persisted session pid and calls fn with it
	// and the packets it missed after offset, while no Broadcast,
	// BroadcastWithAck or EmitToSocket of this adapter is under way: fn
	// puts the socket back in its rooms and queues the missed packets, and
	// no send falls between the two. It returns ErrNoSession, without
	// calling fn, when there is no session or it cannot be restored. fn
	// must not send.
	RestoreSession(pid, offset string, fn func(*SocketState)) error

	// Close releases the adapter's resources. The server calls it once,
	// when it closes.
	Close() error
}

// Factory builds the adapter of a namespace. The server calls it once per
// namespace, when the namespace is created and before any socket joins it; the
// adapter may keep nsp for its whole life. It may be called concurrently for
// different namespaces (dynamic children are made as clients connect), under
// the server's locks: it must not call back into the Server.
type Factory func(nsp Namespace) Adapter

// ErrNoSession is returned by RestoreSession when the session is unknown,
// expired or the offset is no longer available.
var ErrNoSession = errors.New("adapter: no session to restore")

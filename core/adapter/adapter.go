package adapter

import (
	"context"
	"errors"
	"time"

	"github.com/gosio/gosio/core/parser"
)

// Room names a group of sockets. Every socket is in the room named after its
// own id.
type Room = string

// SocketID is a socket's public id.
type SocketID = string

// BroadcastFlags change how a broadcast is delivered.
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
// Rooms is empty), minus those in any of Except.
type BroadcastOptions struct {
	Rooms  []Room
	Except []Room
	Flags  BroadcastFlags
	// Context is the context of the call that made a broadcast, or nil. It
	// carries values for observers (the trace span of the handler that
	// emitted): Memory hands it to its namespace's observer with the local
	// delivery; it does not travel to other servers, and its cancellation
	// does not stop a broadcast.
	Context context.Context
}

// EncodedPacket is a packet encoded once for many sockets: the text frame
// and the binary attachments. Its slices are shared and must not be
// modified.
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

// SocketEmitter is implemented by adapters that keep packets for
// connection state recovery (Memory, and the adapters that embed it): an
// event emitted to one socket goes through EmitToSocket, which may give it
// an offset before deliver sends it (see Memory.EmitToSocket). Adapters
// without it have the event sent as it is.
type SocketEmitter interface {
	EmitToSocket(id SocketID, p *parser.Packet, flags BroadcastFlags, deliver func(*parser.Packet) error) error
}

// AckFunc receives one client's acknowledgement of a broadcast: the ACK
// packet as decoded (its Raw arguments and Attachments).
type AckFunc func(ack *parser.Packet)

// Namespace is what an adapter sees of its local namespace. Its methods are
// safe for concurrent use.
type Namespace interface {
	// Name returns the namespace name, with its leading slash.
	Name() string
	// Socket returns the local socket with the given id.
	Socket(id SocketID) (Socket, bool)
	// Parser returns the packet codec the namespace's clients speak.
	Parser() parser.Parser
	// NextAckID returns a fresh acknowledgement id, unique in the namespace.
	NextAckID() uint64
	// OnServerSideEmit delivers an event emitted by another server with
	// ServerSideEmit. ack is nil when the sender expects no reply.
	OnServerSideEmit(event string, args []any, ack func(args ...any))
}

// Socket is what an adapter sees of a local socket. Its methods are safe for
// concurrent use and never block on the network.
type Socket interface {
	ID() SocketID
	// Deliver queues a pre-encoded packet. When ack is non-nil the packet
	// carries an ack id and ack is called with the client's reply.
	Deliver(p *EncodedPacket, flags BroadcastFlags, ack AckFunc) error
	// Disconnect disconnects the socket from its namespace; close also
	// closes the underlying connection.
	Disconnect(close bool)
	// Info describes the socket for FetchSockets.
	Info() SocketInfo
}

// Adapter is the rooms and broadcast backend of one namespace. The local
// room bookkeeping methods are synchronous; the methods that may cross
// servers take a context. All methods are safe for concurrent use.
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

	// Broadcast delivers p to every socket matching opts, on every server
	// unless opts.Flags.Local.
	Broadcast(p *parser.Packet, opts BroadcastOptions) error
	// BroadcastWithAck delivers p with an ack id; clientCount is called (once
	// per server) with the number of sockets reached, and ack with each
	// client's reply.
	BroadcastWithAck(p *parser.Packet, opts BroadcastOptions, clientCount func(n int), ack AckFunc) error

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
	// With a non-nil ack it waits (bounded by ctx) for their replies and
	// returns them; without, it returns nil at once.
	ServerSideEmit(ctx context.Context, args []any, ack bool) ([]any, error)
	// ServerCount returns the number of servers in the cluster.
	ServerCount(ctx context.Context) (int, error)

	// PersistSession keeps the state of a socket that went away
	// unexpectedly, for connection state recovery.
	PersistSession(s *Session)
	// RestoreSession forgets the persisted session pid and calls fn with it
	// and the packets it missed after offset, while no broadcast of this
	// adapter is under way: fn puts the socket back in its rooms and queues
	// the missed packets, and no broadcast falls between the two. It
	// returns ErrNoSession, without calling fn, when there is no session or
	// it cannot be restored. fn must not broadcast.
	RestoreSession(pid, offset string, fn func(*Session)) error

	// Close releases the adapter's resources.
	Close() error
}

// Factory builds the adapter of a namespace.
type Factory func(nsp Namespace) Adapter

// ErrNoSession is returned by RestoreSession when the session is unknown,
// expired or the offset is no longer available.
var ErrNoSession = errors.New("adapter: no session to restore")

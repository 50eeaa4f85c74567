// Package adapter is Socket.IO's rooms and broadcast backend: the contract
// a namespace uses to keep track of rooms, to broadcast packets, and to reach
// sockets that may live on other servers, plus the in-memory default.
//
// Map of the package:
//
//   - [Adapter] is the contract; [Factory] builds one per namespace.
//   - [Namespace] and [Socket] are the narrow views of the local namespace and
//     its sockets that an adapter calls back into; [Namespace.Deliver] is the
//     one way packets reach local sockets.
//   - [Memory] is the in-memory implementation. Cluster adapters (Redis) embed
//     it and override only the operations that cross servers.
//   - [BroadcastOptions] selects the target sockets: rooms, exceptions, flags.
//   - [SocketInfo] and [Handshake] describe a socket for FetchSockets, in the
//     JSON shape Node's adapters exchange.
//   - [SocketState] is what connection state recovery persists for a socket that
//     went away unexpectedly; [Recordable] and [WithOffset] are the rule and
//     the means of giving a packet its recovery offset.
//
// The package imports only the packet codec ([github.com/gosio/gosio/core/parser]):
// a broadcast is encoded once and its bytes are handed to every target.
//
// # Writing an adapter
//
// An adapter lets the servers of a cluster share their rooms and sends. The
// server calls the [Factory] in [github.com/gosio/gosio/core.Options] once
// per namespace, with the namespace's [Namespace]; the adapter keeps it and
// talks to the other servers by means of its own. The rules:
//
//   - Start from [Memory]: embed the *Memory of [NewMemory] for this server's
//     rooms and every local operation, and override the methods that cross
//     servers (Broadcast, BroadcastWithAck, AllRooms, FetchSockets,
//     AddSockets, DelSockets, DisconnectSockets, ServerSideEmit, ServerCount,
//     Close). Each override does its remote part and calls the embedded
//     Memory for its local part. The room bookkeeping (AddAll, Del, DelAll,
//     SocketRooms, Sockets) stays Memory's.
//   - Packets reach local sockets only through [Namespace.Deliver], one call
//     per packet: Memory's Broadcast and BroadcastWithAck make it, so an
//     adapter delivers a broadcast that another server sent with
//     Memory.Broadcast, Flags.Local set and a nil Context. Deliver runs the
//     sockets' outgoing listeners, registers the acks, queues the bytes and
//     reports the send, with its count, to the server's hooks (metrics,
//     tracing): an adapter never reports sends itself, and never holds a
//     socket's connection.
//   - An event the application emits to one socket comes to
//     [Adapter.EmitToSocket] with the server's deliver function: Memory's
//     calls it at once, or after giving the event its recovery offset.
//   - Connection state recovery is the adapter's: one that keeps packets for
//     reconnecting clients gives every [Recordable] packet it sends,
//     broadcast or single, its offset with [WithOffset] before encoding it,
//     keeps it, and in RestoreSession hands back the packets after a
//     client's offset while its sends wait. Memory does this for one server
//     ([MemoryOptions].Recovery); an adapter that keeps them elsewhere builds
//     its Memory without Recovery and implements EmitToSocket,
//     PersistSession and RestoreSession itself, in order with its
//     Broadcast. One that keeps none keeps Memory's without Recovery, which
//     keep nothing and answer [ErrNoSession]. [Namespace.RecoveryWindow]
//     says whether the server has recovery on, and for how long.
//   - Sessions of live sockets: an adapter that keeps sessions outside the
//     process, so that a client recovers even when its server dies before
//     it can call PersistSession, reads [Namespace.SocketState] when a socket
//     joins (its connection is its first AddAll) or leaves rooms and when
//     [Adapter.DataChanged] says its data changed, and writes it where the
//     other servers find it (the Redis Streams adapter does; Memory's
//     DataChanged does nothing).
//   - Concurrency: every Adapter method may be called concurrently, from
//     handlers, connection readers and the application's goroutines, and
//     the room bookkeeping methods must not wait on the network. The
//     Namespace's methods never block on the network and, but for
//     OnServerSideEmit, never send through the adapter, so an adapter may
//     deliver under locks of its own; what other servers send is delivered
//     from the adapter's own goroutines.
//
// The Example below is such an adapter, in a few lines; the classic and
// sharded Redis adapters ([github.com/gosio/gosio/cluster/redis]) follow
// the same rules.
package adapter

// Package adapter is Socket.IO's rooms and broadcast backend: the contract
// a namespace uses to keep track of rooms, to broadcast packets, and to reach
// sockets that may live on other servers, plus the in-memory default.
//
// Map of the package:
//
//   - [Adapter] is the contract; [Factory] builds one per namespace.
//   - [Namespace] and [Socket] are the narrow views of the local namespace and
//     its sockets that an adapter calls back into.
//   - [Memory] is the in-memory implementation. Cluster adapters (Redis) embed
//     it and override only the operations that cross servers.
//   - [BroadcastOptions] selects the target sockets: rooms, exceptions, flags.
//   - [SocketInfo] and [Handshake] describe a socket for FetchSockets, in the
//     JSON shape Node's adapters exchange.
//   - [Session] is what connection state recovery persists for a socket that
//     went away unexpectedly.
//
// The package imports only the packet codec ([github.com/gosio/gosio/core/parser]):
// a broadcast is encoded once and its bytes are handed to every target.
package adapter

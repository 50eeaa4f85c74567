// Package core is gosio's Socket.IO v4 server: what app code imports.
//
// A [Server] speaks Engine.IO protocol 4 and Socket.IO protocol 5, the
// protocols of socket.io-client 3.x and 4.x, over HTTP long-polling and
// WebSocket. Mount it on net/http (it is an http.Handler), on fasthttp
// (ServeFastHTTP), or on Gin, Echo or Fiber with the integrations in
// github.com/gosio/gosio/adapters/...
//
// Map of the package:
//
//   - [Server], [Options]: the server, its namespaces, shutdown.
//   - [Namespace]: middlewares ([ConnectMiddleware]), connection handlers,
//     broadcasts; dynamic namespaces with [Server.OfFunc] and
//     [Server.OfRegexp], whose [ParentNamespace] has the middlewares,
//     handlers and broadcasts that apply to all its children.
//   - [Socket]: one client in one namespace: events ([Socket.On] with
//     [EventHandler], [Handle], [HandleAck]), acks ([Socket.EmitWithAck]),
//     rooms, data, disconnection.
//   - [BroadcastOperator]: To/In/Except/Local/Volatile/Timeout selections,
//     broadcasts with acks, FetchSockets ([RemoteSocket]), SocketsJoin,
//     SocketsLeave, DisconnectSockets.
//   - [Args], [Event]: received arguments, decoded into Go types on demand;
//     the event's context ([Event.Context], [Event.WithContext]) for the
//     calls and the emits ([Socket.EmitContext]) a handler makes.
//   - [Hooks]: observe connects, events in and out, for metrics and tracing.
//   - [Observer], [Server.Observe]: the same and more (connections, messages,
//     rooms, data, upgrades), attached to a running server and removed again,
//     for tools such as the Admin UI (module github.com/gosio/gosio/admin);
//     [Server.Namespaces] lists the namespaces.
//   - [Value], [WithValues], [IsHandshake]: the app's HTTP context (the
//     logged-in user, the session) inside socket handlers.
//
// Handlers of one connection run one at a time, in the order its packets
// arrived, on a goroutine that exists only while there is work. A handler
// may wait for an acknowledgement from its own client; long work belongs in
// a goroutine of your own.
package core

// Package admin is the server side of the Socket.IO Admin UI
// (@socket.io/admin-ui 0.5.1) for gosio: [Instrument] adds the "/admin"
// namespace the UI connects to, so that the UI, hosted at
// https://admin.socket.io or served by the app itself ([UIHandler]), lists
// the sockets of a server or of a whole cluster, shows their rooms,
// transports and events, and acts on them (emit, join, leave, disconnect).
//
// The map of the package:
//
//   - instrument.go: Instrument, Options, the /admin namespace and its
//     connection handler (config, all_sockets, session);
//   - auth.go: the namespace's mandatory authentication (NoAuth, BasicAuth
//     against a bcrypt hash);
//   - store.go, store_redis.go: where admin session ids are remembered;
//   - stats.go: server_stats every two seconds, with aggregated events;
//   - live.go: the development-mode live events;
//   - commands.go: the UI's emit, join, leave and _disconnect commands;
//   - serialize.go: sockets in the shape the UI reads;
//   - uiserve.go: the UI's files, embedded (package ui).
//
// It matches Node's instrument() on the wire, so one Admin UI sees a
// cluster that mixes gosio and Node servers: every broadcast and bulk
// operation goes through the namespace's adapter, and each socket's data, as
// other servers fetch it, carries the "_admin" object Node puts there.
package admin

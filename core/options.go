package core

import (
	"log/slog"
	"time"

	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/core/parser"
)

// Type aliases so that app code needs only this package.
type (
	// EngineOptions configure the Engine.IO layer (transports, heartbeat,
	// limits, CORS, cookie). See [engine.Options] for each field's default.
	// NewServer copies them: changing them afterwards has no effect, and the
	// server reads its copy from any goroutine.
	EngineOptions = engine.Options
	// CORS configures cross-origin polling requests. Immutable once passed to
	// NewServer.
	CORS = engine.CORS
	// Cookie configures the sticky-session cookie. Immutable once passed to
	// NewServer.
	Cookie = engine.Cookie
	// HandshakeLimit bounds handshakes per client
	// (EngineOptions.HandshakesPerIP). A plain value, immutable once passed
	// to NewServer.
	HandshakeLimit = engine.HandshakeLimit
	// RateLimit is the old name of HandshakeLimit.
	//
	// Deprecated: use HandshakeLimit.
	RateLimit = engine.HandshakeLimit
	// Handshake describes the request that opened a socket. It is immutable
	// once the socket exists: read it from any goroutine.
	Handshake = adapter.Handshake
	// BroadcastOptions select the targets of a broadcast. A plain value: see
	// [adapter.BroadcastOptions].
	BroadcastOptions = adapter.BroadcastOptions
	// AdapterFactory builds a namespace's rooms and broadcast backend. See
	// [adapter.Factory]: it may be called concurrently for different
	// namespaces.
	AdapterFactory = adapter.Factory
)

// Options configure a Server. The zero value gives Node's socket.io 4.8
// defaults; each field documents its own. NewServer copies them: changing them
// afterwards has no effect, and the server reads its copy from any goroutine.
type Options struct {
	// Path is where integrations mount the server. Default "/socket.io/".
	Path string
	// AddTrailingSlash is Node's addTrailingSlash. Default nil: the server
	// answers at Path both with and without its trailing slash
	// ("/socket.io/" and "/socket.io"), which framework middlewares that
	// add or remove slashes need. True is Node's default: only Path with
	// its trailing slash is served, and a request at Path without it is a
	// 404. False is Node's false, which serves both forms, as nil does.
	AddTrailingSlash *bool
	// ServeClient, when set, serves the socket.io client's browser files
	// under Path, as Node's serveClient: socket.io.js, socket.io.min.js,
	// socket.io.msgpack.min.js, socket.io.esm.min.js and their .map source
	// maps, with the client's version as ETag (a matching If-None-Match
	// gets a 304), "Cache-Control: public, max-age=0", the CORS headers of
	// Engine.CORS, and gzip or deflate when accepted. Set it to
	// clientdist.Bundle (module github.com/gosio/gosio/clientdist, which
	// embeds the files of the client version gosio is tested with). Default
	// nil: no files are served (Node serves them by default; gosio keeps
	// their 1.2 MB out of the root module).
	ServeClient ClientBundle
	// Engine configures the Engine.IO layer.
	Engine EngineOptions
	// ConnectTimeout closes a connection that joins no namespace in time.
	// Default 45 s.
	ConnectTimeout time.Duration
	// Adapter builds each namespace's rooms and broadcast backend. Default:
	// the in-memory adapter (with recovery when ConnectionStateRecovery is
	// set).
	Adapter AdapterFactory
	// Parser is the packet codec: parser.JSON (the default, socket.io-parser's
	// format) or parser.MsgPack (socket.io-msgpack-parser's). Every client of
	// the server must speak it.
	Parser parser.Parser
	// ConnectionStateRecovery, when set, lets a client that lost its
	// connection come back with the same id, rooms and data, and receive
	// the packets it missed. Off by default, as in Node.
	ConnectionStateRecovery *ConnectionStateRecovery
	// MaxNamespacesPerClient bounds the namespaces one connection may join.
	// Default 100.
	MaxNamespacesPerClient int
	// MaxPendingEvents bounds the events (and namespace connects) of one
	// connection waiting for its handlers. While they fill it, reading
	// from the client pauses, which slows down a client that floods.
	// Default 256.
	//
	// Reading goes on while an EmitWithAck to one of the connection's
	// sockets waits ([Socket.EmitWithAck], [SocketOperator.EmitWithAck]; not
	// [BroadcastOperator.EmitWithAck]), since the ack may come behind
	// events (Node never stops reading): the events read meanwhile queue
	// past MaxPendingEvents, in order, within an allowance of
	// Engine.MaxHTTPBufferSize bytes (each event counts its size plus
	// about 160 bytes), and the acks and namespace DISCONNECTs read
	// meanwhile take effect at once. When the client sends more than that
	// ahead of the ack, the waits fail with [ErrPendingEventsFull] (an ack
	// that comes later is ignored, as after a timeout) and reading pauses
	// until the handlers catch up. No event is dropped.
	//
	// While reading pauses, the client's pongs wait too: a pause longer
	// than Engine.PingTimeout may close the connection with "ping
	// timeout". A connection that closes while reading is paused
	// disconnects its sockets at once, which cancels their contexts; the
	// events read until then still run, in order.
	MaxPendingEvents int
	// Logger receives the server's logs. Default: discard.
	Logger *slog.Logger
	// Hooks observe the server's activity (metrics, tracing). Default: none.
	Hooks Hooks
	// OnError is called with errors the server cannot return to a caller:
	// handler panics, undecodable arguments, failed deliveries; s is nil
	// for an error of no socket (a server-side event handler's). Default:
	// log them (panics at Error, with their stack).
	OnError func(s *Socket, err error)
}

// ConnectionStateRecovery configures connection state recovery. Immutable once
// passed to NewServer.
type ConnectionStateRecovery struct {
	// MaxDisconnectionDuration is how long a disconnected socket's state and
	// the packets it misses are kept. Default 2 minutes.
	MaxDisconnectionDuration time.Duration
	// RunMiddlewares runs the connect middlewares again for a recovered
	// socket. Default false: Node's skipMiddlewares is true by default.
	RunMiddlewares bool
	// MaxPackets caps the packets kept for recovery. Default 10,000.
	MaxPackets int
}

func (o Options) withDefaults() Options {
	if o.Path == "" {
		o.Path = "/socket.io/"
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 45 * time.Second
	}
	if o.Parser == nil {
		o.Parser = parser.JSON
	}
	if o.MaxNamespacesPerClient <= 0 {
		o.MaxNamespacesPerClient = 100
	}
	if o.MaxPendingEvents <= 0 {
		o.MaxPendingEvents = 256
	}
	if o.Logger == nil {
		o.Logger = slog.New(discardHandler{})
	}
	if o.Engine.Logger == nil {
		o.Engine.Logger = o.Logger
	}
	if r := o.ConnectionStateRecovery; r != nil {
		c := *r
		if c.MaxDisconnectionDuration <= 0 {
			c.MaxDisconnectionDuration = 2 * time.Minute
		}
		o.ConnectionStateRecovery = &c
	}
	if o.Adapter == nil {
		var mo adapter.MemoryOptions
		if r := o.ConnectionStateRecovery; r != nil {
			mo.Recovery = &adapter.RecoveryOptions{
				MaxDisconnectionDuration: r.MaxDisconnectionDuration,
				MaxPackets:               r.MaxPackets,
			}
		}
		o.Adapter = adapter.MemoryFactory(mo)
	}
	return o
}

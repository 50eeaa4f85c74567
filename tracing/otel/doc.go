// Package siootel traces a gosio server with OpenTelemetry, with the span
// names and attributes of the Node instrumentation
// @opentelemetry/instrumentation-socket.io:
//
//   - [TraceEvents], an event middleware for a namespace's UseEvents, gives
//     every event a socket receives a CONSUMER span "receive <namespace>"
//     that covers its handler, with messaging.system="socket.io",
//     messaging.destination_kind="topic", messaging.destination and
//     messaging.socket.io.namespace (the namespace),
//     messaging.operation="receive" and messaging.socket.io.event_name. Its
//     parent is the trace context of the socket's handshake request (the
//     W3C traceparent header, with the default propagator), so that events
//     join the trace of the page or client that connected. The handler gets
//     the span's context as the event's context, [core.Event.Context].
//     [Middleware] is the same as a connect middleware, for the sockets it
//     admits (not those connection state recovery restores).
//   - [Hooks] records a PRODUCER span "send <namespace>" for every event sent
//     by an emit or a broadcast, with the same attributes (no
//     messaging.operation, as upstream) plus messaging.message.body.size and
//     messaging.socket.io.targets. Its parent is the span in the context the
//     event was sent with: emit with the event's context
//     (Socket.EmitContext, BroadcastOperator.EmitContext, EmitWithAck) and
//     the send span is a child of the receive span.
//
// Socket.IO packets carry no trace context (nor do they upstream), so a span
// cannot continue the trace of the client's own emit; the handshake is the
// one place a client's context reaches the server.
//
// # Package map
//
//   - siootel.go: [Options], [TraceEvents], [Middleware], [Context], [Hooks]
//     and the attribute keys.
package siootel

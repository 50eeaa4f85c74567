// Package siootel traces a gosio server with OpenTelemetry, with the span
// names and attributes of the Node instrumentation
// @opentelemetry/instrumentation-socket.io:
//
//   - [Middleware], a connect middleware, gives every event a socket
//     receives a CONSUMER span "receive <namespace>" that covers its
//     handler, with messaging.system="socket.io",
//     messaging.destination_kind="topic", messaging.destination and
//     messaging.socket.io.namespace (the namespace),
//     messaging.operation="receive" and messaging.socket.io.event_name. Its
//     parent is the trace context of the socket's handshake request (the
//     W3C traceparent header, with the default propagator), so that events
//     join the trace of the page or client that connected. Handlers get the
//     span's context with [Context].
//   - [Hooks] records a PRODUCER span "send <namespace>" for every event sent
//     by an emit or a broadcast, with the same attributes (no
//     messaging.operation, as upstream) plus messaging.message.body.size and
//     messaging.socket.io.targets. Core's hooks carry no context, so these
//     spans are roots of their own traces.
//
// Socket.IO packets carry no trace context (nor do they upstream), so a span
// cannot continue the trace of the client's own emit; the handshake is the
// one place a client's context reaches the server.
//
// # Package map
//
//   - siootel.go: [Options], [Middleware], [Context], [Hooks] and the
//     attribute keys.
package siootel

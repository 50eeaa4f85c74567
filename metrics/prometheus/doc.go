// Package sioprom exports the metrics of a gosio server to Prometheus,
// under the names of the Node packages socket.io-prometheus and
// socket.io-prometheus-metrics, so that their dashboards and alerts work
// unchanged:
//
//	socket_io_connected             gauge   {namespace}          sockets connected now
//	socket_io_connect_total         counter {namespace}          sockets connected
//	socket_io_disconnect_total      counter {namespace, reason}  sockets disconnected
//	socket_io_events_received_total counter {event, namespace}   events received
//	socket_io_events_sent_total     counter {event, namespace}   events sent, one per socket reached
//	socket_io_recieve_bytes         counter {event, namespace}   bytes of the events received
//	socket_io_transmit_bytes        counter {event, namespace}   bytes of the events sent, per socket reached
//	socket_io_errors_total          counter {namespace}          connections refused (connect_error)
//
// Two names break the Prometheus conventions on purpose: socket_io_recieve_bytes
// keeps the upstream misspelling of "receive", and neither byte counter has
// the _total suffix, because that is what the Node packages expose and what
// existing queries use. The reason label of socket_io_disconnect_total is a
// gosio addition (its values are the disconnect reasons of [core], a small
// fixed set); sum it away to get the upstream series.
//
// Sizes are those of the encoded Socket.IO packets (payload plus binary
// attachments), not of Engine.IO frames. A broadcast counts one event and its
// size once per local socket it reached.
//
// # Cardinality
//
// Event names come from clients: only those listed in [Options.Events] get
// a series of their own, the rest share the label value "other". Namespaces
// are labelled by name, except refusals of namespaces that do not exist
// (which a client can make up); list [Options.Namespaces] when the server has
// dynamic namespaces. No metric is labelled by room or socket id.
//
// # Use
//
// [New] registers the metrics on the [prometheus.Registerer] it is given (a
// library should not pick the global registry for its user), and
// [Metrics.Hooks] returns the [core.Hooks] that update them; [Metrics.Wrap]
// keeps hooks the server already has.
//
// # Package map
//
//   - sioprom.go: [Options], [Metrics], [New], the hooks.
package sioprom

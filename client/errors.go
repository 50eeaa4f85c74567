package client

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gosio/gosio/core/engine"
)

// Disconnect reasons, with the text socket.io-client gives its "disconnect"
// event. They are what [Socket.OnDisconnect] handlers and [Manager.OnClose]
// receive.
const (
	// ReasonIOServerDisconnect: the server disconnected the socket
	// (socket.disconnect() on the server). The socket does not reconnect.
	ReasonIOServerDisconnect = "io server disconnect"
	// ReasonIOClientDisconnect: the socket was disconnected by this client
	// ([Socket.Disconnect], [Manager.Close]). It does not reconnect.
	ReasonIOClientDisconnect = "io client disconnect"
	// ReasonPingTimeout: no ping from the server within its pingInterval
	// plus pingTimeout.
	ReasonPingTimeout = engine.ReasonPingTimeout
	// ReasonTransportClose: the connection was closed (the server went
	// away, the network dropped it, or the server sent a close packet).
	ReasonTransportClose = engine.ReasonTransportClose
	// ReasonTransportError: the connection failed (a polling request
	// failed or was refused, a write failed).
	ReasonTransportError = engine.ReasonTransportError
	// ReasonParseError: the server sent a packet this client cannot decode.
	ReasonParseError = engine.ReasonParseError
	// ReasonForcedClose: the manager closed its connection because no
	// socket uses it any more; it is the reason [Manager.OnClose] gets then.
	ReasonForcedClose = engine.ReasonForcedClose
)

// Sentinel errors. Match them with errors.Is.
var (
	// ErrClosed is returned by a closed Manager and its sockets.
	ErrClosed = errors.New("socket.io client: closed")
	// ErrDisconnected is returned when an acknowledgement cannot come any
	// more because the socket disconnected after the event was sent, when
	// acknowledging an event of an earlier connection, and by a Connect
	// that a Disconnect interrupted. The text is socket.io-client's.
	ErrDisconnected = errors.New("socket has been disconnected")
	// ErrAckTimeout is returned by EmitWithAck when the acknowledgement did
	// not arrive before the context's deadline or the ack timeout. The text
	// is socket.io-client's.
	ErrAckTimeout = errors.New("operation has timed out")
	// ErrReservedEvent is returned when emitting an event name the protocol
	// reserves (connect, connect_error, disconnect, disconnecting,
	// newListener, removeListener).
	ErrReservedEvent = errors.New("socket.io client: reserved event name")
	// ErrBufferFull is returned by an emit made while the socket is
	// disconnected when SocketOptions.SendBufferSize emits already wait.
	ErrBufferFull = errors.New("socket.io client: send buffer full")
	// ErrQueueFull is returned by an emit when the connection's outbound
	// queue (Options.WriteQueueSize) is full.
	ErrQueueFull = errors.New("socket.io client: outbound queue full")
	// ErrPayloadTooLarge is returned by an emit whose encoding exceeds the
	// server's maxPayload.
	ErrPayloadTooLarge = errors.New("socket.io client: payload above the server's maxPayload")
	// ErrReconnectFailed is returned by Connect when
	// Options.ReconnectionAttempts attempts failed.
	ErrReconnectFailed = errors.New("socket.io client: reconnection failed")
	// ErrTimeout is the error of a connection attempt that did not complete
	// within Options.Timeout.
	ErrTimeout = errors.New("timeout")
)

// ConnectError is the server's refusal of a namespace (a CONNECT_ERROR
// packet): a connect middleware returned an error, or the namespace does not
// exist ("Invalid namespace"). A socket refused this way does not retry.
// It is immutable and safe to share.
type ConnectError struct {
	// Message is the error's message.
	Message string
	// Data is the error's data, as raw JSON; nil when there is none.
	Data json.RawMessage
}

func (e *ConnectError) Error() string { return e.Message }

// DecodeData decodes the error's data into v. It fails when there is none.
func (e *ConnectError) DecodeData(v any) error {
	if e.Data == nil {
		return errors.New("socket.io client: connect error without data")
	}
	return json.Unmarshal(e.Data, v)
}

// HTTPError is a handshake or polling request the server answered with a
// status other than 200: an app middleware's 401 or 403, Engine.IO's 400
// for an unknown session, 503 while the server shuts down. Body is the
// start of the response body (Engine.IO sends {"code":N,"message":"..."}).
// It is immutable and safe to share.
type HTTPError struct {
	StatusCode int
	Body       string
}

func (e *HTTPError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("socket.io client: HTTP status %d", e.StatusCode)
	}
	return fmt.Sprintf("socket.io client: HTTP status %d: %s", e.StatusCode, e.Body)
}

// PanicError wraps a value recovered from a panicking handler; it goes to
// Options.OnError. It is not modified after it is made: share it
// read-only.
type PanicError struct {
	Event string
	Value any
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("socket.io client: handler for %q panicked: %v", e.Event, e.Value)
}

// DecodeError reports event arguments that do not decode into the handler's
// types; the handler is not called. It goes to Options.OnError. It is not
// modified after it is made: share it read-only.
type DecodeError struct {
	Event string
	Err   error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("socket.io client: event %q: %v", e.Event, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

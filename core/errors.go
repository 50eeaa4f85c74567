package core

import (
	"errors"
	"fmt"

	"github.com/gosio/gosio/core/engine"
)

// Disconnect reasons, with the text of Node's socket.io.
const (
	ReasonTransportClose            = engine.ReasonTransportClose
	ReasonTransportError            = engine.ReasonTransportError
	ReasonPingTimeout               = engine.ReasonPingTimeout
	ReasonParseError                = engine.ReasonParseError
	ReasonForcedClose               = engine.ReasonForcedClose
	ReasonServerShuttingDown        = engine.ReasonServerShutdown
	ReasonSlowClient                = engine.ReasonSlowClient
	ReasonServerNamespaceDisconnect = "server namespace disconnect"
	ReasonClientNamespaceDisconnect = "client namespace disconnect"
)

// Sentinel errors.
var (
	// ErrDisconnected is returned when emitting on, or waiting for an ack
	// from, a socket that is disconnected.
	ErrDisconnected = errors.New("socket.io: socket has been disconnected")
	// ErrReservedEvent is returned when emitting an event name the protocol
	// reserves (connect, connect_error, disconnect, disconnecting,
	// newListener, removeListener).
	ErrReservedEvent = errors.New("socket.io: reserved event name")
	// ErrAckTimeout is returned when acknowledgements did not all arrive in
	// time.
	ErrAckTimeout = errors.New("socket.io: operation has timed out")
	// ErrPendingEventsFull is returned by EmitWithAck when the client sent
	// more events ahead of its ack than the server holds for its handlers
	// (see Options.MaxPendingEvents): the ack could not be read in time.
	ErrPendingEventsFull = errors.New("socket.io: too many pending events to read the acknowledgement")
	// ErrQueueFull is returned when a client's outbound queue is full.
	ErrQueueFull = engine.ErrQueueFull
	// ErrInvalidNamespace refuses a client that asks for a namespace the
	// server does not have; the client's connect_error says "Invalid
	// namespace", as with Node.
	ErrInvalidNamespace = errors.New("Invalid namespace")
	// ErrClosed is returned by a closed server.
	ErrClosed = engine.ErrClosed
)

// ConnectError is an error a connect middleware returns to refuse a socket:
// the client receives a CONNECT_ERROR packet with Message and Data (the
// client's connect_error event gets an Error whose message is Message and whose
// data is Data). It is a plain value: once returned, nobody modifies it, so it
// may be read from any goroutine.
type ConnectError struct {
	Message string
	Data    any
}

func (e *ConnectError) Error() string { return e.Message }

// NewConnectError returns a ConnectError with message and optional data.
func NewConnectError(message string, data any) *ConnectError {
	return &ConnectError{Message: message, Data: data}
}

// connectErrorPayload builds the CONNECT_ERROR payload for err.
func connectErrorPayload(err error) map[string]any {
	var ce *ConnectError
	if errors.As(err, &ce) {
		m := map[string]any{"message": ce.Message}
		if ce.Data != nil {
			m["data"] = ce.Data
		}
		return m
	}
	return map[string]any{"message": err.Error()}
}

// PanicError wraps a value recovered from a panicking handler. It is not
// modified after it is made: read it from any goroutine.
type PanicError struct {
	Event string
	Value any
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("socket.io: handler for %q panicked: %v", e.Event, e.Value)
}

// DecodeError reports event arguments that do not decode into the handler's
// types; the handler is not called. It is not modified after it is made: read
// it from any goroutine.
type DecodeError struct {
	Event string
	Err   error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("socket.io: event %q: %v", e.Event, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

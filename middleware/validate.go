package middleware

import (
	"fmt"

	"github.com/gosio/gosio/core"
)

// Validator is implemented by payload types that check their own values;
// [Validate] and [Bind] call it after decoding. Its error message is sent to
// the client, so write it for the client. Validate is called on the socket's
// handler goroutine, on a value decoded for that call alone, so it need not be
// safe for concurrent use.
type Validator interface {
	Validate() error
}

// ValidationError reports an event whose payload did not decode into the
// handler's type or failed its Validate method; the handler did not run. It is
// not modified after it is made: read it from any goroutine.
type ValidationError struct {
	// Event is the event's name.
	Event string
	// Err is the decoding error or Validate's error.
	Err error
	// Decode reports a payload that did not decode (as opposed to one that
	// failed Validate).
	Decode bool
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("socket.io: event %q: invalid payload: %v", e.Event, e.Err)
}

// Unwrap returns Err as a [*core.DecodeError]: a payload the client got
// wrong, which the server logs at debug level only (see core.Options.OnError).
func (e *ValidationError) Unwrap() error { return &core.DecodeError{Event: e.Event, Err: e.Err} }

// Validate decorates an event handler: the event's first argument must
// decode into a T (binary attachments into []byte fields) and, when T or
// *T is a [Validator], pass its Validate method; otherwise next does not
// run. A missing argument fails too. A rejected event is acknowledged,
// when the client asked for it, with {"error": "invalid payload"} for a
// payload that does not decode, or {"error": <Validate's message>}, and
// the decorator returns a *[ValidationError] (core hands it to
// Options.OnError).
//
// Validate has the shape of a [core.EventMiddleware], but as it checks one
// type it belongs on one event: s.On("chat", middleware.Validate[Chat](h)).
// next decodes the argument again; use [Bind] to decode once. The returned
// handler is safe for concurrent use.
func Validate[T any](next core.EventHandler) core.EventHandler {
	return func(s *core.Socket, e *core.Event) error {
		if _, err := decodeValid[T](e); err != nil {
			return err
		}
		return next(s, e)
	}
}

// Bind returns an event handler that decodes and checks the event's first
// argument as [Validate] does and calls fn with it; fn gets the event too,
// to acknowledge it. The returned handler is safe for concurrent use.
func Bind[T any](fn func(s *core.Socket, e *core.Event, v T) error) core.EventHandler {
	return func(s *core.Socket, e *core.Event) error {
		v, err := decodeValid[T](e)
		if err != nil {
			return err
		}
		return fn(s, e, v)
	}
}

// decodeValid decodes and validates e's first argument, acknowledging a
// failure.
func decodeValid[T any](e *core.Event) (T, error) {
	var v T
	if err := e.Decode(0, &v); err != nil {
		return v, reject(e, &ValidationError{Event: e.Name, Err: err, Decode: true}, "invalid payload")
	}
	var verr error
	if val, ok := any(v).(Validator); ok {
		verr = val.Validate()
	} else if val, ok := any(&v).(Validator); ok {
		verr = val.Validate()
	}
	if verr != nil {
		return v, reject(e, &ValidationError{Event: e.Name, Err: verr}, verr.Error())
	}
	return v, nil
}

func reject(e *core.Event, err *ValidationError, message string) error {
	if e.HasAck() {
		_ = e.Ack(map[string]string{"error": message})
	}
	return err
}

package middleware

import (
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/gosio/gosio/core"
)

// RecoverOptions configure [Recover]. The zero value (or nil) works. Immutable
// once passed to Recover.
type RecoverOptions struct {
	// Logger receives an Error record per panic, and the stack in a Debug
	// record. Default slog.Default().
	Logger *slog.Logger
	// OnPanic is called after the record is logged, on the socket's handler
	// goroutine, e.g. to count panics or report them to an error tracker.
	// Default none.
	OnPanic func(s *core.Socket, e *core.Event, err *core.PanicError)
	// Message is the error sent back to a client that asked for an
	// acknowledgement, as {"error": Message}. Default "internal server
	// error".
	Message string
}

// Recover returns an event middleware that recovers a panic in the rest of
// the chain (later middlewares and the event's handler). The panic is
// logged, handed to OnPanic, and, when the client asked for an
// acknowledgement that was not sent yet, answered with
// {"error": "internal server error"}; the middleware then returns nil and
// the socket goes on with its next event.
//
// Core recovers handler panics too, as a last resort, and reports them to
// Options.OnError; Recover is the configurable layer to put in front. It
// covers the event middlewares added after it (with [Events], those of the
// connect middlewares that follow it), not connect middlewares. Put it on a
// namespace with UseEvents to cover the sockets that connection state
// recovery restores too. Its records are logged with the event's context.
//
// The returned middleware is safe for concurrent use.
func Recover(opts *RecoverOptions) core.EventMiddleware {
	var o RecoverOptions
	if opts != nil {
		o = *opts
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Message == "" {
		o.Message = "internal server error"
	}
	return func(next core.EventHandler) core.EventHandler {
		return func(s *core.Socket, e *core.Event) (err error) {
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				perr := &core.PanicError{Event: e.Name, Value: v, Stack: debug.Stack()}
				ctx := e.Context()
				o.Logger.ErrorContext(ctx, "socket.io: event handler panicked",
					"sid", s.ID(), "nsp", s.Namespace().Name(), "event", e.Name, "panic", fmt.Sprint(v))
				o.Logger.DebugContext(ctx, "socket.io: panic stack",
					"sid", s.ID(), "nsp", s.Namespace().Name(), "event", e.Name, "stack", string(perr.Stack))
				if o.OnPanic != nil {
					o.OnPanic(s, e, perr)
				}
				if e.HasAck() {
					_ = e.Ack(map[string]string{"error": o.Message}) // ErrAlreadyAcked when the handler acked first
				}
				err = nil
			}()
			return next(s, e)
		}
	}
}

package middleware

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/gosio/gosio/core"
)

// LoggingOptions configure [LoggingWith] and [LogEvents] (which uses Logger
// and Payloads only). The zero value works. The options are read once, by
// the call they are given to; RequestID is called concurrently, from the
// handlers of many sockets.
type LoggingOptions struct {
	// Logger receives the records. Default slog.Default().
	Logger *slog.Logger
	// RequestIDKey, when set, is the key under which the app's HTTP
	// middleware stored the handshake request's id (read with
	// core.Value[string]). Default: the handshake's X-Request-Id header.
	RequestIDKey any
	// RequestID, when set, returns the handshake request's id ("" for
	// none) and replaces RequestIDKey and the header.
	RequestID func(s *core.Socket) string
	// Payloads adds the events' arguments to the Debug records of events in
	// and out. Default false: payloads may hold personal data and secrets.
	Payloads bool
}

// Logging returns a connect middleware that logs the life of each socket
// to logger (nil for slog.Default()); see [LoggingWith].
func Logging(logger *slog.Logger) core.ConnectMiddleware {
	return LoggingWith(LoggingOptions{Logger: logger})
}

// LoggingWith returns a connect middleware that logs the life of each
// socket, with the attributes sid and nsp on every record:
//
//   - "socket.io: connect" (Info) when the rest of the connect chain admits
//     the socket, with transport, remote_addr (the handshake's Address:
//     the client's IP, without port) and, when there is one, request_id;
//     "socket.io: connect refused" (Warn) with err when it refuses it;
//   - "socket.io: disconnect" (Info) with reason and duration;
//   - "socket.io: event in" and "socket.io: event out" (Debug) with event
//     and, for events in, ack (whether the client asked for one); never the
//     arguments unless Payloads is set. Events out are those emitted to the
//     socket and the broadcasts that reach it ([core.Socket.OnAnyOutgoing]);
//   - "socket.io: event error" (Warn) with event and err when the rest of
//     the event chain returns an error.
//
// Records are logged with the socket's context, and those of events with
// the event's ([core.Event.Context]), so that a handler that reads trace or
// request values from it (an OpenTelemetry bridge) finds them. Put Logging
// first among the connect middlewares: it sees refusals from those after
// it, and its event middleware wraps theirs.
//
// Sockets restored by connection state recovery skip connect middlewares:
// Logging logs neither their events nor their disconnects. With recovery on,
// add [LogEvents] to the namespace with UseEvents; an event is logged once
// even when both see it.
//
// The returned middleware is safe for concurrent use.
func LoggingWith(opts LoggingOptions) core.ConnectMiddleware {
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	requestID := opts.RequestID
	if requestID == nil {
		if key := opts.RequestIDKey; key != nil {
			requestID = func(s *core.Socket) string {
				id, _ := core.Value[string](s, key)
				return id
			}
		} else {
			requestID = func(s *core.Socket) string { return s.Handshake().Header.Get("X-Request-Id") }
		}
	}
	payloads := opts.Payloads
	return func(next core.ConnectHandler) core.ConnectHandler {
		return func(s *core.Socket) error {
			ctx := s.Context()
			l := logger.With("sid", s.ID(), "nsp", s.Namespace().Name())
			start := time.Now()
			s.Use(logEvents(func(*core.Socket) *slog.Logger { return l }, payloads))
			s.OnAnyOutgoing(func(s *core.Socket, event string, args []any) {
				if !l.Enabled(ctx, slog.LevelDebug) {
					return
				}
				if payloads {
					l.DebugContext(ctx, "socket.io: event out", "event", event, "args", args)
				} else {
					l.DebugContext(ctx, "socket.io: event out", "event", event)
				}
			})
			s.OnDisconnect(func(s *core.Socket, reason string) {
				l.InfoContext(ctx, "socket.io: disconnect", "reason", reason, "duration", time.Since(start))
			})
			attrs := make([]any, 0, 6)
			attrs = append(attrs, "transport", s.Transport(), "remote_addr", s.Handshake().Address)
			if id := requestID(s); id != "" {
				attrs = append(attrs, "request_id", id)
			}
			if err := next(s); err != nil {
				l.WarnContext(ctx, "socket.io: connect refused", append(attrs, "err", err)...)
				return err
			}
			l.InfoContext(ctx, "socket.io: connect", attrs...)
			return nil
		}
	}
}

// LogEvents returns an event middleware that logs the events of every
// socket, for a namespace's UseEvents, sockets restored by connection state
// recovery included (they skip connect middlewares, [Logging] among them).
// Its records are those of Logging's events in: "socket.io: event in"
// (Debug) with sid, nsp, event and ack (and args when opts.Payloads is
// set), and "socket.io: event error" (Warn) with err when the rest of the
// chain returns an error; they are logged with the event's context.
//
// Used with Logging, which logs connects and disconnects, each event is
// logged once, by the outermost of the two (LogEvents, as UseEvents puts a
// namespace's event middlewares outside a socket's):
//
//	io.Use(middleware.Logging(logger))
//	io.UseEvents(middleware.LogEvents(middleware.LoggingOptions{Logger: logger}))
//
// The returned middleware is safe for concurrent use.
func LogEvents(opts LoggingOptions) core.EventMiddleware {
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	// key, of an unexported type, keeps each socket's logger with the
	// socket: one With per socket, not per event.
	key := &socketLogger{}
	return logEvents(func(s *core.Socket) *slog.Logger {
		if l, ok := core.Value[*slog.Logger](s, key); ok {
			return l
		}
		l := logger.With("sid", s.ID(), "nsp", s.Namespace().Name())
		s.SetValue(key, l)
		return l
	}, opts.Payloads)
}

// socketLogger is the type of the socket value keys of LogEvents.
type socketLogger struct{ _ byte }

// loggedKey marks the context of an event that a logging middleware logs,
// so that the logging middlewares inside leave it alone.
type loggedKey struct{}

// logEvents is the event half of Logging and LogEvents: it logs the events
// it sees with the logger of their socket, unless an outer one did.
func logEvents(logger func(s *core.Socket) *slog.Logger, payloads bool) core.EventMiddleware {
	return func(next core.EventHandler) core.EventHandler {
		return func(s *core.Socket, e *core.Event) error {
			ctx := e.Context()
			if ctx.Value(loggedKey{}) != nil {
				return next(s, e)
			}
			l := logger(s)
			if l.Enabled(ctx, slog.LevelDebug) {
				if payloads {
					l.DebugContext(ctx, "socket.io: event in", "event", e.Name, "ack", e.HasAck(), "args", rawArgs(e))
				} else {
					l.DebugContext(ctx, "socket.io: event in", "event", e.Name, "ack", e.HasAck())
				}
			}
			err := next(s, e.WithContext(context.WithValue(ctx, loggedKey{}, true)))
			if err != nil {
				l.WarnContext(ctx, "socket.io: event error", "event", e.Name, "err", err)
			}
			return err
		}
	}
}

// rawArgs returns an event's arguments as one JSON array, binary
// placeholders intact.
func rawArgs(e *core.Event) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := 0; i < e.Len(); i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(e.Raw(i))
	}
	b.WriteByte(']')
	return b.String()
}

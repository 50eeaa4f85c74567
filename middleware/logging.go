package middleware

import (
	"log/slog"
	"strings"
	"time"

	"github.com/gosio/gosio/core"
)

// LoggingOptions configure [LoggingWith]. The zero value works.
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
//     the socket, with transport, remote_addr and, when there is one,
//     request_id; "socket.io: connect refused" (Warn) with err when it
//     refuses it;
//   - "socket.io: disconnect" (Info) with reason and duration;
//   - "socket.io: event in" and "socket.io: event out" (Debug) with event
//     and, for events in, ack (whether the client asked for one); never the
//     arguments unless Payloads is set. Events out are those emitted to the
//     socket alone: broadcasts are not seen per socket;
//   - "socket.io: event error" (Warn) with event and err when the rest of
//     the event chain returns an error.
//
// Records are logged with the socket's context, so a handler that reads
// trace or request values from it (an OpenTelemetry bridge) finds them.
// Put Logging first among the connect middlewares: it sees refusals from
// those after it, and its event middleware wraps theirs.
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
			s.Use(logEvents(l, payloads))
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

// logEvents is the event half of LoggingWith.
func logEvents(l *slog.Logger, payloads bool) core.EventMiddleware {
	return func(next core.EventHandler) core.EventHandler {
		return func(s *core.Socket, e *core.Event) error {
			ctx := s.Context()
			if l.Enabled(ctx, slog.LevelDebug) {
				if payloads {
					l.DebugContext(ctx, "socket.io: event in", "event", e.Name, "ack", e.HasAck(), "args", rawArgs(e))
				} else {
					l.DebugContext(ctx, "socket.io: event in", "event", e.Name, "ack", e.HasAck())
				}
			}
			err := next(s, e)
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

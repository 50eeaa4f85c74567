package siootel

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/gosio/gosio/core"
)

// ScopeName is the instrumentation scope of the tracer.
const ScopeName = "github.com/gosio/gosio/tracing/otel"

// Attribute keys, those of @opentelemetry/instrumentation-socket.io.
const (
	SystemKey          = attribute.Key("messaging.system")
	DestinationKindKey = attribute.Key("messaging.destination_kind")
	DestinationKey     = attribute.Key("messaging.destination")
	OperationKey       = attribute.Key("messaging.operation")
	EventNameKey       = attribute.Key("messaging.socket.io.event_name")
	NamespaceKey       = attribute.Key("messaging.socket.io.namespace")
	// BodySizeKey is the OpenTelemetry messaging convention for the size of
	// the encoded packet, in bytes.
	BodySizeKey = attribute.Key("messaging.message.body.size")
	// TargetsKey counts the local sockets a sent event reached (a gosio
	// addition).
	TargetsKey = attribute.Key("messaging.socket.io.targets")
)

var (
	systemAttr = SystemKey.String("socket.io")
	topicAttr  = DestinationKindKey.String("topic")
)

// Options configure [TraceEvents], [Middleware] and [Hooks]. The zero value
// works. They are read when those functions are called; what they return is
// safe for concurrent use.
type Options struct {
	// TracerProvider makes the tracer. Default: otel.GetTracerProvider().
	TracerProvider trace.TracerProvider
	// Propagator extracts the parent trace context from the handshake
	// request's headers (W3C traceparent, baggage...). Default:
	// otel.GetTextMapPropagator().
	Propagator propagation.TextMapPropagator
	// IgnoreIncoming lists events that get no receive span (upstream's
	// onIgnoreEventList). Default: none.
	IgnoreIncoming []string
	// IgnoreOutgoing lists events that get no send span (upstream's
	// emitIgnoreEventList). Default: none.
	IgnoreOutgoing []string
}

func (o Options) tracer() trace.Tracer {
	tp := o.TracerProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	return tp.Tracer(ScopeName)
}

func set(names []string) map[string]bool {
	s := make(map[string]bool, len(names))
	for _, n := range names {
		s[n] = true
	}
	return s
}

// TraceEvents returns an event middleware that runs each event's handler
// (and the event middlewares inside it) inside a CONSUMER span named
// "receive <namespace>", and hands them the span's context as the event's
// context ([core.Event.Context]). The span's parent is the trace context
// the propagator extracts from the socket's handshake request headers. A
// handler's error marks the span as failed, and so does a panic.
//
// Put it on a namespace with UseEvents, first, so that it covers every
// socket's events (recovered sockets' included) and the other event
// middlewares:
//
//	io.UseEvents(siootel.TraceEvents(siootel.Options{}))
//
// It is safe for concurrent use.
func TraceEvents(opts Options) core.EventMiddleware {
	tracer := opts.tracer()
	prop := opts.Propagator
	if prop == nil {
		prop = otel.GetTextMapPropagator()
	}
	ignore := set(opts.IgnoreIncoming)
	return func(next core.EventHandler) core.EventHandler {
		return func(s *core.Socket, e *core.Event) (err error) {
			if ignore[e.Name] {
				return next(s, e)
			}
			parent := e.Context()
			if hs := s.Handshake(); hs != nil && hs.Header != nil {
				parent = prop.Extract(parent, propagation.HeaderCarrier(hs.Header))
			}
			nsp := s.Namespace().Name()
			ctx, span := tracer.Start(parent, "receive "+nsp,
				trace.WithSpanKind(trace.SpanKindConsumer),
				trace.WithAttributes(systemAttr, topicAttr,
					DestinationKey.String(nsp),
					OperationKey.String("receive"),
					EventNameKey.String(e.Name),
					NamespaceKey.String(nsp)))
			returned := false
			defer func() {
				switch {
				case !returned:
					span.SetStatus(codes.Error, "panic")
				case err != nil:
					span.RecordError(err)
					span.SetStatus(codes.Error, err.Error())
				}
				span.End()
			}()
			err = next(s, e.WithContext(ctx))
			returned = true
			return err
		}
	}
}

// Middleware returns a connect middleware that adds [TraceEvents] to every
// socket it admits, with [core.Socket.Use]. Sockets restored by connection
// state recovery skip connect middlewares: with recovery on, put
// TraceEvents on the namespace with UseEvents instead.
//
// It is safe for concurrent use.
func Middleware(opts Options) core.ConnectMiddleware {
	mw := TraceEvents(opts)
	return func(next core.ConnectHandler) core.ConnectHandler {
		return func(s *core.Socket) error {
			s.Use(mw)
			return next(s)
		}
	}
}

// Context returns e.Context(): inside [TraceEvents], the context of e's
// receive span, for the handler to start child spans, to pass on to the
// calls it makes and to emit with (EmitContext), so that the send spans of
// [Hooks] are children of the receive span. Like the socket's context, it is
// cancelled when the socket disconnects.
//
// Deprecated: use e.Context().
func Context(_ *core.Socket, e *core.Event) context.Context {
	return e.Context()
}

// Hooks returns server hooks that record a PRODUCER span named
// "send <namespace>" for every event sent, by Socket.Emit or by a broadcast,
// with the event's name, its encoded size and the number of local sockets
// reached. Set them as [core.Options.Hooks] (combine them with other hooks
// when there are some).
//
// A span's parent is the span in the context the event was sent with: a
// handler traced by [TraceEvents] that emits with the event's context
// (s.EmitContext(e.Context(), ...), s.To(room).EmitContext(...),
// EmitWithAck(ctx, ...)) gets send spans that are children of its receive
// span. An event sent with Emit, without a context, or a broadcast that
// came from another server of a cluster, gets a span that is the root of a
// trace of its own. Spans start and end when the packet is queued. Mind the
// volume: a server that broadcasts often records a span per broadcast.
func Hooks(opts Options) core.Hooks {
	tracer := opts.tracer()
	ignore := set(opts.IgnoreOutgoing)
	return core.Hooks{
		OnEventOut: func(ctx context.Context, nsp, event string, size, targets int) {
			if ignore[event] {
				return
			}
			_, span := tracer.Start(ctx, "send "+nsp,
				trace.WithSpanKind(trace.SpanKindProducer),
				trace.WithAttributes(systemAttr, topicAttr,
					DestinationKey.String(nsp),
					EventNameKey.String(event),
					NamespaceKey.String(nsp),
					BodySizeKey.Int(size),
					TargetsKey.Int(targets)))
			span.End()
		},
	}
}

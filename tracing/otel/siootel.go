package siootel

import (
	"context"
	"sync"

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

// Options configure [Middleware] and [Hooks]. The zero value works.
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

// ctxKey is the socket value key of a socket's event contexts.
type ctxKey struct{}

// contexts holds the contexts of the events a socket is handling, by event.
type contexts struct {
	mu sync.Mutex
	m  map[*core.Event]context.Context
}

// Middleware returns a connect middleware that traces the events of every
// socket it admits: it extracts the parent trace context from the handshake
// request's headers with the configured propagator, and installs (with
// [core.Socket.Use]) an event middleware that runs each event's handler
// inside a CONSUMER span named "receive <namespace>". A handler gets the
// span's context with [Context]. A handler's error marks the span as
// failed, and so does a panic.
//
// Install it first, so that the spans cover the other event middlewares:
//
//	io.Use(siootel.Middleware(siootel.Options{}))
//
// It is safe for concurrent use.
func Middleware(opts Options) core.ConnectMiddleware {
	tracer := opts.tracer()
	prop := opts.Propagator
	if prop == nil {
		prop = otel.GetTextMapPropagator()
	}
	ignore := set(opts.IgnoreIncoming)
	return func(next core.ConnectHandler) core.ConnectHandler {
		return func(s *core.Socket) error {
			parent := s.Context()
			if hs := s.Handshake(); hs != nil && hs.Header != nil {
				parent = prop.Extract(parent, propagation.HeaderCarrier(hs.Header))
			}
			nsp := s.Namespace().Name()
			name := "receive " + nsp
			store := &contexts{m: make(map[*core.Event]context.Context)}
			s.SetValue(ctxKey{}, store)
			s.Use(func(next core.EventHandler) core.EventHandler {
				return func(s *core.Socket, e *core.Event) (err error) {
					if ignore[e.Name] {
						return next(s, e)
					}
					ctx, span := tracer.Start(parent, name,
						trace.WithSpanKind(trace.SpanKindConsumer),
						trace.WithAttributes(systemAttr, topicAttr,
							DestinationKey.String(nsp),
							OperationKey.String("receive"),
							EventNameKey.String(e.Name),
							NamespaceKey.String(nsp)))
					store.mu.Lock()
					store.m[e] = ctx
					store.mu.Unlock()
					returned := false
					defer func() {
						store.mu.Lock()
						delete(store.m, e)
						store.mu.Unlock()
						switch {
						case !returned:
							span.SetStatus(codes.Error, "panic")
						case err != nil:
							span.RecordError(err)
							span.SetStatus(codes.Error, err.Error())
						}
						span.End()
					}()
					err = next(s, e)
					returned = true
					return err
				}
			})
			return next(s)
		}
	}
}

// Context returns the context of the receive span of e, an event s is
// handling, for the handler to start child spans and pass on to the calls it
// makes; like s.Context(), it is cancelled when the socket disconnects.
// Call it from the handler (or the event middlewares inside
// [Middleware]) before they return: afterwards, or for a socket [Middleware]
// did not admit, it returns s.Context(), which carries only the handshake's
// values. A goroutine the handler starts should be given the context, not
// call Context itself.
//
// It is safe for concurrent use.
func Context(s *core.Socket, e *core.Event) context.Context {
	if store, ok := core.Value[*contexts](s, ctxKey{}); ok {
		store.mu.Lock()
		ctx, ok := store.m[e]
		store.mu.Unlock()
		if ok {
			return ctx
		}
	}
	return s.Context()
}

// Hooks returns server hooks that record a PRODUCER span named
// "send <namespace>" for every event sent, by Socket.Emit or by a broadcast,
// with the event's name, its encoded size and the number of local sockets
// reached. Set them as [core.Options.Hooks] (combine them with other hooks
// when there are some).
//
// The hooks get no context from core, so these spans have no parent: each
// is the root of a trace of its own, even when a handler traced by
// [Middleware] emitted the event. They start and end when the packet is
// queued. Mind the volume: a server that broadcasts often records a span per
// broadcast.
func Hooks(opts Options) core.Hooks {
	tracer := opts.tracer()
	ignore := set(opts.IgnoreOutgoing)
	return core.Hooks{
		OnEventOut: func(nsp, event string, size, targets int) {
			if ignore[event] {
				return
			}
			_, span := tracer.Start(context.Background(), "send "+nsp,
				trace.WithNewRoot(),
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

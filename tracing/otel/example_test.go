package siootel_test

import (
	"net/http"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"

	"github.com/gosio/gosio/core"
	siootel "github.com/gosio/gosio/tracing/otel"
)

// Tracing the events of a server: a receive span per incoming event, child
// of the trace the client's handshake request carried (its traceparent
// header), and a send span per event sent. The handler finds the receive
// span in its event's context: it starts its own spans under it, and emits
// with it, so that the send spans join the trace too.
func Example() {
	otel.SetTextMapPropagator(propagation.TraceContext{})
	opts := siootel.Options{} // the global tracer provider and propagator
	io := core.NewServer(&core.Options{Hooks: siootel.Hooks(opts)})
	io.UseEvents(siootel.TraceEvents(opts)) // every socket, recovered ones included
	io.OnConnection(func(s *core.Socket) {
		s.On("save", func(s *core.Socket, e *core.Event) error {
			ctx := e.Context()
			_, span := otel.Tracer("app").Start(ctx, "save to database")
			defer span.End()
			if err := s.Broadcast().EmitContext(ctx, "saved"); err != nil {
				return err
			}
			return e.Ack("saved")
		})
	})
	http.Handle("/socket.io/", io)
	_ = http.ListenAndServe("127.0.0.1:3000", nil)
}

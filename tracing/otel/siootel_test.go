package siootel_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/integrationtest"
	siootel "github.com/gosio/gosio/tracing/otel"
)

const (
	traceID    = "4bf92f3577b34da6a3ce929d0e0e4736"
	remoteSpan = "00f067aa0ba902b7"
)

// tracing returns options recording into a fresh span recorder.
func tracing(t *testing.T) (siootel.Options, *tracetest.SpanRecorder) {
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return siootel.Options{TracerProvider: tp, Propagator: propagation.TraceContext{}}, sr
}

// ended waits until sr holds n ended spans and returns them.
func ended(t *testing.T, sr *tracetest.SpanRecorder, n int) []sdktrace.ReadOnlySpan {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		spans := sr.Ended()
		if len(spans) >= n {
			if len(spans) > n {
				t.Errorf("%d spans, want %d", len(spans), n)
			}
			return spans
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d spans ended, want %d", len(spans), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value
	}
	return m
}

func TestReceiveSpans(t *testing.T) {
	t.Parallel()
	opts, sr := tracing(t)
	opts.IgnoreIncoming = []string{"heartbeat"}
	srv, url := newServer(t, nil)
	chat := srv.Of("/chat")
	chat.Use(siootel.Middleware(opts))
	chat.OnConnection(func(s *core.Socket) {
		s.On("say", func(s *core.Socket, e *core.Event) error {
			if siootel.Context(s, e) != e.Context() {
				t.Error("siootel.Context is not the event's context")
			}
			_, span := opts.TracerProvider.Tracer("app").Start(e.Context(), "work")
			span.End()
			return e.Ack("ok")
		})
		s.On("fail", func(*core.Socket, *core.Event) error { return errors.New("no luck") })
		s.On("boom", func(*core.Socket, *core.Event) error { panic("boom") })
		s.On("heartbeat", func(_ *core.Socket, e *core.Event) error { return e.Ack() })
	})

	c := dial(t, url, http.Header{"Traceparent": {"00-" + traceID + "-" + remoteSpan + "-01"}})
	c.Send("40/chat,")
	c.Expect("40/chat,")
	c.Send(`42/chat,1["say","hi"]`)
	c.Expect(`43/chat,1["ok"]`)
	c.Send(`42/chat,2["fail"]`)
	c.Expect(`43/chat,2[{"error":"no luck"}]`)
	c.Send(`42/chat,3["boom"]`)
	c.Expect(`43/chat,3[{"error"`)
	c.Send(`42/chat,4["heartbeat"]`)
	c.Expect(`43/chat,4[]`)

	spans := ended(t, sr, 4) // work, receive say, receive fail, receive boom
	byEvent := map[string]sdktrace.ReadOnlySpan{}
	var work sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.Name() == "work" {
			work = s
			continue
		}
		if s.Name() != "receive /chat" || s.SpanKind() != trace.SpanKindConsumer {
			t.Errorf("span %q kind %v", s.Name(), s.SpanKind())
		}
		a := attrs(s)
		for k, v := range map[attribute.Key]string{
			"messaging.system":              "socket.io",
			"messaging.destination_kind":    "topic",
			"messaging.destination":         "/chat",
			"messaging.operation":           "receive",
			"messaging.socket.io.namespace": "/chat",
		} {
			if a[k].AsString() != v {
				t.Errorf("%s = %q, want %q", k, a[k].AsString(), v)
			}
		}
		if got := s.Parent(); got.TraceID().String() != traceID || got.SpanID().String() != remoteSpan || !got.IsRemote() {
			t.Errorf("parent %v, want the handshake's traceparent", got)
		}
		byEvent[a["messaging.socket.io.event_name"].AsString()] = s
	}
	if work == nil || byEvent["say"] == nil || byEvent["fail"] == nil || byEvent["boom"] == nil {
		t.Fatalf("spans by event %v, work %v", byEvent, work)
	}
	if work.Parent().SpanID() != byEvent["say"].SpanContext().SpanID() {
		t.Errorf("work's parent is not the receive span")
	}
	if st := byEvent["say"].Status(); st.Code != codes.Unset {
		t.Errorf("say status %v", st)
	}
	if st := byEvent["fail"].Status(); st.Code != codes.Error || st.Description != "no luck" {
		t.Errorf("fail status %v", st)
	}
	if st := byEvent["boom"].Status(); st.Code != codes.Error || st.Description != "panic" {
		t.Errorf("boom status %v", st)
	}
}

// Without TraceEvents, an event's context is the socket's.
func TestContextOutsideMiddleware(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	got := make(chan bool, 1)
	srv.OnConnection(func(s *core.Socket) {
		s.On("x", func(s *core.Socket, e *core.Event) error {
			got <- siootel.Context(s, e) == s.Context()
			return nil
		})
	})
	c := dial(t, url, nil)
	c.Send("40")
	c.Expect("40")
	c.Send(`42["x"]`)
	select {
	case ok := <-got:
		if !ok {
			t.Error("Context is not the socket's context")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("timed out")
	}
}

func TestSendSpans(t *testing.T) {
	t.Parallel()
	opts, sr := tracing(t)
	opts.IgnoreOutgoing = []string{"tick"}
	srv, url := newServer(t, &core.Options{Hooks: siootel.Hooks(opts)})
	srv.OnConnection(func(s *core.Socket) {
		s.On("hello", func(s *core.Socket, _ *core.Event) error { return s.Emit("welcome") })
	})
	c := dial(t, url, nil)
	c.Send("40")
	c.Expect("40")
	c.Send(`42["hello"]`)
	c.Expect(`42["welcome"]`)
	if err := srv.Emit("tick"); err != nil {
		t.Fatal(err)
	}
	c.Expect(`42["tick"]`)
	if err := srv.Emit("news", "x"); err != nil {
		t.Fatal(err)
	}
	c.Expect(`42["news","x"]`)

	spans := ended(t, sr, 2)
	for i, want := range []string{"welcome", "news"} {
		s := spans[i]
		a := attrs(s)
		if s.Name() != "send /" || s.SpanKind() != trace.SpanKindProducer || s.Parent().IsValid() {
			t.Errorf("span %q kind %v parent %v", s.Name(), s.SpanKind(), s.Parent())
		}
		if a["messaging.socket.io.event_name"].AsString() != want || a["messaging.destination"].AsString() != "/" ||
			a["messaging.system"].AsString() != "socket.io" || a["messaging.socket.io.targets"].AsInt64() != 1 ||
			a["messaging.message.body.size"].AsInt64() <= 0 {
			t.Errorf("span %d attributes %v", i, s.Attributes())
		}
	}
}

// A handler traced by TraceEvents that emits with its event's context gets
// send spans that are children of its receive span; an Emit without a
// context starts a trace of its own.
func TestSendSpansAreChildrenOfTheReceiveSpan(t *testing.T) {
	t.Parallel()
	opts, sr := tracing(t)
	srv, url := newServer(t, &core.Options{Hooks: siootel.Hooks(opts)})
	srv.UseEvents(siootel.TraceEvents(opts))
	srv.OnConnection(func(s *core.Socket) {
		s.On("order", func(s *core.Socket, e *core.Event) error {
			ctx := e.Context()
			if err := s.EmitContext(ctx, "placed"); err != nil {
				return err
			}
			if err := s.Broadcast().EmitContext(ctx, "news"); err != nil {
				return err
			}
			if _, err := s.Timeout(5*time.Second).EmitWithAck(ctx, "confirm"); err != nil {
				return err
			}
			if err := s.Emit("untraced"); err != nil {
				return err
			}
			return e.Ack("ok")
		})
	})
	other := dial(t, url, nil)
	other.Send("40")
	other.Expect("40")
	c := dial(t, url, http.Header{"Traceparent": {"00-" + traceID + "-" + remoteSpan + "-01"}})
	c.Send("40")
	c.Expect("40")
	c.Send(`421["order"]`)
	c.Expect(`42["placed"]`)
	c.Expect(`420["confirm"]`)
	c.Send(`430[]`)
	c.Expect(`42["untraced"]`)
	c.Expect(`431["ok"]`)
	other.Expect(`42["news"]`)

	spans := ended(t, sr, 5)
	byName := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		name := s.Name()
		if name == "send /" {
			name = attrs(s)["messaging.socket.io.event_name"].AsString()
		}
		byName[name] = s
	}
	receive := byName["receive /"]
	if receive == nil {
		t.Fatalf("no receive span in %v", byName)
	}
	if p := receive.Parent(); p.TraceID().String() != traceID || p.SpanID().String() != remoteSpan {
		t.Errorf("receive span's parent %v, want the handshake's traceparent", p)
	}
	for _, ev := range []string{"placed", "news", "confirm"} {
		s := byName[ev]
		if s == nil {
			t.Errorf("no send span for %q", ev)
			continue
		}
		if p := s.Parent(); p.SpanID() != receive.SpanContext().SpanID() || p.TraceID().String() != traceID || p.IsRemote() {
			t.Errorf("send %q: parent %v, want the receive span", ev, p)
		}
		if s.SpanKind() != trace.SpanKindProducer {
			t.Errorf("send %q: kind %v", ev, s.SpanKind())
		}
	}
	if s := byName["untraced"]; s == nil || s.Parent().IsValid() || s.SpanContext().TraceID().String() == traceID {
		t.Errorf("an Emit without a context joined a trace: %v", s)
	}
}

// TraceEvents on a namespace traces the events of a socket that connection
// state recovery restored, which skips connect middlewares; its receive
// spans continue the trace of the handshake that restored it.
func TestTraceEventsCoversRecoveredSockets(t *testing.T) {
	t.Parallel()
	opts, sr := tracing(t)
	srv, url := newServer(t, &core.Options{
		ConnectionStateRecovery: &core.ConnectionStateRecovery{},
		// A client that stops answering pings is gone after 400ms.
		Engine: core.EngineOptions{PingInterval: 200 * time.Millisecond, PingTimeout: 200 * time.Millisecond},
	})
	srv.UseEvents(siootel.TraceEvents(opts))
	gone := make(chan string, 1)
	srv.OnConnection(func(s *core.Socket) {
		s.On("ping", func(s *core.Socket, e *core.Event) error { return e.Ack("pong") })
		s.OnDisconnect(func(_ *core.Socket, reason string) { gone <- reason })
		if !s.Recovered() {
			_ = s.Emit("welcome") // its offset lets the client recover
		}
	})
	const (
		firstTrace  = "11111111111111111111111111111111"
		secondTrace = "22222222222222222222222222222222"
	)
	traceparent := func(id string) http.Header {
		return http.Header{"Traceparent": {"00-" + id + "-" + remoteSpan + "-01"}}
	}
	c := dial(t, url, traceparent(firstTrace))
	c.Send("40")
	var first struct{ SID, PID string }
	if err := json.Unmarshal([]byte(strings.TrimPrefix(c.Expect("40{"), "40")), &first); err != nil || first.PID == "" {
		t.Fatalf("CONNECT without a pid: %v", err)
	}
	var welcome []string
	if err := json.Unmarshal([]byte(strings.TrimPrefix(c.Expect(`42["welcome"`), "42")), &welcome); err != nil || len(welcome) != 2 {
		t.Fatalf("welcome: %v %v", welcome, err)
	}
	c.Send(`421["ping"]`)
	c.Expect(`431["pong"]`)
	// The client stops reading, so stops answering pings.
	if reason := integrationtest.Recv(t, gone); reason != core.ReasonPingTimeout {
		t.Fatalf("disconnect reason %q", reason)
	}

	c2 := dial(t, url, traceparent(secondTrace))
	c2.Send(`40{"pid":"` + first.PID + `","offset":"` + welcome[1] + `"}`)
	var again struct{ SID string }
	if err := json.Unmarshal([]byte(strings.TrimPrefix(c2.Expect("40{"), "40")), &again); err != nil || again.SID != first.SID {
		t.Fatalf("not recovered: sid %q, want %q (%v)", again.SID, first.SID, err)
	}
	c2.Send(`422["ping"]`)
	c2.Expect(`432["pong"]`)

	spans := ended(t, sr, 2)
	for i, want := range []string{firstTrace, secondTrace} {
		if got := spans[i].Parent().TraceID().String(); spans[i].Name() != "receive /" || got != want {
			t.Errorf("span %d %q: trace %s, want %s", i, spans[i].Name(), got, want)
		}
	}
}

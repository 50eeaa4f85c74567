package core_test

import (
	"context"
	"errors"
	"log"
	"net/http"
	"regexp"
	"time"

	"github.com/gosio/gosio/core"
)

// A chat server on net/http: the client's default path is /socket.io/.
func Example() {
	io := core.NewServer(nil)
	io.OnConnection(func(s *core.Socket) {
		s.On("join", core.Handle(func(s *core.Socket, room string) error {
			s.Join(room)
			return s.To(room).Emit("joined", s.ID())
		}))
		s.On("say", core.Handle(func(s *core.Socket, msg struct {
			Room string `json:"room"`
			Text string `json:"text"`
		}) error {
			return io.To(msg.Room).Emit("said", s.ID(), msg.Text)
		}))
		s.OnDisconnect(func(s *core.Socket, reason string) {
			log.Printf("%s left: %s", s.ID(), reason)
		})
	})
	http.Handle("/socket.io/", io)
	log.Fatal(http.ListenAndServe("127.0.0.1:3000", nil))
}

// A handler whose return value acknowledges the event: the client's
// `socket.emitWithAck("add", {a: 1, b: 2})` resolves to 3.
func ExampleHandleAck() {
	io := core.NewServer(nil)
	type operands struct{ A, B int }
	io.OnConnection(func(s *core.Socket) {
		s.On("add", core.HandleAck(func(s *core.Socket, o operands) (int, error) {
			if o.A < 0 || o.B < 0 {
				return 0, errors.New("negative operand") // the ack is {"error": "negative operand"}
			}
			return o.A + o.B, nil
		}))
	})
}

// Asking the client and waiting for its answer, with a timeout.
func ExampleSocket_EmitWithAck() {
	io := core.NewServer(nil)
	io.OnConnection(func(s *core.Socket) {
		ctx, cancel := context.WithTimeout(s.Context(), 5*time.Second)
		defer cancel()
		answer, err := s.EmitWithAck(ctx, "confirm", "delete everything?")
		if err != nil {
			return // core.ErrAckTimeout, or core.ErrDisconnected
		}
		ok, _ := core.Decode[bool](answer)
		log.Println("confirmed:", ok)
	})
}

// A connect middleware that refuses clients without a token: the client's
// connect_error event gets err.message "unauthorized" and err.data.
func ExampleConnectFunc() {
	io := core.NewServer(nil)
	io.Use(core.ConnectFunc(func(s *core.Socket) error {
		var auth struct{ Token string }
		if err := core.DecodeAuth(s, &auth); err != nil || auth.Token == "" {
			return core.NewConnectError("unauthorized", map[string]any{"hint": "log in first"})
		}
		return nil
	}))
}

// Broadcasting to rooms, and collecting every client's acknowledgement.
func ExampleBroadcastOperator_EmitWithAck() {
	io := core.NewServer(nil)
	answers, err := io.To("voters").Timeout(10*time.Second).EmitWithAck(context.Background(), "vote", "pizza or pasta?")
	if errors.Is(err, core.ErrAckTimeout) {
		log.Printf("only %d voted in time", len(answers))
	}
	for _, a := range answers {
		choice, _ := core.Decode[string](a)
		log.Println(choice)
	}
}

// Dynamic namespaces: one per workspace, created when a client first
// connects to it.
func ExampleServer_OfRegexp() {
	io := core.NewServer(nil)
	workspaces := io.OfRegexp(regexp.MustCompile(`^/workspace-\d+$`))
	workspaces.OnConnection(func(s *core.Socket) {
		_ = s.Emit("hello", s.Namespace().Name()) // the child: "/workspace-42"
	})
	_ = workspaces.Emit("maintenance", "in 5 minutes") // reaches every workspace
	for _, w := range workspaces.Children() {          // those created so far
		_ = w.ServerSideEmit("workspace-alive", w.Name())
	}
}

// An event middleware that gives every handler a deadline, and a handler
// that passes its event's context on: to the calls it makes, and to the
// emits it makes, whose hooks (a tracer's send spans) then see it.
func ExampleEvent_WithContext() {
	io := core.NewServer(nil)
	io.UseEvents(func(next core.EventHandler) core.EventHandler {
		return func(s *core.Socket, e *core.Event) error {
			ctx, cancel := context.WithTimeout(e.Context(), 5*time.Second)
			defer cancel()
			return next(s, e.WithContext(ctx))
		}
	})
	io.OnConnection(func(s *core.Socket) {
		s.On("order", func(s *core.Socket, e *core.Event) error {
			ctx := e.Context()
			if err := ctx.Err(); err != nil {
				return err
			}
			return s.To("kitchen").EmitContext(ctx, "new-order", s.ID())
		})
	})
}

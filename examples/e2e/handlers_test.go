package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/gosio/gosio/core"
)

// setupHandlers gives io the server side of every case. gen is the server's
// generation (how many restarts it went through), reported by "whoami".
//
// Namespaces: "/" (every event below), "/admin" and "/chat" (static, for
// multiplexing), "/dyn-<digits>" (dynamic), "/guarded" (a connect
// middleware that wants auth.token "let-me-in" and the app's user value).
func setupHandlers(ts *testServer, io *core.Server, gen int) {
	common := func(s *core.Socket) {
		s.OnDisconnect(func(s *core.Socket, reason string) {
			user, _ := ts.in.user(s)
			ts.reasons.record(s.ID(), disconnectInfo{Reason: reason, User: user})
		})
		s.On("whoami", func(s *core.Socket, e *core.Event) error {
			return e.Ack(whoami(ts, s, gen))
		})
		s.On("echo", func(s *core.Socket, e *core.Event) error {
			vals, err := e.Values()
			if err != nil {
				return err
			}
			return e.Ack(vals...)
		})
		s.On("join", core.HandleAck(func(s *core.Socket, in struct{ Rooms []string }) ([]string, error) {
			s.Join(in.Rooms...)
			return sorted(s.Rooms()), nil
		}))
	}

	io.OnConnection(func(s *core.Socket) {
		_ = s.Emit("auth", json.RawMessage(s.Handshake().Auth))
		common(s)
		mainEvents(ts, io, s)
	})
	for _, name := range []string{"/admin", "/chat"} {
		io.Of(name).OnConnection(common)
	}

	dyn := io.OfRegexp(regexp.MustCompile(`^/dyn-[0-9]+$`))
	dyn.OnConnection(func(s *core.Socket) {
		common(s)
		_ = s.Emit("hello", s.Namespace().Name())
		s.On("dyn-all", func(s *core.Socket, e *core.Event) error {
			var text string
			if err := e.Decode(0, &text); err != nil {
				return err
			}
			if err := dyn.Emit("dyn-hello", text, s.Namespace().Name()); err != nil {
				return err
			}
			return e.Ack(true)
		})
	})

	guarded := io.Of("/guarded")
	guarded.Use(core.ConnectFunc(func(s *core.Socket) error {
		var auth struct{ Token string }
		_ = json.Unmarshal(s.Handshake().Auth, &auth)
		if auth.Token != "let-me-in" {
			return core.NewConnectError("not authorized", map[string]any{"code": 4010, "got": auth.Token})
		}
		if _, ok := ts.in.user(s); !ok {
			return core.NewConnectError("no user value in the connect middleware", nil)
		}
		return nil
	}))
	guarded.OnConnection(common)
}

// mainEvents are the events of the main namespace.
func mainEvents(ts *testServer, io *core.Server, s *core.Socket) {
	s.On("never-ack", func(*core.Socket, *core.Event) error { return nil })

	// divide answers with the quotient, or an error ack {"error": ...}
	// (HandleAck turns the Go error into one).
	s.On("divide", core.HandleAck(func(s *core.Socket, in struct{ A, B float64 }) (float64, error) {
		if in.B == 0 {
			return 0, errors.New("division by zero")
		}
		return in.A / in.B, nil
	}))

	// bin checks binary attachments decoded into typed []byte fields, deep
	// in objects and arrays, and answers with binary of its own: an ack and
	// a "bin-back" event with many arguments.
	type binIn struct {
		Name   string `json:"name"`
		Blob   []byte `json:"blob"`
		Nested struct {
			Parts [][]byte `json:"parts"`
			Deep  struct {
				B []byte `json:"b"`
			} `json:"deep"`
		} `json:"nested"`
	}
	s.On("bin", core.HandleAck(func(s *core.Socket, in binIn) (map[string]any, error) {
		want := []byte{0, 1, 2, 253, 254, 255}
		switch {
		case in.Name != "blobs":
			return nil, fmt.Errorf("name = %q", in.Name)
		case !bytes.Equal(in.Blob, want):
			return nil, fmt.Errorf("blob = %v, want %v", in.Blob, want)
		case len(in.Nested.Parts) != 2 || !bytes.Equal(in.Nested.Parts[0], []byte("part-0")) || !bytes.Equal(in.Nested.Parts[1], bytes.Repeat([]byte{7}, 1000)):
			return nil, fmt.Errorf("nested.parts = %v", in.Nested.Parts)
		case !bytes.Equal(in.Nested.Deep.B, []byte{}):
			return nil, fmt.Errorf("nested.deep.b = %v, want empty", in.Nested.Deep.B)
		}
		rev := make([]byte, len(in.Blob))
		for i, b := range in.Blob {
			rev[len(in.Blob)-1-i] = b
		}
		err := s.Emit("bin-back",
			[]byte{9, 8, 7},
			map[string]any{"x": []byte("xx"), "list": []any{[]byte{1}, "s", 1.5, map[string]any{"y": []byte{2, 2}}}},
			"text", 42, nil, true, []any{},
		)
		return map[string]any{"reversed": rev, "sizes": []int{len(in.Blob), len(in.Nested.Parts[1])}}, err
	}))

	// ask makes the server wait for an acknowledgement from this client.
	s.On("ask", core.HandleAck(func(s *core.Socket, in struct {
		Event     string
		Arg       any
		TimeoutMs int
	}) (map[string]any, error) {
		reply, err := s.Timeout(time.Duration(in.TimeoutMs)*time.Millisecond).EmitWithAck(context.Background(), in.Event, in.Arg)
		if err != nil {
			return map[string]any{"ok": false, "error": err.Error(), "timeout": errors.Is(err, core.ErrAckTimeout)}, nil
		}
		vals, err := reply.Values()
		if err != nil {
			return nil, err
		}
		return map[string]any{"ok": true, "reply": vals}, nil
	}))

	// bcast broadcasts arg as event: through the server (to rooms, except
	// rooms) or through this socket (everyone else, to rooms, except rooms).
	s.On("bcast", core.HandleAck(func(s *core.Socket, in struct {
		Via    string
		Rooms  []string
		Except []string
		Event  string
		Arg    any
	}) (bool, error) {
		var op core.BroadcastOperator
		switch in.Via {
		case "server":
			op = io.To(in.Rooms...)
		case "socket":
			op = s.Broadcast().To(in.Rooms...)
		default:
			return false, fmt.Errorf("via %q", in.Via)
		}
		return true, op.Except(in.Except...).Emit(in.Event, in.Arg)
	}))

	s.On("fetch", core.HandleAck(func(s *core.Socket, in struct{ Rooms []string }) ([]string, error) {
		socks, err := io.In(in.Rooms...).FetchSockets(context.Background())
		if err != nil {
			return nil, err
		}
		ids := make([]string, 0, len(socks))
		for _, r := range socks {
			ids = append(ids, r.ID())
		}
		return sorted(ids), nil
	}))

	// collect broadcasts with acks to rooms and answers with the first
	// argument of every ack received.
	s.On("collect", core.HandleAck(func(s *core.Socket, in struct {
		Rooms     []string
		Event     string
		Arg       any
		TimeoutMs int
	}) (map[string]any, error) {
		acks, err := io.To(in.Rooms...).Timeout(time.Duration(in.TimeoutMs)*time.Millisecond).EmitWithAck(context.Background(), in.Event, in.Arg)
		replies := make([]any, 0, len(acks))
		for _, a := range acks {
			var v any
			if a.Len() > 0 {
				if err := a.Decode(0, &v); err != nil {
					return nil, err
				}
			}
			replies = append(replies, v)
		}
		out := map[string]any{"replies": replies, "timeout": errors.Is(err, core.ErrAckTimeout)}
		if err != nil && !errors.Is(err, core.ErrAckTimeout) {
			return nil, err
		}
		return out, nil
	}))

	s.On("kick", core.Handle(func(s *core.Socket, in struct{ Close bool }) error {
		s.Disconnect(in.Close)
		return nil
	}))

	// reason-of waits for another socket's disconnect and tells why.
	s.On("reason-of", core.HandleAck(func(s *core.Socket, in struct{ ID string }) (disconnectInfo, error) {
		ctx, cancel := context.WithTimeout(s.Context(), 5*time.Second)
		defer cancel()
		return ts.reasons.wait(ctx, in.ID)
	}))

	// big answers the length of a large string with a "big-len" event (and
	// an ack when asked: the ack id makes the packet longer).
	s.On("big", func(s *core.Socket, e *core.Event) error {
		var text string
		if err := e.Decode(0, &text); err != nil {
			return err
		}
		if strings.Trim(text, "x") != "" {
			return errors.New("corrupted payload")
		}
		if err := s.Emit("big-len", len(text)); err != nil {
			return err
		}
		return e.Ack(len(text))
	})

	// drop cuts every TCP connection of this server.
	s.On("drop", func(*core.Socket, *core.Event) error {
		go ts.cut()
		return nil
	})

	// restart restarts this server on the same port.
	s.On("restart", func(*core.Socket, *core.Event) error {
		go func() {
			if err := ts.restart(); err != nil {
				ts.log("restart: %v", err)
			}
		}()
		return nil
	})

	// stream broadcasts n numbered events to a room, burst events every
	// everyMs, and cuts the server's TCP connections after event cutAt.
	// After the cut it goes on broadcasting while the clients reconnect.
	s.On("stream", core.HandleAck(func(s *core.Socket, in struct {
		Room    string
		N       int
		CutAt   int
		Burst   int
		EveryMs int
	}) (bool, error) {
		if in.Burst <= 0 || in.EveryMs <= 0 || in.N <= 0 {
			return false, errors.New("bad stream parameters")
		}
		go func() {
			tick := time.NewTicker(time.Duration(in.EveryMs) * time.Millisecond)
			defer tick.Stop()
			for i := 0; i < in.N; {
				for j := 0; j < in.Burst && i < in.N; j++ {
					if err := io.To(in.Room).Emit("n", i); err != nil {
						ts.log("stream: %v", err)
					}
					if i == in.CutAt {
						ts.cut()
					}
					i++
				}
				<-tick.C
			}
			_ = io.To(in.Room).Emit("stream-end", in.N)
		}()
		return true, nil
	}))

	// chat is the browser page's chat: the message goes to the room with
	// the sender's name (from the CONNECT auth) and current transport.
	s.On("chat", core.HandleAck(func(s *core.Socket, in struct{ Room, Text string }) (string, error) {
		var auth struct{ Name string }
		_ = json.Unmarshal(s.Handshake().Auth, &auth)
		msg := map[string]any{"from": auth.Name, "text": in.Text, "transport": s.Transport()}
		return s.Transport(), io.To(in.Room).Emit("chat", msg)
	}))
}

// whoami describes a socket as the server sees it.
func whoami(ts *testServer, s *core.Socket, gen int) map[string]any {
	user, hasUser := ts.in.user(s)
	hs := s.Handshake()
	return map[string]any{
		"id":         s.ID(),
		"nsp":        s.Namespace().Name(),
		"connId":     s.ConnID(),
		"transport":  s.Transport(),
		"recovered":  s.Recovered(),
		"rooms":      sorted(s.Rooms()),
		"auth":       json.RawMessage(hs.Auth),
		"query":      hs.Query.Get("user"),
		"user":       user,
		"hasUser":    hasUser,
		"generation": gen,
		"server":     ts.name,
	}
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	return s
}

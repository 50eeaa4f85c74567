// Package chatweb is the chat that the examples chat-gin, chat-echo and
// chat-fiber serve, each on its own framework: the Socket.IO handlers (rooms,
// typing indicator, message history on join, connection state recovery), the
// login session, and the browser page with the official socket.io-client.
// What differs between the examples, and what they show, is how the
// framework's middleware hands the logged-in user to the socket handlers.
package chatweb

import (
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/gosio/gosio/clientdist"
	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/middleware"
)

// historySize is how many messages a room keeps for the users who join it.
const historySize = 50

// Message is a chat message as the page receives it.
type Message struct {
	User string    `json:"user"`
	Text string    `json:"text"`
	Time time.Time `json:"time"`
}

// rooms keeps each room's last messages.
type rooms struct {
	mu      sync.Mutex
	history map[string][]Message
}

func (r *rooms) add(room string, m Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := append(r.history[room], m)
	if len(h) > historySize {
		h = h[len(h)-historySize:]
	}
	r.history[room] = h
}

func (r *rooms) last(room string) []Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Message{}, r.history[room]...)
}

// NewServer returns the chat's Socket.IO server. user returns the nickname
// that the app's session middleware stored for the socket's handshake: it is
// where each example reads its framework's values.
//
// Events from the page: "join" (room name; acknowledged with the room's
// history), "message" (text), "typing" (bool). To the page: "message"
// (Message), "typing" (user, bool), "notice" (text).
func NewServer(user func(s *core.Socket) string) *core.Server {
	io := core.NewServer(&core.Options{
		// A user whose connection drops for less than two minutes gets back
		// the same socket, rooms and the messages sent meanwhile.
		ConnectionStateRecovery: &core.ConnectionStateRecovery{},
		// The page loads the official client from the server itself, at
		// /socket.io/socket.io.min.js, as from a Node server.
		ServeClient: clientdist.Bundle,
	})
	io.Use(middleware.Logging(slog.Default())) // connects and disconnects with reasons
	// Event middlewares go on the namespace: a socket that connection state
	// recovery restores skips the connect middlewares, and would escape
	// event middlewares that a connect middleware installs.
	io.UseEvents(
		middleware.LogEvents(middleware.LoggingOptions{}), // events (at Debug) and handler errors
		middleware.Recover(nil),                           // a panicking handler answers an error ack
		middleware.LimitEvents(middleware.RateLimitOptions{ // chatty clients get an error ack
			PerSocket: middleware.Limit{Rate: 5, Burst: 20},
		}),
	)
	rs := &rooms{history: map[string][]Message{}}
	room := func(s *core.Socket) string { r, _ := core.Data[string](s); return r }

	io.OnConnection(func(s *core.Socket) {
		name := user(s)
		s.On("join", core.HandleAck(func(s *core.Socket, to string) ([]Message, error) {
			to = strings.TrimSpace(to)
			if to == "" || len(to) > 30 {
				return nil, errors.New("a room name has 1 to 30 characters")
			}
			if from := room(s); from != "" {
				s.Leave(from)
				_ = s.To(from).Emit("notice", name+" left")
			}
			s.Join(to)
			s.SetData(to) // kept by connection state recovery
			_ = s.To(to).Emit("notice", name+" joined")
			return rs.last(to), nil
		}))
		s.On("message", core.Handle(func(s *core.Socket, text string) error {
			to := room(s)
			if to == "" || strings.TrimSpace(text) == "" {
				return nil
			}
			m := Message{User: name, Text: text, Time: time.Now()}
			rs.add(to, m)
			return io.To(to).Emit("message", m) // to the sender too
		}))
		s.On("typing", core.Handle(func(s *core.Socket, typing bool) error {
			return s.To(room(s)).Volatile().Emit("typing", name, typing)
		}))
		s.OnDisconnect(func(s *core.Socket, _ string) {
			_ = s.To(room(s)).Emit("typing", name, false)
		})
	})
	return io
}

package core

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"

	"runtime/debug"

	"sync"
	"sync/atomic"

	"github.com/gosio/gosio/core/adapter"
)

// Socket is one client connected to one namespace.
//
// Handlers of one socket (connection handlers, event handlers, disconnect
// handlers) run one at a time, in the order the packets arrived; long work
// belongs in a goroutine of your own. Every method is safe for concurrent
// use, from handlers and from other goroutines.
type Socket struct {
	id, pid   string
	nsp       *Namespace
	client    *client
	handshake *Handshake
	recovered bool
	ctx       *socketContext // made on first use (Context); under mu

	// closing: a disconnect is under way or done. Set under mu (by
	// startClosing), so that code holding mu sees it change only once it
	// lets go: the context, the acks and the rooms rely on that.
	closing   atomic.Bool
	connected atomic.Bool
	// listensOut: onAnyOut has a listener. Every delivery checks it, so
	// that a socket without outgoing listeners pays one load per event,
	// not a lock.
	listensOut atomic.Bool

	mu            sync.Mutex
	data          any
	values        map[any]any // SetValue's, for middlewares
	reason        string      // why the socket disconnects, set with closing
	handlers      []eventHandler
	middlewares   []EventMiddleware
	onAny         []func(*Socket, *Event)
	onAnyOut      []func(s *Socket, event string, args []any)
	disconnecting []func(*Socket, string)
	disconnect    []func(*Socket, string)
	acks          map[uint64]adapter.AckFunc
}

func newSocket(n *Namespace, c *client, hs *Handshake, sess *adapter.SocketState) *Socket {
	s := &Socket{nsp: n, client: c, handshake: hs}
	if sess != nil {
		s.id, s.pid, s.data, s.recovered = sess.SID, sess.PID, sess.Data, true
	} else {
		s.id = randomID()
		if c.isEIO3() {
			s.id = socketID3(n.name, c.sess.ID())
		}
		if n.srv.opts.ConnectionStateRecovery != nil {
			s.pid = randomID()
		}
	}
	s.connected.Store(true)
	return s
}

// randomID returns 20 unguessable URL-safe characters.
func randomID() string {
	var b [15]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ID returns the socket's public id, which is also the name of its private
// room.
func (s *Socket) ID() string { return s.id }

// Namespace returns the namespace the socket is connected to.
func (s *Socket) Namespace() *Namespace { return s.nsp }

// Handshake returns the request and CONNECT payload that opened the socket.
func (s *Socket) Handshake() *Handshake { return s.handshake }

// DecodeAuth decodes the socket's CONNECT payload (the client's auth
// option) into v.
func DecodeAuth(s *Socket, v any) error {
	return json.Unmarshal(s.handshake.Auth, v)
}

// Context returns a context that carries the handshake request's values
// (and those an integration copied from the app's HTTP middleware), and is
// cancelled when the socket disconnects.
func (s *Socket) Context() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx == nil {
		// Made on first use: a socket that never asks holds none (~100
		// bytes on every idle connection).
		ctx, cancel := context.WithCancel(s.client.ctx)
		s.ctx = &socketContext{ctx, cancel}
		if s.closing.Load() {
			cancel()
		}
	}
	return s.ctx.Context
}

// socketContext is a socket's context and its cancel function.
type socketContext struct {
	context.Context
	cancel context.CancelFunc
}

// Recovered reports whether the socket was restored by connection state
// recovery (same id, rooms and data, missed packets replayed).
func (s *Socket) Recovered() bool { return s.recovered }

// Connected reports whether the socket is connected.
func (s *Socket) Connected() bool { return !s.closing.Load() }

// Transport returns the current transport of the connection: "polling" or
// "websocket".
func (s *Socket) Transport() string { return s.client.sess.Transport() }

// ConnID returns the id of the underlying Engine.IO connection.
func (s *Socket) ConnID() string { return s.client.sess.ID() }

// Data returns the socket's data value (see SetData).
func (s *Socket) Data() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data
}

// SetData sets the socket's data value: app state for this socket that
// FetchSockets shows to other servers (as JSON) and that connection state
// recovery keeps.
func (s *Socket) SetData(v any) {
	s.mu.Lock()
	s.data = v
	s.mu.Unlock()
	s.observeData()
	s.nsp.adp.DataChanged(s.id)
}

// SetValue stores v under key for the socket's lifetime (disconnect
// handlers included), where [Value] finds it before the handshake's values.
// It is meant for middlewares that attach what they established (a user, a
// tenant) under an unexported key type. Unlike SetData, values are not shown
// to other servers and connection state recovery does not keep them.
func (s *Socket) SetValue(key, v any) {
	s.mu.Lock()
	if s.values == nil {
		s.values = make(map[any]any)
	}
	s.values[key] = v
	s.mu.Unlock()
}

func (s *Socket) value(key any) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.values[key]
	return v, ok
}

// Data returns the socket's data value when it has type T.
func Data[T any](s *Socket) (T, bool) {
	v, ok := s.Data().(T)
	return v, ok
}

// runMiddlewares runs the connect middlewares on s.
func (s *Socket) runMiddlewares(mws []ConnectMiddleware) error {
	h := ConnectHandler(func(*Socket) error { return nil })
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return s.safeConnect(h)
}

// safeConnect runs the connect chain, turning a panic into an error.
func (s *Socket) safeConnect(h ConnectHandler) (err error) {
	defer func() {
		if v := recover(); v != nil {
			perr := &PanicError{Event: "connect", Value: v, Stack: debug.Stack()}
			s.nsp.srv.reportError(s, perr)
			err = errors.New("server error")
		}
	}()
	return h(s)
}

// safeCall runs a handler, reporting a panic instead of crashing.
func (s *Socket) safeCall(event string, fn func()) {
	defer func() {
		if v := recover(); v != nil {
			s.nsp.srv.reportError(s, &PanicError{Event: event, Value: v, Stack: debug.Stack()})
		}
	}()
	fn()
}

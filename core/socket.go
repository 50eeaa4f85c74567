package core

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/parser"
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

func newSocket(n *Namespace, c *client, hs *Handshake, sess *adapter.Session) *Socket {
	s := &Socket{nsp: n, client: c, handshake: hs}
	if sess != nil {
		s.id, s.pid, s.data, s.recovered = sess.SID, sess.PID, sess.Data, true
	} else {
		s.id = randomID()
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

// startClosing marks the socket as disconnecting for reason; it reports
// false when a disconnect was already under way (whose reason stands).
//
// What waits on the socket is released at once rather than in the
// disconnect sequence, which runs on the dispatcher: a handler waiting there
// for its own client's ack (EmitWithAck with the event's context) would
// otherwise hold up the very sequence that ends its wait. The context is
// cancelled and the pending acks fail with ErrDisconnected; no ack is taken
// after that (addAck).
func (s *Socket) startClosing(reason string) bool {
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		return false
	}
	s.reason = reason
	s.closing.Store(true)
	var cancel context.CancelFunc
	if s.ctx != nil {
		cancel = s.ctx.cancel
	}
	acks := s.acks
	s.acks = nil
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	for _, fn := range acks {
		fn(nil)
	}
	return true
}

// Data returns the socket's data value when it has type T.
func Data[T any](s *Socket) (T, bool) {
	v, ok := s.Data().(T)
	return v, ok
}

// Rooms returns the rooms the socket is in, its own id room included.
func (s *Socket) Rooms() []string { return s.nsp.adp.SocketRooms(s.id) }

// Join adds the socket to the rooms.
//
// Once the socket's disconnect began, Join does nothing. It checks under
// s.mu, where the disconnect begins (startClosing) before the socket leaves
// its rooms, so a Join from another goroutine either is done before that
// or does nothing: it cannot put the socket back in a room after it left
// them all.
func (s *Socket) Join(rooms ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Connected() {
		s.nsp.adp.AddAll(s.id, rooms...)
	}
}

// Leave removes the socket from the room.
func (s *Socket) Leave(room string) { s.nsp.adp.Del(s.id, room) }

// On registers the handler of an event, replacing any previous one.
func (s *Socket) On(event string, h EventHandler) {
	s.mu.Lock()
	if i := s.handlerIndexLocked(event); i >= 0 {
		s.handlers[i].h = h
	} else {
		s.handlers = append(s.handlers, eventHandler{event, h})
	}
	s.mu.Unlock()
}

// Off removes the handler of an event.
func (s *Socket) Off(event string) {
	s.mu.Lock()
	if i := s.handlerIndexLocked(event); i >= 0 {
		s.handlers = slices.Delete(s.handlers, i, i+1)
	}
	s.mu.Unlock()
}

// eventHandler is a socket's handler of one event. A socket keeps them in a
// slice: it has a few, and a Go map costs ~250 bytes from its first entry,
// on every connection.
type eventHandler struct {
	event string
	h     EventHandler
}

// handlerLocked returns the handler of event, or nil.
func (s *Socket) handlerLocked(event string) EventHandler {
	if i := s.handlerIndexLocked(event); i >= 0 {
		return s.handlers[i].h
	}
	return nil
}

func (s *Socket) handlerIndexLocked(event string) int {
	for i := range s.handlers {
		if s.handlers[i].event == event {
			return i
		}
	}
	return -1
}

// Use adds event middlewares, run in the order added around every event's
// handler. A middleware that returns an error without calling next stops
// the event (the client gets an error ack when it asked for an ack).
func (s *Socket) Use(mws ...EventMiddleware) {
	s.mu.Lock()
	s.middlewares = append(s.middlewares, mws...)
	s.mu.Unlock()
}

// OnAny registers a listener called with every incoming event, before its
// handler.
func (s *Socket) OnAny(fn func(s *Socket, e *Event)) {
	s.mu.Lock()
	s.onAny = append(s.onAny, fn)
	s.mu.Unlock()
}

// OnAnyOutgoing registers a listener called with every event sent to this
// socket's client: the events emitted to it and every broadcast that reaches
// it, from this server or, through a cluster adapter, from another one (as
// in Node). event and args are the event as sent: an acknowledgement the
// sender waits for is not among args; with connection state recovery an
// event kept for recovery has its offset as last argument, as the client
// sees it. A volatile event is reported even when it is then dropped.
//
// Listeners run synchronously, before the packet is queued, on the goroutine
// that emits or broadcasts (a cluster adapter's receiver for broadcasts from
// other servers), possibly while the namespace's adapter holds other
// broadcasts back: keep them fast, do not modify args, and do not emit or
// broadcast from them (hand that to a goroutine of your own). A listener
// that panics is reported as a *PanicError (Options.OnError) and the event
// is sent all the same.
func (s *Socket) OnAnyOutgoing(fn func(s *Socket, event string, args []any)) {
	s.mu.Lock()
	s.onAnyOut = append(s.onAnyOut, fn)
	s.listensOut.Store(true)
	s.mu.Unlock()
}

// notifyOutgoing calls the outgoing listeners with an event packet about to
// be queued for this socket. Callers check listensOut first, so that a
// socket without listeners pays nothing more.
func (s *Socket) notifyOutgoing(p *parser.Packet) {
	data, ok := p.Data.([]any)
	if !ok || len(data) == 0 {
		return
	}
	event, ok := data[0].(string)
	if !ok {
		return
	}
	args := data[1:len(data):len(data)] // an append by a listener copies
	s.mu.Lock()
	out := s.onAnyOut
	s.mu.Unlock()
	for _, fn := range out {
		s.safeCall(event, func() { fn(s, event, args) })
	}
}

// OnDisconnecting registers a handler called when the socket is about to
// disconnect, while it is still in its rooms.
func (s *Socket) OnDisconnecting(fn func(s *Socket, reason string)) {
	s.mu.Lock()
	s.disconnecting = append(s.disconnecting, fn)
	s.mu.Unlock()
}

// OnDisconnect registers a handler called once the socket disconnected, with
// the reason (one of the Reason constants).
func (s *Socket) OnDisconnect(fn func(s *Socket, reason string)) {
	s.mu.Lock()
	s.disconnect = append(s.disconnect, fn)
	s.mu.Unlock()
}

// reserved are the event names an app may not emit.
var reserved = map[string]bool{
	"connect": true, "connect_error": true, "disconnect": true,
	"disconnecting": true, "newListener": true, "removeListener": true,
}

// Emit sends an event to this socket's client. It returns once the packet is
// queued; it fails when the socket is disconnected or its queue is full.
func (s *Socket) Emit(event string, args ...any) error {
	_, err := s.emit(context.Background(), event, args, false, nil)
	return err
}

// EmitContext is Emit with a context for the server's hooks
// ([Hooks].OnEventOut): pass the event's context ([Event.Context]) from a
// handler, and the send joins the handler's trace. ctx does not bound the
// call, which never waits.
func (s *Socket) EmitContext(ctx context.Context, event string, args ...any) error {
	_, err := s.emit(ctx, event, args, false, nil)
	return err
}

// emit queues an event; with ack it returns the ack id it registered. ctx
// goes to the OnEventOut hook.
func (s *Socket) emit(ctx context.Context, event string, args []any, volatile bool, ack adapter.AckFunc) (uint64, error) {
	if reserved[event] {
		return 0, fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if !s.Connected() {
		return 0, ErrDisconnected
	}
	p := &parser.Packet{Type: parser.Event, Nsp: s.nsp.name, Data: append([]any{event}, args...)}
	if ack != nil {
		p.ID, p.HasID = s.nsp.nextAckID(), true
		if !s.addAck(p.ID, ack) {
			return 0, ErrDisconnected
		}
	}
	var text []byte
	var att [][]byte
	send := func(p *parser.Packet) error {
		// p as it goes out: with recovery, it may carry its offset now.
		if s.listensOut.Load() {
			s.notifyOutgoing(p)
		}
		var err error
		if text, att, err = s.nsp.srv.opts.Parser.Encode(p); err != nil {
			return err
		}
		return s.client.write(text, att, volatile)
	}
	// With recovery on, the adapter gives the event its offset and keeps it.
	if err := s.nsp.adp.EmitToSocket(s.id, p, adapter.BroadcastFlags{Volatile: volatile}, send); err != nil {
		if ack != nil {
			s.takeAck(p.ID)
		}
		return 0, err
	}
	if h := s.nsp.srv.opts.Hooks.OnEventOut; h != nil {
		h(ctx, s.nsp.name, event, encodedSize(text, att), 1)
	}
	return p.ID, nil
}

// EmitWithAck sends an event and waits for the client's acknowledgement,
// until ctx is done. It returns ErrAckTimeout when ctx's deadline passed,
// ErrDisconnected when the socket disconnected first, ErrPendingEventsFull
// when the client sent too much ahead of its ack (see
// Options.MaxPendingEvents). ctx also goes to the server's hooks, as with
// EmitContext.
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) (*Args, error) {
	return s.emitWithAck(ctx, event, args, false)
}

func (s *Socket) emitWithAck(ctx context.Context, event string, args []any, volatile bool) (*Args, error) {
	ch := make(chan *parser.Packet, 1)
	id, err := s.emit(ctx, event, args, volatile, func(p *parser.Packet) {
		select {
		case ch <- p:
		default:
		}
	})
	if err != nil {
		return nil, err
	}
	// The wait lets the connection's reader read on past a full queue of
	// events, to the ack (see Options.MaxPendingEvents).
	stall := s.client.disp.awaitAck()
	defer s.client.disp.ackDone()
	select {
	case p := <-ch:
		return ackResult(p)
	case <-ctx.Done():
		s.takeAck(id)
		return nil, ctxErr(ctx)
	case <-stall:
		if s.takeAck(id) == nil { // taken by the ack or the disconnect meanwhile
			return ackResult(<-ch)
		}
		return nil, ErrPendingEventsFull
	}
}

// ackResult is the outcome of an ack wait that got p (nil: disconnected).
func ackResult(p *parser.Packet) (*Args, error) {
	if p == nil {
		return nil, ErrDisconnected
	}
	return argsOf(p)
}

// ctxErr maps a done context to ErrAckTimeout for deadlines.
func ctxErr(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ErrAckTimeout
	}
	return ctx.Err()
}

// Emitter emits to one socket with flags; get one from Socket.Timeout or
// Socket.Volatile. It is a value and safe for concurrent use.
type Emitter struct {
	s        *Socket
	volatile bool
	timeout  time.Duration
}

// Timeout returns an emitter whose EmitWithAck gives up after d.
func (s *Socket) Timeout(d time.Duration) Emitter { return Emitter{s: s, timeout: d} }

// Volatile returns an emitter whose packets are dropped when the client
// cannot take them right away.
func (s *Socket) Volatile() Emitter { return Emitter{s: s, volatile: true} }

// Timeout returns a copy of e whose EmitWithAck gives up after d.
func (e Emitter) Timeout(d time.Duration) Emitter { e.timeout = d; return e }

// Volatile returns a copy of e whose packets may be dropped.
func (e Emitter) Volatile() Emitter { e.volatile = true; return e }

// Emit sends an event with e's flags.
func (e Emitter) Emit(event string, args ...any) error {
	_, err := e.s.emit(context.Background(), event, args, e.volatile, nil)
	return err
}

// EmitContext sends an event with e's flags and ctx for the server's hooks;
// see [Socket.EmitContext].
func (e Emitter) EmitContext(ctx context.Context, event string, args ...any) error {
	_, err := e.s.emit(ctx, event, args, e.volatile, nil)
	return err
}

// EmitWithAck sends an event and waits for the acknowledgement, at most
// e's timeout (when set) and until ctx is done.
func (e Emitter) EmitWithAck(ctx context.Context, event string, args ...any) (*Args, error) {
	if e.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.timeout)
		defer cancel()
	}
	return e.s.emitWithAck(ctx, event, args, e.volatile)
}

// addAck registers fn for the client's ack id; false once the socket's
// disconnect began (startClosing failed the acks then).
func (s *Socket) addAck(id uint64, fn adapter.AckFunc) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return false
	}
	if s.acks == nil {
		s.acks = make(map[uint64]adapter.AckFunc)
	}
	s.acks[id] = fn
	return true
}

func (s *Socket) takeAck(id uint64) adapter.AckFunc {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn := s.acks[id]
	delete(s.acks, id)
	return fn
}

// onAck delivers a client's acknowledgement. It runs on the connection's
// reader, not on the dispatcher, so handlers can wait for acks.
func (s *Socket) onAck(p *parser.Packet) {
	if !p.HasID {
		return
	}
	if fn := s.takeAck(p.ID); fn != nil {
		fn(p)
	}
}

// deliver queues a packet encoded for a broadcast (adapter.Namespace's
// Deliver): every broadcast delivered to this socket comes here, from this
// server or another, and so reaches the outgoing listeners (OnAnyOutgoing).
func (s *Socket) deliver(p *adapter.EncodedPacket, flags adapter.BroadcastFlags, ack adapter.AckFunc) error {
	if !s.Connected() {
		return ErrDisconnected
	}
	if ack != nil && !s.addAck(p.Packet.ID, ack) {
		return ErrDisconnected
	}
	if s.listensOut.Load() {
		s.notifyOutgoing(p.Packet)
	}
	err := s.client.write(p.Text, p.Attachments, flags.Volatile)
	if err != nil && ack != nil {
		s.takeAck(p.Packet.ID)
	}
	return err
}

// Disconnect disconnects the socket from its namespace: the client gets a
// DISCONNECT packet and the socket's disconnect handlers run with reason
// "server namespace disconnect". With close, the client's other namespaces
// are disconnected too and the connection is closed.
func (s *Socket) Disconnect(close bool) {
	if close {
		s.client.disconnectAll()
		return
	}
	if !s.startClosing(ReasonServerNamespaceDisconnect) {
		return
	}
	_ = s.client.writePacket(&parser.Packet{Type: parser.Disconnect, Nsp: s.nsp.name}, false)
	s.client.disp.push(s.onClose, 0, false)
}

// recoverable are the disconnect reasons after which a socket's state is
// kept for connection state recovery (Node's list).
var recoverable = map[string]bool{
	ReasonTransportError: true, ReasonTransportClose: true, ReasonForcedClose: true,
	ReasonPingTimeout: true, ReasonServerShuttingDown: true,
}

// close starts the socket's disconnect for reason (unless one is under way)
// and queues its disconnect sequence.
func (s *Socket) close(reason string) {
	s.startClosing(reason)
	s.client.disp.push(s.onClose, 0, false)
}

// onClose runs the disconnect sequence once, on the dispatcher, with the
// reason of the first disconnect that started.
func (s *Socket) onClose() {
	if !s.connected.Swap(false) {
		return
	}
	s.mu.Lock()
	reason := s.reason
	disconnecting := s.disconnecting
	s.mu.Unlock()
	for _, fn := range disconnecting {
		s.safeCall("disconnecting", func() { fn(s, reason) })
	}
	if s.nsp.srv.opts.ConnectionStateRecovery != nil && recoverable[reason] {
		s.nsp.adp.PersistSession(&adapter.Session{SID: s.id, PID: s.pid, Rooms: s.Rooms(), Data: s.Data()})
	}
	s.nsp.adp.DelAll(s.id)
	s.nsp.remove(s)
	s.client.detach(s)
	s.mu.Lock()
	disconnect := s.disconnect
	s.mu.Unlock()
	if h := s.nsp.srv.opts.Hooks.OnDisconnect; h != nil {
		h(s, reason)
	}
	for _, fn := range disconnect {
		s.safeCall("disconnect", func() { fn(s, reason) })
	}
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

// To returns an operator that broadcasts to the rooms, leaving this socket
// out.
func (s *Socket) To(rooms ...string) BroadcastOperator {
	return s.Broadcast().To(rooms...)
}

// In is the same as To.
func (s *Socket) In(rooms ...string) BroadcastOperator { return s.To(rooms...) }

// Except returns an operator that broadcasts to every socket of the
// namespace but this one and those in the rooms.
func (s *Socket) Except(rooms ...string) BroadcastOperator {
	return s.Broadcast().Except(rooms...)
}

// Broadcast returns an operator that reaches every socket of the namespace
// except this one.
func (s *Socket) Broadcast() BroadcastOperator {
	return s.nsp.op().Except(s.id)
}

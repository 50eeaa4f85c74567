package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gosio/gosio/core/parser"
)

// Socket is one namespace of a Manager's connection (socket.io-client's
// Socket): it connects to its namespace, emits events and receives them,
// acknowledges and is acknowledged, and reconnects with its manager.
//
// All methods are safe for concurrent use. The socket's handlers (connect,
// disconnect, connect_error, OnAny listeners and event handlers) run one at
// a time, in the order of the packets that caused them, on a goroutine that
// exists only while there is work; handlers of different sockets run
// concurrently. A handler may emit and may wait for an acknowledgement
// (EmitWithAck): acknowledgements do not wait behind handlers. Long work
// belongs in a goroutine of your own: while a socket's handlers lag
// Options.MaxPendingEvents events behind, reading from the server pauses.
type Socket struct {
	m     *Manager
	nsp   string
	opts  SocketOptions
	disp  *dispatcher
	owner bool // Dial made the manager for this socket: Close closes it

	mu         sync.Mutex
	active     bool        // the socket wants to be connected
	connected  bool        // the server accepted the CONNECT
	closed     bool        // the manager closed
	connecting *engineConn // the connection a CONNECT was sent on
	eng        *engineConn // the connection the socket is connected on
	gen        uint64      // counts the connections of the socket
	id         string
	pid        string // the private id, for connection state recovery
	offset     string // the offset of the last event received
	recovered  bool
	lastErr    error
	nextID     uint64
	acks       map[uint64]*pendingAck
	sendBuf    []*outPacket
	recvBuf    []*Event // events that came before the CONNECT answer
	queue      []*retryItem
	waiters    []chan error
	h          socketHandlers
}

type socketHandlers struct {
	events       map[string]EventHandler
	anys         []func(s *Socket, e *Event)
	anyOut       []func(s *Socket, event string, args []any)
	connect      []func(s *Socket)
	disconnect   []func(s *Socket, reason string)
	connectError []func(s *Socket, err error)
}

func newSocket(m *Manager, nsp string, opts SocketOptions) *Socket {
	return &Socket{
		m: m, nsp: nsp, opts: opts,
		disp: newDispatcher(m.o.MaxPendingEvents),
		acks: make(map[uint64]*pendingAck),
		h:    socketHandlers{events: make(map[string]EventHandler)},
	}
}

// Dial connects to the namespace that rawURL's path names ("/" for none)
// on the server at rawURL, with a Manager of its own configured by opts
// (nil for the defaults), and waits until the server accepted the socket:
// it returns what Socket.Connect returns. Close the socket to close its
// manager too.
func Dial(ctx context.Context, rawURL string, opts *Options) (*Socket, error) {
	_, nsp, err := parseServerURL(rawURL)
	if err != nil {
		return nil, err
	}
	m, err := NewManager(rawURL, opts)
	if err != nil {
		return nil, err
	}
	s := m.Socket(nsp, nil)
	s.owner = true
	if err := s.Connect(ctx); err != nil {
		m.Close()
		return nil, err
	}
	return s, nil
}

// ID returns the socket's id on the server, or "" while disconnected.
func (s *Socket) ID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id
}

// Namespace returns the socket's namespace, such as "/" or "/admin".
func (s *Socket) Namespace() string { return s.nsp }

// Manager returns the manager of the socket's connection.
func (s *Socket) Manager() *Manager { return s.m }

// Connected reports whether the socket is connected to its namespace.
func (s *Socket) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected
}

// Active reports whether the socket is connected or trying to be: after
// Connect, until Disconnect, a refusal by the server, a server-side
// disconnect or the end of the reconnection attempts.
func (s *Socket) Active() bool { return s.isActive() }

// Recovered reports whether the last connection restored the socket's
// session (connection state recovery): same id, same rooms, and the
// events missed meanwhile delivered first.
func (s *Socket) Recovered() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recovered
}

func (s *Socket) isActive() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active
}

// On registers the handler of an event, replacing any previous one.
func (s *Socket) On(event string, h EventHandler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.h.events[event] = h
}

// Off removes the handler of an event.
func (s *Socket) Off(event string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.h.events, event)
}

// OnAny registers a listener called with every event received, before the
// event's handler.
func (s *Socket) OnAny(fn func(s *Socket, e *Event)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.h.anys = append(s.h.anys, fn)
}

// OnAnyOutgoing registers a listener called with every event this socket
// sends or buffers, on the goroutine that emits it; it must not emit.
func (s *Socket) OnAnyOutgoing(fn func(s *Socket, event string, args []any)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.h.anyOut = append(s.h.anyOut, fn)
}

// OnConnect registers a handler called each time the server accepts the
// socket: its first connection and every reconnection.
func (s *Socket) OnConnect(fn func(s *Socket)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.h.connect = append(s.h.connect, fn)
}

// OnDisconnect registers a handler called each time the connected socket
// disconnects, with the reason: ReasonIOServerDisconnect,
// ReasonIOClientDisconnect, ReasonPingTimeout, ReasonTransportClose,
// ReasonTransportError or ReasonParseError. The socket reconnects by
// itself after the last four.
func (s *Socket) OnDisconnect(fn func(s *Socket, reason string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.h.disconnect = append(s.h.disconnect, fn)
}

// OnConnectError registers a handler called when a connection attempt of
// the socket fails: with a *ConnectError when the server refused the
// namespace (the socket then gives up), with the connection's error
// otherwise (a *HTTPError, a network error, ErrTimeout; the socket
// retries when reconnection is on).
func (s *Socket) OnConnectError(fn func(s *Socket, err error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.h.connectError = append(s.h.connectError, fn)
}

// Connect connects the socket (opening the manager's connection if need
// be) and waits until the server accepted it. It returns nil at once when
// the socket is connected. It returns a *ConnectError when the server
// refused the namespace, ErrReconnectFailed when the reconnection attempts
// ran out, the connection's error when reconnection is off, ErrClosed once
// the manager closed, ErrDisconnected when Disconnect interrupted it, and
// ctx's error (joined with the last connection error, if any) when ctx
// ended first: then a socket this call made active stops trying.
//
// Once connected, the socket reconnects by itself after a lost connection
// until Disconnect.
func (s *Socket) Connect(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if s.connected {
		s.mu.Unlock()
		return nil
	}
	ch := make(chan error, 1)
	s.waiters = append(s.waiters, ch)
	activated := !s.active
	s.active = true
	s.mu.Unlock()
	if activated {
		e, err := s.m.activate()
		if err != nil {
			s.giveUp(err)
			return err
		}
		if e != nil {
			s.onOpen(e)
		}
	}
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
	}
	s.mu.Lock()
	for i, w := range s.waiters {
		if w == ch {
			s.waiters = append(s.waiters[:i], s.waiters[i+1:]...)
			break
		}
	}
	last := s.lastErr
	s.mu.Unlock()
	select {
	case err := <-ch: // it came meanwhile
		return err
	default:
	}
	if activated {
		s.Disconnect()
	}
	if last != nil {
		return fmt.Errorf("socket.io client: connect: %w (last error: %w)", ctx.Err(), last)
	}
	return ctx.Err()
}

// Disconnect disconnects the socket: the server gets a DISCONNECT packet,
// the disconnect handlers get ReasonIOClientDisconnect, and the socket
// stops reconnecting. The manager closes its connection once no socket
// uses it. Emits made while disconnected are kept for the next Connect, up
// to SendBufferSize. Disconnect on a disconnected socket stops its
// connection attempts.
func (s *Socket) Disconnect() {
	s.disconnect(ErrDisconnected, false)
	s.m.socketInactive()
}

// Close disconnects the socket and, when Dial made its manager, closes the
// manager (see Manager.Close): the way to end a socket from Dial. Close
// always returns nil.
func (s *Socket) Close() error {
	if s.owner {
		return s.m.Close()
	}
	s.Disconnect()
	return nil
}

// disconnect ends the socket from this side; with final (the manager
// closes) it also fails what waits in the buffers.
func (s *Socket) disconnect(waitErr error, final bool) {
	s.mu.Lock()
	was := s.connected
	if s.connected && s.eng != nil {
		if msgs, err := s.m.encode(&parser.Packet{Type: parser.Disconnect, Nsp: s.nsp}); err == nil {
			_ = s.eng.send(msgs, false)
		}
	}
	s.connected, s.active = false, false
	s.id, s.eng, s.connecting = "", nil, nil
	acks := s.takeAcksLocked(final)
	waiters := s.waiters
	s.waiters = nil
	var queue []*retryItem
	if final {
		s.closed = true
		s.sendBuf = nil
		queue = s.queue
		s.queue = nil
	}
	s.mu.Unlock()
	for _, w := range waiters {
		w <- waitErr
	}
	ackErr := ErrDisconnected
	if final {
		ackErr = ErrClosed
	}
	for _, a := range acks {
		a.fn(nil, ackErr)
	}
	for _, it := range queue {
		if it.done != nil {
			it.done(nil, ErrClosed)
		}
	}
	if was {
		s.emitDisconnect(ReasonIOClientDisconnect)
	}
}

// takeAcksLocked removes the pending acks whose packet was sent (all of
// them with all) and stops their timers.
func (s *Socket) takeAcksLocked(all bool) []*pendingAck {
	var out []*pendingAck
	for id, a := range s.acks {
		if a.buffered && !all {
			continue
		}
		delete(s.acks, id)
		if a.timer != nil {
			a.timer.Stop()
		}
		out = append(out, a)
	}
	return out
}

// onOpen sends the socket's CONNECT on a connection that just opened.
func (s *Socket) onOpen(e *engineConn) {
	s.mu.Lock()
	if !s.active || s.connected || s.connecting == e {
		s.mu.Unlock()
		return
	}
	s.connecting = e
	pid, offset := s.pid, s.offset
	s.mu.Unlock()
	auth, err := s.auth(e)
	if err == nil {
		auth, err = connectPayload(auth, pid, offset)
	}
	if err != nil {
		s.connectError(err, true)
		return
	}
	msgs, err := s.m.encode(&parser.Packet{Type: parser.Connect, Nsp: s.nsp, Data: auth})
	if err != nil {
		s.connectError(err, true)
		return
	}
	_ = e.send(msgs, false) // a failure closes the connection: the loop retries
}

// auth returns the CONNECT payload: AuthFunc's result, or Auth.
func (s *Socket) auth(e *engineConn) (any, error) {
	if s.opts.AuthFunc == nil {
		return s.opts.Auth, nil
	}
	ctx, cancel := context.WithTimeout(e.ctx, s.m.o.Timeout)
	defer cancel()
	return s.opts.AuthFunc(ctx)
}

// connectPayload is auth as a JSON object, with the private id and offset
// of connection state recovery added when there is a session to recover.
func connectPayload(auth any, pid, offset string) (any, error) {
	if auth == nil && pid == "" {
		return nil, nil
	}
	obj := map[string]json.RawMessage{}
	if auth != nil {
		b, err := json.Marshal(auth)
		if err != nil {
			return nil, fmt.Errorf("socket.io client: auth: %w", err)
		}
		if err := json.Unmarshal(b, &obj); err != nil || obj == nil {
			return nil, errors.New("socket.io client: auth must marshal to a JSON object")
		}
	}
	if pid != "" {
		if _, ok := obj["pid"]; !ok {
			obj["pid"], _ = json.Marshal(pid)
		}
		if _, ok := obj["offset"]; !ok {
			obj["offset"], _ = json.Marshal(offset)
		}
	}
	return obj, nil
}

// onPacket handles a packet for this namespace; it runs on the
// connection's reader.
func (s *Socket) onPacket(e *engineConn, p *parser.Packet) {
	switch p.Type {
	case parser.Connect:
		s.onConnectPacket(e, p)
	case parser.ConnectError:
		s.onConnectErrorPacket(p)
	case parser.Event, parser.BinaryEvent:
		s.onEventPacket(e, p)
	case parser.Ack, parser.BinaryAck:
		s.onAckPacket(e, p)
	case parser.Disconnect:
		s.onDisconnectPacket(e)
	}
}

var errV2 = errors.New("It seems you are trying to reach a Socket.IO server in v2.x with a v3.x client, but they are not compatible (more information here: https://socket.io/docs/v3/migrating-from-2-x-to-3-0/)")

func (s *Socket) onConnectPacket(e *engineConn, p *parser.Packet) {
	var d struct {
		SID string `json:"sid"`
		PID string `json:"pid"`
	}
	if len(p.Raw) > 0 {
		_ = json.Unmarshal(p.Raw, &d)
	}
	if d.SID == "" {
		s.connectError(errV2, false)
		return
	}
	s.mu.Lock()
	if s.connected || e.isClosing() {
		s.mu.Unlock()
		return // a stale answer: the socket connects on the next connection
	}
	if !s.active || s.closed {
		s.mu.Unlock()
		// The server admitted a socket nobody wants any more.
		if msgs, err := s.m.encode(&parser.Packet{Type: parser.Disconnect, Nsp: s.nsp}); err == nil {
			_ = e.send(msgs, false)
		}
		return
	}
	s.id = d.SID
	s.recovered = d.PID != "" && d.PID == s.pid
	received := s.recvBuf
	s.recvBuf = nil
	s.pid = d.PID
	if s.pid == "" {
		s.offset = ""
	}
	s.connected = true
	s.gen++
	for _, ev := range received {
		if ev.ack != nil {
			ev.ack.gen = s.gen
		}
	}
	s.eng, s.connecting = e, nil
	s.lastErr = nil
	buf := s.sendBuf
	s.sendBuf = nil
	var failed []*pendingAck
	for i, op := range buf {
		err := e.send(op.msgs, false)
		if errors.Is(err, ErrDisconnected) {
			// The connection is going: keep the rest for the next one.
			s.sendBuf = append(s.sendBuf, buf[i:]...)
			break
		}
		if !op.hasID {
			continue
		}
		if a := s.acks[op.id]; a != nil {
			if err != nil {
				delete(s.acks, op.id)
				if a.timer != nil {
					a.timer.Stop()
				}
				a.err = err
				failed = append(failed, a)
			} else {
				a.buffered = false
			}
		}
	}
	waiters := s.waiters
	s.waiters = nil
	hs := slices.Clone(s.h.connect)
	s.mu.Unlock()
	for _, a := range failed {
		a.fn(nil, a.err)
	}
	for _, w := range waiters {
		w <- nil
	}
	// As socket.io-client: the events received before the CONNECT
	// answer, then the connect handlers.
	for _, ev := range received {
		s.disp.push(func() { s.dispatchEvent(ev) }, e.done)
	}
	if len(hs) > 0 {
		s.disp.push(func() {
			for _, fn := range hs {
				s.safeCall("connect", func() { fn(s) })
			}
		}, nil)
	}
	s.drainQueue(true)
}

func (s *Socket) onConnectErrorPacket(p *parser.Packet) {
	ce := &ConnectError{}
	var obj struct {
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	switch {
	case len(p.Raw) > 0 && p.Raw[0] == '"':
		_ = json.Unmarshal(p.Raw, &ce.Message)
	case json.Unmarshal(p.Raw, &obj) == nil:
		ce.Message, ce.Data = obj.Message, obj.Data
	}
	s.connectError(ce, true)
}

// connectError reports a failed connection attempt; final (the server
// refused the namespace, the auth failed) deactivates the socket and ends
// its Connect calls with err.
func (s *Socket) connectError(err error, final bool) {
	s.mu.Lock()
	if !s.active || s.connected {
		s.mu.Unlock()
		return
	}
	s.lastErr = err
	var waiters []chan error
	if final {
		s.active = false
		s.connecting = nil
		waiters = s.waiters
		s.waiters = nil
	}
	hs := slices.Clone(s.h.connectError)
	s.mu.Unlock()
	for _, w := range waiters {
		w <- err
	}
	if len(hs) > 0 {
		s.disp.push(func() {
			for _, fn := range hs {
				s.safeCall("connect_error", func() { fn(s, err) })
			}
		}, nil)
	}
	if final {
		s.m.socketInactive()
	}
}

// giveUp deactivates a socket whose connection attempts ended.
func (s *Socket) giveUp(err error) {
	s.mu.Lock()
	if !s.active || s.connected {
		s.mu.Unlock()
		return
	}
	s.active = false
	s.connecting = nil
	waiters := s.waiters
	s.waiters = nil
	s.mu.Unlock()
	for _, w := range waiters {
		w <- err
	}
}

func (s *Socket) onEventPacket(e *engineConn, p *parser.Packet) {
	ev, err := s.newEvent(p, 0)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.connected && s.eng == e:
		if ev.ack != nil {
			ev.ack.gen = s.gen
		}
	case s.active && s.connecting == e:
		// A recovered session's missed events come before the CONNECT
		// answer (Node sends them so): they are handled once it arrives.
		if len(s.recvBuf) < s.m.o.MaxPendingEvents {
			s.recvBuf = append(s.recvBuf, ev)
		}
		s.trackOffsetLocked(ev)
		return
	default:
		return
	}
	s.trackOffsetLocked(ev)
	s.disp.push(func() { s.dispatchEvent(ev) }, e.done)
}

// trackOffsetLocked remembers the offset of an event for connection state
// recovery: its last argument when that is a string, as socket.io-client
// does.
func (s *Socket) trackOffsetLocked(ev *Event) {
	if s.pid == "" || len(ev.raw) == 0 {
		return
	}
	if last := ev.raw[len(ev.raw)-1]; len(last) > 0 && last[0] == '"' {
		var off string
		if json.Unmarshal(last, &off) == nil {
			s.offset = off
		}
	}
}

func (s *Socket) onAckPacket(e *engineConn, p *parser.Packet) {
	if !p.HasID {
		return
	}
	s.mu.Lock()
	a := s.acks[p.ID]
	if a == nil || a.buffered || s.eng != e {
		s.mu.Unlock()
		return
	}
	delete(s.acks, p.ID)
	if a.timer != nil {
		a.timer.Stop()
	}
	s.mu.Unlock()
	args, err := argsOf(p)
	a.fn(args, err)
}

func (s *Socket) onDisconnectPacket(e *engineConn) {
	s.mu.Lock()
	if !s.connected || s.eng != e {
		s.mu.Unlock()
		return
	}
	s.connected, s.active = false, false
	s.id, s.eng = "", nil
	acks := s.takeAcksLocked(false)
	s.mu.Unlock()
	for _, a := range acks {
		a.fn(nil, ErrDisconnected)
	}
	s.emitDisconnect(ReasonIOServerDisconnect)
	s.m.socketInactive()
}

// onClose handles the end of the manager's connection.
func (s *Socket) onClose(e *engineConn, reason string) {
	s.mu.Lock()
	if s.connecting == e {
		s.connecting = nil
		s.recvBuf = nil
	}
	if !s.connected || s.eng != e {
		s.mu.Unlock()
		return
	}
	s.connected = false
	s.id, s.eng = "", nil
	acks := s.takeAcksLocked(false)
	s.mu.Unlock()
	for _, a := range acks {
		a.fn(nil, ErrDisconnected)
	}
	s.emitDisconnect(reason)
}

func (s *Socket) emitDisconnect(reason string) {
	s.mu.Lock()
	hs := slices.Clone(s.h.disconnect)
	s.mu.Unlock()
	if len(hs) > 0 {
		s.disp.push(func() {
			for _, fn := range hs {
				s.safeCall("disconnect", func() { fn(s, reason) })
			}
		}, nil)
	}
}

// safeCall runs a handler, reporting a panic to Options.OnError.
func (s *Socket) safeCall(event string, fn func()) {
	defer func() {
		if v := recover(); v != nil {
			s.m.reportError(s, &PanicError{Event: event, Value: v, Stack: stack()})
		}
	}()
	fn()
}

// pendingAck is an acknowledgement the socket waits for. fn is called
// once, by whoever removes the ack from Socket.acks.
type pendingAck struct {
	fn       func(args *Args, err error)
	timer    *time.Timer
	buffered bool // its packet waits in sendBuf
	err      error
}

// outPacket is an emit kept while the socket is disconnected.
type outPacket struct {
	msgs  []enginePacket
	id    uint64
	hasID bool
}

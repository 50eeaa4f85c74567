package core

import (
	"context"
	"encoding/json"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/parser"
)

// ConnectHandler admits a socket to a namespace; an error refuses it and
// reaches the client as a connect_error (see [ConnectError]). It runs on the
// connecting socket's goroutine; connects of different sockets run
// concurrently.
type ConnectHandler func(s *Socket) error

// ConnectMiddleware decorates the connect handler of a namespace: it may
// look at the socket's handshake, set its data, and refuse it by returning an
// error instead of calling next. It is called once, when registered; the
// handler it returns runs concurrently for different sockets.
type ConnectMiddleware func(next ConnectHandler) ConnectHandler

// ConnectFunc turns a function into a middleware that runs fn and, when fn
// returns nil, the rest of the chain.
func ConnectFunc(fn func(s *Socket) error) ConnectMiddleware {
	return func(next ConnectHandler) ConnectHandler {
		return func(s *Socket) error {
			if err := fn(s); err != nil {
				return err
			}
			return next(s)
		}
	}
}

// Namespace is a communication channel that multiplexes one connection: each
// client connects to the namespaces it wants, and each namespace has its own
// middlewares, handlers, rooms and broadcasts.
//
// The children of a [ParentNamespace] (dynamic namespaces) are Namespaces
// too, which run their parent's middlewares and handlers before their own.
//
// All methods are safe for concurrent use. Register middlewares and handlers
// before clients connect; later registrations apply to later connections.
type Namespace struct {
	srv  *Server
	name string
	adp  adapter.Adapter
	ids  atomic.Uint64

	mu          sync.RWMutex
	sockets     map[string]*Socket
	middlewares []ConnectMiddleware
	eventMWs    []EventMiddleware
	onConnect   []func(*Socket)
	serverSide  map[string]func(args []any, ack func(args ...any))

	parent *ParentNamespace // for the children of dynamic namespaces
}

func newNamespace(srv *Server, name string) *Namespace {
	n := &Namespace{
		srv:        srv,
		name:       name,
		sockets:    make(map[string]*Socket),
		serverSide: make(map[string]func([]any, func(...any))),
	}
	n.adp = srv.opts.Adapter(nsView{n})
	return n
}

// nsView is the narrow view of a namespace given to its adapter.
type nsView struct{ n *Namespace }

func (v nsView) Name() string { return v.n.name }
func (v nsView) Socket(id string) (adapter.Socket, bool) {
	v.n.mu.RLock()
	s, ok := v.n.sockets[id]
	v.n.mu.RUnlock()
	if !ok {
		return nil, false
	}
	return s, true
}
func (v nsView) Parser() parser.Parser { return v.n.srv.opts.Parser }
func (v nsView) NextAckID() uint64     { return v.n.nextAckID() }

// Deliver hands p to the connected sockets among ids, looked up under one
// read lock and sent outside it, then reports the send to the hooks.
func (v nsView) Deliver(ctx context.Context, ids []adapter.SocketID, p *adapter.EncodedPacket, flags adapter.BroadcastFlags, ack adapter.AckFunc) int {
	sp := sockSlices.Get().(*[]*Socket)
	socks := (*sp)[:0]
	v.n.mu.RLock()
	for _, id := range ids {
		if s, ok := v.n.sockets[id]; ok {
			socks = append(socks, s)
		}
	}
	v.n.mu.RUnlock()
	n := 0
	for _, s := range socks {
		if s.deliver(p, flags, ack) == nil {
			n++
		}
	}
	clear(socks)
	*sp = socks[:0]
	sockSlices.Put(sp)
	v.n.sent(ctx, p, n)
	return n
}

// RecoveryWindow returns the server's MaxDisconnectionDuration, or 0
// without connection state recovery.
func (v nsView) RecoveryWindow() time.Duration {
	if r := v.n.srv.opts.ConnectionStateRecovery; r != nil {
		return r.MaxDisconnectionDuration
	}
	return 0
}

// SocketState describes the live socket id as PersistSession would get it.
func (v nsView) SocketState(id string) (*adapter.SocketState, bool) {
	if v.n.srv.opts.ConnectionStateRecovery == nil {
		return nil, false
	}
	v.n.mu.RLock()
	s, ok := v.n.sockets[id]
	v.n.mu.RUnlock()
	if !ok {
		return nil, false
	}
	return &adapter.SocketState{SID: s.id, PID: s.pid, Rooms: s.Rooms(), Data: s.Data()}, true
}

// sockSlices recycles Deliver's lists of target sockets.
var sockSlices = sync.Pool{New: func() any { return new([]*Socket) }}

func (v nsView) OnServerSideEmit(event string, args []any, ack func(args ...any)) {
	v.n.mu.RLock()
	h := v.n.serverSide[event]
	v.n.mu.RUnlock()
	if h == nil {
		return
	}
	// The arguments come from another process: a handler that does not
	// expect them must not take this one down. The sender of an ack gets
	// no answer (its timeout tells it).
	defer func() {
		if r := recover(); r != nil {
			v.n.srv.reportError(nil, &PanicError{Event: event, Value: r, Stack: debug.Stack()})
		}
	}()
	h(args, ack)
}

func (n *Namespace) nextAckID() uint64 { return n.ids.Add(1) - 1 }

// Name returns the namespace's name, e.g. "/" or "/admin".
func (n *Namespace) Name() string { return n.name }

// Server returns the server the namespace belongs to.
func (n *Namespace) Server() *Server { return n.srv }

// Adapter returns the namespace's rooms and broadcast backend.
func (n *Namespace) Adapter() adapter.Adapter { return n.adp }

// Use adds connect middlewares, run in the order added for every socket that
// connects to the namespace.
func (n *Namespace) Use(mws ...ConnectMiddleware) {
	n.mu.Lock()
	n.middlewares = append(n.middlewares, mws...)
	n.mu.Unlock()
}

// UseEvents adds event middlewares that wrap the events of every socket of
// the namespace — recovered sockets included, which skip the connect
// middlewares — outside the middlewares a socket adds with Socket.Use.
func (n *Namespace) UseEvents(mws ...EventMiddleware) {
	n.mu.Lock()
	n.eventMWs = append(n.eventMWs, mws...)
	n.mu.Unlock()
}

// eventChain returns the namespace-level event middlewares of n, its
// parent's first.
func (n *Namespace) eventChain() []EventMiddleware {
	var mws []EventMiddleware
	if n.parent != nil {
		mws = n.parent.eventChain()
	}
	n.mu.RLock()
	mws = append(mws, n.eventMWs...)
	n.mu.RUnlock()
	return mws
}

// OnConnection registers a handler called for each socket that connects,
// after the middlewares admitted it. Register the socket's event handlers
// there.
func (n *Namespace) OnConnection(fn func(s *Socket)) {
	n.mu.Lock()
	n.onConnect = append(n.onConnect, fn)
	n.mu.Unlock()
}

// OnServerSide registers a handler for events other servers of a cluster
// send with ServerSideEmit. ack is nil when the sender expects no reply. A
// handler that panics is reported as a *PanicError (Options.OnError, with a
// nil socket) and the sender of an ack gets no answer.
func (n *Namespace) OnServerSide(event string, fn func(args []any, ack func(args ...any))) {
	n.mu.Lock()
	n.serverSide[event] = fn
	n.mu.Unlock()
}

// Sockets returns the namespace's local connected sockets.
func (n *Namespace) Sockets() []*Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]*Socket, 0, len(n.sockets))
	for _, s := range n.sockets {
		out = append(out, s)
	}
	return out
}

// Socket returns a local connected socket by id.
func (n *Namespace) Socket(id string) (*Socket, bool) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	s, ok := n.sockets[id]
	return s, ok
}

// chain returns the middlewares and connection handlers for a socket of n:
// a child of a dynamic namespace runs its parent's first.
func (n *Namespace) chain() ([]ConnectMiddleware, []func(*Socket)) {
	var mws []ConnectMiddleware
	var conns []func(*Socket)
	if n.parent != nil {
		mws, conns = n.parent.chain()
	}
	n.mu.RLock()
	mws = append(mws, n.middlewares...)
	conns = append(conns, n.onConnect...)
	n.mu.RUnlock()
	return mws, conns
}

// add admits a new socket of client c, or restores a recovered one. It runs
// on the client's dispatcher.
//
// A client asking for recovery gets its socket back, without the connect
// middlewares unless RunMiddlewares (then they run first, on a provisional
// socket whose values carry over). Restoring, rejoining the rooms, CONNECT
// and the replay of the missed packets happen while the adapter holds its
// broadcasts back, so none is lost or overtakes the replay.
func (n *Namespace) add(c *client, hs *Handshake) {
	rec := n.srv.opts.ConnectionStateRecovery
	pid, offset, recovering := "", "", false
	if rec != nil {
		pid, offset, recovering = recoveryAuth(hs.Auth)
	}
	mws, conns := n.chain()
	var admitted *Socket // a fresh socket the middlewares admitted
	var joined []string  // rooms the middlewares made it join
	if !recovering || rec.RunMiddlewares {
		admitted = newSocket(n, c, hs, nil)
		if err := admitted.runMiddlewares(mws); err != nil {
			n.discard(admitted)
			c.refuse(n.name, err)
			return
		}
		if recovering { // only a recovered socket takes them over
			joined = slices.DeleteFunc(admitted.Rooms(), func(r string) bool { return r == admitted.id })
		}
	}
	var s *Socket
	if recovering {
		_ = n.adp.RestoreSession(pid, offset, func(sess *adapter.SocketState) {
			// A pid whose socket is still connected (its old transport
			// has not timed out yet) cannot be restored twice.
			if _, live := n.Socket(sess.SID); live {
				return
			}
			r := newSocket(n, c, hs, sess)
			if admitted != nil {
				r.values = admitted.values
			}
			if n.connect(c, r, slices.Concat(sess.Rooms, joined)) {
				for _, p := range sess.Missed {
					_ = c.writePacket(p, false)
				}
				s = r
			}
		})
	}
	if s != nil && admitted != nil {
		n.discard(admitted) // recovered: its values and rooms went to s
	}
	if s == nil {
		if admitted == nil {
			admitted = newSocket(n, c, hs, nil)
			if err := admitted.runMiddlewares(mws); err != nil {
				n.discard(admitted)
				c.refuse(n.name, err)
				return
			}
		}
		if !n.connect(c, admitted, nil) {
			n.discard(admitted)
			return
		}
		s = admitted
	}
	// Outside RestoreSession, which holds the adapter's broadcasts back:
	// the hook and the handlers may emit.
	if h := n.srv.opts.Hooks.OnConnect; h != nil {
		h(s)
	}
	s.observeConnect()
	for _, fn := range conns {
		s.safeCall("connection", func() { fn(s) })
	}
}

// discard drops a socket that never connected (refused, replaced by a
// recovered one, or its connection gone): the rooms its middlewares made it
// join are left, and it joins none from now on.
func (n *Namespace) discard(s *Socket) {
	s.startClosing(ReasonServerNamespaceDisconnect)
	n.adp.DelAll(s.id)
}

// connect registers s with its client and namespace, puts it in its own
// room and rooms, and sends CONNECT. It fails when the connection closed
// meanwhile.
func (n *Namespace) connect(c *client, s *Socket, rooms []string) bool {
	if !c.attach(s) {
		return false
	}
	n.mu.Lock()
	n.sockets[s.id] = s
	n.mu.Unlock()
	n.adp.AddAll(s.id, append([]string{s.id}, rooms...)...)
	var connect any // none for Engine.IO 3 clients (eio3.go)
	if !c.isEIO3() {
		m := map[string]string{"sid": s.id}
		if s.pid != "" {
			m["pid"] = s.pid
		}
		connect = m
	}
	_ = c.writePacket(&parser.Packet{Type: parser.Connect, Nsp: n.name, Data: connect}, false)
	return true
}

// recoveryAuth reads the private id and offset a client sends to recover
// its session (socket.io-client ≥ 4.6 puts them in the CONNECT payload).
func recoveryAuth(auth json.RawMessage) (pid, offset string, ok bool) {
	var a struct {
		PID    *string `json:"pid"`
		Offset *string `json:"offset"`
	}
	if json.Unmarshal(auth, &a) != nil || a.PID == nil {
		return "", "", false
	}
	if a.Offset != nil {
		offset = *a.Offset
	}
	return *a.PID, offset, true
}

func (n *Namespace) remove(s *Socket) {
	n.mu.Lock()
	if n.sockets[s.id] == s {
		delete(n.sockets, s.id)
	}
	n.mu.Unlock()
}

// op returns a broadcast operator on the whole namespace.
func (n *Namespace) op() BroadcastOperator { return BroadcastOperator{nsp: n} }

// To selects the sockets in the rooms (chainable; In is the same).
func (n *Namespace) To(rooms ...string) BroadcastOperator { return n.op().To(rooms...) }

// In is the same as To.
func (n *Namespace) In(rooms ...string) BroadcastOperator { return n.op().To(rooms...) }

// Except leaves out the sockets in the rooms.
func (n *Namespace) Except(rooms ...string) BroadcastOperator { return n.op().Except(rooms...) }

// Local restricts the next operation to this server's sockets.
func (n *Namespace) Local() BroadcastOperator { return n.op().Local() }

// Volatile lets the next broadcast be dropped for clients that cannot take
// it right away.
func (n *Namespace) Volatile() BroadcastOperator { return n.op().Volatile() }

// Timeout bounds the wait for acknowledgements of the next broadcast.
func (n *Namespace) Timeout(d time.Duration) BroadcastOperator { return n.op().Timeout(d) }

// Emit broadcasts an event to every socket of the namespace.
func (n *Namespace) Emit(event string, args ...any) error { return n.op().Emit(event, args...) }

// EmitContext broadcasts an event to every socket of the namespace, with a
// context for the server's hooks; see [BroadcastOperator.EmitContext].
func (n *Namespace) EmitContext(ctx context.Context, event string, args ...any) error {
	return n.op().EmitContext(ctx, event, args...)
}

// EmitWithAck broadcasts an event and collects every client's
// acknowledgement; see [BroadcastOperator.EmitWithAck].
func (n *Namespace) EmitWithAck(ctx context.Context, event string, args ...any) ([]*Args, error) {
	return n.op().EmitWithAck(ctx, event, args...)
}

// FetchSockets returns handles on the namespace's sockets, on every server.
func (n *Namespace) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return n.op().FetchSockets(ctx)
}

// SocketsJoin makes every socket of the namespace join the rooms.
func (n *Namespace) SocketsJoin(rooms ...string) error { return n.op().SocketsJoin(rooms...) }

// SocketsLeave makes every socket of the namespace leave the rooms.
func (n *Namespace) SocketsLeave(rooms ...string) error { return n.op().SocketsLeave(rooms...) }

// DisconnectSockets disconnects every socket of the namespace; close also
// closes their connections.
func (n *Namespace) DisconnectSockets(close bool) error { return n.op().DisconnectSockets(close) }

// ServerSideEmit sends an event to the other servers of a cluster (a no-op
// on a single server).
func (n *Namespace) ServerSideEmit(event string, args ...any) error {
	_, err := n.adp.ServerSideEmit(context.Background(), append([]any{event}, args...), false)
	return err
}

// ServerSideEmitWithAck sends an event to the other servers and returns
// their replies (the first argument of each), waiting at most until ctx is
// done.
func (n *Namespace) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]any, error) {
	return n.adp.ServerSideEmit(ctx, append([]any{event}, args...), true)
}

package core

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"
)

// ParentNamespace is the parent of dynamic namespaces, made by
// [Server.OfFunc] or [Server.OfRegexp]. A client that connects to a name
// no static namespace has and that the parent matches gets a child
// [Namespace] of that name, created on first use; the child runs the
// parent's connect middlewares, event middlewares and connection handlers
// before its own.
//
// Broadcasts and bulk operations on the parent act on every child that
// exists on this server, each one across the cluster as the child's own
// would; a child that exists only on other servers is not reached (as with
// Node). A parent has no sockets, rooms or adapter of its own, so what
// needs them does not exist on it: FetchSockets (Node refuses it on a
// parent: the children differ from server to server), OnServerSide and
// ServerSideEmit. Use a child ([Socket.Namespace], [ParentNamespace.Children])
// or a static namespace for those.
//
// All methods are safe for concurrent use. Register middlewares and handlers
// before clients connect; later registrations apply to later connections.
type ParentNamespace struct {
	srv   *Server
	match func(name string, hs *Handshake) bool

	mu          sync.RWMutex
	middlewares []ConnectMiddleware
	eventMWs    []EventMiddleware
	onConnect   []func(*Socket)
	children    map[string]*Namespace
}

// Server returns the server the parent belongs to.
func (p *ParentNamespace) Server() *Server { return p.srv }

// Use adds connect middlewares, run for every socket that connects to a
// child, before the child's own.
func (p *ParentNamespace) Use(mws ...ConnectMiddleware) {
	p.mu.Lock()
	p.middlewares = append(p.middlewares, mws...)
	p.mu.Unlock()
}

// UseEvents adds event middlewares that wrap the events of every socket of
// every child, recovered sockets included, outside the child's own.
func (p *ParentNamespace) UseEvents(mws ...EventMiddleware) {
	p.mu.Lock()
	p.eventMWs = append(p.eventMWs, mws...)
	p.mu.Unlock()
}

// OnConnection registers a handler called for each socket that connects to
// a child, before the child's own handlers; s.Namespace() is the child.
func (p *ParentNamespace) OnConnection(fn func(s *Socket)) {
	p.mu.Lock()
	p.onConnect = append(p.onConnect, fn)
	p.mu.Unlock()
}

// Children returns the child namespaces created so far on this server,
// sorted by name.
func (p *ParentNamespace) Children() []*Namespace {
	p.mu.RLock()
	out := make([]*Namespace, 0, len(p.children))
	for _, c := range p.children {
		out = append(out, c)
	}
	p.mu.RUnlock()
	slices.SortFunc(out, func(a, b *Namespace) int { return cmp.Compare(a.name, b.name) })
	return out
}

// child returns the child namespace name, creating it.
func (p *ParentNamespace) child(name string) *Namespace {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.children[name]; ok {
		return c
	}
	c := newNamespace(p.srv, name)
	c.parent = p
	if p.children == nil {
		p.children = make(map[string]*Namespace)
	}
	p.children[name] = c
	return c
}

// chain returns the parent's connect middlewares and connection handlers.
func (p *ParentNamespace) chain() ([]ConnectMiddleware, []func(*Socket)) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return slices.Clone(p.middlewares), slices.Clone(p.onConnect)
}

// eventChain returns the parent's event middlewares.
func (p *ParentNamespace) eventChain() []EventMiddleware {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return slices.Clone(p.eventMWs)
}

func (p *ParentNamespace) op() ParentBroadcastOperator {
	return ParentBroadcastOperator{BroadcastOperator{parent: p}}
}

// To selects the sockets in the rooms, in every child (chainable; In is the
// same).
func (p *ParentNamespace) To(rooms ...string) ParentBroadcastOperator { return p.op().To(rooms...) }

// In is the same as To.
func (p *ParentNamespace) In(rooms ...string) ParentBroadcastOperator { return p.op().To(rooms...) }

// Except leaves out the sockets in the rooms, in every child.
func (p *ParentNamespace) Except(rooms ...string) ParentBroadcastOperator {
	return p.op().Except(rooms...)
}

// Local restricts the next operation to this server's sockets.
func (p *ParentNamespace) Local() ParentBroadcastOperator { return p.op().Local() }

// Volatile lets the next broadcast be dropped for clients that cannot take
// it right away.
func (p *ParentNamespace) Volatile() ParentBroadcastOperator { return p.op().Volatile() }

// Timeout bounds the wait for acknowledgements of the next broadcast.
func (p *ParentNamespace) Timeout(d time.Duration) ParentBroadcastOperator {
	return p.op().Timeout(d)
}

// Emit broadcasts an event to every socket of every child.
func (p *ParentNamespace) Emit(event string, args ...any) error { return p.op().Emit(event, args...) }

// EmitContext is Emit with a context for the server's hooks; see
// [BroadcastOperator.EmitContext].
func (p *ParentNamespace) EmitContext(ctx context.Context, event string, args ...any) error {
	return p.op().EmitContext(ctx, event, args...)
}

// EmitWithAck broadcasts an event to every socket of every child and
// collects the acknowledgements; see [BroadcastOperator.EmitWithAck].
func (p *ParentNamespace) EmitWithAck(ctx context.Context, event string, args ...any) ([]*Args, error) {
	return p.op().EmitWithAck(ctx, event, args...)
}

// SocketsJoin makes every socket of every child join the rooms (of its
// own namespace).
func (p *ParentNamespace) SocketsJoin(rooms ...string) error { return p.op().SocketsJoin(rooms...) }

// SocketsLeave makes every socket of every child leave the rooms.
func (p *ParentNamespace) SocketsLeave(rooms ...string) error { return p.op().SocketsLeave(rooms...) }

// DisconnectSockets disconnects every socket of every child; close also
// closes their connections.
func (p *ParentNamespace) DisconnectSockets(close bool) error {
	return p.op().DisconnectSockets(close)
}

// ParentBroadcastOperator selects sockets of the children of a
// [ParentNamespace] and acts on all of them: a [BroadcastOperator] applied
// to each child, without FetchSockets (see ParentNamespace). Its methods
// return modified copies, so it is a value that may be reused and shared
// between goroutines.
type ParentBroadcastOperator struct{ b BroadcastOperator }

// To adds rooms to the selection: sockets in any of them are reached.
func (o ParentBroadcastOperator) To(rooms ...string) ParentBroadcastOperator {
	return ParentBroadcastOperator{o.b.To(rooms...)}
}

// In is the same as To.
func (o ParentBroadcastOperator) In(rooms ...string) ParentBroadcastOperator { return o.To(rooms...) }

// Except leaves out the sockets in any of the rooms.
func (o ParentBroadcastOperator) Except(rooms ...string) ParentBroadcastOperator {
	return ParentBroadcastOperator{o.b.Except(rooms...)}
}

// Local restricts the operation to this server's sockets.
func (o ParentBroadcastOperator) Local() ParentBroadcastOperator {
	return ParentBroadcastOperator{o.b.Local()}
}

// Volatile lets the packet be dropped for clients that cannot take it right
// away.
func (o ParentBroadcastOperator) Volatile() ParentBroadcastOperator {
	return ParentBroadcastOperator{o.b.Volatile()}
}

// Compress is kept for Node parity; see [BroadcastOperator.Compress].
func (o ParentBroadcastOperator) Compress(c bool) ParentBroadcastOperator {
	return ParentBroadcastOperator{o.b.Compress(c)}
}

// Timeout bounds the wait of EmitWithAck.
func (o ParentBroadcastOperator) Timeout(d time.Duration) ParentBroadcastOperator {
	return ParentBroadcastOperator{o.b.Timeout(d)}
}

// Emit broadcasts an event to the selected sockets of every child; see
// [BroadcastOperator.Emit].
func (o ParentBroadcastOperator) Emit(event string, args ...any) error {
	return o.b.Emit(event, args...)
}

// EmitContext is Emit with a context for the server's hooks; see
// [BroadcastOperator.EmitContext].
func (o ParentBroadcastOperator) EmitContext(ctx context.Context, event string, args ...any) error {
	return o.b.EmitContext(ctx, event, args...)
}

// EmitWithAck broadcasts an event to the selected sockets of every child and
// waits for their acknowledgements; see [BroadcastOperator.EmitWithAck].
func (o ParentBroadcastOperator) EmitWithAck(ctx context.Context, event string, args ...any) ([]*Args, error) {
	return o.b.EmitWithAck(ctx, event, args...)
}

// SocketsJoin makes the selected sockets join the rooms.
func (o ParentBroadcastOperator) SocketsJoin(rooms ...string) error {
	return o.b.SocketsJoin(rooms...)
}

// SocketsLeave makes the selected sockets leave the rooms.
func (o ParentBroadcastOperator) SocketsLeave(rooms ...string) error {
	return o.b.SocketsLeave(rooms...)
}

// DisconnectSockets disconnects the selected sockets; close also closes
// their connections.
func (o ParentBroadcastOperator) DisconnectSockets(close bool) error {
	return o.b.DisconnectSockets(close)
}

package core

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/parser"
)

// BroadcastOperator selects sockets of a namespace (by rooms, exceptions and
// flags) and acts on all of them at once, on every server of a cluster
// unless Local. Its methods return modified copies, so an operator is a
// value that may be reused and shared between goroutines.
type BroadcastOperator struct {
	nsp    *Namespace
	parent *ParentNamespace // instead of nsp, for a ParentBroadcastOperator
	opts   adapter.BroadcastOptions
}

// targets returns the namespaces the operator acts on: its namespace, or
// its parent's children.
func (b BroadcastOperator) targets() []*Namespace {
	if b.parent != nil {
		return b.parent.Children()
	}
	return []*Namespace{b.nsp}
}

// To adds rooms to the selection: sockets in any of them are reached.
func (b BroadcastOperator) To(rooms ...string) BroadcastOperator {
	b.opts.Rooms = append(slices.Clip(b.opts.Rooms), rooms...)
	return b
}

// In is the same as To.
func (b BroadcastOperator) In(rooms ...string) BroadcastOperator { return b.To(rooms...) }

// Except leaves out the sockets in any of the rooms.
func (b BroadcastOperator) Except(rooms ...string) BroadcastOperator {
	b.opts.Except = append(slices.Clip(b.opts.Except), rooms...)
	return b
}

// Local restricts the operation to this server's sockets.
func (b BroadcastOperator) Local() BroadcastOperator { b.opts.Flags.Local = true; return b }

// Volatile lets the packet be dropped for clients that cannot take it right
// away.
func (b BroadcastOperator) Volatile() BroadcastOperator { b.opts.Flags.Volatile = true; return b }

// Compress is kept for Node parity (carried to other servers); gosio does
// not compress per message.
func (b BroadcastOperator) Compress(c bool) BroadcastOperator { b.opts.Flags.Compress = &c; return b }

// Timeout bounds the wait of EmitWithAck.
func (b BroadcastOperator) Timeout(d time.Duration) BroadcastOperator {
	b.opts.Flags.Timeout = d
	return b
}

// Options returns the selection as adapter options. Nothing in gosio
// calls it; adapters receive the options through the adapter contract.
//
// Deprecated: the selection is plumbing between core and its adapter; it
// will not stay on the user's type.
func (b BroadcastOperator) Options() adapter.BroadcastOptions { return b.opts }

func (b BroadcastOperator) packet(event string, args []any) (*parser.Packet, error) {
	if reserved[event] {
		return nil, fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	data := make([]any, 0, 1+len(args))
	data = append(data, event)
	data = append(data, args...)
	return &parser.Packet{Type: parser.Event, Data: data}, nil
}

// Emit broadcasts an event to the selected sockets. The packet is encoded
// once; every target gets the same bytes.
func (b BroadcastOperator) Emit(event string, args ...any) error {
	return b.EmitContext(context.Background(), event, args...)
}

// EmitContext is Emit with a context for the server's hooks
// ([Hooks].OnEventOut) on this server: pass the event's context
// ([Event.Context]) from a handler, and the broadcast joins the handler's
// trace. ctx does not bound the call and does not travel to other servers.
func (b BroadcastOperator) EmitContext(ctx context.Context, event string, args ...any) error {
	p, err := b.packet(event, args)
	if err != nil {
		return err
	}
	opts := b.opts
	opts.Context = ctx
	for _, n := range b.targets() {
		q := *p
		q.Nsp = n.name
		if err := n.adp.Broadcast(&q, opts); err != nil {
			return err
		}
	}
	return nil
}

// EmitWithAck broadcasts an event and waits for every reached client's
// acknowledgement, until the operator's Timeout or ctx is done. On timeout
// it returns the acknowledgements received so far with ErrAckTimeout. ctx
// also goes to the server's hooks, as with EmitContext.
func (b BroadcastOperator) EmitWithAck(ctx context.Context, event string, args ...any) ([]*Args, error) {
	p, err := b.packet(event, args)
	if err != nil {
		return nil, err
	}
	if d := b.opts.Flags.Timeout; d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	opts := b.opts
	opts.Context = ctx
	var (
		mu       sync.Mutex
		acks     []*Args
		expected int
		servers  int
		done     = make(chan struct{})
		closed   bool
	)
	wantServers := 0
	targets := b.targets()
	for _, n := range targets {
		if b.opts.Flags.Local {
			wantServers++
			continue
		}
		c, err := n.adp.ServerCount(ctx)
		if err != nil {
			return nil, err
		}
		wantServers += c
	}
	check := func() { // mu held
		if !closed && servers >= wantServers && len(acks) >= expected {
			closed = true
			close(done)
		}
	}
	for _, n := range targets {
		q := *p
		q.Nsp = n.name
		err := n.adp.BroadcastWithAck(&q, opts, func(count int) {
			mu.Lock()
			expected += count
			servers++
			check()
			mu.Unlock()
		}, func(ack *parser.Packet) {
			if ack == nil { // the socket disconnected: its ack will never come
				mu.Lock()
				expected--
				check()
				mu.Unlock()
				return
			}
			a, err := argsOf(ack)
			if err != nil {
				return
			}
			mu.Lock()
			acks = append(acks, a)
			check()
			mu.Unlock()
		})
		if err != nil {
			return nil, err
		}
	}
	mu.Lock()
	check()
	mu.Unlock()
	select {
	case <-done:
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(acks), nil
	case <-ctx.Done():
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(acks), ctxErr(ctx)
	}
}

// FetchSockets returns handles on the selected sockets, on every server.
// When some servers did not answer in time it returns the sockets it got
// with the adapter's error.
func (b BroadcastOperator) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	infos, err := b.nsp.adp.FetchSockets(ctx, b.opts)
	var out []*RemoteSocket
	for _, info := range infos {
		out = append(out, &RemoteSocket{nsp: b.nsp, info: info})
	}
	return out, err
}

// SocketsJoin makes the selected sockets join the rooms.
func (b BroadcastOperator) SocketsJoin(rooms ...string) error {
	for _, n := range b.targets() {
		if err := n.adp.AddSockets(b.opts, rooms); err != nil {
			return err
		}
	}
	return nil
}

// SocketsLeave makes the selected sockets leave the rooms.
func (b BroadcastOperator) SocketsLeave(rooms ...string) error {
	for _, n := range b.targets() {
		if err := n.adp.DelSockets(b.opts, rooms); err != nil {
			return err
		}
	}
	return nil
}

// DisconnectSockets disconnects the selected sockets; close also closes
// their connections.
func (b BroadcastOperator) DisconnectSockets(close bool) error {
	for _, n := range b.targets() {
		if err := n.adp.DisconnectSockets(b.opts, close); err != nil {
			return err
		}
	}
	return nil
}

// RemoteSocket is a handle on a socket that may live on another server, as
// returned by FetchSockets. Its methods act through the adapter and are safe
// for concurrent use.
type RemoteSocket struct {
	nsp  *Namespace
	info adapter.SocketInfo
}

// ID returns the socket's id.
func (r *RemoteSocket) ID() string { return r.info.ID }

// Handshake returns the socket's handshake.
func (r *RemoteSocket) Handshake() *Handshake { return r.info.Handshake }

// Rooms returns the socket's rooms when it was fetched.
func (r *RemoteSocket) Rooms() []string { return slices.Clone(r.info.Rooms) }

// Data returns the socket's data: the value itself for a local socket, the
// raw JSON (json.RawMessage) or a generic value for a remote one.
func (r *RemoteSocket) Data() any { return r.info.Data }

// DecodeData decodes the socket's data into v, local or remote alike.
func (r *RemoteSocket) DecodeData(v any) error {
	raw, ok := r.info.Data.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(r.info.Data); err != nil {
			return err
		}
	}
	return json.Unmarshal(raw, v)
}

// Local returns the socket itself when it lives on this server.
func (r *RemoteSocket) Local() (*Socket, bool) {
	if !r.info.Local {
		return nil, false
	}
	return r.nsp.Socket(r.info.ID)
}

func (r *RemoteSocket) op() BroadcastOperator { return r.nsp.op().To(r.info.ID) }

// Emit sends an event to the socket.
func (r *RemoteSocket) Emit(event string, args ...any) error { return r.op().Emit(event, args...) }

// EmitContext is Emit with a context for this server's hooks, as
// [BroadcastOperator.EmitContext].
func (r *RemoteSocket) EmitContext(ctx context.Context, event string, args ...any) error {
	return r.op().EmitContext(ctx, event, args...)
}

// Join makes the socket join the rooms.
func (r *RemoteSocket) Join(rooms ...string) error { return r.op().SocketsJoin(rooms...) }

// Leave makes the socket leave the rooms.
func (r *RemoteSocket) Leave(rooms ...string) error { return r.op().SocketsLeave(rooms...) }

// Disconnect disconnects the socket; close also closes its connection.
func (r *RemoteSocket) Disconnect(close bool) error { return r.op().DisconnectSockets(close) }

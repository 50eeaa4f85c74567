package sioredis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/parser"
)

// Options configure the classic Redis adapter. The zero value gives Node's
// defaults.
// A plain value: fill it in before passing it on; it is not to be changed afterwards.
type Options struct {
	// Key prefixes every channel. Default "socket.io"; it must be the same
	// on every server of the cluster, Node's included.
	Key string
	// RequestsTimeout bounds the wait for other servers' answers to
	// AllRooms, FetchSockets and ServerSideEmit with acks. Default 5 s.
	RequestsTimeout time.Duration
	// PublishOnSpecificResponseChannel publishes answers on the requesting
	// server's own response channel instead of the shared one. Default
	// false, as in Node; set it the same way on every server.
	PublishOnSpecificResponseChannel bool
	// Logger receives the adapter's logs. Default: slog.Default().
	Logger *slog.Logger
	// OnError is called with errors no caller can receive: a lost
	// subscription (wrapping ErrRedisDown), messages that cannot be
	// decoded, answers that cannot be published. It must not block.
	// Default: none (they are logged).
	OnError func(err error)
}

func (o Options) withDefaults() Options {
	if o.Key == "" {
		o.Key = "socket.io"
	}
	if o.RequestsTimeout <= 0 {
		o.RequestsTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Factory returns an adapter factory for core.Options.Adapter: each
// namespace gets an [Adapter] speaking the protocol of Node's
// @socket.io/redis-adapter 8 (createAdapter), so gosio and Node servers can
// share one cluster. opts may be nil.
func Factory(c Client, opts *Options) adapter.Factory {
	var o Options
	if opts != nil {
		o = *opts
	}
	o = o.withDefaults()
	return func(nsp adapter.Namespace) adapter.Adapter { return newAdapter(nsp, c, o) }
}

// Adapter is the classic Redis adapter of one namespace. It keeps the
// namespace's rooms in memory (the embedded *adapter.Memory) and reaches the
// other servers through Redis pub/sub:
//
//   - broadcasts are published on "<key>#<nsp>#" (or "<key>#<nsp>#<room>#"
//     for exactly one room), in MessagePack, and every server delivers them
//     to its own sockets;
//   - requests (all rooms, fetch sockets, join, leave, disconnect,
//     server-side emit, broadcast with acks) go to "<key>-request#<nsp>#",
//     answers to "<key>-response#<nsp>#" (or the requester's own
//     "<key>-response#<nsp>#<uid>#").
//
// The adapter subscribes when it is created and unsubscribes on Close; the
// subscription reconnects by itself after Redis restarts (messages
// published meanwhile are lost, as with Node). All methods are safe for
// concurrent use. Handlers of server-side events run one at a time on a
// goroutine of the adapter, in arrival order.
type Adapter struct {
	*adapter.Memory

	c    Client
	opts Options
	nsp  adapter.Namespace
	uid  string
	loops

	channel         string // <key>#<nsp>#
	requestChannel  string // <key>-request#<nsp>#
	responseChannel string // <key>-response#<nsp>#
	ownChannel      string // <key>-response#<nsp>#<uid>#

	sub      Subscription
	requests requests
}

func newAdapter(nsp adapter.Namespace, c Client, o Options) *Adapter {
	name := nsp.Name()
	a := &Adapter{
		Memory: adapter.NewMemory(nsp, adapter.MemoryOptions{}),
		c:      c,
		opts:   o,
		nsp:    nsp,
		uid:    newID(6),
	}
	a.requests.init()
	a.loops.init(o.Logger.With("nsp", name, "uid", a.uid), o.OnError, nil)
	a.channel = o.Key + "#" + name + "#"
	a.requestChannel = o.Key + "-request#" + name + "#"
	a.responseChannel = o.Key + "-response#" + name + "#"
	a.ownChannel = a.responseChannel + a.uid + "#"
	a.sub = c.Subscribe(SubscribeSpec{
		Channels: []string{a.requestChannel, a.responseChannel, a.ownChannel},
		Patterns: []string{globEscape(a.channel) + "*"},
	}, Listener{
		Message: a.onMessage,
		Down: func(err error) {
			a.report(fmt.Errorf("%w: %w", ErrRedisDown, err))
		},
		Up: func() { a.log.Info("sioredis: Redis subscription restored") },
	})
	return a
}

// globEscape escapes the characters Redis patterns give a meaning to, so
// that a namespace or key holding them matches only itself.
func globEscape(s string) string {
	if !strings.ContainsAny(s, `*?[]\`) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// UID returns the server's id in the cluster (6 characters, like Node's).
func (a *Adapter) UID() string { return a.uid }

// Ready is closed once Redis has confirmed the adapter's subscriptions:
// from then on it receives what other servers publish.
func (a *Adapter) Ready() <-chan struct{} { return a.sub.Ready() }

// WaitReady waits until the adapter of a namespace (as returned by
// Namespace.Adapter) has subscribed, or ctx is done. Adapters that are not
// Redis adapters are always ready.
func WaitReady(ctx context.Context, a adapter.Adapter) error {
	r, ok := a.(interface{ Ready() <-chan struct{} })
	if !ok {
		return nil
	}
	select {
	case <-r.Ready():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// cmdCtx bounds one Redis command by RequestsTimeout.
func (a *Adapter) cmdCtx(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, a.opts.RequestsTimeout)
}

func (a *Adapter) publish(ctx context.Context, channel string, payload []byte) error {
	if a.requests.isClosed() {
		return ErrClosed
	}
	ctx, cancel := a.cmdCtx(ctx)
	defer cancel()
	return a.c.Publish(ctx, channel, payload)
}

// enqueue publishes an answer in the background, in order.
func (a *Adapter) enqueue(channel string, payload []byte) {
	a.background(func() {
		ctx, cancel := a.cmdCtx(context.Background())
		defer cancel()
		if err := a.c.Publish(ctx, channel, payload); err != nil {
			a.report(fmt.Errorf("sioredis: publishing on %s: %w", channel, err))
		}
	})
}

// Broadcast delivers p to the local sockets matching opts and, unless
// opts.Flags.Local, publishes it for the other servers. The publish error,
// if any, is returned after the local delivery.
func (a *Adapter) Broadcast(p *parser.Packet, opts adapter.BroadcastOptions) error {
	q := *p
	q.Nsp = a.nsp.Name()
	var err error
	if !opts.Flags.Local {
		err = a.publishBroadcast(&q, opts)
	}
	if lerr := a.Memory.Broadcast(&q, opts); lerr != nil {
		return lerr
	}
	return err
}

func (a *Adapter) publishBroadcast(p *parser.Packet, opts adapter.BroadcastOptions) error {
	msg, err := encodeBroadcast(a.uid, p, p.Nsp, opts, false)
	if err != nil {
		return err
	}
	return a.publish(context.Background(), broadcastChannel(a.channel, opts.Rooms), msg)
}

// broadcastChannel is the channel of a broadcast: the room's own channel
// when it targets exactly one room.
func broadcastChannel(base string, rooms []string) string {
	if r := uniqueRooms(rooms); len(r) == 1 {
		return base + r[0].(string) + "#"
	}
	return base
}

// BroadcastWithAck delivers p with an ack id to the matching sockets of
// every server. clientCount is called once per server (this one included)
// with the number of sockets reached; ack with each client's reply (other
// servers forward the first argument of each reply). Other servers'
// answers are awaited for opts.Flags.Timeout (RequestsTimeout when zero).
func (a *Adapter) BroadcastWithAck(p *parser.Packet, opts adapter.BroadcastOptions, clientCount func(int), ack adapter.AckFunc) error {
	q := *p
	q.Nsp = a.nsp.Name()
	if !opts.Flags.Local {
		reqID := newID(6)
		msg, err := encodeBroadcastRequest(a.uid, reqID, &q, q.Nsp, opts)
		if err != nil {
			return err
		}
		wait := opts.Flags.Timeout
		if wait <= 0 {
			wait = a.opts.RequestsTimeout
		}
		if err := a.requests.addAck(reqID, clientCount, ack, wait); err != nil {
			return err
		}
		if err := a.publish(context.Background(), a.requestChannel, msg); err != nil {
			a.requests.removeAck(reqID)
			return err
		}
	}
	return a.Memory.BroadcastWithAck(&q, opts, clientCount, ack)
}

// ServerCount returns the number of servers subscribed to the namespace's
// request channel (PUBSUB NUMSUB), Node's included.
func (a *Adapter) ServerCount(ctx context.Context) (int, error) {
	ctx, cancel := a.cmdCtx(ctx)
	defer cancel()
	return a.c.NumSub(ctx, a.requestChannel)
}

// AllRooms returns the rooms of every server.
func (a *Adapter) AllRooms(ctx context.Context) ([]adapter.Room, error) {
	local, _ := a.Memory.AllRooms(ctx)
	n, err := a.ServerCount(ctx)
	if err != nil {
		return local, err
	}
	if n <= 1 {
		return local, nil
	}
	reqID := newID(6)
	p := &pending{typ: typeAllRooms, want: n - 1, rooms: make(map[string]struct{})}
	for _, r := range local {
		p.rooms[r] = struct{}{}
	}
	msg := jsonObject(request(a.uid, reqID, typeAllRooms))
	err = a.requests.ask(ctx, reqID, p, a.opts.RequestsTimeout, a.done, func() error {
		return a.publish(ctx, a.requestChannel, msg)
	})
	return a.requests.rooms(p), err
}

// FetchSockets describes the sockets matching opts on every server.
// Sockets of other servers have Data as raw JSON (json.RawMessage). On
// timeout the error wraps ErrTimeout and the sockets received so far are
// returned with it.
func (a *Adapter) FetchSockets(ctx context.Context, opts adapter.BroadcastOptions) ([]adapter.SocketInfo, error) {
	local, _ := a.Memory.FetchSockets(ctx, opts)
	if opts.Flags.Local {
		return local, nil
	}
	n, err := a.ServerCount(ctx)
	if err != nil {
		return local, err
	}
	if n <= 1 {
		return local, nil
	}
	reqID := newID(6)
	o := request(a.uid, reqID, typeRemoteFetch)
	o.set("opts", optsTree(opts, false))
	p := &pending{typ: typeRemoteFetch, want: n - 1, sockets: local}
	err = a.requests.ask(ctx, reqID, p, a.opts.RequestsTimeout, a.done, func() error {
		return a.publish(ctx, a.requestChannel, jsonObject(o))
	})
	return a.requests.sockets(p), err
}

// AddSockets makes the sockets matching opts join rooms, on every server.
func (a *Adapter) AddSockets(opts adapter.BroadcastOptions, rooms []adapter.Room) error {
	_ = a.Memory.AddSockets(opts, rooms)
	if opts.Flags.Local {
		return nil
	}
	return a.publish(context.Background(), a.requestChannel, roomsRequest(a.uid, typeRemoteJoin, opts, rooms))
}

// DelSockets makes the sockets matching opts leave rooms, on every server.
func (a *Adapter) DelSockets(opts adapter.BroadcastOptions, rooms []adapter.Room) error {
	_ = a.Memory.DelSockets(opts, rooms)
	if opts.Flags.Local {
		return nil
	}
	return a.publish(context.Background(), a.requestChannel, roomsRequest(a.uid, typeRemoteLeave, opts, rooms))
}

// DisconnectSockets disconnects the sockets matching opts, on every server.
func (a *Adapter) DisconnectSockets(opts adapter.BroadcastOptions, close bool) error {
	_ = a.Memory.DisconnectSockets(opts, close)
	if opts.Flags.Local {
		return nil
	}
	return a.publish(context.Background(), a.requestChannel, disconnectRequest(a.uid, opts, close))
}

// ServerSideEmit sends args (the event name first) to the other servers.
// With ack it waits, bounded by ctx and RequestsTimeout, for one reply from
// each other server (the first argument each handler acknowledged with),
// and returns them; on timeout the error wraps ErrTimeout and the replies
// received so far come with it.
func (a *Adapter) ServerSideEmit(ctx context.Context, args []any, ack bool) ([]any, error) {
	if len(args) == 0 {
		return nil, errors.New("sioredis: ServerSideEmit needs an event name")
	}
	if !ack {
		msg, err := serverSideEmitRequest(a.uid, "", args)
		if err != nil {
			return nil, err
		}
		return nil, a.publish(ctx, a.requestChannel, msg)
	}
	n, err := a.ServerCount(ctx)
	if err != nil {
		return nil, err
	}
	if n-1 <= 0 {
		return []any{}, nil
	}
	reqID := newID(6)
	msg, err := serverSideEmitRequest(a.uid, reqID, args)
	if err != nil {
		return nil, err
	}
	p := &pending{typ: typeServerSideEmit, want: n - 1, replies: []any{}}
	err = a.requests.ask(ctx, reqID, p, a.opts.RequestsTimeout, a.done, func() error {
		return a.publish(ctx, a.requestChannel, msg)
	})
	return a.requests.replies(p), err
}

// Close unsubscribes, stops the adapter's goroutines and fails the
// requests still waiting with ErrClosed. It does not close the Redis
// client.
func (a *Adapter) Close() error {
	if !a.requests.close() {
		return nil
	}
	err := a.sub.Close()
	a.loops.stop()
	return err
}

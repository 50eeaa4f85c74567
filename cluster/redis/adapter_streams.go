package sioredis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/parser"
)

// StreamsOptions configure the Redis Streams adapter. The zero value gives
// the defaults of Node's @socket.io/redis-streams-adapter 0.3; StreamName,
// StreamCount, ChannelPrefix, UseShardedPubSub and SessionKeyPrefix must
// be the same on every server of the cluster, Node's included.
// A plain value: fill it in before passing it on; it is not to be changed afterwards.
type StreamsOptions struct {
	// StreamName names the stream. Default "socket.io".
	StreamName string
	// StreamCount spreads the namespaces over that many streams,
	// "<StreamName>-<i>" with i = hash(namespace) % StreamCount, Node's
	// hash and arithmetic: i is negative for some names ("/notifications"
	// with 3 streams gives "socket.io--2"). Node's servers read only the
	// streams 0 to StreamCount-1 and so never get such a namespace's
	// messages (an upstream bug); gosio reads the stream of each of its
	// namespaces, negative or not, so gosio servers do get them, and a
	// mixed cluster should use StreamCount 1 or names whose index is not
	// negative. Default 1.
	StreamCount int
	// ChannelPrefix prefixes the pub/sub channels of the messages that are
	// not kept (broadcasts with acks, fetchSockets, server-side emits,
	// answers): "<prefix>#<nsp>#" and "<prefix>#<nsp>#<uid>#". Default
	// "socket.io"; on a Redis that also carries the classic or sharded
	// adapters' channels, use another prefix.
	ChannelPrefix string
	// UseShardedPubSub publishes those with SPUBLISH and subscribes with
	// SSUBSCRIBE (Redis 7). Default false.
	UseShardedPubSub bool
	// MaxLen caps the stream, approximately (XADD MAXLEN ~). A client can
	// recover only while its offset is still in the stream. Default 10,000.
	MaxLen int64
	// ReadCount is the most entries one XREAD returns. Default 100.
	ReadCount int64
	// BlockTime is how long one XREAD waits for entries. Default 5 s.
	// Close waits up to that long for a blocked read to end.
	BlockTime time.Duration
	// SessionKeyPrefix prefixes the keys of sessions. Default
	// "sio:session:".
	SessionKeyPrefix string
	// OnlyPlaintext writes entries' data in JSON even when it carries
	// binary (Buffers become {"type":"Buffer","data":[…]}). Default false.
	OnlyPlaintext bool
	// RequestsTimeout bounds each Redis command and the wait for other
	// servers' answers. Default 5 s.
	RequestsTimeout time.Duration
	// Logger receives the adapter's logs. Default: slog.Default().
	Logger *slog.Logger
	// OnError: as in [Options]. It must not block.
	OnError func(err error)
}

func (o StreamsOptions) withDefaults() StreamsOptions {
	if o.StreamName == "" {
		o.StreamName = "socket.io"
	}
	if o.StreamCount <= 0 {
		o.StreamCount = 1
	}
	if o.ChannelPrefix == "" {
		o.ChannelPrefix = "socket.io"
	}
	if o.MaxLen <= 0 {
		o.MaxLen = 10000
	}
	if o.ReadCount <= 0 {
		o.ReadCount = 100
	}
	if o.BlockTime <= 0 {
		o.BlockTime = 5 * time.Second
	}
	if o.SessionKeyPrefix == "" {
		o.SessionKeyPrefix = "sio:session:"
	}
	if o.RequestsTimeout <= 0 {
		o.RequestsTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// StreamsFactory returns an adapter factory for core.Options.Adapter whose
// namespaces share one cluster through Redis Streams, wire-compatible with
// Node's @socket.io/redis-streams-adapter 0.3 (createAdapter): each
// namespace gets a [StreamsAdapter]; the namespaces of one factory that
// use the same stream share one reader. c must implement [StreamsClient]
// (the client of [NewGoRedis] does); it panics otherwise. opts may be nil.
func StreamsFactory(c Client, opts *StreamsOptions) adapter.Factory {
	sc, ok := c.(StreamsClient)
	if !ok {
		panic("sioredis: StreamsFactory needs a StreamsClient (stream and key commands)")
	}
	var o StreamsOptions
	if opts != nil {
		o = *opts
	}
	o = o.withDefaults()
	f := &streamsShared{c: sc, opts: o, readers: make(map[string]*streamReader)}
	return func(nsp adapter.Namespace) adapter.Adapter { return newStreams(nsp, f) }
}

// streamsShared is what the adapters of one factory share: the readers.
type streamsShared struct {
	c       StreamsClient
	opts    StreamsOptions
	mu      sync.Mutex
	readers map[string]*streamReader
	users   map[*streamReader]int
}

func (f *streamsShared) join(a *StreamsAdapter) *streamReader {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.readers[a.stream]
	if r == nil {
		r = newStreamReader(f.c, a.stream, f.opts)
		f.readers[a.stream] = r
	}
	r.mu.Lock()
	r.adapters[a.nsp.Name()] = a
	r.mu.Unlock()
	return r
}

func (f *streamsShared) leave(a *StreamsAdapter) {
	f.mu.Lock()
	r := f.readers[a.stream]
	last := false
	if r != nil {
		r.mu.Lock()
		if r.adapters[a.nsp.Name()] == a {
			delete(r.adapters, a.nsp.Name())
		}
		last = len(r.adapters) == 0
		r.mu.Unlock()
		if last {
			delete(f.readers, a.stream)
		}
	}
	f.mu.Unlock()
	if last {
		r.stop()
	}
}

// StreamsAdapter is the Redis Streams adapter of one namespace, Node's
// RedisStreamsAdapter: what must reach every server in order
// (broadcasts, joins, leaves, disconnects) is appended to the namespace's
// stream, which every server reads; requests and answers go through
// pub/sub (MessagePack of Node's ClusterAdapter messages). Servers are
// counted with PUBSUB NUMSUB (SHARDNUMSUB) of "<prefix>#<nsp>#".
//
// Every server, this one included, delivers the stream's broadcasts in
// the stream's order: a broadcast returns once the local sockets have it.
// With connection state recovery on (core.Options.ConnectionStateRecovery)
// each kept packet carries its stream id as offset, emits to one socket go
// through the stream too (as in Node), and the sessions of the sockets are
// kept in Redis from the moment they connect, so that a client recovers
// on any server, even when its server was killed (see PersistSession).
//
// All methods are safe for concurrent use. Handlers of server-side events
// run one at a time on a goroutine of the adapter.
type StreamsAdapter struct {
	*adapter.Memory

	c      StreamsClient
	shared *streamsShared
	opts   StreamsOptions
	nsp    adapter.Namespace
	uid    string
	loops

	stream     string
	channel    string // <prefix>#<nsp>#
	ownChannel string // <prefix>#<nsp>#<uid>#
	reader     *streamReader
	sub        Subscription
	requests   requests
	sessions   liveSessions
	stopTicker chan struct{}
	tickerDone chan struct{}
}

func newStreams(nsp adapter.Namespace, f *streamsShared) *StreamsAdapter {
	o := f.opts
	b := make([]byte, shardedUIDBytes)
	_, _ = rand.Read(b)
	a := &StreamsAdapter{
		Memory: adapter.NewMemory(nsp, adapter.MemoryOptions{}),
		c:      f.c,
		shared: f,
		opts:   o,
		nsp:    nsp,
		uid:    hex.EncodeToString(b),
		stream: streamFor(o.StreamName, o.StreamCount, nsp.Name()),
	}
	a.requests.init()
	a.sessions.init()
	a.channel = o.ChannelPrefix + "#" + nsp.Name() + "#"
	a.ownChannel = a.channel + a.uid + "#"
	a.loops.init(o.Logger.With("nsp", nsp.Name(), "uid", a.uid), o.OnError, a.flushSessions)
	a.sub = f.c.Subscribe(SubscribeSpec{Channels: []string{a.channel, a.ownChannel}, Sharded: o.UseShardedPubSub}, Listener{
		Message: a.onPubSub,
		Down:    func(err error) { a.report(fmt.Errorf("%w: %w", ErrRedisDown, err)) },
		Up:      func() { a.log.Info("sioredis: Redis subscription restored") },
	})
	a.reader = f.join(a)
	a.startRefresh()
	return a
}

// UID returns the server's id in the cluster (16 hex digits, like Node's).
func (a *StreamsAdapter) UID() string { return a.uid }

// Stream returns the name of the namespace's stream.
func (a *StreamsAdapter) Stream() string { return a.stream }

// Ready is closed once Redis has confirmed the adapter's subscriptions and
// the stream's reader knows where it starts.
func (a *StreamsAdapter) Ready() <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		for _, c := range []<-chan struct{}{a.sub.Ready(), a.reader.ready} {
			select {
			case <-c:
			case <-a.done:
				return
			}
		}
	}()
	return ch
}

func (a *StreamsAdapter) recovery() bool { return a.nsp.RecoveryWindow() > 0 }

// publish sends an ephemeral message on channel.
func (a *StreamsAdapter) publish(ctx context.Context, channel string, typ int, data *object) error {
	if a.requests.isClosed() {
		return ErrClosed
	}
	msg, err := ephemeralMessage(typ, data, a.uid, a.nsp.Name())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, a.opts.RequestsTimeout)
	defer cancel()
	if a.opts.UseShardedPubSub {
		return a.c.SPublish(ctx, channel, msg)
	}
	return a.c.Publish(ctx, channel, msg)
}

// respond publishes an answer on the requester's channel, in the
// background and in order.
func (a *StreamsAdapter) respond(requester string, typ int, data *object) {
	ch := a.channel + requester + "#"
	a.background(func() {
		if err := a.publish(context.Background(), ch, typ, data); err != nil && !errors.Is(err, ErrClosed) {
			a.report(fmt.Errorf("sioredis: publishing on %s: %w", ch, err))
		}
	})
}

// append adds a durable message to the stream; own, for a broadcast,
// waits for its local delivery.
func (a *StreamsAdapter) append(typ int, data *object, own *ownEntry) error {
	if a.requests.isClosed() {
		return ErrClosed
	}
	var fields []string
	var err error
	if a.opts.OnlyPlaintext {
		fields = []string{"uid", a.uid, "nsp", a.nsp.Name(), "type", fmt.Sprint(typ), "data", string(jsonObject(data))}
	} else if fields, err = entryFields(a.uid, a.nsp.Name(), typ, data); err != nil {
		return err
	}
	return a.reader.add(context.Background(), fields, own)
}

// Broadcast appends p to the stream, unless opts.Flags.Local, and returns
// once the reader delivered it to the local sockets matching opts (with
// its stream id as offset when recovery is on and p is
// [adapter.Recordable]). When Redis cannot take it, nobody gets it (as
// with Node) and the error says why.
func (a *StreamsAdapter) Broadcast(p *parser.Packet, opts adapter.BroadcastOptions) error {
	q := *p
	q.Nsp = a.nsp.Name()
	if opts.Flags.Local {
		return a.Memory.Broadcast(&q, opts)
	}
	d, err := broadcastData(&q, "", opts)
	if err != nil {
		return err
	}
	return a.append(msgBroadcast, d, &ownEntry{a: a, p: &q, opts: opts, done: make(chan struct{})})
}

// EmitToSocket sends p to the local socket id. With recovery on, a
// [adapter.Recordable] p goes through the stream as a broadcast to the
// socket's own room, as Node does, so that it has an offset and a
// reconnecting client gets it again; deliver runs when the reader reaches
// it.
func (a *StreamsAdapter) EmitToSocket(id adapter.SocketID, p *parser.Packet, flags adapter.BroadcastFlags, deliver func(*parser.Packet) error) error {
	if !a.recovery() || !adapter.Recordable(p, flags) {
		return deliver(p)
	}
	opts := adapter.BroadcastOptions{Rooms: []string{id}, Flags: flags}
	d, err := broadcastData(p, "", opts)
	if err != nil {
		return err
	}
	return a.append(msgBroadcast, d, &ownEntry{a: a, p: p, opts: opts, deliver: deliver, done: make(chan struct{})})
}

// BroadcastWithAck publishes p (pub/sub: acks are not kept) and delivers it
// locally; see [Adapter.BroadcastWithAck].
func (a *StreamsAdapter) BroadcastWithAck(p *parser.Packet, opts adapter.BroadcastOptions, clientCount func(int), ack adapter.AckFunc) error {
	q := *p
	q.Nsp = a.nsp.Name()
	if !opts.Flags.Local {
		reqID := newRequestID()
		d, err := broadcastData(&q, reqID, opts)
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
		if err := a.publish(context.Background(), a.channel, msgBroadcast, d); err != nil {
			a.requests.removeAck(reqID)
			return err
		}
	}
	return a.Memory.BroadcastWithAck(&q, opts, clientCount, ack)
}

// ServerCount returns the number of servers subscribed to the namespace
// channel (PUBSUB NUMSUB, or SHARDNUMSUB), Node's included.
func (a *StreamsAdapter) ServerCount(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, a.opts.RequestsTimeout)
	defer cancel()
	if a.opts.UseShardedPubSub {
		return a.c.ShardNumSub(ctx, a.channel)
	}
	return a.c.NumSub(ctx, a.channel)
}

// FetchSockets describes the sockets matching opts on every server; see
// [Adapter.FetchSockets].
func (a *StreamsAdapter) FetchSockets(ctx context.Context, opts adapter.BroadcastOptions) ([]adapter.SocketInfo, error) {
	local, _ := a.Memory.FetchSockets(ctx, opts)
	if opts.Flags.Local {
		return local, nil
	}
	n, err := a.ServerCount(ctx)
	if err != nil || n <= 1 {
		return local, err
	}
	reqID := newRequestID()
	d := &object{}
	d.set("opts", optsTree(opts, true))
	d.set("requestId", reqID)
	p := &pending{typ: typeRemoteFetch, want: n - 1, sockets: local}
	wait := opts.Flags.Timeout
	if wait <= 0 {
		wait = a.opts.RequestsTimeout
	}
	err = a.requests.ask(ctx, reqID, p, wait, a.done, func() error {
		return a.publish(ctx, a.channel, msgFetchSockets, d)
	})
	return a.requests.sockets(p), err
}

// AddSockets makes the sockets matching opts join rooms, on every server.
func (a *StreamsAdapter) AddSockets(opts adapter.BroadcastOptions, rooms []adapter.Room) error {
	a.addLocal(opts, rooms)
	if opts.Flags.Local {
		return nil
	}
	d := &object{}
	d.set("opts", optsTree(opts, true))
	d.set("rooms", uniqueRooms(rooms))
	return a.append(msgSocketsJoin, d, nil)
}

// DelSockets makes the sockets matching opts leave rooms, on every server.
func (a *StreamsAdapter) DelSockets(opts adapter.BroadcastOptions, rooms []adapter.Room) error {
	a.delLocal(opts, rooms)
	if opts.Flags.Local {
		return nil
	}
	d := &object{}
	d.set("opts", optsTree(opts, true))
	d.set("rooms", uniqueRooms(rooms))
	return a.append(msgSocketsLeave, d, nil)
}

// DisconnectSockets disconnects the sockets matching opts, on every server.
func (a *StreamsAdapter) DisconnectSockets(opts adapter.BroadcastOptions, close bool) error {
	_ = a.Memory.DisconnectSockets(opts, close)
	if opts.Flags.Local {
		return nil
	}
	d := &object{}
	d.set("opts", optsTree(opts, true))
	d.set("close", close)
	return a.append(msgDisconnectSockets, d, nil)
}

// ServerSideEmit: see [Adapter.ServerSideEmit].
func (a *StreamsAdapter) ServerSideEmit(ctx context.Context, args []any, ack bool) ([]any, error) {
	if len(args) == 0 {
		return nil, errors.New("sioredis: ServerSideEmit needs an event name")
	}
	packet, err := toTree(args)
	if err != nil {
		return nil, err
	}
	d := &object{}
	if !ack {
		d.set("packet", packet)
		return nil, a.publish(ctx, a.channel, msgServerSideEmit, d)
	}
	n, err := a.ServerCount(ctx)
	if err != nil {
		return nil, err
	}
	if n-1 <= 0 {
		return []any{}, nil
	}
	reqID := newRequestID()
	d.set("requestId", reqID)
	d.set("packet", packet)
	p := &pending{typ: typeServerSideEmit, want: n - 1, replies: []any{}}
	err = a.requests.ask(ctx, reqID, p, a.opts.RequestsTimeout, a.done, func() error {
		return a.publish(ctx, a.channel, msgServerSideEmit, d)
	})
	return a.requests.replies(p), err
}

// Close unsubscribes, stops reading the stream when no other namespace of
// the factory reads it, and stops the adapter's goroutines. Sessions it
// keeps for live sockets stay in Redis until they expire. It does not
// close the Redis client.
func (a *StreamsAdapter) Close() error {
	if !a.requests.close() {
		return nil
	}
	close(a.stopTicker)
	<-a.tickerDone
	err := a.sub.Close()
	a.shared.leave(a)
	a.loops.stop()
	return err
}

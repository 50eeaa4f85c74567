package sioredis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gosio/gosio/core/adapter"
)

// SubscriptionMode says which channels the sharded adapter uses for
// broadcasts to a single room. Every server of a cluster must use the same
// mode.
// A plain value.
type SubscriptionMode int

const (
	// Dynamic (the default, as in Node) gives each public room its own
	// channel "<prefix>#<nsp>#<room>#", subscribed while the room exists
	// on the server; broadcasts to one public room use it. Rooms named
	// after a socket go through the namespace channel.
	Dynamic SubscriptionMode = iota
	// Static uses only the namespace channel "<prefix>#<nsp>#".
	Static
	// DynamicPrivate is Dynamic for every room, socket rooms included.
	DynamicPrivate
)

// ShardedOptions configure the sharded adapter. The zero value gives
// Node's defaults.
// A plain value: fill it in before passing it on; it is not to be changed afterwards.
type ShardedOptions struct {
	// ChannelPrefix prefixes every channel. Default "socket.io".
	ChannelPrefix string
	// SubscriptionMode: see [SubscriptionMode]. Default Dynamic.
	SubscriptionMode SubscriptionMode
	// RequestsTimeout bounds the wait for other servers' answers to
	// FetchSockets (unless the broadcast flags set a timeout) and
	// ServerSideEmit with acks. Default 5 s.
	RequestsTimeout time.Duration
	// Logger receives the adapter's logs. Default: slog.Default().
	Logger *slog.Logger
	// OnError: as in [Options]. It must not block.
	OnError func(err error)
}

// ShardedFactory returns an adapter factory for Redis 7 sharded pub/sub
// (SSUBSCRIBE/SPUBLISH), compatible with Node's createShardedAdapter from
// @socket.io/redis-adapter 8.2+: each namespace gets a [ShardedAdapter].
// opts may be nil.
func ShardedFactory(c Client, opts *ShardedOptions) adapter.Factory {
	var o ShardedOptions
	if opts != nil {
		o = *opts
	}
	if o.ChannelPrefix == "" {
		o.ChannelPrefix = "socket.io"
	}
	if o.RequestsTimeout <= 0 {
		o.RequestsTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return func(nsp adapter.Namespace) adapter.Adapter { return newSharded(nsp, c, o) }
}

// Message types of Node's ClusterAdapter, which the sharded adapter
// speaks.
const (
	msgBroadcast          = 3
	msgSocketsJoin        = 4
	msgSocketsLeave       = 5
	msgDisconnectSockets  = 6
	msgFetchSockets       = 7
	msgFetchSocketsResp   = 8
	msgServerSideEmit     = 9
	msgServerSideEmitResp = 10
	msgBroadcastClientCnt = 11
	msgBroadcastAck       = 12
	msgAdapterClose       = 13
	shardedUIDBytes       = 8
	socketIDLengthInUTF16 = 20
	shardedRequestIDBytes = 8
)

// ShardedAdapter is the sharded pub/sub adapter of one namespace. Every
// message is {type, data, uid, nsp}, JSON unless it carries binary
// (MessagePack then), published with SPUBLISH on "<prefix>#<nsp>#", on a
// room's own channel (see [SubscriptionMode]) or, for answers, on the
// requester's "<prefix>#<nsp>#<uid>#". Servers are counted with PUBSUB
// SHARDNUMSUB.
//
// Differences from the classic [Adapter], as in Node: AllRooms returns
// this server's rooms only. All methods are safe for concurrent use;
// handlers of server-side events run one at a time on a goroutine of the
// adapter.
type ShardedAdapter struct {
	*adapter.Memory

	c    Client
	opts ShardedOptions
	nsp  adapter.Namespace
	uid  string
	loops

	channel      string // <prefix>#<nsp>#
	ownChannel   string // <prefix>#<nsp>#<uid>#
	sub          Subscription
	requests     requests
	roomsMu      sync.Mutex
	roomMembers  map[string]int  // local members of each room
	roomsDirty   map[string]bool // rooms to sync, and whether each has its own channel
	roomChannels map[string]bool // rooms whose channel is subscribed (touched by syncRooms only)
}

func newSharded(nsp adapter.Namespace, c Client, o ShardedOptions) *ShardedAdapter {
	b := make([]byte, shardedUIDBytes)
	_, _ = rand.Read(b)
	a := &ShardedAdapter{
		Memory:       adapter.NewMemory(nsp, adapter.MemoryOptions{}),
		c:            c,
		opts:         o,
		nsp:          nsp,
		uid:          hex.EncodeToString(b),
		roomMembers:  make(map[string]int),
		roomsDirty:   make(map[string]bool),
		roomChannels: make(map[string]bool),
	}
	a.requests.init()
	a.channel = o.ChannelPrefix + "#" + nsp.Name() + "#"
	a.ownChannel = a.channel + a.uid + "#"
	a.loops.init(o.Logger.With("nsp", nsp.Name(), "uid", a.uid), o.OnError, a.syncRooms)
	a.sub = c.Subscribe(SubscribeSpec{Channels: []string{a.channel, a.ownChannel}, Sharded: true}, Listener{
		Message: a.onRaw,
		Down:    func(err error) { a.report(fmt.Errorf("%w: %w", ErrRedisDown, err)) },
		Up:      func() { a.log.Info("sioredis: Redis subscription restored") },
	})
	return a
}

// UID returns the server's id in the cluster (16 hex digits, like Node's).
func (a *ShardedAdapter) UID() string { return a.uid }

// Ready is closed once Redis has confirmed the adapter's subscriptions.
func (a *ShardedAdapter) Ready() <-chan struct{} { return a.sub.Ready() }

func newRequestID() string {
	b := make([]byte, shardedRequestIDBytes)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// clusterMessage builds {type, data, uid, nsp} and encodes it as Node's
// sharded adapter does: MessagePack when a type that may carry binary does,
// JSON otherwise.
func clusterMessage(typ int, data *object, uid, nsp string) ([]byte, error) {
	m := &object{}
	m.set("type", int64(typ))
	if data != nil {
		m.set("data", data)
	}
	m.set("uid", uid)
	m.set("nsp", nsp)
	switch typ {
	case msgBroadcast, msgBroadcastAck, msgFetchSocketsResp, msgServerSideEmit, msgServerSideEmitResp:
		if treeHasBinary(data) {
			return packTree(m)
		}
	}
	return jsonObject(m), nil
}

// dynamicRoom reports whether room has its own channel in this mode.
func (a *ShardedAdapter) dynamicRoom(room string, private bool) bool {
	switch a.opts.SubscriptionMode {
	case Dynamic:
		return !private
	case DynamicPrivate:
		return true
	}
	return false
}

func (a *ShardedAdapter) publish(ctx context.Context, channel string, typ int, data *object) error {
	msg, err := clusterMessage(typ, data, a.uid, a.nsp.Name())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, a.opts.RequestsTimeout)
	defer cancel()
	return a.c.SPublish(ctx, channel, msg)
}

// respond publishes an answer on the requester's channel, in the
// background and in order.
func (a *ShardedAdapter) respond(requester string, typ int, data *object) {
	msg, err := clusterMessage(typ, data, a.uid, a.nsp.Name())
	if err != nil {
		a.report(fmt.Errorf("sioredis: encoding an answer: %w", err))
		return
	}
	ch := a.channel + requester + "#"
	a.background(func() {
		ctx, cancel := context.WithTimeout(context.Background(), a.opts.RequestsTimeout)
		defer cancel()
		if err := a.c.SPublish(ctx, ch, msg); err != nil {
			a.report(fmt.Errorf("sioredis: publishing on %s: %w", ch, err))
		}
	})
}

// Close unsubscribes (room channels included) and stops the adapter's
// goroutines. It does not close the Redis client.
func (a *ShardedAdapter) Close() error {
	if !a.requests.close() {
		return nil
	}
	err := a.sub.Close()
	a.loops.stop()
	return err
}

package sioredis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/parser"
)

// SubscriptionMode says which channels the sharded adapter uses for
// broadcasts to a single room. Every server of a cluster must use the same
// mode.
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

func broadcastData(p *parser.Packet, reqID string, opts adapter.BroadcastOptions) (*object, error) {
	pkt, err := packetTree(p, "")
	if err != nil {
		return nil, err
	}
	d := &object{}
	d.set("packet", pkt)
	if reqID != "" {
		d.set("requestId", reqID)
	}
	d.set("opts", optsTree(opts, true))
	return d, nil
}

// Broadcast delivers p locally and, unless opts.Flags.Local, publishes it.
func (a *ShardedAdapter) Broadcast(p *parser.Packet, opts adapter.BroadcastOptions) error {
	q := *p
	q.Nsp = a.nsp.Name()
	var err error
	if !opts.Flags.Local {
		var d *object
		if d, err = broadcastData(&q, "", opts); err != nil {
			return err
		}
		ch := a.channel
		if rooms := uniqueRooms(opts.Rooms); len(rooms) == 1 {
			room := rooms[0].(string)
			if a.dynamicRoom(room, len(utf16.Encode([]rune(room))) == socketIDLengthInUTF16) {
				ch = a.channel + room + "#"
			}
		}
		err = a.publish(context.Background(), ch, msgBroadcast, d)
	}
	if lerr := a.Memory.Broadcast(&q, opts); lerr != nil {
		return lerr
	}
	return err
}

// BroadcastWithAck: see [Adapter.BroadcastWithAck].
func (a *ShardedAdapter) BroadcastWithAck(p *parser.Packet, opts adapter.BroadcastOptions, clientCount func(int), ack adapter.AckFunc) error {
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
// channel (PUBSUB SHARDNUMSUB), Node's included.
func (a *ShardedAdapter) ServerCount(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, a.opts.RequestsTimeout)
	defer cancel()
	return a.c.ShardNumSub(ctx, a.channel)
}

// FetchSockets describes the sockets matching opts on every server; see
// [Adapter.FetchSockets].
func (a *ShardedAdapter) FetchSockets(ctx context.Context, opts adapter.BroadcastOptions) ([]adapter.SocketInfo, error) {
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
func (a *ShardedAdapter) AddSockets(opts adapter.BroadcastOptions, rooms []adapter.Room) error {
	a.addLocal(opts, rooms)
	if opts.Flags.Local {
		return nil
	}
	d := &object{}
	d.set("opts", optsTree(opts, true))
	d.set("rooms", uniqueRooms(rooms))
	return a.publish(context.Background(), a.channel, msgSocketsJoin, d)
}

// DelSockets makes the sockets matching opts leave rooms, on every server.
func (a *ShardedAdapter) DelSockets(opts adapter.BroadcastOptions, rooms []adapter.Room) error {
	a.delLocal(opts, rooms)
	if opts.Flags.Local {
		return nil
	}
	d := &object{}
	d.set("opts", optsTree(opts, true))
	d.set("rooms", uniqueRooms(rooms))
	return a.publish(context.Background(), a.channel, msgSocketsLeave, d)
}

// DisconnectSockets disconnects the sockets matching opts, on every server.
func (a *ShardedAdapter) DisconnectSockets(opts adapter.BroadcastOptions, close bool) error {
	_ = a.Memory.DisconnectSockets(opts, close)
	if opts.Flags.Local {
		return nil
	}
	d := &object{}
	d.set("opts", optsTree(opts, true))
	d.set("close", close)
	return a.publish(context.Background(), a.channel, msgDisconnectSockets, d)
}

// ServerSideEmit: see [Adapter.ServerSideEmit].
func (a *ShardedAdapter) ServerSideEmit(ctx context.Context, args []any, ack bool) ([]any, error) {
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

// Room bookkeeping: the local room operations are wrapped so that the
// adapter knows when a room appears or disappears on this server, to
// subscribe to its channel in the dynamic modes.

// AddAll adds the socket to the rooms.
func (a *ShardedAdapter) AddAll(id adapter.SocketID, rooms ...adapter.Room) {
	a.add(id, rooms, false)
}

// add adds the socket to the rooms; with onlyPresent, only if it is still
// in the adapter (joins made on its behalf: it may have disconnected since
// it was picked).
func (a *ShardedAdapter) add(id adapter.SocketID, rooms []adapter.Room, onlyPresent bool) {
	a.roomsMu.Lock()
	had := make(map[string]bool)
	for _, r := range a.Memory.SocketRooms(id) {
		had[r] = true
	}
	if onlyPresent && len(had) == 0 { // a present socket is in its own room
		a.roomsMu.Unlock()
		return
	}
	a.Memory.AddAll(id, rooms...)
	var created []string
	for _, r := range rooms {
		if had[r] {
			continue
		}
		had[r] = true
		a.roomMembers[r]++
		if a.roomMembers[r] == 1 {
			created = append(created, r)
		}
	}
	a.roomsChanged(created, nil, id)
	a.roomsMu.Unlock()
}

// Del removes the socket from the room.
func (a *ShardedAdapter) Del(id adapter.SocketID, room adapter.Room) {
	a.roomsMu.Lock()
	var deleted []string
	for _, r := range a.Memory.SocketRooms(id) {
		if r == room {
			a.Memory.Del(id, room)
			if a.roomMembers[r]--; a.roomMembers[r] <= 0 {
				delete(a.roomMembers, r)
				deleted = append(deleted, r)
			}
			break
		}
	}
	a.roomsChanged(nil, deleted, id)
	a.roomsMu.Unlock()
}

// DelAll removes the socket from every room.
func (a *ShardedAdapter) DelAll(id adapter.SocketID) {
	a.roomsMu.Lock()
	var deleted []string
	for _, r := range a.Memory.SocketRooms(id) {
		if a.roomMembers[r]--; a.roomMembers[r] <= 0 {
			delete(a.roomMembers, r)
			deleted = append(deleted, r)
		}
	}
	a.Memory.DelAll(id)
	a.roomsChanged(nil, deleted, id)
	a.roomsMu.Unlock()
}

func (a *ShardedAdapter) addLocal(opts adapter.BroadcastOptions, rooms []string) {
	for _, id := range a.Memory.Sockets(opts) {
		a.add(id, rooms, true)
	}
}

func (a *ShardedAdapter) delLocal(opts adapter.BroadcastOptions, rooms []string) {
	for _, id := range a.Memory.Sockets(opts) {
		for _, r := range rooms {
			a.Del(id, r)
		}
	}
}

// roomsChanged marks the rooms created or deleted on this server as dirty
// and wakes the publisher for syncRooms (wake never blocks); roomsMu is
// held. A room named after the socket id (its own room) is private.
func (a *ShardedAdapter) roomsChanged(created, deleted []string, id string) {
	if a.opts.SubscriptionMode == Static || len(created)+len(deleted) == 0 {
		return
	}
	for _, r := range created {
		a.roomsDirty[r] = a.dynamicRoom(r, r == id || a.isSocket(r))
	}
	for _, r := range deleted {
		if _, ok := a.roomsDirty[r]; !ok {
			a.roomsDirty[r] = false // no members: its channel goes either way
		}
	}
	a.wake()
}

// syncRooms subscribes the channel of each dirty room that has members
// here and its own channel, and unsubscribes the others' if subscribed.
// It runs on the publisher only, so its decisions reach Redis in the order
// they were taken; it reads the current members, so running it more often
// than needed is harmless.
func (a *ShardedAdapter) syncRooms() {
	var add, remove []string
	a.roomsMu.Lock()
	for r, own := range a.roomsDirty {
		want := own && a.roomMembers[r] > 0
		if want == a.roomChannels[r] {
			continue
		}
		if want {
			a.roomChannels[r] = true
			add = append(add, a.channel+r+"#")
		} else {
			delete(a.roomChannels, r)
			remove = append(remove, a.channel+r+"#")
		}
	}
	clear(a.roomsDirty)
	a.roomsMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), a.opts.RequestsTimeout)
	defer cancel()
	// The subscription keeps the channels it was given, and subscribes
	// them again after a lost connection, even when the call fails. Add
	// waits for Redis to confirm: a round trip, or up to RequestsTimeout
	// on a connection that died silently.
	if len(add) > 0 {
		if err := a.sub.Add(ctx, add...); err != nil && !errors.Is(err, ErrClosed) {
			a.report(fmt.Errorf("sioredis: subscribing room channels: %w", err))
		}
	}
	if len(remove) > 0 {
		if err := a.sub.Remove(ctx, remove...); err != nil && !errors.Is(err, ErrClosed) {
			a.report(fmt.Errorf("sioredis: unsubscribing room channels: %w", err))
		}
	}
}

func (a *ShardedAdapter) isSocket(room string) bool {
	_, ok := a.nsp.Socket(room)
	return ok
}

// Receiving side.

func (a *ShardedAdapter) onRaw(m Message) {
	o, err := decodeObject(m.Payload)
	if err != nil {
		a.report(fmt.Errorf("sioredis: ignoring malformed message on %s: %w", m.Channel, err))
		return
	}
	if m.Channel == a.ownChannel {
		a.onResponse(o)
		return
	}
	a.onMessage(o)
}

func (a *ShardedAdapter) onMessage(o *object) {
	uid := getString(o, "uid")
	if uid == a.uid {
		return
	}
	if nsp, ok := o.get("nsp"); ok && nsp != a.nsp.Name() {
		return
	}
	typ, _ := getInt(o, "type")
	d := getObject(o, "data")
	if d == nil {
		d = &object{}
	}
	reqID := getString(d, "requestId")
	switch typ {
	case msgBroadcast:
		p, _, err := readPacket(getObject(d, "packet"))
		if err != nil {
			a.report(fmt.Errorf("sioredis: ignoring malformed broadcast: %w", err))
			return
		}
		p.Nsp = a.nsp.Name()
		opts := readOpts(getObject(d, "opts"))
		if reqID == "" {
			opts.Flags.Local, opts.Flags.Timeout = true, 0
			if err := a.Memory.Broadcast(p, opts); err != nil {
				a.report(fmt.Errorf("sioredis: delivering a broadcast: %w", err))
			}
			return
		}
		opts.Flags = adapter.BroadcastFlags{Local: true}
		_ = a.Memory.BroadcastWithAck(p, opts, func(n int) {
			r := &object{}
			r.set("requestId", reqID)
			r.set("clientCount", int64(n))
			a.respond(uid, msgBroadcastClientCnt, r)
		}, func(ack *parser.Packet) {
			if ack == nil {
				return
			}
			arg, present, err := firstAckArg(ack)
			if err != nil {
				a.report(fmt.Errorf("sioredis: forwarding an acknowledgement: %w", err))
				return
			}
			r := &object{}
			r.set("requestId", reqID)
			if present {
				r.set("packet", arg)
			}
			a.respond(uid, msgBroadcastAck, r)
		})
	case msgSocketsJoin, msgSocketsLeave:
		opts := readOpts(getObject(d, "opts"))
		rooms, _ := d.get("rooms")
		if typ == msgSocketsJoin {
			a.addLocal(opts, toRooms(rooms))
		} else {
			a.delLocal(opts, toRooms(rooms))
		}
	case msgDisconnectSockets:
		c, _ := d.get("close")
		_ = a.Memory.DisconnectSockets(readOpts(getObject(d, "opts")), c == true)
	case msgFetchSockets:
		opts := readOpts(getObject(d, "opts"))
		opts.Flags = adapter.BroadcastFlags{Local: true}
		infos, _ := a.Memory.FetchSockets(context.Background(), opts)
		socks, err := socketTrees(infos)
		if err != nil {
			a.report(fmt.Errorf("sioredis: encoding sockets for fetchSockets: %w", err))
			return
		}
		r := &object{}
		r.set("requestId", reqID)
		r.set("sockets", socks)
		a.respond(uid, msgFetchSocketsResp, r)
	case msgServerSideEmit:
		pk, _ := d.get("packet")
		arr, ok := fromJSONArgs(pk).([]any)
		if !ok || len(arr) == 0 {
			return
		}
		event, ok := arr[0].(string)
		if !ok {
			return
		}
		var ack func(args ...any)
		if reqID != "" {
			var once sync.Once
			ack = func(args ...any) {
				once.Do(func() {
					r := &object{}
					r.set("requestId", reqID)
					if len(args) > 0 {
						t, err := toTree(args[0])
						if err != nil {
							a.report(fmt.Errorf("sioredis: server-side acknowledgement: %w", err))
							return
						}
						r.set("packet", t)
					}
					a.respond(uid, msgServerSideEmitResp, r)
				})
			}
		}
		a.handle(fmt.Sprintf("server-side event %q", event), func() { a.nsp.OnServerSideEmit(event, arr[1:], ack) })
	case msgFetchSocketsResp, msgServerSideEmitResp, msgBroadcastClientCnt, msgBroadcastAck:
		a.onResponse(o)
	}
}

func (a *ShardedAdapter) onResponse(o *object) {
	typ, _ := getInt(o, "type")
	d := getObject(o, "data")
	if d == nil {
		return
	}
	reqID := getString(d, "requestId")
	switch typ {
	case msgBroadcastClientCnt:
		if n, ok := getInt(d, "clientCount"); ok {
			a.requests.clientCount(reqID, int(n))
		}
	case msgBroadcastAck:
		v, present := d.get("packet")
		a.requests.ack(reqID, ackPacket(v, present))
	case msgFetchSocketsResp:
		sockets, _ := d.get("sockets")
		arr, _ := sockets.([]any)
		var infos []adapter.SocketInfo
		for _, s := range arr {
			if info, ok := readSocketInfo(s); ok {
				infos = append(infos, info)
			}
		}
		a.requests.answer(reqID, func(p *pending) { p.sockets = append(p.sockets, infos...) })
	case msgServerSideEmitResp:
		v, _ := d.get("packet")
		a.requests.answer(reqID, func(p *pending) { p.replies = append(p.replies, fromJSONArgs(v)) })
	}
}

// socketTrees describes sockets as Node's FETCH_SOCKETS_RESPONSE does:
// [{id, handshake, rooms, data}].
func socketTrees(infos []adapter.SocketInfo) ([]any, error) {
	out := make([]any, 0, len(infos))
	for _, s := range infos {
		o := &object{}
		o.set("id", s.ID)
		var hs any = &object{}
		if s.Handshake != nil {
			b, err := json.Marshal(s.Handshake)
			if err != nil {
				return nil, err
			}
			if hs, err = decodeJSONTree(b, nil); err != nil {
				return nil, err
			}
		}
		o.set("handshake", hs)
		o.set("rooms", uniqueRooms(s.Rooms))
		data, err := toTree(s.Data)
		if err != nil {
			return nil, err
		}
		o.set("data", data)
		out = append(out, o)
	}
	return out, nil
}

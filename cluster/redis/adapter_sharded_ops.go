package sioredis

import (
	"context"
	"errors"
	"unicode/utf16"

	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/parser"
)

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

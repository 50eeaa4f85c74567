package sioredis

import (
	"context"
	"fmt"

	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/parser"
)

// The receiving side of the Streams adapter: Node's ClusterAdapter
// messages, from the stream (with their entry id as offset) or from
// pub/sub.

func (a *StreamsAdapter) onPubSub(m Message) {
	o, err := decodeObject(m.Payload)
	if err != nil {
		a.report(fmt.Errorf("sioredis: ignoring malformed message on %s: %w", m.Channel, err))
		return
	}
	a.onMessage(o, "")
}

// onMessage handles another server's message; offset is its stream id, or
// "" for pub/sub. Stream entries come from the reader, under its
// deliverMu, one at a time.
func (a *StreamsAdapter) onMessage(o *object, offset string) {
	if getString(o, "uid") == a.uid {
		return
	}
	a.onEntry(o, offset)
}

// onEntry handles a message, ours included (a broadcast of ours in the
// stream that its sender no longer waits for).
func (a *StreamsAdapter) onEntry(o *object, offset string) {
	uid := getString(o, "uid")
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
			if offset != "" && a.recovery() && adapter.Recordable(p, opts.Flags) {
				p = adapter.WithOffset(p, offset)
			}
			opts.Flags.Local, opts.Flags.Timeout = true, 0
			if err := a.Memory.Broadcast(p, opts); err != nil {
				a.report(fmt.Errorf("sioredis: delivering a broadcast: %w", err))
			}
			return
		}
		a.broadcastWithAckFrom(uid, reqID, p, opts)
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
		socks, err := socketTrees(a.Memory.PeerSockets(context.Background(), opts))
		if err != nil {
			a.report(fmt.Errorf("sioredis: encoding sockets for fetchSockets: %w", err))
			return
		}
		r := &object{}
		r.set("requestId", reqID)
		r.set("sockets", socks)
		a.respond(uid, msgFetchSocketsResp, r)
	case msgServerSideEmit:
		a.serverSideEmitFrom(uid, reqID, d)
	case msgFetchSocketsResp, msgServerSideEmitResp, msgBroadcastClientCnt, msgBroadcastAck:
		a.onResponse(typ, d, reqID)
	case msgSessionTaken:
		a.sessionTaken(getString(d, "sid"))
	}
}

// broadcastWithAckFrom delivers another server's broadcast with acks and
// sends back the client count and each client's first ack argument.
func (a *StreamsAdapter) broadcastWithAckFrom(uid, reqID string, p *parser.Packet, opts adapter.BroadcastOptions) {
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
}

// serverSideEmitFrom runs the namespace's handler on the worker; with a
// requestId, its first ack argument goes back to the requester.
func (a *StreamsAdapter) serverSideEmitFrom(uid, reqID string, d *object) {
	pk, _ := d.get("packet")
	event, args, ok := serverSideEvent(pk)
	if !ok {
		return
	}
	ack := serverSideAck(reqID, a.report, func(arg any, present bool) {
		r := &object{}
		r.set("requestId", reqID)
		if present {
			r.set("packet", arg)
		}
		a.respond(uid, msgServerSideEmitResp, r)
	})
	a.handle(fmt.Sprintf("server-side event %q", event), func() { a.nsp.OnServerSideEmit(event, args, ack) })
}

func (a *StreamsAdapter) onResponse(typ int64, d *object, reqID string) {
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

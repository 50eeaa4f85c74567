package sioredis

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/parser"
)

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
		infos := a.Memory.PeerSockets(context.Background(), opts)
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

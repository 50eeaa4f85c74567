package sioredis

import (
	"context"
	"fmt"
	"strings"

	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/parser"
)

// This file is the receiving side of the classic adapter: broadcasts from
// other servers, their requests, and the answers to ours. It runs on the
// subscription's goroutine; anything that may block (handlers, publishing
// answers) is handed to the adapter's worker and publisher goroutines.

func (a *Adapter) onMessage(m Message) {
	switch {
	case m.Pattern != "":
		a.onBroadcast(m.Channel, m.Payload)
	case m.Channel == a.requestChannel:
		a.onRequest(m.Payload)
	case m.Channel == a.responseChannel || m.Channel == a.ownChannel:
		a.onResponse(m.Payload)
	}
}

func (a *Adapter) malformed(channel string, err error) {
	a.report(fmt.Errorf("sioredis: ignoring malformed message on %s: %w", channel, err))
}

// onBroadcast delivers another server's broadcast to the local sockets.
func (a *Adapter) onBroadcast(channel string, payload []byte) {
	if !strings.HasPrefix(channel, a.channel) {
		return
	}
	v, err := unpackTree(payload)
	if err != nil {
		a.malformed(channel, err)
		return
	}
	arr, ok := v.([]any)
	if !ok || len(arr) < 3 {
		a.malformed(channel, errMalformed)
		return
	}
	if uid, _ := arr[0].(string); uid == a.uid {
		return
	}
	pkt, _ := arr[1].(*object)
	p, nsp, err := readPacket(pkt)
	if err != nil {
		a.malformed(channel, err)
		return
	}
	if nsp != a.nsp.Name() {
		return
	}
	o, _ := arr[2].(*object)
	opts := readOpts(o)
	opts.Flags.Local, opts.Flags.Timeout = true, 0
	if err := a.Memory.Broadcast(p, opts); err != nil {
		a.report(fmt.Errorf("sioredis: delivering a broadcast: %w", err))
	}
}

// respond publishes an answer to a request, on the shared response channel
// or on the requester's own.
func (a *Adapter) respond(requesterUID string, payload []byte) {
	ch := a.responseChannel
	if a.opts.PublishOnSpecificResponseChannel && requesterUID != "" {
		ch = a.responseChannel + requesterUID + "#"
	}
	a.enqueue(ch, payload)
}

func (a *Adapter) onRequest(payload []byte) {
	o, err := decodeObject(payload)
	if err != nil {
		a.malformed(a.requestChannel, err)
		return
	}
	typ, _ := getInt(o, "type")
	uid := getString(o, "uid")
	reqID := getString(o, "requestId")
	if uid == a.uid {
		return // our own request: already applied locally
	}
	ctx := context.Background()
	switch typ {
	case typeSockets:
		rooms, _ := o.get("rooms")
		ids := a.Memory.Sockets(adapter.BroadcastOptions{Rooms: toRooms(rooms)})
		r := &object{}
		r.set("requestId", reqID)
		r.set("sockets", uniqueRooms(ids))
		a.respond(uid, jsonObject(r))

	case typeAllRooms:
		rooms, _ := a.Memory.AllRooms(ctx)
		r := &object{}
		r.set("requestId", reqID)
		r.set("rooms", uniqueRooms(rooms))
		a.respond(uid, jsonObject(r))

	case typeRemoteJoin, typeRemoteLeave, typeRemoteDisconnect:
		if opt := getObject(o, "opts"); opt != nil {
			opts := readOpts(opt)
			opts.Flags = adapter.BroadcastFlags{Local: true}
			rooms, _ := o.get("rooms")
			switch typ {
			case typeRemoteJoin:
				_ = a.Memory.AddSockets(opts, toRooms(rooms))
			case typeRemoteLeave:
				_ = a.Memory.DelSockets(opts, toRooms(rooms))
			default:
				c, _ := o.get("close")
				_ = a.Memory.DisconnectSockets(opts, c == true)
			}
			return
		}
		a.legacySocketRequest(o, typ, uid, reqID)

	case typeRemoteFetch:
		opts := readOpts(getObject(o, "opts"))
		opts.Flags = adapter.BroadcastFlags{Local: true}
		infos := a.Memory.PeerSockets(ctx, opts)
		b, err := socketsResponse(reqID, infos)
		if err != nil {
			a.report(fmt.Errorf("sioredis: encoding sockets for fetchSockets: %w", err))
			return
		}
		a.respond(uid, b)

	case typeServerSideEmit:
		a.onServerSideEmit(o, reqID)

	case typeBroadcast:
		if a.requests.hasAck(reqID) {
			return
		}
		p, _, err := readPacket(getObject(o, "packet"))
		if err != nil {
			a.malformed(a.requestChannel, err)
			return
		}
		p.Nsp = a.nsp.Name()
		opts := readOpts(getObject(o, "opts"))
		opts.Flags = adapter.BroadcastFlags{Local: true} // Node passes no flags here
		err = a.Memory.BroadcastWithAck(p, opts, func(n int) {
			r := &object{}
			r.set("type", int64(typeBroadcastClientCount))
			r.set("requestId", reqID)
			r.set("clientCount", int64(n))
			a.respond(uid, jsonObject(r))
		}, func(ack *parser.Packet) {
			if ack == nil {
				return // the socket went away; the requester times out
			}
			arg, present, err := firstAckArg(ack)
			if err != nil {
				a.report(fmt.Errorf("sioredis: forwarding an acknowledgement: %w", err))
				return
			}
			r := &object{}
			r.set("type", int64(typeBroadcastAck))
			r.set("requestId", reqID)
			if present {
				r.set("packet", arg)
			}
			b, err := packTree(r)
			if err != nil {
				a.report(fmt.Errorf("sioredis: forwarding an acknowledgement: %w", err))
				return
			}
			a.respond(uid, b)
		})
		if err != nil {
			a.report(fmt.Errorf("sioredis: delivering a broadcast with acks: %w", err))
		}
	}
}

// legacySocketRequest answers the join/leave/disconnect requests of old
// Node adapters, which name one socket: {uid, requestId, type, sid, room}.
func (a *Adapter) legacySocketRequest(o *object, typ int64, uid, reqID string) {
	sid := getString(o, "sid")
	s, ok := a.nsp.Socket(sid)
	if !ok {
		return
	}
	switch typ {
	case typeRemoteJoin:
		a.Memory.AddPresent(sid, getString(o, "room"))
	case typeRemoteLeave:
		a.Memory.Del(sid, getString(o, "room"))
	default:
		c, _ := o.get("close")
		s.Disconnect(c == true)
	}
	r := &object{}
	r.set("requestId", reqID)
	a.respond(uid, jsonObject(r))
}

// onServerSideEmit hands another server's event to the namespace, on the
// worker goroutine. With a requestId, the handler's first acknowledgement
// argument is published back, always on the shared response channel (as
// Node does).
func (a *Adapter) onServerSideEmit(o *object, reqID string) {
	d, _ := o.get("data")
	event, args, ok := serverSideEvent(d)
	if !ok {
		a.malformed(a.requestChannel, errMalformed)
		return
	}
	ack := serverSideAck(reqID, a.report, func(arg any, present bool) {
		r := &object{}
		r.set("type", int64(typeServerSideEmit))
		r.set("requestId", reqID)
		if present {
			r.set("data", arg)
		}
		a.enqueue(a.responseChannel, jsonObject(r))
	})
	a.handle(fmt.Sprintf("server-side event %q", event), func() { a.nsp.OnServerSideEmit(event, args, ack) })
}

func (a *Adapter) onResponse(payload []byte) {
	o, err := decodeObject(payload)
	if err != nil {
		a.malformed(a.responseChannel, err)
		return
	}
	reqID := getString(o, "requestId")
	if reqID == "" {
		return
	}
	typ, _ := getInt(o, "type")
	switch typ {
	case typeBroadcastClientCount:
		if n, ok := getInt(o, "clientCount"); ok {
			a.requests.clientCount(reqID, int(n))
		}
		return
	case typeBroadcastAck:
		v, present := o.get("packet")
		a.requests.ack(reqID, ackPacket(v, present))
		return
	}
	a.requests.answer(reqID, func(p *pending) {
		switch p.typ {
		case typeAllRooms:
			rooms, _ := o.get("rooms")
			for _, r := range toRooms(rooms) {
				p.rooms[r] = struct{}{}
			}
		case typeRemoteFetch:
			sockets, _ := o.get("sockets")
			arr, _ := sockets.([]any)
			for _, s := range arr {
				if info, ok := readSocketInfo(s); ok {
					p.sockets = append(p.sockets, info)
				}
			}
		case typeServerSideEmit:
			d, _ := o.get("data")
			p.replies = append(p.replies, fromJSONArgs(d))
		}
	})
}

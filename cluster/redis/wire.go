package sioredis

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/parser"
)

// The message layouts of Node's @socket.io/redis-adapter 8 (classic) and
// @socket.io/redis-emitter 5: see the package documentation for the
// channels. Every builder here writes keys in Node's order so that the bytes
// match what a Node server publishes.

// Request and response types of the classic adapter.
const (
	typeSockets              = 0 // legacy, answered only
	typeAllRooms             = 1
	typeRemoteJoin           = 2
	typeRemoteLeave          = 3
	typeRemoteDisconnect     = 4
	typeRemoteFetch          = 5
	typeServerSideEmit       = 6
	typeBroadcast            = 7 // broadcast with acknowledgements
	typeBroadcastClientCount = 8
	typeBroadcastAck         = 9
)

// emitterUID is the uid Node's emitters put in their messages.
const emitterUID = "emitter"

var errMalformed = errors.New("sioredis: malformed message")

// uniqueRooms returns rooms without duplicates, in order, never nil (Node
// sends [...new Set(rooms)]).
func uniqueRooms(rooms []string) []any {
	out := make([]any, 0, len(rooms))
	seen := make(map[string]struct{}, len(rooms))
	for _, r := range rooms {
		if _, dup := seen[r]; dup {
			continue
		}
		seen[r] = struct{}{}
		out = append(out, r)
	}
	return out
}

// flagsTree holds only the flags that are set, in the order
// volatile, compress, timeout (milliseconds).
func flagsTree(f adapter.BroadcastFlags) *object {
	o := &object{}
	if f.Volatile {
		o.set("volatile", true)
	}
	if f.Compress != nil {
		o.set("compress", *f.Compress)
	}
	if f.Timeout > 0 {
		o.set("timeout", f.Timeout.Milliseconds())
	}
	return o
}

// optsTree is {rooms, except, flags}; without flags when withFlags is
// false (the JSON requests carry no flags).
func optsTree(opts adapter.BroadcastOptions, withFlags bool) *object {
	o := &object{}
	o.set("rooms", uniqueRooms(opts.Rooms))
	o.set("except", uniqueRooms(opts.Except))
	if withFlags {
		o.set("flags", flagsTree(opts.Flags))
	}
	return o
}

// packetTree is the packet as Node passes it between servers, before
// socket.io-parser encoding: {type, data, nsp}.
func packetTree(p *parser.Packet, nsp string) (*object, error) {
	data, err := toTree(p.Data)
	if err != nil {
		return nil, err
	}
	t := p.Type
	if t == parser.BinaryEvent {
		t = parser.Event
	}
	o := &object{}
	o.set("type", int64(t))
	o.set("data", data)
	if nsp != "" {
		o.set("nsp", nsp)
	}
	return o, nil
}

// encodeBroadcast builds a broadcast message: msgpack [uid, packet, opts].
// emitterOrder writes opts as the emitter does, {rooms, flags, except}.
func encodeBroadcast(uid string, p *parser.Packet, nsp string, opts adapter.BroadcastOptions, emitterOrder bool) ([]byte, error) {
	pkt, err := packetTree(p, nsp)
	if err != nil {
		return nil, err
	}
	var o *object
	if emitterOrder {
		o = &object{}
		o.set("rooms", uniqueRooms(opts.Rooms))
		o.set("flags", flagsTree(opts.Flags))
		o.set("except", uniqueRooms(opts.Except))
	} else {
		o = optsTree(opts, true)
	}
	return packTree([]any{uid, pkt, o})
}

// encodeBroadcastRequest builds the BROADCAST (with acks) request:
// msgpack {uid, requestId, type: 7, packet, opts}.
func encodeBroadcastRequest(uid, reqID string, p *parser.Packet, nsp string, opts adapter.BroadcastOptions) ([]byte, error) {
	pkt, err := packetTree(p, nsp)
	if err != nil {
		return nil, err
	}
	o := &object{}
	o.set("uid", uid)
	o.set("requestId", reqID)
	o.set("type", int64(typeBroadcast))
	o.set("packet", pkt)
	o.set("opts", optsTree(opts, true))
	return packTree(o)
}

// jsonObject writes o as JSON.stringify would, Buffers as Node serialises
// them.
func jsonObject(o *object) []byte { return appendJSON(nil, o, true) }

// request starts a JSON request object: {uid, [requestId], type}. uid is
// left out when empty (the emitter's join/leave/disconnect requests).
func request(uid, reqID string, typ int) *object {
	o := &object{}
	if uid != "" {
		o.set("uid", uid)
	}
	if reqID != "" {
		o.set("requestId", reqID)
	}
	o.set("type", int64(typ))
	return o
}

// roomsRequest is REMOTE_JOIN / REMOTE_LEAVE:
// {uid, type, opts: {rooms, except}, rooms}.
func roomsRequest(uid string, typ int, opts adapter.BroadcastOptions, rooms []string) []byte {
	o := request(uid, "", typ)
	o.set("opts", optsTree(opts, false))
	o.set("rooms", uniqueRooms(rooms))
	return jsonObject(o)
}

// disconnectRequest is REMOTE_DISCONNECT: {uid, type: 4, opts, close}.
func disconnectRequest(uid string, opts adapter.BroadcastOptions, close bool) []byte {
	o := request(uid, "", typeRemoteDisconnect)
	o.set("opts", optsTree(opts, false))
	o.set("close", close)
	return jsonObject(o)
}

// serverSideEmitRequest is SERVER_SIDE_EMIT: {uid, [requestId], type: 6,
// data: [event, ...args]}.
func serverSideEmitRequest(uid, reqID string, args []any) ([]byte, error) {
	data, err := toTree(args)
	if err != nil {
		return nil, err
	}
	o := request(uid, reqID, typeServerSideEmit)
	o.set("data", data)
	return jsonObject(o), nil
}

// decodeObject decodes a request or response: JSON when it starts with
// '{', MessagePack otherwise.
func decodeObject(b []byte) (*object, error) {
	if len(b) == 0 {
		return nil, errMalformed
	}
	var v any
	var err error
	if b[0] == '{' {
		v, err = decodeJSONTree(b, nil)
	} else {
		v, err = unpackTree(b)
	}
	if err != nil {
		return nil, err
	}
	o, ok := v.(*object)
	if !ok {
		return nil, errMalformed
	}
	return o, nil
}

// Accessors on decoded trees; they tolerate missing and mistyped fields.

func getString(o *object, k string) string {
	v, _ := o.get(k)
	s, _ := v.(string)
	return s
}

func getInt(o *object, k string) (int64, bool) {
	v, _ := o.get(k)
	return toInt(v)
}

func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case uint64:
		if n <= math.MaxInt64 {
			return int64(n), true
		}
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n), true
		}
	}
	return 0, false
}

func getObject(o *object, k string) *object {
	v, _ := o.get(k)
	obj, _ := v.(*object)
	return obj
}

// toRooms reads an array of room names; numbers are rooms too (Node rooms
// may be numbers), written as JavaScript would print them.
func toRooms(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		switch r := e.(type) {
		case string:
			out = append(out, r)
		case int64, uint64, float64:
			out = append(out, string(appendJSON(nil, r, false)))
		}
	}
	return out
}

// readOpts reads {rooms, except, flags} into BroadcastOptions.
func readOpts(o *object) adapter.BroadcastOptions {
	var opts adapter.BroadcastOptions
	if o == nil {
		return opts
	}
	r, _ := o.get("rooms")
	e, _ := o.get("except")
	opts.Rooms, opts.Except = toRooms(r), toRooms(e)
	if f := getObject(o, "flags"); f != nil {
		if v, _ := f.get("volatile"); v == true {
			opts.Flags.Volatile = true
		}
		if v, ok := f.get("compress"); ok {
			if c, ok := v.(bool); ok {
				opts.Flags.Compress = &c
			}
		}
		if ms, ok := getInt(f, "timeout"); ok && ms > 0 {
			opts.Flags.Timeout = time.Duration(ms) * time.Millisecond
		}
	}
	return opts
}

// readPacket reads a packet tree {type, data, nsp} into a parser packet
// ready for local delivery; nsp defaults to "/".
func readPacket(o *object) (*parser.Packet, string, error) {
	if o == nil {
		return nil, "", errMalformed
	}
	nsp := "/"
	if v, ok := o.get("nsp"); ok {
		s, isStr := v.(string)
		if !isStr {
			return nil, "", errMalformed
		}
		nsp = s
	}
	typ := int64(parser.Event)
	if t, ok := getInt(o, "type"); ok {
		typ = t
	}
	switch parser.PacketType(typ) {
	case parser.Event, parser.BinaryEvent:
	default:
		return nil, "", fmt.Errorf("%w: packet type %d", errMalformed, typ)
	}
	raw, _ := o.get("data")
	arr, ok := raw.([]any)
	if !ok || len(arr) == 0 {
		return nil, "", fmt.Errorf("%w: packet data", errMalformed)
	}
	data := make([]any, len(arr))
	for i, e := range arr {
		data[i] = forDelivery(e)
	}
	return &parser.Packet{Type: parser.Event, Nsp: nsp, Data: data}, nsp, nil
}

// ackPacket turns a forwarded acknowledgement value into the ACK packet a
// local client would have sent: Raw holds [value] (empty when absent),
// with binary placeholders and Attachments.
func ackPacket(v any, present bool) *parser.Packet {
	if !present {
		return &parser.Packet{Type: parser.Ack, HasID: true, Raw: []byte("[]")}
	}
	var atts [][]byte
	raw := appendPlaceholders(append([]byte(nil), '['), v, &atts)
	raw = append(raw, ']')
	return &parser.Packet{Type: parser.Ack, HasID: true, Raw: raw, Attachments: atts}
}

// appendPlaceholders writes a tree as JSON with binary placeholders,
// collecting the attachments.
func appendPlaceholders(b []byte, v any, atts *[][]byte) []byte {
	switch x := v.(type) {
	case []byte:
		b = fmt.Appendf(b, `{"_placeholder":true,"num":%d}`, len(*atts))
		*atts = append(*atts, x)
		return b
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPlaceholders(b, e, atts)
		}
		return append(b, ']')
	case *object:
		b = append(b, '{')
		for i, k := range x.keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSString(b, k)
			b = append(b, ':')
			b = appendPlaceholders(b, x.vals[i], atts)
		}
		return append(b, '}')
	}
	return appendJSON(b, v, false)
}

// firstAckArg returns the first argument of a client's ACK packet as a
// tree (binary in place), and whether there was one.
func firstAckArg(p *parser.Packet) (any, bool, error) {
	if len(p.Raw) == 0 {
		return nil, false, nil
	}
	args, err := parser.SplitArray(p.Raw)
	if err != nil {
		return nil, false, err
	}
	if len(args) == 0 {
		return nil, false, nil
	}
	atts := p.Attachments
	if atts == nil {
		atts = [][]byte{}
	}
	v, err := decodeJSONTree(args[0], atts)
	return v, true, err
}

// fromJSONArgs converts values received through JSON (server-side emit
// arguments and replies) into plain Go values; Node Buffers
// ({"type":"Buffer","data":[...]}) become []byte.
func fromJSONArgs(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = fromJSONArgs(e)
		}
		return out
	case *object:
		if b, ok := nodeBuffer(x); ok {
			return b
		}
		out := make(map[string]any, len(x.keys))
		for i, k := range x.keys {
			out[k] = fromJSONArgs(x.vals[i])
		}
		return out
	case int64:
		return float64(x) // encoding/json's model, as handlers expect
	case uint64:
		return float64(x)
	}
	return v
}

// nodeBuffer recognises JSON.stringify's form of a Buffer.
func nodeBuffer(o *object) ([]byte, bool) {
	if len(o.keys) != 2 || getString(o, "type") != "Buffer" {
		return nil, false
	}
	d, _ := o.get("data")
	arr, ok := d.([]any)
	if !ok {
		return nil, false
	}
	out := make([]byte, len(arr))
	for i, e := range arr {
		n, ok := toInt(e)
		if !ok || n < 0 || n > 255 {
			return nil, false
		}
		out[i] = byte(n)
	}
	return out, true
}

// socketsResponse writes the REMOTE_FETCH answer {requestId, sockets:
// [{id, handshake, rooms, data}]}.
func socketsResponse(reqID string, infos []adapter.SocketInfo) ([]byte, error) {
	b := append([]byte(`{"requestId":`), appendJSString(nil, reqID)...)
	b = append(b, `,"sockets":[`...)
	for i, s := range infos {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = appendJSString(b, s.ID)
		b = append(b, `,"handshake":`...)
		if s.Handshake == nil {
			b = append(b, "{}"...)
		} else {
			hs, err := json.Marshal(s.Handshake)
			if err != nil {
				return nil, err
			}
			b = append(b, hs...)
		}
		b = append(b, `,"rooms":`...)
		b = appendJSON(b, uniqueRooms(s.Rooms), false)
		b = append(b, `,"data":`...)
		switch d := s.Data.(type) {
		case json.RawMessage:
			if len(d) == 0 {
				b = append(b, "null"...)
			} else {
				b = append(b, d...)
			}
		default:
			t, err := toTree(d)
			if err != nil {
				return nil, err
			}
			b = appendJSON(b, t, true)
		}
		b = append(b, '}')
	}
	return append(b, "]}"...), nil
}

// readSocketInfo reads one socket of a REMOTE_FETCH answer.
func readSocketInfo(v any) (adapter.SocketInfo, bool) {
	o, ok := v.(*object)
	if !ok {
		return adapter.SocketInfo{}, false
	}
	info := adapter.SocketInfo{ID: getString(o, "id")}
	if hs := getObject(o, "handshake"); hs != nil {
		var h adapter.Handshake
		if json.Unmarshal(appendJSON(nil, hs, true), &h) == nil {
			info.Handshake = &h
		}
	}
	r, _ := o.get("rooms")
	info.Rooms = toRooms(r)
	if d, ok := o.get("data"); ok {
		info.Data = json.RawMessage(appendJSON(nil, d, true))
	}
	return info, info.ID != ""
}

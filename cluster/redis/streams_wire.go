package sioredis

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/gosio/gosio/core/adapter"
)

// The formats of Node's @socket.io/redis-streams-adapter 0.3: stream names,
// stream entries, pub/sub bodies and session values.

// streamHash is Node's hashCode: h = h*31 + unit over the UTF-16 code
// units of s, wrapping at 32 bits (JavaScript's h |= 0). It can be
// negative.
func streamHash(s string) int32 {
	var h int32
	for _, u := range utf16.Encode([]rune(s)) {
		h = h*31 + int32(u)
	}
	return h
}

// streamFor returns the stream of namespace nsp: name alone with one
// stream, else name + "-" + hash % count. Go's % truncates toward zero as
// JavaScript's does, so a negative hash gives a negative index
// ("/notifications" with 3 streams → "socket.io--2") exactly as Node
// computes it; see StreamsOptions.StreamCount.
func streamFor(name string, count int, nsp string) string {
	if count <= 1 {
		return name
	}
	return name + "-" + strconv.Itoa(int(streamHash(nsp)%int32(count)))
}

// mayCarryBinary lists the message types whose data Node encodes in
// MessagePack (then base64) when it holds binary.
func mayCarryBinary(typ int) bool {
	switch typ {
	case msgBroadcast, msgFetchSocketsResp, msgServerSideEmit, msgServerSideEmitResp, msgBroadcastAck:
		return true
	}
	return false
}

// entryFields are the fields of a stream entry, in Node's order: uid, nsp,
// type (a decimal string), data (JSON, or base64 MessagePack when it
// carries binary); data is left out when nil.
func entryFields(uid, nsp string, typ int, data *object) ([]string, error) {
	f := []string{"uid", uid, "nsp", nsp, "type", strconv.Itoa(typ)}
	if data == nil {
		return f, nil
	}
	if mayCarryBinary(typ) && treeHasBinary(data) {
		b, err := packTree(data)
		if err != nil {
			return nil, err
		}
		return append(f, "data", base64.StdEncoding.EncodeToString(b)), nil
	}
	return append(f, "data", string(jsonObject(data))), nil
}

// decodeEntry reads a stream entry into a message {type, data, uid, nsp}.
func decodeEntry(fields map[string]string) (*object, error) {
	typ, err := strconv.Atoi(fields["type"])
	if err != nil {
		return nil, errMalformed
	}
	m := &object{}
	m.set("type", int64(typ))
	if d := fields["data"]; d != "" {
		var v any
		if strings.HasPrefix(d, "{") {
			v, err = decodeJSONTree([]byte(d), nil)
		} else {
			var b []byte
			if b, err = base64.StdEncoding.DecodeString(d); err == nil {
				v, err = unpackTree(b)
			}
		}
		if err != nil {
			return nil, err
		}
		m.set("data", v)
	}
	m.set("uid", fields["uid"])
	m.set("nsp", fields["nsp"])
	return m, nil
}

// ephemeralMessage is a pub/sub body: MessagePack of {type, data, uid,
// nsp}, always (Node's streams adapter encodes them so).
func ephemeralMessage(typ int, data *object, uid, nsp string) ([]byte, error) {
	m := &object{}
	m.set("type", int64(typ))
	if data != nil {
		m.set("data", data)
	}
	m.set("uid", uid)
	m.set("nsp", nsp)
	return packTree(m)
}

// encodeSession is a session value: base64 of MessagePack {sid, pid,
// rooms, data}.
func encodeSession(s *adapter.SocketState) (string, error) {
	data, err := toTree(s.Data)
	if err != nil {
		return "", err
	}
	o := &object{}
	o.set("sid", s.SID)
	o.set("pid", s.PID)
	o.set("rooms", uniqueRooms(s.Rooms))
	o.set("data", data)
	b, err := packTree(o)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// decodeSession reads a session value; Data comes back as generic values.
func decodeSession(v string) (*adapter.SocketState, error) {
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil, err
	}
	t, err := unpackTree(b)
	if err != nil {
		return nil, err
	}
	o, ok := t.(*object)
	if !ok {
		return nil, errMalformed
	}
	rooms, _ := o.get("rooms")
	data, _ := o.get("data")
	s := &adapter.SocketState{SID: getString(o, "sid"), PID: getString(o, "pid"), Rooms: toRooms(rooms), Data: toGeneric(data)}
	if s.SID == "" || s.PID == "" {
		return nil, errMalformed
	}
	return s, nil
}

// streamID is a parsed stream entry id, "<ms>-<seq>".
type streamID struct{ ms, seq uint64 }

var errStreamID = errors.New("sioredis: not a stream id")

func parseStreamID(s string) (streamID, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return streamID{}, errStreamID
	}
	ms, err1 := strconv.ParseUint(a, 10, 64)
	seq, err2 := strconv.ParseUint(b, 10, 64)
	if err1 != nil || err2 != nil {
		return streamID{}, errStreamID
	}
	return streamID{ms, seq}, nil
}

func (id streamID) String() string {
	return strconv.FormatUint(id.ms, 10) + "-" + strconv.FormatUint(id.seq, 10)
}

func (id streamID) less(o streamID) bool {
	return id.ms < o.ms || id.ms == o.ms && id.seq < o.seq
}

// next is the smallest id after id (Node's nextOffset, for Redis without
// exclusive ranges).
func (id streamID) next() streamID {
	if id.seq == ^uint64(0) {
		return streamID{id.ms + 1, 0}
	}
	return streamID{id.ms, id.seq + 1}
}

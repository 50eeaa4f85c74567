package parser

import (
	"encoding/binary"
	"math"
)

// This file decodes MsgPack packets: it reads the packet map and converts
// its data to JSON text with binary placeholders, the shape in which the
// Socket.IO layer reads every packet.

// msgpackDecoder decodes the packets of one connection. It keeps no state:
// a MsgPack packet is always one message.
type msgpackDecoder struct{}

func (msgpackDecoder) Reset() {}

// Decode decodes one binary engine message holding one packet map.
func (msgpackDecoder) Decode(data []byte, binary bool) (*Packet, error) {
	if !binary {
		return nil, invalidf("text message: the MessagePack format sends binary messages only")
	}
	return decodeMsgPack(data)
}

// mpReader reads MessagePack from b; an error is sticky.
type mpReader struct {
	b   []byte
	i   int
	err error
}

// kind of a value read by toJSON, as far as the packet checks need it.
const (
	mpUndefined = iota + 1 // notepack's undefined
	mpOther
)

func (r *mpReader) fail(what string) {
	if r.err == nil {
		r.err = invalidf("bad MessagePack at offset %d: %s", r.i, what)
	}
}

// need reports whether n more bytes are there, failing if not.
func (r *mpReader) need(n int) bool {
	if r.err != nil {
		return false
	}
	if n < 0 || len(r.b)-r.i < n {
		r.fail("truncated")
		return false
	}
	return true
}

func (r *mpReader) byte1() byte {
	if !r.need(1) {
		return 0
	}
	c := r.b[r.i]
	r.i++
	return c
}

func (r *mpReader) bytes(n int) []byte {
	if !r.need(n) {
		return nil
	}
	s := r.b[r.i : r.i+n : r.i+n]
	r.i += n
	return s
}

// uintN reads a big-endian unsigned integer of n bytes (1, 2, 4 or 8).
func (r *mpReader) uintN(n int) uint64 {
	s := r.bytes(n)
	switch len(s) {
	case 1:
		return uint64(s[0])
	case 2:
		return uint64(binary.BigEndian.Uint16(s))
	case 4:
		return uint64(binary.BigEndian.Uint32(s))
	case 8:
		return binary.BigEndian.Uint64(s)
	}
	return 0
}

// length reads the length that follows a str, bin, array, map or ext
// prefix whose size field is n bytes long.
func (r *mpReader) length(n int) int {
	v := r.uintN(n)
	if v > math.MaxInt32 {
		r.fail("length too large")
		return 0
	}
	return int(v)
}

// decodeMsgPack decodes one packet map.
func decodeMsgPack(data []byte) (*Packet, error) {
	if len(data) == 0 {
		return nil, invalidf("empty message")
	}
	r := &mpReader{b: data}
	n, ok := r.mapHeader()
	if !ok {
		if r.err != nil {
			return nil, r.err
		}
		return nil, invalidf("packet is not a MessagePack map")
	}
	var (
		typ     = -1
		nsp     string
		hasNsp  bool
		raw     []byte
		atts    [][]byte
		present bool
		id      uint64
		hasID   bool
	)
	for k := 0; k < n && r.err == nil; k++ {
		key, isStr := r.strBytes()
		if !isStr {
			// A key of another type names no field: skip its value.
			r.toJSON(nil, nil, 0)
			continue
		}
		switch string(key) {
		case "type":
			v, ok := r.integer()
			if !ok || v < 0 || v > int64(ConnectError) {
				return nil, invalidf("invalid packet type")
			}
			typ = int(v)
		case "nsp":
			s, ok := r.strValue()
			if !ok {
				return nil, invalidf("invalid namespace")
			}
			nsp, hasNsp = s, true
		case "data":
			var kind int
			atts = nil
			raw, kind = r.toJSON(make([]byte, 0, len(data)+16), &atts, 0)
			present = kind != mpUndefined
			if !present {
				raw = nil
			}
		case "id":
			if r.undefined() {
				hasID = false
				continue
			}
			v, ok := r.integer()
			if !ok || v < 0 || v > MaxAckID {
				return nil, invalidf("invalid packet id")
			}
			id, hasID = uint64(v), true
		default:
			r.toJSON(nil, nil, 0)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if r.i != len(data) {
		return nil, invalidf("%d bytes after the packet", len(data)-r.i)
	}
	if typ < 0 {
		return nil, invalidf("invalid packet type")
	}
	if !hasNsp || !validNsp(nsp, false) {
		return nil, invalidf("invalid namespace")
	}
	t := PacketType(typ)
	p := &Packet{Type: t, Nsp: nsp}
	if hasID {
		if t != Event && t != Ack {
			return nil, invalidf("%v packet with an ack id", t)
		}
		p.ID, p.HasID = id, true
	} else if t == Ack {
		return nil, invalidf("%v packet without ack id", t)
	}
	if err := checkShape(t, raw, present); err != nil {
		return nil, err
	}
	if len(atts) > 0 && t != Event && t != Ack {
		// As in the JSON format, only events and acks carry binary.
		return nil, invalidf("binary data in a %v packet", t)
	}
	if t == Event && reservedName(raw) {
		return nil, invalidf("reserved event name")
	}
	if present {
		p.Raw = raw
	}
	if len(atts) > 0 {
		p.Attachments = atts
	}
	return p, nil
}

// mapHeader reads a map header.
func (r *mpReader) mapHeader() (int, bool) {
	c := r.byte1()
	switch {
	case r.err != nil:
		return 0, false
	case c&0xf0 == 0x80:
		return int(c & 0x0f), true
	case c == 0xde:
		return r.length(2), r.err == nil
	case c == 0xdf:
		return r.length(4), r.err == nil
	}
	return 0, false
}

// strValue reads a str if one comes next; otherwise it reads nothing and
// returns false.
func (r *mpReader) strValue() (string, bool) {
	s, ok := r.strBytes()
	return string(s), ok
}

// strBytes is strValue returning the bytes of the str, which alias the
// message.
func (r *mpReader) strBytes() ([]byte, bool) {
	if !r.need(1) {
		return nil, false
	}
	var n int
	switch c := r.b[r.i]; {
	case c&0xe0 == 0xa0:
		r.i++
		n = int(c & 0x1f)
	case c == 0xd9:
		r.i++
		n = r.length(1)
	case c == 0xda:
		r.i++
		n = r.length(2)
	case c == 0xdb:
		r.i++
		n = r.length(4)
	default:
		return nil, false
	}
	s := r.bytes(n)
	return s, r.err == nil
}

// undefined reads notepack's undefined (fixext 1 of type 0) if it comes
// next.
func (r *mpReader) undefined() bool {
	if len(r.b)-r.i >= 3 && r.b[r.i] == 0xd4 && r.b[r.i+1] == 0 {
		r.i += 3
		return true
	}
	return false
}

// integer reads a number that is an integer (an integral float too, as
// Number.isInteger sees it); false for anything else.
func (r *mpReader) integer() (int64, bool) {
	if !r.need(1) {
		return 0, false
	}
	c := r.b[r.i]
	r.i++
	switch {
	case c < 0x80:
		return int64(c), true
	case c >= 0xe0:
		return int64(int8(c)), true
	}
	switch c {
	case 0xcc:
		return int64(r.uintN(1)), r.err == nil
	case 0xcd:
		return int64(r.uintN(2)), r.err == nil
	case 0xce:
		return int64(r.uintN(4)), r.err == nil
	case 0xcf:
		v := r.uintN(8)
		return int64(v), r.err == nil && v <= math.MaxInt64
	case 0xd0:
		return int64(int8(r.uintN(1))), r.err == nil
	case 0xd1:
		return int64(int16(r.uintN(2))), r.err == nil
	case 0xd2:
		return int64(int32(r.uintN(4))), r.err == nil
	case 0xd3:
		return int64(r.uintN(8)), r.err == nil
	case 0xca, 0xcb:
		var f float64
		if c == 0xca {
			f = float64(math.Float32frombits(uint32(r.uintN(4))))
		} else {
			f = math.Float64frombits(r.uintN(8))
		}
		if r.err != nil || f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
			return 0, false
		}
		return int64(f), true
	}
	r.i-- // not a number: leave it to the caller's error
	return 0, false
}

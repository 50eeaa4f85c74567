package parser

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"sync"
	"unicode/utf8"
)

// This file encodes packets for MsgPack. Plain Go values (nil, booleans,
// numbers, strings, []byte, []any, map[string]any, json.RawMessage) are
// written directly; any other value is written as JSON by the placeholder
// writer of the JSON parser (so that structs, tags and marshalers mean the
// same in both formats), and that JSON, its placeholders at known offsets,
// is transcoded to MessagePack (msgpack_json.go).

// mpEncoder is the scratch space of one MsgPack encode.
type mpEncoder struct {
	buf   []byte
	depth int
}

var mpPool = sync.Pool{New: func() any { return &mpEncoder{buf: make([]byte, 0, 256)} }}

func putMPEncoder(e *mpEncoder) {
	if cap(e.buf) > 64<<10 {
		return
	}
	e.buf = e.buf[:0]
	e.depth = 0
	mpPool.Put(e)
}

// The keys of a packet map, as notepack.io writes them.
var (
	mpKeyType = []byte{0xa4, 't', 'y', 'p', 'e'}
	mpKeyData = []byte{0xa4, 'd', 'a', 't', 'a'}
	mpKeyNsp  = []byte{0xa3, 'n', 's', 'p'}
	mpKeyID   = []byte{0xa2, 'i', 'd'}
)

// encodeMsgPack is MsgPack's Encode: it checks p as Encode does (except
// that a namespace may hold a comma), and returns the packet as one map,
// with no attachments. The keys come in the order a Node socket.io server
// sets them: type, data, id (id first for an Ack), nsp.
func encodeMsgPack(p *Packet) ([]byte, [][]byte, error) {
	if p == nil {
		return nil, nil, invalidf("nil packet")
	}
	typ := p.Type
	switch typ {
	case BinaryEvent:
		typ = Event
	case BinaryAck:
		typ = Ack
	}
	if !typ.Valid() {
		return nil, nil, invalidf("unknown packet type %d", byte(p.Type))
	}
	nsp := p.Nsp
	if nsp == "" {
		nsp = "/"
	}
	if nsp != "/" && !validNsp(nsp, false) {
		return nil, nil, invalidf("bad namespace %q", p.Nsp)
	}
	if p.HasID {
		if typ != Event && typ != Ack {
			return nil, nil, invalidf("%v packet with an ack id", typ)
		}
		if p.ID > MaxAckID {
			return nil, nil, invalidf("ack id %d above 2^53-1", p.ID)
		}
	}

	e := mpPool.Get().(*mpEncoder)
	defer putMPEncoder(e)
	present := true
	switch {
	case p.Data != nil:
		if err := e.value(p.Data); err != nil {
			return nil, nil, fmt.Errorf("parser: encode %v: %w", typ, err)
		}
		if typ == Connect && len(e.buf) == 1 && e.buf[0] == 0xc0 {
			e.buf = e.buf[:0]
			present = false
		}
	case len(p.Raw) > 0:
		if len(p.Attachments) > 0 && typ != Event && typ != Ack {
			return nil, nil, invalidf("%v packet with attachments", typ)
		}
		if err := e.rawJSON(p.Raw, p.Attachments); err != nil {
			return nil, nil, err
		}
	default:
		present = false
	}
	data := e.buf
	if err := checkMsgPackShape(typ, data, present); err != nil {
		return nil, nil, err
	}

	keys := 2 // type, nsp
	n := len(mpKeyType) + 1 + len(mpKeyNsp) + 5 + len(nsp) + 1
	if present {
		keys++
		n += len(mpKeyData) + len(data)
	}
	if p.HasID {
		keys++
		n += len(mpKeyID) + 9
	}
	out := make([]byte, 0, n)
	out = append(out, 0x80|byte(keys))
	if typ == Ack && p.HasID {
		out = append(out, mpKeyID...)
		out = appendMPUint(out, p.ID)
	}
	out = append(out, mpKeyType...)
	out = append(out, byte(typ))
	if present {
		out = append(out, mpKeyData...)
		out = append(out, data...)
	}
	if typ == Event && p.HasID {
		out = append(out, mpKeyID...)
		out = appendMPUint(out, p.ID)
	}
	out = append(out, mpKeyNsp...)
	out = appendMPString(out, nsp)
	return out, nil, nil
}

// checkMsgPackShape checks the encoded payload of an outgoing packet, as
// checkShape does for JSON.
func checkMsgPackShape(t PacketType, data []byte, present bool) error {
	ok := false
	var first byte
	if len(data) > 0 {
		first = data[0]
	}
	switch t {
	case Connect:
		ok = !present || mpIsMap(first)
	case Disconnect:
		ok = !present
	case Event:
		if present && mpIsArray(first) {
			h := mpHeaderLen(first)
			ok = len(data) > h && mpIsStr(data[h]) && first != 0x90
		}
	case Ack:
		ok = present && mpIsArray(first)
	case ConnectError:
		ok = present && (mpIsMap(first) || mpIsStr(first))
	}
	if !ok {
		return invalidf("%v payload must be %s", t, shapeName(t))
	}
	return nil
}

func mpIsMap(c byte) bool   { return c&0xf0 == 0x80 || c == 0xde || c == 0xdf }
func mpIsArray(c byte) bool { return c&0xf0 == 0x90 || c == 0xdc || c == 0xdd }
func mpIsStr(c byte) bool   { return c&0xe0 == 0xa0 || c == 0xd9 || c == 0xda || c == 0xdb }

// mpHeaderLen is the length of an array or map header starting with c.
func mpHeaderLen(c byte) int {
	switch c {
	case 0xdc, 0xde:
		return 3
	case 0xdd, 0xdf:
		return 5
	}
	return 1
}

// value appends the MessagePack form of x.
func (e *mpEncoder) value(x any) error {
	switch v := x.(type) {
	case nil:
		e.buf = append(e.buf, 0xc0)
	case bool:
		if v {
			e.buf = append(e.buf, 0xc3)
		} else {
			e.buf = append(e.buf, 0xc2)
		}
	case string:
		e.buf = appendMPString(e.buf, v)
	case []byte:
		if v == nil {
			e.buf = append(e.buf, 0xc0)
		} else {
			e.buf = appendMPBin(e.buf, v)
		}
	case int:
		e.buf = appendMPInt(e.buf, int64(v))
	case int8:
		e.buf = appendMPInt(e.buf, int64(v))
	case int16:
		e.buf = appendMPInt(e.buf, int64(v))
	case int32:
		e.buf = appendMPInt(e.buf, int64(v))
	case int64:
		e.buf = appendMPInt(e.buf, v)
	case uint:
		e.buf = appendMPUint(e.buf, uint64(v))
	case uint8:
		e.buf = appendMPUint(e.buf, uint64(v))
	case uint16:
		e.buf = appendMPUint(e.buf, uint64(v))
	case uint32:
		e.buf = appendMPUint(e.buf, uint64(v))
	case uint64:
		e.buf = appendMPUint(e.buf, v)
	case float64:
		e.buf = appendMPFloat(e.buf, v)
	case float32:
		e.buf = appendMPFloat(e.buf, float32As64(v))
	case []any:
		if v == nil {
			e.buf = append(e.buf, 0xc0)
			return nil
		}
		if err := e.enter(); err != nil {
			return err
		}
		e.buf = appendMPArrayHeader(e.buf, len(v))
		for _, el := range v {
			if err := e.value(el); err != nil {
				return err
			}
		}
		e.depth--
	case map[string]any:
		if v == nil {
			e.buf = append(e.buf, 0xc0)
			return nil
		}
		if err := e.enter(); err != nil {
			return err
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys) // as encoding/json orders them
		e.buf = appendMPMapHeader(e.buf, len(v))
		for _, k := range keys {
			e.buf = appendMPString(e.buf, k)
			if err := e.value(v[k]); err != nil {
				return err
			}
		}
		e.depth--
	case []string:
		if v == nil {
			e.buf = append(e.buf, 0xc0)
			return nil
		}
		e.buf = appendMPArrayHeader(e.buf, len(v))
		for _, s := range v {
			e.buf = appendMPString(e.buf, s)
		}
	case json.RawMessage:
		if v == nil {
			e.buf = append(e.buf, 0xc0)
			return nil
		}
		if err := validJSON(v); err != nil {
			return err
		}
		e.buf = transcodeJSON(e.buf, v, nil)
	default:
		return e.viaJSON(x)
	}
	return nil
}

func (e *mpEncoder) enter() error {
	e.depth++
	if e.depth > maxDepth {
		return errTooDeep
	}
	return nil
}

// viaJSON writes x as the JSON parser would send it, []byte values as bin.
func (e *mpEncoder) viaJSON(x any) error {
	st := getEncState()
	defer putEncState(st)
	st.holders = st.holders[:0]
	st.depth = e.depth
	if err := st.deconstruct(x); err != nil {
		return err
	}
	hs := make([]mpHolder, len(st.holders))
	for i, off := range st.holders {
		hs[i] = mpHolder{at: off, bin: st.atts[i]}
	}
	e.buf = transcodeJSON(e.buf, st.buf.Bytes(), hs)
	return nil
}

// rawJSON writes the JSON payload raw, each of its binary placeholders with
// an index of atts replaced by that attachment.
func (e *mpEncoder) rawJSON(raw []byte, atts [][]byte) error {
	s := scanner{data: raw, track: len(atts) > 0}
	if err := s.whole(); err != nil {
		return err
	}
	var hs []mpHolder
	for _, h := range s.holders {
		if h.num < len(atts) {
			hs = append(hs, mpHolder{at: h.start, bin: atts[h.num]})
		}
	}
	e.buf = transcodeJSON(e.buf, raw, hs)
	return nil
}

// float32As64 returns the float64 a JSON reader gets from f's JSON text
// (its shortest decimal form), as the JSON parser would send it.
func float32As64(f float32) float64 {
	g := float64(f)
	if math.IsInf(g, 0) || math.IsNaN(g) {
		return g
	}
	var b [32]byte
	h, err := strconv.ParseFloat(string(strconv.AppendFloat(b[:0], g, 'g', -1, 32)), 64)
	if err != nil {
		return g
	}
	return h
}

// appendMPFloat writes a float as notepack.io writes a JavaScript number:
// an integral value as an integer, anything else as a float 64.
func appendMPFloat(b []byte, f float64) []byte {
	if f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 {
		if f >= 0 {
			return appendMPUint(b, uint64(f))
		}
		return appendMPInt(b, int64(f))
	}
	bits := math.Float64bits(f)
	if f != f {
		bits = 0x7ff8000000000000 // the NaN JavaScript writes
	}
	return binary.BigEndian.AppendUint64(append(b, 0xcb), bits)
}

// appendMPInt writes v in notepack.io's integer format: non-negative values
// as positive fixint or uint 8 to 64, negative ones as negative fixint or
// int 8 to 64, the smallest that holds v.
func appendMPInt(b []byte, v int64) []byte {
	switch {
	case v >= 0:
		return appendMPUint(b, uint64(v))
	case v >= -32:
		return append(b, byte(v))
	case v >= math.MinInt8:
		return append(b, 0xd0, byte(v))
	case v >= math.MinInt16:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(v))
	case v >= math.MinInt32:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(v))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(v))
}

func appendMPUint(b []byte, v uint64) []byte {
	switch {
	case v < 0x80:
		return append(b, byte(v))
	case v <= math.MaxUint8:
		return append(b, 0xcc, byte(v))
	case v <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(v))
	case v <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(v))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xcf), v)
}

// appendMPString writes s as fixstr or str 8/16/32; invalid UTF-8 is
// written as U+FFFD, byte by byte, as the JSON parser writes it.
func appendMPString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = fixUTF8(s)
	}
	n := len(s)
	switch {
	case n < 32:
		b = append(b, 0xa0|byte(n))
	case n <= math.MaxUint8:
		b = append(b, 0xd9, byte(n))
	case n <= math.MaxUint16:
		b = binary.BigEndian.AppendUint16(append(b, 0xda), uint16(n))
	default:
		b = binary.BigEndian.AppendUint32(append(b, 0xdb), uint32(n))
	}
	return append(b, s...)
}

// fixUTF8 replaces each byte of s that is not part of valid UTF-8 by U+FFFD.
func fixUTF8(s string) string {
	out := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			out = append(out, "\uFFFD"...)
		} else {
			out = append(out, s[i:i+size]...)
		}
		i += size
	}
	return string(out)
}

func appendMPBin(b []byte, v []byte) []byte {
	n := len(v)
	switch {
	case n <= math.MaxUint8:
		b = append(b, 0xc4, byte(n))
	case n <= math.MaxUint16:
		b = binary.BigEndian.AppendUint16(append(b, 0xc5), uint16(n))
	default:
		b = binary.BigEndian.AppendUint32(append(b, 0xc6), uint32(n))
	}
	return append(b, v...)
}

func appendMPArrayHeader(b []byte, n int) []byte {
	switch {
	case n < 16:
		return append(b, 0x90|byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, 0xdc), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, 0xdd), uint32(n))
}

func appendMPMapHeader(b []byte, n int) []byte {
	switch {
	case n < 16:
		return append(b, 0x80|byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, 0xde), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, 0xdf), uint32(n))
}

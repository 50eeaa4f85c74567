package parser

import (
	"encoding/binary"
	"math"
	"strconv"
	"unicode/utf8"
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

// toJSON reads one value and appends its JSON form to dst, binary values as
// placeholders indexing *atts (with atts nil the value is only checked).
// It returns mpUndefined for notepack's undefined, which it does not write.
func (r *mpReader) toJSON(dst []byte, atts *[][]byte, depth int) ([]byte, int) {
	if depth > maxNesting {
		r.fail("nested too deep")
		return dst, mpOther
	}
	c := r.byte1()
	if r.err != nil {
		return dst, mpOther
	}
	switch {
	case c < 0x80:
		return strconv.AppendUint(dst, uint64(c), 10), mpOther
	case c >= 0xe0:
		return strconv.AppendInt(dst, int64(int8(c)), 10), mpOther
	case c < 0x90:
		return r.mapJSON(dst, atts, depth, int(c&0x0f)), mpOther
	case c < 0xa0:
		return r.arrayJSON(dst, atts, depth, int(c&0x0f)), mpOther
	case c < 0xc0:
		return r.strJSON(dst, int(c&0x1f)), mpOther
	}
	switch c {
	case 0xc0:
		return append(dst, "null"...), mpOther
	case 0xc2:
		return append(dst, "false"...), mpOther
	case 0xc3:
		return append(dst, "true"...), mpOther
	case 0xc4, 0xc5, 0xc6:
		return r.binJSON(dst, atts, r.length(1<<(c-0xc4))), mpOther
	case 0xc7, 0xc8, 0xc9:
		n := r.length(1 << (c - 0xc7))
		return r.extJSON(dst, atts, c, n)
	case 0xca:
		return appendJSFloat(dst, float64(math.Float32frombits(uint32(r.uintN(4))))), mpOther
	case 0xcb:
		return appendJSFloat(dst, math.Float64frombits(r.uintN(8))), mpOther
	case 0xcc, 0xcd, 0xce, 0xcf:
		return strconv.AppendUint(dst, r.uintN(1<<(c-0xcc)), 10), mpOther
	case 0xd0:
		return strconv.AppendInt(dst, int64(int8(r.uintN(1))), 10), mpOther
	case 0xd1:
		return strconv.AppendInt(dst, int64(int16(r.uintN(2))), 10), mpOther
	case 0xd2:
		return strconv.AppendInt(dst, int64(int32(r.uintN(4))), 10), mpOther
	case 0xd3:
		return strconv.AppendInt(dst, int64(r.uintN(8)), 10), mpOther
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
		return r.extJSON(dst, atts, c, 1<<(c-0xd4))
	case 0xd9, 0xda, 0xdb:
		return r.strJSON(dst, r.length(1<<(c-0xd9))), mpOther
	case 0xdc, 0xdd:
		return r.arrayJSON(dst, atts, depth, r.length(2<<(c-0xdc))), mpOther
	case 0xde, 0xdf:
		return r.mapJSON(dst, atts, depth, r.length(2<<(c-0xde))), mpOther
	}
	r.i--
	r.fail("unknown prefix 0xc1")
	return dst, mpOther
}

func (r *mpReader) strJSON(dst []byte, n int) []byte {
	s := r.bytes(n)
	if r.err != nil {
		return dst
	}
	return appendJSString(dst, string(s))
}

// appendJSString writes s as a JSON string, each byte of it that is not
// valid UTF-8 as U+FFFD itself (not escaped: a string decodes to the same
// text whichever format it travels in again).
func appendJSString(dst []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = fixUTF8(s)
	}
	return appendString(dst, s)
}

func (r *mpReader) binJSON(dst []byte, atts *[][]byte, n int) []byte {
	s := r.bytes(n)
	if r.err != nil || atts == nil {
		return dst
	}
	dst = append(dst, `{"_placeholder":true,"num":`...)
	dst = strconv.AppendInt(dst, int64(len(*atts)), 10)
	*atts = append(*atts, append([]byte{}, s...))
	return append(dst, '}')
}

// extJSON reads the type and n bytes of an ext: type 0 is notepack's
// ArrayBuffer (any length but 1 and 8), undefined (fixext 1) or Date
// (fixext 8); another type is [type, bin], as notepack.io returns it.
func (r *mpReader) extJSON(dst []byte, atts *[][]byte, c byte, n int) ([]byte, int) {
	typ := int8(r.byte1())
	if r.err != nil {
		return dst, mpOther
	}
	fixed := c >= 0xd4 && c <= 0xd8
	switch {
	case typ == 0 && !fixed:
		return r.binJSON(dst, atts, n), mpOther
	case typ == 0 && c == 0xd4:
		r.bytes(1)
		return dst, mpUndefined
	case typ == 0 && c == 0xd7:
		ms := int64(r.uintN(8))
		if r.err != nil {
			return dst, mpOther
		}
		return appendJSDate(dst, ms), mpOther
	}
	dst = append(dst, '[')
	dst = strconv.AppendInt(dst, int64(typ), 10)
	dst = append(dst, ',')
	dst = r.binJSON(dst, atts, n)
	return append(dst, ']'), mpOther
}

func (r *mpReader) arrayJSON(dst []byte, atts *[][]byte, depth, n int) []byte {
	if !r.need(n) { // every element takes a byte at least
		return dst
	}
	dst = append(dst, '[')
	for k := 0; k < n && r.err == nil; k++ {
		if k > 0 {
			dst = append(dst, ',')
		}
		var kind int
		dst, kind = r.toJSON(dst, atts, depth+1)
		if kind == mpUndefined {
			dst = append(dst, "null"...) // as JSON.stringify writes it
		}
	}
	return append(dst, ']')
}

func (r *mpReader) mapJSON(dst []byte, atts *[][]byte, depth, n int) []byte {
	if !r.need(2 * n) { // every entry takes two bytes at least
		return dst
	}
	dst = append(dst, '{')
	first := true
	for k := 0; k < n && r.err == nil; k++ {
		mark := len(dst)
		if !first {
			dst = append(dst, ',')
		}
		dst = r.keyJSON(dst)
		dst = append(dst, ':')
		var kind int
		dst, kind = r.toJSON(dst, atts, depth+1)
		if kind == mpUndefined {
			dst = dst[:mark] // JSON.stringify leaves the key out
			continue
		}
		first = false
	}
	return append(dst, '}')
}

// keyJSON reads a map key and writes it as a JSON string: a str as it is,
// a number, boolean, nil or undefined as JavaScript names it in a property
// key. Other keys are errors.
func (r *mpReader) keyJSON(dst []byte) []byte {
	if s, ok := r.strValue(); ok {
		return appendJSString(dst, s)
	}
	if r.err != nil {
		return dst
	}
	if r.undefined() {
		return append(dst, `"undefined"`...)
	}
	c := r.b[r.i]
	switch {
	case c == 0xca || c == 0xcb:
		r.i++
		var f float64
		if c == 0xca {
			f = float64(math.Float32frombits(uint32(r.uintN(4))))
		} else {
			f = math.Float64frombits(r.uintN(8))
		}
		switch {
		case math.IsNaN(f):
			return append(dst, `"NaN"`...)
		case math.IsInf(f, 1):
			return append(dst, `"Infinity"`...)
		case math.IsInf(f, -1):
			return append(dst, `"-Infinity"`...)
		}
		dst = append(dst, '"')
		dst, _ = appendFloat(dst, f)
		return append(dst, '"')
	case c < 0x80 || c >= 0xe0 || (c >= 0xcc && c <= 0xd3) || c == 0xc0 || c == 0xc2 || c == 0xc3:
		dst = append(dst, '"')
		dst, _ = r.toJSON(dst, nil, 0)
		return append(dst, '"')
	}
	r.fail("map key of an unsupported type")
	return dst
}

// appendJSFloat writes f as JSON.stringify does: null for NaN and ±Inf.
func appendJSFloat(dst []byte, f float64) []byte {
	b, err := appendFloat(dst, f)
	if err != nil {
		return append(dst, "null"...)
	}
	return b
}

// maxJSDate is the largest time value of a JavaScript Date, in ms.
const maxJSDate = 8.64e15

// appendJSDate writes a Date of ms milliseconds since 1970 as
// JSON.stringify does: its toISOString() text, or null when out of range.
func appendJSDate(dst []byte, ms int64) []byte {
	if ms > maxJSDate || ms < -maxJSDate {
		return append(dst, "null"...)
	}
	days := floorDiv(ms, 86400000)
	rem := ms - days*86400000
	y, m, d := civilFromDays(days)
	dst = append(dst, '"')
	switch {
	case y >= 0 && y <= 9999:
		dst = appendPadded(dst, y, 4)
	case y < 0:
		dst = appendPadded(append(dst, '-'), -y, 6)
	default:
		dst = appendPadded(append(dst, '+'), y, 6)
	}
	dst = appendPadded(append(dst, '-'), m, 2)
	dst = appendPadded(append(dst, '-'), d, 2)
	dst = appendPadded(append(dst, 'T'), rem/3600000, 2)
	dst = appendPadded(append(dst, ':'), rem/60000%60, 2)
	dst = appendPadded(append(dst, ':'), rem/1000%60, 2)
	dst = appendPadded(append(dst, '.'), rem%1000, 3)
	return append(dst, 'Z', '"')
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// civilFromDays converts days since 1970-01-01 to a proleptic Gregorian
// date (Howard Hinnant's algorithm).
func civilFromDays(z int64) (y, m, d int64) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func appendPadded(dst []byte, v int64, width int) []byte {
	var b [20]byte
	s := strconv.AppendInt(b[:0], v, 10)
	for k := len(s); k < width; k++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

package parser

import (
	"math"
	"strconv"
	"unicode/utf8"
)

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
		if f == 0 {
			f = 0 // String(-0) is "0"
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

// appendJSFloat writes f as JSON.stringify does: null for NaN and ±Inf, 0
// for -0.
func appendJSFloat(dst []byte, f float64) []byte {
	if f == 0 {
		f = 0 // -0 too
	}
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

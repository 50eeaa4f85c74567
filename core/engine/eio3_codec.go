package engine

import (
	"encoding/base64"
	"strconv"
	"unicode/utf8"
)

// The Engine.IO 3 codec (socket.io-client 2.x), used only by the sessions of
// Options.AllowEIO3. It differs from version 4 in three ways:
//
//   - a text polling payload prefixes each packet with its length in UTF-16
//     code units (JavaScript's string length) and a colon, "6:4hello",
//     instead of separating packets with 0x1e;
//   - a base64 binary packet keeps its type digit, "b4AQID", where version
//     4 writes "bAQID"; over WebSocket a binary packet is a binary frame
//     whose first byte is its type (4 for a message) before the data;
//   - a client that supports binary (no b64 query parameter) gets a polling
//     payload holding binary packets in the binary framing: per packet 0
//     (text) or 1 (binary), the decimal digits of its byte length as bytes
//     0 to 9, 255, then the packet (a text packet as UTF-8, a binary one as
//     its type byte and data). Such a client may POST that framing too, as
//     application/octet-stream.

// appendPacket3 appends p's text form in Engine.IO 3: the type digit and
// data, or for a binary message 'b', its type digit and the base64 of Data.
func appendPacket3(dst []byte, p Packet) []byte {
	if !p.Binary {
		dst = append(dst, '0'+byte(p.Type))
		return append(dst, p.Data...)
	}
	dst = append(dst, binaryPrefix, '0'+byte(PacketMessage))
	n := base64.StdEncoding.EncodedLen(len(p.Data))
	dst = grow(dst, n)
	base64.StdEncoding.Encode(dst[len(dst):len(dst)+n], p.Data)
	return dst[:len(dst)+n]
}

// utf16Len is the length of the UTF-8 text b in UTF-16 code units: one per
// rune, two for a rune outside the Basic Multilingual Plane. Bytes that are
// not valid UTF-8 count one each (a decoder makes each a U+FFFD).
func utf16Len(b []byte) int {
	n := 0
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
		i += size
	}
	return n
}

// hasBinary reports whether any packet of ps is a binary message.
func hasBinary(ps []Packet) bool {
	for _, p := range ps {
		if p.Binary {
			return true
		}
	}
	return false
}

// appendPayload3 appends the Engine.IO 3 polling payload of ps to dst and
// reports whether it is binary (to be sent as application/octet-stream): it
// is when supportsBinary is set and a packet is a binary message; otherwise
// it is the text framing, binary messages in base64.
func appendPayload3(dst []byte, ps []Packet, supportsBinary bool) ([]byte, bool) {
	if supportsBinary && hasBinary(ps) {
		for _, p := range ps {
			if p.Binary {
				dst = appendLength3(dst, 1, 1+len(p.Data))
				dst = append(dst, byte(PacketMessage))
				dst = append(dst, p.Data...)
				continue
			}
			dst = appendLength3(dst, 0, 1+len(p.Data))
			dst = append(dst, '0'+byte(p.Type))
			dst = append(dst, p.Data...)
		}
		return dst, true
	}
	for _, p := range ps {
		var n int
		if p.Binary {
			n = 2 + base64.StdEncoding.EncodedLen(len(p.Data))
		} else {
			n = 1 + utf16Len(p.Data)
		}
		dst = strconv.AppendInt(dst, int64(n), 10)
		dst = append(dst, ':')
		dst = appendPacket3(dst, p)
	}
	return dst, false
}

// appendLength3 appends the header of one packet of a binary payload: kind
// (0 text, 1 binary), the digits of n as bytes 0 to 9, and 255.
func appendLength3(dst []byte, kind byte, n int) []byte {
	dst = append(dst, kind)
	start := len(dst)
	dst = strconv.AppendInt(dst, int64(n), 10)
	for i := start; i < len(dst); i++ {
		dst[i] -= '0'
	}
	return append(dst, 255)
}

// decodePacket3 decodes one Engine.IO 3 packet: a binary WebSocket frame
// (its first byte the packet type) when binary is set, otherwise the text
// form, where 'b' starts a base64 packet whose type digit follows. Only
// messages may be binary or base64 (engine.io-client sends no other). Data
// aliases data (capacity clipped), except for base64, decoded into a new
// slice. Empty input, an unknown type or bad base64 return an error wrapping
// ErrMalformed.
func decodePacket3(data []byte, binary bool) (Packet, error) {
	if len(data) == 0 {
		return Packet{}, malformed("empty packet")
	}
	c := data[0]
	if binary {
		if PacketType(c) != PacketMessage {
			return Packet{}, malformed("binary packet of type %d", c)
		}
		return Packet{Type: PacketMessage, Data: data[1:len(data):len(data)], Binary: true}, nil
	}
	if c == binaryPrefix {
		if len(data) < 2 || data[1] != '0'+byte(PacketMessage) {
			return Packet{}, malformed("base64 packet that is not a message")
		}
		enc := data[2:]
		out := make([]byte, base64.StdEncoding.DecodedLen(len(enc)))
		n, err := base64.StdEncoding.Decode(out, enc)
		if err != nil {
			return Packet{}, malformed("bad base64: %v", err)
		}
		return Packet{Type: PacketMessage, Data: out[:n:n], Binary: true}, nil
	}
	if c < '0' || c > '6' {
		return Packet{}, malformed("unknown packet type %q", c)
	}
	return Packet{Type: PacketType(c - '0'), Data: data[1:len(data):len(data)]}, nil
}

// decodePayload3 decodes an Engine.IO 3 polling payload and calls fn with
// each packet in order: the binary framing when binary is set (a POST of
// application/octet-stream), else the text framing, whose body must be
// valid UTF-8. It is strict: an empty body, a length that is not a decimal
// number or overruns the body, a packet that does not decode, or a text
// packet that is not valid UTF-8 stop the decoding with an error wrapping
// ErrMalformed. Empty packets of the text framing ("0:") are skipped, as in
// Node. An error of fn is returned as is.
func decodePayload3(body []byte, binary bool, fn func(Packet) error) error {
	if len(body) == 0 {
		return malformed("empty payload")
	}
	if binary {
		return decodeBinaryPayload3(body, fn)
	}
	if !utf8.Valid(body) {
		return errInvalidUTF8
	}
	for i := 0; i < len(body); {
		n, j := 0, i
		for j < len(body) && body[j] >= '0' && body[j] <= '9' {
			n = n*10 + int(body[j]-'0')
			if n > len(body) {
				return malformed("packet length past the payload")
			}
			j++
		}
		if j == i || j == len(body) || body[j] != ':' {
			return malformed("bad packet length")
		}
		start := j + 1
		end, ok := utf16Advance(body, start, n)
		if !ok {
			return malformed("packet length past the payload")
		}
		if end > start {
			p, err := decodePacket3(body[start:end], false)
			if err != nil {
				return err
			}
			if err := fn(p); err != nil {
				return err
			}
		}
		i = end
	}
	return nil
}

// utf16Advance returns the offset in the valid UTF-8 text b that is n UTF-16
// code units past start; false when b ends first or the offset falls inside
// a rune.
func utf16Advance(b []byte, start, n int) (int, bool) {
	i := start
	for n > 0 {
		if i >= len(b) {
			return 0, false
		}
		c := b[i]
		switch {
		case c < 0x80:
			i++
			n--
		case c >= 0xf0:
			if n < 2 {
				return 0, false
			}
			i += 4
			n -= 2
		case c >= 0xe0:
			i += 3
			n--
		default:
			i += 2
			n--
		}
	}
	return i, i <= len(b)
}

// maxLengthDigits bounds the digits of one length in a binary payload: a
// body is at most a few megabytes.
const maxLengthDigits = 10

// decodeBinaryPayload3 decodes the binary framing of a payload.
func decodeBinaryPayload3(body []byte, fn func(Packet) error) error {
	for i := 0; i < len(body); {
		kind := body[i]
		if kind > 1 {
			return malformed("bad binary payload packet kind %d", kind)
		}
		n, j := 0, i+1
		for j < len(body) && body[j] != 255 {
			if body[j] > 9 || j-i > maxLengthDigits {
				return malformed("bad binary payload length")
			}
			n = n*10 + int(body[j])
			j++
		}
		if j == i+1 || j == len(body) {
			return malformed("bad binary payload length")
		}
		start := j + 1
		if n > len(body)-start {
			return malformed("packet length past the payload")
		}
		data := body[start : start+n]
		if kind == 0 && !utf8.Valid(data) {
			return errInvalidUTF8
		}
		p, err := decodePacket3(data, kind == 1)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		i = start + n
	}
	return nil
}

package engine

import (
	"encoding/base64"
	"errors"
	"fmt"
)

// PacketType is the kind of an Engine.IO packet. Its values are 0 (Open) to
// 6 (Noop); on the wire each type is the ASCII digit '0' to '6'. It is a plain
// value; the codec functions are pure and safe for concurrent use.
type PacketType byte

// The Engine.IO v4 packet types.
const (
	PacketOpen    PacketType = iota // '0': handshake, server to client
	PacketClose                     // '1': close the transport/session
	PacketPing                      // '2': heartbeat (server to client in v4), also "2probe" during upgrade
	PacketPong                      // '3': heartbeat answer, also "3probe" during upgrade
	PacketMessage                   // '4': application data
	PacketUpgrade                   // '5': completes an upgrade
	PacketNoop                      // '6': releases a pending polling GET during an upgrade
)

// The old names of the packet types, from before they shared the Packet
// prefix (MessageType could not be Message, which names the handler's type).
//
// Deprecated: use PacketOpen, PacketClose, PacketPing, PacketPong,
// PacketMessage, PacketUpgrade and PacketNoop.
const (
	Open        = PacketOpen
	Close       = PacketClose
	Ping        = PacketPing
	Pong        = PacketPong
	MessageType = PacketMessage
	Upgrade     = PacketUpgrade
	Noop        = PacketNoop
)

var packetTypeNames = [...]string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}

// String returns the protocol name of the type ("open", "message", ...).
func (t PacketType) String() string {
	if int(t) < len(packetTypeNames) {
		return packetTypeNames[t]
	}
	return fmt.Sprintf("PacketType(%d)", byte(t))
}

// Valid reports whether t is one of the seven Engine.IO packet types.
func (t PacketType) Valid() bool { return t <= PacketNoop }

// Packet is one Engine.IO packet. Binary is only meaningful for MessageType:
// Data then holds raw bytes that travel as a binary WebSocket frame or as
// 'b'+base64 in a polling payload.
//
// A Packet is a plain value; it is safe to share between goroutines as long as
// nobody writes to Data.
type Packet struct {
	Type   PacketType
	Data   []byte
	Binary bool
}

const (
	recordSeparator = 0x1e
	binaryPrefix    = 'b'
)

// ErrMalformed is wrapped by every error that DecodePacket and DecodePayload
// return.
var ErrMalformed = errors.New("engine: malformed packet")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// EncodePacket appends the text form of p to dst and returns the extended
// slice: the type digit followed by Data. A binary message is appended as
// 'b' followed by the standard base64 encoding of Data (its polling form);
// over WebSocket a binary message is sent as a raw binary frame instead.
// EncodePacket never modifies p.Data.
func EncodePacket(dst []byte, p Packet) []byte {
	if p.Binary {
		dst = append(dst, binaryPrefix)
		n := base64.StdEncoding.EncodedLen(len(p.Data))
		dst = grow(dst, n)
		base64.StdEncoding.Encode(dst[len(dst):len(dst)+n], p.Data)
		return dst[:len(dst)+n]
	}
	dst = append(dst, '0'+byte(p.Type))
	return append(dst, p.Data...)
}

// grow makes room for n more bytes after len(dst) without changing its length.
func grow(dst []byte, n int) []byte {
	if cap(dst)-len(dst) >= n {
		return dst
	}
	nd := make([]byte, len(dst), 2*cap(dst)+n)
	copy(nd, dst)
	return nd
}

// DecodePacket decodes one packet. With binary true, data is the content of a
// binary WebSocket frame and becomes a binary message as is. Otherwise data is
// the text form: a type digit and its data, or 'b'+base64 for a binary
// message. Empty input, an unknown type or bad base64 return an error
// wrapping ErrMalformed.
//
// The returned Data aliases data (with its capacity clipped, so appending to
// it never overwrites the bytes that follow), except for base64 input, which
// is decoded into a new slice.
func DecodePacket(data []byte, binary bool) (Packet, error) {
	if binary {
		return Packet{Type: PacketMessage, Data: data[:len(data):len(data)], Binary: true}, nil
	}
	if len(data) == 0 {
		return Packet{}, malformed("empty packet")
	}
	c := data[0]
	if c == binaryPrefix {
		enc := data[1:]
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

// AppendPayload appends the polling payload of ps to dst: each packet's text
// form (see EncodePacket), joined by the record separator 0x1e.
func AppendPayload(dst []byte, ps []Packet) []byte {
	for i, p := range ps {
		if i > 0 {
			dst = append(dst, recordSeparator)
		}
		dst = EncodePacket(dst, p)
	}
	return dst
}

// DecodePayload splits a polling payload on 0x1e and calls fn with each
// decoded packet in order. It is strict: an empty body, an empty packet, an
// unknown type or bad base64 stop the decoding with an error wrapping
// ErrMalformed. An error returned by fn stops the decoding and is returned
// as is. Packets alias body as described for DecodePacket.
func DecodePayload(body []byte, fn func(Packet) error) error {
	if len(body) == 0 {
		return malformed("empty payload")
	}
	for start := 0; start <= len(body); {
		end := start
		for end < len(body) && body[end] != recordSeparator {
			end++
		}
		p, err := DecodePacket(body[start:end], false)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		start = end + 1
	}
	return nil
}

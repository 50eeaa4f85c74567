package parser

// This file is the MessagePack wire format, the one of the npm package
// socket.io-msgpack-parser 3.x (which encodes with notepack.io 2.x): each
// packet is one MessagePack map {type, data, id, nsp} sent as one binary
// engine message. There are no attachment messages: binary values travel
// inline, as MessagePack bin.
//
// The encoder (msgpack_encode.go) writes the bytes notepack.io writes for the
// same values; the decoder (msgpack_decode.go) turns an incoming map into the
// packet shape the Socket.IO layer reads, JSON in Raw with placeholders for
// the binary values, so that Args decode alike whatever the wire format.

// MsgPack is the Parser of socket.io-msgpack-parser: a client speaks it when
// created with { parser: require("socket.io-msgpack-parser") }, or when it
// is the socket.io.msgpack.min.js bundle. Every client of a server must
// speak the server's format.
//
// Outgoing Data is mapped as Encode maps it to JSON (structs by their json
// tags, json.Marshaler and encoding.TextMarshaler as they say, map keys as
// strings, time.Time as its RFC 3339 text), except that []byte values become
// MessagePack bin wherever they are, and numbers are written as notepack.io
// writes a JavaScript number: an integral value (a Go integer, or an
// integral float) in the smallest integer format, anything else as a
// float 64, NaN and the infinities included.
//
// An incoming packet is returned with its payload converted to JSON in Raw,
// each bin (and each ext of type 0, notepack's ArrayBuffer) a placeholder
// indexing Attachments, as the JSON parser returns binary packets; a
// MessagePack float that JSON cannot hold (NaN, ±Inf) becomes null, as
// JSON.stringify makes it; notepack's undefined is left out of maps and
// becomes null in arrays; notepack's Date (fixext 8, type 0) becomes its
// ISO 8601 text, as JSON.stringify writes a Date; another ext becomes the
// array [type, bin], as notepack.io decodes it. The packet is checked as the
// JSON decoder checks a text packet (see Decoder.Decode), with the rules of
// socket.io-msgpack-parser on top: the namespace is required, a text
// message and the binary packet types 5 and 6 are refused; and binary data
// is refused outside events and acks, as the JSON format has it.
var MsgPack Parser = msgpackParser{}

type msgpackParser struct{}

func (msgpackParser) Encode(p *Packet) ([]byte, [][]byte, error) { return encodeMsgPack(p) }
func (msgpackParser) NewDecoder() PacketDecoder                  { return msgpackDecoder{} }
func (msgpackParser) BinaryPackets() bool                        { return true }

// BinaryParser is implemented by a Parser whose encoded packets go out as
// binary engine messages: the first slice Encode returns is then a binary
// message, not a text one. MsgPack is one. Like every Parser it is safe for
// concurrent use.
type BinaryParser interface {
	Parser
	// BinaryPackets reports whether encoded packets are binary messages.
	BinaryPackets() bool
}

// EncodesBinary reports whether the packets pr encodes are to be sent as
// binary engine messages (see BinaryParser).
func EncodesBinary(pr Parser) bool {
	b, ok := pr.(BinaryParser)
	return ok && b.BinaryPackets()
}

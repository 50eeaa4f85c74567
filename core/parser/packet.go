package parser

import (
	"errors"
	"fmt"
	"strconv"
)

// PacketType is the type of a Socket.IO packet, the first character of its
// text encoding. Values are immutable and safe to share.
type PacketType byte

// The packet types of the Socket.IO protocol, version 5.
const (
	Connect      PacketType = iota // CONNECT: join a namespace, or the server's approval
	Disconnect                     // DISCONNECT: leave a namespace
	Event                          // EVENT: an event with arguments
	Ack                            // ACK: the reply to an event that asked for one
	ConnectError                   // CONNECT_ERROR: the server refuses a namespace
	BinaryEvent                    // BINARY_EVENT: an event with binary attachments
	BinaryAck                      // BINARY_ACK: an ack with binary attachments
)

// maxType is the highest defined packet type.
const maxType = BinaryAck

var typeNames = [...]string{
	Connect:      "CONNECT",
	Disconnect:   "DISCONNECT",
	Event:        "EVENT",
	Ack:          "ACK",
	ConnectError: "CONNECT_ERROR",
	BinaryEvent:  "BINARY_EVENT",
	BinaryAck:    "BINARY_ACK",
}

// String returns the protocol name of t, such as "EVENT", or
// "PacketType(9)" for an unknown value.
func (t PacketType) String() string {
	if t <= maxType {
		return typeNames[t]
	}
	return "PacketType(" + strconv.Itoa(int(t)) + ")"
}

// Valid reports whether t is one of the seven packet types.
func (t PacketType) Valid() bool { return t <= maxType }

// MaxAckID is the largest acknowledgement id the codec accepts: 2^53-1, the
// largest integer a JavaScript peer represents exactly.
const MaxAckID = 1<<53 - 1

// Packet is one Socket.IO packet, outgoing or incoming.
//
// An outgoing packet carries its payload in Data, which [Encode] marshals.
// An incoming packet, as returned by [Decoder.Decode], carries its payload
// undecoded in Raw, with its binary attachments in Attachments; read it with
// [EventName], [SplitArray] and [Unmarshal].
//
// A Packet is safe to share read-only between goroutines; nothing in this
// package modifies a packet it is given.
type Packet struct {
	Type PacketType
	// Nsp is the namespace, with its leading slash. The main namespace is
	// "/", which is what an absent namespace means on the wire; the encoder
	// omits it. An empty Nsp encodes like "/".
	Nsp string
	// ID is the acknowledgement id, meaningful when HasID is set.
	ID    uint64
	HasID bool
	// Data is the outgoing payload, marshaled by Encode:
	//   - Event: []any{eventName, args...}
	//   - Ack: []any{args...}
	//   - Connect: any object, or nil for none
	//   - ConnectError: any object (such as a map with "message" and "data"),
	//     or a string
	//   - Disconnect: nil
	// []byte values anywhere in the Data of an Event or Ack are sent as binary
	// attachments; see Encode.
	Data any
	// Raw is the incoming payload exactly as received (the JSON text after
	// the ack id), binary placeholders intact; nil when the packet has no
	// payload. Encode sends Raw verbatim when Data is nil.
	Raw []byte
	// Attachments are the incoming binary attachments, in order: the
	// placeholder {"_placeholder":true,"num":N} in Raw stands for
	// Attachments[N]. Encode sends them after the text when Data is nil.
	Attachments [][]byte
}

// ErrInvalidPacket is wrapped by every error about a malformed packet, from
// decoding and from encoding alike. Match it with errors.Is.
var ErrInvalidPacket = errors.New("parser: invalid packet")

// invalidf returns an error wrapping ErrInvalidPacket.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidPacket}, args...)...)
}

// Parser is a wire format for Socket.IO packets: what a connection needs to
// encode outgoing packets and to decode incoming engine messages. Its
// methods are safe for concurrent use; the decoders it returns are not.
//
// [JSON] is the default format, the one every Socket.IO client speaks.
//
// Whatever the wire format, packets reach the Socket.IO layer in one shape:
// outgoing Data holds Go values, and an incoming packet's Raw holds its
// payload as JSON, with binary values as placeholders indexing Attachments.
// Another format (MessagePack, say) converts to that shape in its decoder.
type Parser interface {
	// Encode encodes p for the wire: the packet's message first (a text
	// message, or a binary one for a BinaryParser such as MsgPack), then
	// the binary attachments, each to be sent as its own binary message.
	Encode(p *Packet) (text []byte, attachments [][]byte, err error)
	// NewDecoder returns a decoder for one connection.
	NewDecoder() PacketDecoder
}

// PacketDecoder reassembles packets from one connection's engine messages.
// It is used by one goroutine at a time.
type PacketDecoder interface {
	// Decode takes one engine message; it returns a complete packet, or
	// (nil, nil) while it waits for more (binary attachments).
	Decode(data []byte, binary bool) (*Packet, error)
	// Reset drops a packet under reassembly.
	Reset()
}

// JSON is the default Parser: the JSON-based format of the reference
// socket.io-parser, with binary attachments.
var JSON Parser = jsonParser{}

type jsonParser struct{}

func (jsonParser) Encode(p *Packet) ([]byte, [][]byte, error) { return Encode(p) }
func (jsonParser) NewDecoder() PacketDecoder                  { return &Decoder{} }

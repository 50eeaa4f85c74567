// Package parser is the Socket.IO packet codec: version 5 of the Socket.IO
// protocol, in the JSON format of the reference socket.io-parser, with binary
// attachments. It is pure (no I/O, no goroutines) and imports nothing else of
// gosio.
//
// A packet travels as one Engine.IO text message,
//
//	<type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]
//
// such as 2["hello",1], 2/admin,12["hello"] or 0/admin,{"token":"x"},
// followed, when it carries binary data, by one Engine.IO binary message per
// attachment; in the JSON the attachments are placeholders
// {"_placeholder":true,"num":N}.
//
// Map of the package:
//
//   - [Packet] and [PacketType] are the packet model (packet.go).
//   - [Encode] turns an outgoing packet into its text and attachments
//     (encode.go); the []byte values in its data become attachments
//     (binary.go finds them, [HasBinary]; deconstruct.go writes the
//     placeholders).
//   - [Decoder] reassembles incoming packets from engine messages, one per
//     connection, and validates them (decode.go, with the JSON scanner in
//     scan.go). Incoming payloads stay raw JSON in [Packet.Raw].
//   - [EventName] and [SplitArray] split a raw event into its name and raw
//     arguments (args.go); [Unmarshal] decodes one of them into a Go value,
//     putting the attachments back in place of the placeholders
//     (unmarshal.go).
//   - [Parser] is the extension point for other wire formats; [JSON] is the
//     default one. [MsgPack] is socket.io-msgpack-parser's format, one
//     binary message per packet (msgpack*.go: a MessagePack codec of its
//     own, writing what notepack.io writes, so that the root module needs
//     no MessagePack dependency).
//
// Every function of the package is safe for concurrent use; a [Decoder]
// belongs to one connection and is not.
package parser

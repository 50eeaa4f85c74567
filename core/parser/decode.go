package parser

// DefaultMaxAttachments is the number of binary attachments a decoder
// accepts per packet when Decoder.MaxAttachments is zero.
const DefaultMaxAttachments = 10

// reservedEvents are event names a peer may not send: the reference
// implementation gives them a meaning of its own and rejects them too.
var reservedEvents = [...]string{
	"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
}

// Decoder reassembles packets from the engine messages of one connection: a
// text message, then as many binary messages as it announces attachments.
//
// The zero value is ready to use. A Decoder is not safe for concurrent use:
// one goroutine, the connection's reader, feeds it.
type Decoder struct {
	// MaxAttachments bounds the attachments of one packet; a packet that
	// announces more is an error. Zero means DefaultMaxAttachments.
	MaxAttachments int

	pending *Packet // the binary packet waiting for attachments
	want    int     // how many attachments it waits for
}

// Decode takes one engine message, text or binary. It returns a complete
// packet, or (nil, nil) while a binary packet waits for more attachments.
//
// Decode copies what it keeps: data may be reused once Decode returns. The
// packet's Raw is the payload as received, validated but not decoded; binary
// packets are returned with Type Event or Ack, like the reference parser
// does, their attachments in Attachments.
//
// These are errors wrapping ErrInvalidPacket: a binary message with no
// binary packet pending, a text message while attachments are pending, an
// empty message, an unknown type, a namespace with control characters, an
// ack id that is not all digits or exceeds MaxAckID, an ack id on a packet
// type that has none (Connect, Disconnect, ConnectError), an Ack without ack
// id, an attachment count that is missing, too large or on a non-binary
// type, a payload that is not valid UTF-8 JSON or not of the right shape
// (Event: non-empty array starting with a string that is not a reserved
// event name; Ack: array; Connect: object or absent; ConnectError: object or
// string; Disconnect: absent). After an error the decoder is reset and can
// go on with the next packet, though the connection is usually closed.
func (d *Decoder) Decode(data []byte, binary bool) (*Packet, error) {
	if binary {
		if d.pending == nil {
			return nil, invalidf("binary message without a pending binary packet")
		}
		p := d.pending
		p.Attachments = append(p.Attachments, append([]byte{}, data...))
		if len(p.Attachments) < d.want {
			return nil, nil
		}
		d.Reset()
		return p, nil
	}
	if d.pending != nil {
		n := d.want - len(d.pending.Attachments)
		d.Reset()
		return nil, invalidf("text message while %d attachments are pending", n)
	}
	max := d.MaxAttachments
	if max <= 0 {
		max = DefaultMaxAttachments
	}
	p, n, err := parseText(data, max)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		p.Attachments = make([][]byte, 0, n)
		d.pending, d.want = p, n
		return nil, nil
	}
	return p, nil
}

// Reset drops a packet waiting for attachments, if any.
func (d *Decoder) Reset() {
	d.pending, d.want = nil, 0
}

// parseText parses the text message of a packet. It returns the packet and
// the number of attachments to wait for.
func parseText(data []byte, maxAttachments int) (*Packet, int, error) {
	if len(data) == 0 {
		return nil, 0, invalidf("empty message")
	}
	t := PacketType(data[0] - '0')
	if data[0] < '0' || !t.Valid() {
		return nil, 0, invalidf("unknown packet type %q", data[0])
	}
	p := &Packet{Type: t, Nsp: "/"}
	i := 1

	attachments := 0
	if t == BinaryEvent || t == BinaryAck {
		start := i
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			attachments = attachments*10 + int(data[i]-'0')
			if attachments > maxAttachments {
				return nil, 0, invalidf("more than %d attachments", maxAttachments)
			}
			i++
		}
		if i == start || i >= len(data) || data[i] != '-' {
			return nil, 0, invalidf("bad attachment count")
		}
		i++
		p.Type = t - (BinaryEvent - Event) // reported as Event or Ack
	}

	if i < len(data) && data[i] == '/' {
		start := i
		for i < len(data) && data[i] != ',' {
			i++
		}
		nsp := data[start:i]
		if i < len(data) {
			i++ // the comma
		}
		if len(nsp) > 1 {
			if !validNsp(string(nsp), false) {
				return nil, 0, invalidf("bad namespace %q", nsp)
			}
			p.Nsp = string(nsp)
		}
	}

	if i < len(data) && data[i] >= '0' && data[i] <= '9' {
		var id uint64
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			id = id*10 + uint64(data[i]-'0')
			if id > MaxAckID {
				return nil, 0, invalidf("ack id above 2^53-1")
			}
			i++
		}
		if p.Type != Event && p.Type != Ack {
			return nil, 0, invalidf("%v packet with an ack id", t)
		}
		p.ID, p.HasID = id, true
	} else if p.Type == Ack {
		return nil, 0, invalidf("%v packet without ack id", t)
	}

	payload := data[i:]
	if len(payload) > 0 {
		if err := validJSON(payload); err != nil {
			return nil, 0, err
		}
	}
	if err := checkShape(p.Type, payload, len(payload) > 0); err != nil {
		return nil, 0, err
	}
	if p.Type == Event && reservedName(payload) {
		return nil, 0, invalidf("reserved event name")
	}
	if len(payload) > 0 {
		p.Raw = append([]byte(nil), payload...)
	}
	return p, attachments, nil
}

// reservedName reports whether the event name of a valid Event payload is
// one of reservedEvents.
func reservedName(payload []byte) bool {
	i := skipSpace(payload, skipSpace(payload, 0)+1)
	s := scanner{data: payload}
	end := s.str(i)
	if end < 0 || end-i > 6*len("removeListener")+2 {
		return false // every character of a name may be a 6-byte escape
	}
	q := payload[i:end]
	inner := q[1 : len(q)-1]
	for _, c := range inner {
		if c == '\\' {
			name := unquote(q)
			for _, r := range reservedEvents {
				if name == r {
					return true
				}
			}
			return false
		}
	}
	for _, r := range reservedEvents {
		if string(inner) == r {
			return true
		}
	}
	return false
}

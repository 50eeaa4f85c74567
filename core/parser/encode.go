package parser

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"unicode/utf8"
)

// Encode encodes p for the wire: the text message first, then the binary
// attachments, each to be sent as its own binary message after the text.
//
// The text is <type>[<attachments>-][<nsp>,][<id>][<payload>]; the main
// namespace "/" is omitted. The payload is p.Data marshaled as JSON, the way
// encoding/json does it but without escaping <, > and &. When Data is nil and
// Raw is not, Raw is the payload, sent verbatim, with p.Attachments.
//
// In the Data of an Event or an Ack, every non-nil []byte (at top level, in
// []any and map[string]any, in slices, arrays and maps of any type, behind
// pointers and interfaces, in exported struct fields honouring json tags) is
// replaced by a placeholder {"_placeholder":true,"num":N} and becomes
// attachment N; the packet then goes out as a BinaryEvent or BinaryAck with
// the attachment count. json.RawMessage, and any value that implements
// json.Marshaler or encoding.TextMarshaler, is marshaled as it says. A
// BinaryEvent or BinaryAck without binary data is sent as an Event or Ack.
// In other packet types, []byte is marshaled by encoding/json (base64).
//
// The attachments alias the []byte values of p.Data (or p.Attachments):
// they must not be modified until they are sent. The text is a fresh slice.
//
// Encode checks what a peer would reject: an unknown type, a namespace that
// does not start with "/" or contains a comma, an ack id above MaxAckID or on
// a packet type that has none, and a payload of the wrong shape (an Event
// needs a non-empty array starting with the event name, an Ack an array, a
// Connect an object or nothing, a ConnectError an object or a string, a
// Disconnect nothing). Those errors wrap ErrInvalidPacket; a value that
// encoding/json cannot marshal returns its error.
//
// Encode is safe for concurrent use.
func Encode(p *Packet) (text []byte, attachments [][]byte, err error) {
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
	if p.Nsp != "" && p.Nsp != "/" && !validNsp(p.Nsp, true) {
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

	st := getEncState()
	defer putEncState(st)
	present := true
	switch {
	case p.Data != nil:
		if typ == Event || typ == Ack {
			// Data nested deeper than maxDepth is searched no further: it
			// goes to encoding/json, which reports cycles.
			var w binWalk
			switch found := w.any(p.Data); {
			case found:
				err = st.deconstruct(p.Data)
				attachments = st.atts
			case w.exceeded:
				err = st.marshal(p.Data)
			default:
				// No binary: the placeholder writer writes what
				// encoding/json would, faster for []any and maps.
				err = st.deconstruct(p.Data)
			}
		} else {
			err = st.marshal(p.Data)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("parser: encode %v: %w", typ, err)
		}
		if typ == Connect && string(st.buf.Bytes()) == "null" {
			st.buf.Reset()
			present = false
		}
	case len(p.Raw) > 0:
		st.buf.Write(p.Raw)
		if len(p.Attachments) > 0 {
			if typ != Event && typ != Ack {
				return nil, nil, invalidf("%v packet with attachments", typ)
			}
			attachments = p.Attachments
		}
	default:
		present = false
	}
	payload := st.buf.Bytes()
	if err := checkShape(typ, payload, present); err != nil {
		return nil, nil, err
	}

	if len(attachments) > 0 {
		typ += BinaryEvent - Event // Event→BinaryEvent, Ack→BinaryAck
	}
	n := 1 + len(payload)
	if len(attachments) > 0 {
		n += 21
	}
	if p.Nsp != "" && p.Nsp != "/" {
		n += len(p.Nsp) + 1
	}
	if p.HasID {
		n += 16
	}
	text = make([]byte, 0, n)
	text = append(text, '0'+byte(typ))
	if len(attachments) > 0 {
		text = strconv.AppendInt(text, int64(len(attachments)), 10)
		text = append(text, '-')
	}
	if p.Nsp != "" && p.Nsp != "/" {
		text = append(text, p.Nsp...)
		text = append(text, ',')
	}
	if p.HasID {
		text = strconv.AppendUint(text, p.ID, 10)
	}
	text = append(text, payload...)
	return text, attachments, nil
}

// checkShape checks the payload of an outgoing packet of type t (Event or
// Ack for the binary types). Its JSON is trusted; only the shape is checked.
func checkShape(t PacketType, payload []byte, present bool) error {
	i := skipSpace(payload, 0)
	var first, second byte
	if i < len(payload) {
		first = payload[i]
		if j := skipSpace(payload, i+1); j < len(payload) {
			second = payload[j]
		}
	}
	ok := false
	switch t {
	case Connect:
		ok = !present || first == '{'
	case Disconnect:
		ok = !present
	case Event:
		ok = present && first == '[' && second == '"'
	case Ack:
		ok = present && first == '['
	case ConnectError:
		ok = present && (first == '{' || first == '"')
	}
	if !ok {
		return invalidf("%v payload must be %s", t, shapeName(t))
	}
	return nil
}

func shapeName(t PacketType) string {
	switch t {
	case Connect:
		return "an object or absent"
	case Disconnect:
		return "absent"
	case Event, BinaryEvent:
		return "a non-empty array starting with the event name"
	case Ack, BinaryAck:
		return "an array"
	case ConnectError:
		return "an object or a string"
	}
	return "valid"
}

// validNsp reports whether a namespace is acceptable: it starts with "/",
// is valid UTF-8 without control characters and, when it is to be encoded,
// has no comma (the comma ends the namespace on the wire).
func validNsp(nsp string, encoding bool) bool {
	if len(nsp) == 0 || nsp[0] != '/' {
		return false
	}
	for i := 0; i < len(nsp); i++ {
		c := nsp[i]
		if c < 0x20 || c == 0x7f || (encoding && c == ',') {
			return false
		}
	}
	return utf8.ValidString(nsp)
}

// encState is the scratch space of one Encode: the payload buffer, a JSON
// encoder writing into it, and the attachments found so far.
type encState struct {
	buf   bytes.Buffer
	enc   *json.Encoder
	atts  [][]byte
	depth int
	// holders are the offsets in buf of the placeholders written, for the
	// MsgPack encoder.
	holders []int
}

var encPool = sync.Pool{New: func() any {
	st := &encState{}
	st.enc = json.NewEncoder(&st.buf)
	st.enc.SetEscapeHTML(false)
	return st
}}

func getEncState() *encState { return encPool.Get().(*encState) }

// putEncState recycles st, unless its buffer grew large.
func putEncState(st *encState) {
	if st.buf.Cap() > 64<<10 {
		return
	}
	st.buf.Reset()
	st.atts = nil
	st.depth = 0
	st.holders = st.holders[:0]
	encPool.Put(st)
}

// marshal appends the JSON of x to the buffer.
func (st *encState) marshal(x any) error {
	if err := st.enc.Encode(x); err != nil {
		return err
	}
	st.buf.Truncate(st.buf.Len() - 1) // the newline Encode adds
	return nil
}

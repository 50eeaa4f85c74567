package parser

import "encoding/json"

// EventName returns the event name of an incoming Event or BinaryEvent
// packet, the first element of its Raw payload, and the raw remaining
// arguments. The arguments alias p.Raw and may hold binary placeholders:
// decode them with Unmarshal and p.Attachments. An error wraps
// ErrInvalidPacket.
//
// EventName is safe for concurrent use; it does not modify p.
func EventName(p *Packet) (name string, args []json.RawMessage, err error) {
	if p == nil || (p.Type != Event && p.Type != BinaryEvent) {
		return "", nil, invalidf("not an event packet")
	}
	elems, err := SplitArray(p.Raw)
	if err != nil {
		return "", nil, err
	}
	if len(elems) == 0 || elems[0][0] != '"' {
		return "", nil, invalidf("event payload must start with the event name")
	}
	return unquote(elems[0]), elems[1:], nil
}

// SplitArray splits a JSON array into its elements without decoding them.
// It validates the whole text (JSON syntax and UTF-8); the elements alias
// raw, without surrounding white space. An error wraps ErrInvalidPacket.
//
// SplitArray is safe for concurrent use.
func SplitArray(raw []byte) ([]json.RawMessage, error) {
	s := scanner{data: raw}
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return nil, invalidf("not a JSON array")
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == ']' {
		if skipSpace(raw, i+1) != len(raw) {
			return nil, invalidf("data after the array")
		}
		return []json.RawMessage{}, nil
	}
	elems := make([]json.RawMessage, 0, 4)
	s.depth = 1
	for {
		start := i
		i = s.value(i)
		if i < 0 {
			return nil, s.err
		}
		elems = append(elems, json.RawMessage(raw[start:i:i]))
		i = skipSpace(raw, i)
		if i >= len(raw) {
			return nil, invalidf("unterminated array")
		}
		switch raw[i] {
		case ',':
			i = skipSpace(raw, i+1)
			continue
		case ']':
			if skipSpace(raw, i+1) != len(raw) {
				return nil, invalidf("data after the array")
			}
			return elems, nil
		}
		return nil, invalidf("bad JSON at offset %d: expected , or ]", i)
	}
}

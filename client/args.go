package client

import (
	"encoding/json"
	"fmt"

	"github.com/gosio/gosio/core/parser"
)

// Args is a list of arguments received from the server: an event's
// arguments or an acknowledgement's. Its values are decoded on demand into
// the Go types the caller asks for; binary attachments decode into []byte.
// An Args is immutable and may be read concurrently.
type Args struct {
	raw         []json.RawMessage
	attachments [][]byte
}

// Len returns the number of arguments.
func (a *Args) Len() int { return len(a.raw) }

// Raw returns argument i as raw JSON, binary placeholders intact.
func (a *Args) Raw(i int) json.RawMessage { return a.raw[i] }

// Decode decodes argument i into v (a pointer). Binary attachments decode
// into []byte fields or values.
func (a *Args) Decode(i int, v any) error {
	if i < 0 || i >= len(a.raw) {
		return fmt.Errorf("socket.io client: argument %d of %d missing", i, len(a.raw))
	}
	return parser.Unmarshal(a.raw[i], a.attachments, v)
}

// Bind decodes the arguments into vs, in order. Extra arguments are
// ignored; missing ones are an error.
func (a *Args) Bind(vs ...any) error {
	for i, v := range vs {
		if err := a.Decode(i, v); err != nil {
			return err
		}
	}
	return nil
}

// Values decodes every argument into generic Go values (map[string]any,
// []any, string, float64, bool, nil, and []byte for binary).
func (a *Args) Values() ([]any, error) {
	out := make([]any, len(a.raw))
	for i := range a.raw {
		if err := a.Decode(i, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Decode decodes the first argument into a T: the usual way to read an
// acknowledgement.
func Decode[T any](a *Args) (T, error) {
	var v T
	err := a.Decode(0, &v)
	return v, err
}

// argsOf splits an acknowledgement packet's payload.
func argsOf(p *parser.Packet) (*Args, error) {
	if len(p.Raw) == 0 {
		return &Args{attachments: p.Attachments}, nil
	}
	raw, err := parser.SplitArray(p.Raw)
	if err != nil {
		return nil, err
	}
	return &Args{raw: raw, attachments: p.Attachments}, nil
}

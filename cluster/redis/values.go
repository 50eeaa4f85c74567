package sioredis

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gosio/gosio/core/parser"
)

// This file converts between Go values and the value model shared with Node
// servers. Values travel between servers as a tree of
//
//	nil, bool, int64, uint64, float64, string, []byte, []any, *object
//
// (object keeps its keys in order, as JavaScript objects do). toTree builds
// that tree from whatever an application emits, with the JSON rules a client
// would see (json tags, MarshalJSON), binary kept as []byte; the MessagePack
// and JSON writers serialise it the way Node's notepack.io and JSON.stringify
// do.

// object is a JSON object that keeps its keys in insertion order.
type object struct {
	keys []string
	vals []any
}

func (o *object) set(k string, v any) {
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
}

// get returns the value of key k.
func (o *object) get(k string) (any, bool) {
	for i, key := range o.keys {
		if key == k {
			return o.vals[i], true
		}
	}
	return nil, false
}

// maxDepth bounds the nesting of values we walk, as the parser does.
const maxDepth = 1000

var errTooDeep = errors.New("sioredis: value nested deeper than 1000 levels")

// toTree converts an emitted Go value into the tree model.
func toTree(v any) (any, error) { return toTreeDepth(v, 0) }

func toTreeDepth(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	switch x := v.(type) {
	case nil:
		return nil, nil
	case bool, string, int64, uint64:
		return x, nil
	case float64:
		return x, nil
	case float32:
		// The float64 encoding/json would print for a float32: 0.1, not
		// 0.10000000149011612, as the local clients see it.
		f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(x), 'g', -1, 32), 64)
		return f, nil
	case int:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint:
		return uint64(x), nil
	case uint8:
		return uint64(x), nil
	case uint16:
		return uint64(x), nil
	case uint32:
		return uint64(x), nil
	case []byte:
		if x == nil {
			return nil, nil
		}
		return x, nil
	case *object:
		return x, nil
	case []any:
		if x == nil {
			return nil, nil
		}
		out := make([]any, len(x))
		for i, e := range x {
			t, err := toTreeDepth(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = t
		}
		return out, nil
	case []string:
		if x == nil {
			return nil, nil
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out, nil
	case map[string]any:
		if x == nil {
			return nil, nil
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		o := &object{keys: keys, vals: make([]any, len(keys))}
		for i, k := range keys {
			t, err := toTreeDepth(x[k], depth+1)
			if err != nil {
				return nil, err
			}
			o.vals[i] = t
		}
		return o, nil
	case json.RawMessage:
		if x == nil {
			return nil, nil
		}
		return decodeJSONTree(x, nil)
	case time.Time:
		// What a client would get through JSON.
		return x.Format(time.RFC3339Nano), nil
	}
	return viaParser(v)
}

// viaParser converts any other value the way the packet encoder would send
// it to a client: JSON with binary placeholders, then back into a tree with
// the attachments in place.
func viaParser(v any) (any, error) {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return nil, nil
	}
	text, atts, err := parser.Encode(&parser.Packet{Type: parser.Event, Data: []any{"x", v}})
	if err != nil {
		return nil, err
	}
	i := bytes.IndexByte(text, '[')
	if i < 0 {
		return nil, fmt.Errorf("sioredis: cannot convert %T", v)
	}
	t, err := decodeJSONTree(text[i:], atts)
	if err != nil {
		return nil, err
	}
	arr, ok := t.([]any)
	if !ok || len(arr) != 2 {
		return nil, fmt.Errorf("sioredis: cannot convert %T", v)
	}
	return arr[1], nil
}

// decodeJSONTree parses JSON into the tree model, keeping key order and
// replacing binary placeholders by their attachments (when atts is not nil).
func decodeJSONTree(b []byte, atts [][]byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := jsonValue(dec, atts, 0)
	if err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("sioredis: trailing data after JSON value")
	}
	return v, nil
}

func jsonValue(dec *json.Decoder, atts [][]byte, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '[':
			out := []any{}
			for dec.More() {
				v, err := jsonValue(dec, atts, depth+1)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			_, err := dec.Token()
			return out, err
		case '{':
			o := &object{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := jsonValue(dec, atts, depth+1)
				if err != nil {
					return nil, err
				}
				o.set(k, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			if atts != nil {
				if b, ok := placeholder(o, atts); ok {
					return b, nil
				}
			}
			return o, nil
		}
		return nil, fmt.Errorf("sioredis: unexpected %v", t)
	case json.Number:
		return jsonNumber(t), nil
	default: // string, bool, nil
		return t, nil
	}
}

// jsonNumber converts a JSON number to int64, uint64 or float64.
func jsonNumber(n json.Number) any {
	s := string(n)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i
	}
	if u, err := strconv.ParseUint(s, 10, 64); err == nil {
		return u
	}
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// placeholder reports whether o is {"_placeholder":true,"num":N} and returns
// attachment N.
func placeholder(o *object, atts [][]byte) ([]byte, bool) {
	if len(o.keys) != 2 {
		return nil, false
	}
	ph, _ := o.get("_placeholder")
	num, _ := o.get("num")
	n, ok := num.(int64)
	if ph != true || !ok || n < 0 || n >= int64(len(atts)) {
		return nil, false
	}
	return atts[n], true
}

// treeHasBinary reports whether a tree holds []byte anywhere.
func treeHasBinary(v any) bool {
	switch x := v.(type) {
	case []byte:
		return true
	case []any:
		for _, e := range x {
			if treeHasBinary(e) {
				return true
			}
		}
	case *object:
		for _, e := range x.vals {
			if treeHasBinary(e) {
				return true
			}
		}
	}
	return false
}

// forDelivery turns a tree into values the packet encoder sends as Node
// would: binary-free sub-trees become json.RawMessage (keeping key order),
// containers holding binary become []any / map[string]any with []byte
// leaves.
func forDelivery(v any) any {
	switch x := v.(type) {
	case []any:
		if !treeHasBinary(x) {
			return json.RawMessage(appendJSON(nil, x, false))
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = forDelivery(e)
		}
		return out
	case *object:
		if !treeHasBinary(x) {
			return json.RawMessage(appendJSON(nil, x, false))
		}
		out := make(map[string]any, len(x.keys))
		for i, k := range x.keys {
			out[k] = forDelivery(x.vals[i])
		}
		return out
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil // JSON.stringify writes null
		}
		return x
	}
	return v
}

// toGeneric turns a tree into plain Go values: map[string]any, []any,
// string, float64 (JSON numbers) or int64/uint64 (MessagePack integers),
// bool, nil and []byte.
func toGeneric(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toGeneric(e)
		}
		return out
	case *object:
		out := make(map[string]any, len(x.keys))
		for i, k := range x.keys {
			out[k] = toGeneric(x.vals[i])
		}
		return out
	}
	return v
}

// appendJSON writes a tree as JSON.stringify would. With buffers, []byte is
// written as Node serialises a Buffer ({"type":"Buffer","data":[...]});
// otherwise as base64 (never reached by forDelivery, which keeps binary
// out).
func appendJSON(b []byte, v any, buffers bool) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case uint64:
		return strconv.AppendUint(b, x, 10)
	case float64:
		return appendJSFloat(b, x)
	case string:
		return appendJSString(b, x)
	case []byte:
		if buffers {
			b = append(b, `{"type":"Buffer","data":[`...)
			for i, c := range x {
				if i > 0 {
					b = append(b, ',')
				}
				b = strconv.AppendUint(b, uint64(c), 10)
			}
			return append(b, "]}"...)
		}
		enc, _ := json.Marshal(x)
		return append(b, enc...)
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e, buffers)
		}
		return append(b, ']')
	case *object:
		b = append(b, '{')
		for i, k := range x.keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSString(b, k)
			b = append(b, ':')
			b = appendJSON(b, x.vals[i], buffers)
		}
		return append(b, '}')
	}
	// Not a tree value: let encoding/json decide.
	enc, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, enc...)
}

// appendJSFloat formats f like JavaScript's Number.prototype.toString in
// JSON (NaN and infinities become null).
func appendJSFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	// encoding/json uses the ES6 number formatting.
	enc, _ := json.Marshal(f)
	return append(b, enc...)
}

// appendJSString writes s as JSON.stringify does: quotes, backslashes and
// control characters are escaped, nothing else (invalid UTF-8 becomes
// U+FFFD).
func appendJSString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, "\ufffd"...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

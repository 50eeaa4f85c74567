package parser

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"unicode/utf8"
)

// This file is the slow path of Encode: a JSON writer that walks a value
// holding binary data and writes a placeholder for each []byte, collecting
// the bytes as attachments. Sub-values whose type cannot hold binary are
// handed to encoding/json whole, so the walk only descends where it must.

var errTooDeep = errors.New("data nested deeper than 1000 levels or cyclic")

// deconstruct appends the JSON of x to st.buf with placeholders for binary
// data, appending the binary data to st.atts.
func (st *encState) deconstruct(x any) error {
	switch v := x.(type) {
	case nil:
		st.buf.WriteString("null")
		return nil
	case []byte:
		if v == nil {
			st.buf.WriteString("null")
			return nil
		}
		st.placeholder(v)
		return nil
	case string:
		st.buf.Write(appendString(st.buf.AvailableBuffer(), v))
		return nil
	case bool:
		st.buf.Write(strconv.AppendBool(st.buf.AvailableBuffer(), v))
		return nil
	case int:
		st.buf.Write(strconv.AppendInt(st.buf.AvailableBuffer(), int64(v), 10))
		return nil
	case int64:
		st.buf.Write(strconv.AppendInt(st.buf.AvailableBuffer(), v, 10))
		return nil
	case uint64:
		st.buf.Write(strconv.AppendUint(st.buf.AvailableBuffer(), v, 10))
		return nil
	case float64:
		b, err := appendFloat(st.buf.AvailableBuffer(), v)
		if err != nil {
			return err
		}
		st.buf.Write(b)
		return nil
	case []any:
		if v == nil {
			st.buf.WriteString("null")
			return nil
		}
		if err := st.enter(); err != nil {
			return err
		}
		st.buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				st.buf.WriteByte(',')
			}
			if err := st.deconstruct(e); err != nil {
				return err
			}
		}
		st.buf.WriteByte(']')
		st.depth--
		return nil
	case map[string]any:
		if v == nil {
			st.buf.WriteString("null")
			return nil
		}
		if err := st.enter(); err != nil {
			return err
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		st.buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				st.buf.WriteByte(',')
			}
			st.buf.Write(appendString(st.buf.AvailableBuffer(), k))
			st.buf.WriteByte(':')
			if err := st.deconstruct(v[k]); err != nil {
				return err
			}
		}
		st.buf.WriteByte('}')
		st.depth--
		return nil
	}
	return st.value(reflect.ValueOf(x))
}

func (st *encState) enter() error {
	st.depth++
	if st.depth > maxDepth {
		return errTooDeep
	}
	return nil
}

// placeholder writes the placeholder of the next attachment and records b.
func (st *encState) placeholder(b []byte) {
	st.holders = append(st.holders, st.buf.Len())
	st.buf.WriteString(`{"_placeholder":true,"num":`)
	st.buf.Write(strconv.AppendInt(st.buf.AvailableBuffer(), int64(len(st.atts)), 10))
	st.buf.WriteByte('}')
	st.atts = append(st.atts, b)
}

// value is deconstruct for any other value, by reflection.
func (st *encState) value(v reflect.Value) error {
	if !v.IsValid() {
		st.buf.WriteString("null")
		return nil
	}
	t := v.Type()
	if !mayHaveBinary(t) {
		return st.marshalValue(v)
	}
	if err := st.enter(); err != nil {
		return err
	}
	defer func() { st.depth-- }()
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			st.buf.WriteString("null")
			return nil
		}
		if v.Elem().CanInterface() {
			return st.deconstruct(v.Elem().Interface())
		}
		return st.value(v.Elem())
	case reflect.Pointer:
		if v.IsNil() {
			st.buf.WriteString("null")
			return nil
		}
		return st.value(v.Elem())
	case reflect.Slice:
		if v.IsNil() {
			st.buf.WriteString("null")
			return nil
		}
		if isBinaryType(t) {
			st.placeholder(v.Bytes())
			return nil
		}
		fallthrough
	case reflect.Array:
		st.buf.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				st.buf.WriteByte(',')
			}
			if err := st.value(v.Index(i)); err != nil {
				return err
			}
		}
		st.buf.WriteByte(']')
		return nil
	case reflect.Map:
		if v.IsNil() {
			st.buf.WriteString("null")
			return nil
		}
		return st.mapValue(v)
	case reflect.Struct:
		return st.structValue(v)
	}
	return st.marshalValue(v)
}

func (st *encState) mapValue(v reflect.Value) error {
	type kv struct {
		key string
		val reflect.Value
	}
	kvs := make([]kv, 0, v.Len())
	it := v.MapRange()
	for it.Next() {
		k, err := mapKey(it.Key())
		if err != nil {
			return err
		}
		kvs = append(kvs, kv{k, it.Value()})
	}
	sort.Slice(kvs, func(i, j int) bool { return kvs[i].key < kvs[j].key })
	st.buf.WriteByte('{')
	for i, e := range kvs {
		if i > 0 {
			st.buf.WriteByte(',')
		}
		st.buf.Write(appendString(st.buf.AvailableBuffer(), e.key))
		st.buf.WriteByte(':')
		if err := st.value(e.val); err != nil {
			return err
		}
	}
	st.buf.WriteByte('}')
	return nil
}

// mapKey returns the JSON object key of a map key, as encoding/json does.
func mapKey(k reflect.Value) (string, error) {
	if k.Kind() == reflect.String {
		return k.String(), nil
	}
	if k.CanInterface() {
		if tm, ok := k.Interface().(interface{ MarshalText() ([]byte, error) }); ok {
			if k.Kind() == reflect.Pointer && k.IsNil() {
				return "", nil
			}
			b, err := tm.MarshalText()
			return string(b), err
		}
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), nil
	}
	return "", fmt.Errorf("unsupported map key type %v", k.Type())
}

func (st *encState) structValue(v reflect.Value) error {
	st.buf.WriteByte('{')
	first := true
	fs := structFields(v.Type())
	for i := range fs {
		f := &fs[i]
		fv, ok := fieldValue(v, f.index)
		if !ok || omitField(f, fv) {
			continue
		}
		if !first {
			st.buf.WriteByte(',')
		}
		first = false
		st.buf.Write(appendString(st.buf.AvailableBuffer(), f.name))
		st.buf.WriteByte(':')
		if f.quoted {
			// ",string" applies to scalars only, which hold no binary:
			// their JSON, quoted once more.
			start := st.buf.Len()
			if err := st.marshalValue(fv); err != nil {
				return err
			}
			s := string(st.buf.Bytes()[start:])
			st.buf.Truncate(start)
			st.buf.Write(appendString(st.buf.AvailableBuffer(), s))
			continue
		}
		if err := st.value(fv); err != nil {
			return err
		}
	}
	st.buf.WriteByte('}')
	return nil
}

// marshalValue hands v to encoding/json. An addressable value is passed by
// pointer so that MarshalJSON methods with pointer receivers run, as they
// would inside json.Marshal.
func (st *encState) marshalValue(v reflect.Value) error {
	if v.CanAddr() && v.Addr().CanInterface() {
		return st.marshal(v.Addr().Interface())
	}
	if !v.CanInterface() {
		return fmt.Errorf("cannot encode %v reached through an unexported field", v.Type())
	}
	return st.marshal(v.Interface())
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaped like encoding/json with
// HTML escaping off: quotes, backslashes, control characters, U+2028 and
// U+2029 are escaped, and invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
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
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendFloat appends f the way encoding/json writes a float64.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, fmt.Errorf("unsupported value: %v", f)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// Shorten e-09 to e-9, as encoding/json does.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

package parser

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
)

// This file puts binary attachments back in place of their placeholders
// while decoding: the JSON text is decoded by encoding/json with each
// placeholder read as null, then each placeholder's path is followed in the
// decoded value and the attachment stored there.

var (
	unmarshalerType     = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()
	textUnmarshalerType = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()
)

// Unmarshal decodes the JSON text raw into v, as json.Unmarshal does,
// replacing each binary placeholder {"_placeholder":true,"num":N} by
// attachments[N]:
//   - into a []byte (or a named byte-slice type, at any depth: a struct
//     field, a slice element, a map value, behind pointers), the attachment;
//   - into an empty interface (any, including inside []any and
//     map[string]any), a []byte holding the attachment;
//   - into a type implementing json.Unmarshaler, such as json.RawMessage,
//     the placeholder's JSON text, untouched;
//   - into anything else, nothing: the target is decoded from null.
//
// The []byte values alias the attachments: copy them before modifying.
// A placeholder whose num is not an index of attachments, or whose num is
// not a non-negative integer, is an error wrapping ErrInvalidPacket. With no
// attachments, Unmarshal is json.Unmarshal and placeholders stay objects, as
// they do in the reference implementation for packets without attachments.
//
// Unmarshal is safe for concurrent use with distinct targets.
func Unmarshal(raw []byte, attachments [][]byte, v any) error {
	if len(attachments) == 0 {
		return json.Unmarshal(raw, v)
	}
	s := scanner{data: raw, track: true}
	if err := s.whole(); err != nil {
		return err
	}
	if len(s.holders) == 0 {
		return json.Unmarshal(raw, v)
	}
	size := len(raw)
	for _, h := range s.holders {
		if h.num >= len(attachments) {
			return invalidf("binary placeholder num %d with %d attachments", h.num, len(attachments))
		}
		size -= h.end - h.start - len("null")
	}
	text := make([]byte, 0, size)
	prev := 0
	for _, h := range s.holders {
		text = append(text, raw[prev:h.start]...)
		text = append(text, "null"...)
		prev = h.end
	}
	text = append(text, raw[prev:]...)
	if err := json.Unmarshal(text, v); err != nil {
		return err
	}
	rv := reflect.ValueOf(v)
	for _, h := range s.holders {
		if err := place(rv, h.path, attachments[h.num], raw[h.start:h.end]); err != nil {
			return err
		}
	}
	return nil
}

// place follows path from v and stores b (or, for an Unmarshaler, the
// placeholder text) at its end. Paths that lead nowhere in v are ignored,
// as encoding/json ignores unknown fields.
func place(v reflect.Value, path []pathElem, b, text []byte) error {
	for {
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() {
				if len(path) > 0 || !v.CanSet() || !acceptsBinary(v.Type().Elem()) {
					return nil
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
			continue
		case reflect.Interface:
			if len(path) == 0 {
				if v.CanSet() && v.NumMethod() == 0 {
					v.Set(reflect.ValueOf(b))
				}
				return nil
			}
			if v.IsNil() {
				return nil
			}
			e := v.Elem()
			switch e.Kind() {
			case reflect.Map, reflect.Slice, reflect.Pointer, reflect.Interface:
				v = e
				continue
			}
			// A value inside an interface is not addressable: work on a
			// copy and store it back.
			c := reflect.New(e.Type()).Elem()
			c.Set(e)
			if err := place(c, path, b, text); err != nil {
				return err
			}
			if v.CanSet() {
				v.Set(c)
			}
			return nil
		}
		break
	}
	if v.CanAddr() && v.Addr().Type().Implements(unmarshalerType) {
		if len(path) == 0 {
			return v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(text)
		}
		return nil // it decoded itself; its insides are its own business
	}
	if len(path) == 0 {
		if isBinaryType(v.Type()) && v.CanSet() {
			v.SetBytes(b)
		}
		return nil
	}
	step := path[0]
	switch v.Kind() {
	case reflect.Map:
		if !step.isKey || v.IsNil() {
			return nil
		}
		k, ok := mapKeyFor(v.Type().Key(), step.key)
		if !ok {
			return nil
		}
		cur := v.MapIndex(k)
		if !cur.IsValid() {
			return nil
		}
		c := reflect.New(v.Type().Elem()).Elem()
		c.Set(cur)
		if err := place(c, path[1:], b, text); err != nil {
			return err
		}
		v.SetMapIndex(k, c)
	case reflect.Slice, reflect.Array:
		if step.isKey || step.index >= v.Len() {
			return nil
		}
		return place(v.Index(step.index), path[1:], b, text)
	case reflect.Struct:
		if !step.isKey {
			return nil
		}
		f := fieldByName(structFields(v.Type()), step.key)
		if f == nil {
			return nil
		}
		fv, ok := fieldValue(v, f.index)
		if !ok {
			return nil
		}
		return place(fv, path[1:], b, text)
	}
	return nil
}

// acceptsBinary reports whether a value of type t takes an attachment:
// binary slices, empty interfaces and json.Unmarshalers, behind pointers.
func acceptsBinary(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return isBinaryType(t) || (t.Kind() == reflect.Interface && t.NumMethod() == 0) ||
		reflect.PointerTo(t).Implements(unmarshalerType)
}

// mapKeyFor converts an object key to a map key of type kt, as
// encoding/json does.
func mapKeyFor(kt reflect.Type, key string) (reflect.Value, bool) {
	if reflect.PointerTo(kt).Implements(textUnmarshalerType) {
		k := reflect.New(kt)
		if k.Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(key)) != nil {
			return reflect.Value{}, false
		}
		return k.Elem(), true
	}
	switch kt.Kind() {
	case reflect.String:
		return reflect.ValueOf(key).Convert(kt), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(key, 10, 64)
		if err != nil || reflect.Zero(kt).OverflowInt(n) {
			return reflect.Value{}, false
		}
		return reflect.ValueOf(n).Convert(kt), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, err := strconv.ParseUint(key, 10, 64)
		if err != nil || reflect.Zero(kt).OverflowUint(n) {
			return reflect.Value{}, false
		}
		return reflect.ValueOf(n).Convert(kt), true
	}
	return reflect.Value{}, false
}

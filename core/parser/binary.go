package parser

import (
	"encoding"
	"encoding/json"
	"reflect"
	"sync"
)

// This file finds binary data ([]byte) in outgoing values: HasBinary and the
// per-type cache that lets most values skip the search. The encoder that
// swaps binary for placeholders is in deconstruct.go.

// maxDepth bounds how deep the binary search and the placeholder encoder
// descend; deeper values, and cyclic ones, are refused.
const maxDepth = 1000

var (
	marshalerType     = reflect.TypeOf((*json.Marshaler)(nil)).Elem()
	textMarshalerType = reflect.TypeOf((*encoding.TextMarshaler)(nil)).Elem()
)

// HasBinary reports whether v holds a non-nil []byte anywhere that Encode
// would send as a binary attachment: at top level, in slices, arrays, maps,
// pointers, interfaces and exported struct fields (honouring json tags,
// including "-" and omitempty). A nil []byte encodes as null and is not
// binary. json.RawMessage, and any value that implements json.Marshaler or
// encoding.TextMarshaler, is JSON, not binary. Values nested deeper than 1000
// levels, or cyclic, are not searched past that depth.
//
// HasBinary is safe for concurrent use, provided v is not being modified.
func HasBinary(v any) bool {
	var w binWalk
	return w.any(v)
}

// binWalk is one search for binary data. exceeded is set when the search
// went deeper than maxDepth and stopped.
type binWalk struct {
	depth    int
	exceeded bool
}

func (w *binWalk) enter() bool {
	w.depth++
	if w.depth > maxDepth {
		w.exceeded = true
		return false
	}
	return true
}

func (w *binWalk) any(x any) bool {
	switch v := x.(type) {
	case nil, string, bool, float64, float32, int, int64, int32, uint, uint64, uint32,
		json.Number, json.RawMessage, []string, []int, []float64, map[string]string:
		return false
	case []byte:
		return v != nil
	case []any:
		if !w.enter() {
			return false
		}
		defer func() { w.depth-- }()
		for _, e := range v {
			if w.any(e) || w.exceeded {
				return !w.exceeded
			}
		}
		return false
	case map[string]any:
		if !w.enter() {
			return false
		}
		defer func() { w.depth-- }()
		for _, e := range v {
			if w.any(e) || w.exceeded {
				return !w.exceeded
			}
		}
		return false
	}
	return w.value(reflect.ValueOf(x))
}

func (w *binWalk) value(v reflect.Value) bool {
	if !v.IsValid() || w.exceeded || !mayHaveBinary(v.Type()) {
		return false
	}
	if !w.enter() {
		return false
	}
	defer func() { w.depth-- }()
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return false
		}
		if v.Elem().CanInterface() {
			return w.any(v.Elem().Interface())
		}
		return w.value(v.Elem())
	case reflect.Pointer:
		return !v.IsNil() && w.value(v.Elem())
	case reflect.Slice:
		if isBinaryType(v.Type()) {
			return !v.IsNil()
		}
		fallthrough
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if w.value(v.Index(i)) {
				return true
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if w.value(it.Value()) {
				return true
			}
		}
	case reflect.Struct:
		fs := structFields(v.Type())
		for i := range fs {
			f := &fs[i]
			fv, ok := fieldValue(v, f.index)
			if !ok || omitField(f, fv) {
				continue
			}
			if w.value(fv) {
				return true
			}
		}
	}
	return false
}

// isBinaryType reports whether encoding/json would write values of t as a
// base64 string: a slice of bytes that marshals neither itself nor its
// elements. Those are the values sent as attachments.
func isBinaryType(t reflect.Type) bool {
	if t.Kind() != reflect.Slice || t.Elem().Kind() != reflect.Uint8 || isMarshaler(t) {
		return false
	}
	p := reflect.PointerTo(t.Elem())
	return !p.Implements(marshalerType) && !p.Implements(textMarshalerType)
}

// isMarshaler reports whether values of t (or pointers to them) marshal
// themselves: then they are JSON as they say, never binary.
func isMarshaler(t reflect.Type) bool {
	if t.Implements(marshalerType) || t.Implements(textMarshalerType) {
		return true
	}
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
		p := reflect.PointerTo(t)
		return p.Implements(marshalerType) || p.Implements(textMarshalerType)
	}
	return false
}

var binTypeCache sync.Map // reflect.Type -> bool

// mayHaveBinary reports whether a value of type t can hold binary data: its
// type graph reaches a binary slice or an interface (whose dynamic value
// could be anything). The answer is cached per type, so values of types
// without []byte or interfaces skip the search entirely.
func mayHaveBinary(t reflect.Type) bool {
	if r, ok := binTypeCache.Load(t); ok {
		return r.(bool)
	}
	r := typeReaches(t, map[reflect.Type]bool{})
	binTypeCache.Store(t, r)
	return r
}

// typeReaches is a depth-first search of the type graph from t. Only the
// answer for the starting type is cached, since answers for types inside a
// cycle are incomplete until the search returns to its start.
func typeReaches(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	if isMarshaler(t) {
		return false
	}
	if isBinaryType(t) {
		return true
	}
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return typeReaches(t.Elem(), seen)
	case reflect.Struct:
		for _, f := range structFields(t) {
			if typeReaches(f.typ, seen) {
				return true
			}
		}
	}
	return false
}

// fieldValue follows index from struct v, through embedded pointers. It
// reports false when an embedded pointer on the way is nil.
func fieldValue(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

// omitField reports whether the json options of f leave value v out.
func omitField(f *field, v reflect.Value) bool {
	if f.omitEmpty && isEmptyValue(v) {
		return true
	}
	if f.omitZero {
		if z, ok := zeroer(v); ok {
			return z
		}
		return v.IsZero()
	}
	return false
}

// isEmptyValue is encoding/json's notion of empty, for omitempty.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

// zeroer calls an IsZero() bool method of v, as omitzero does.
func zeroer(v reflect.Value) (zero, ok bool) {
	if !v.CanInterface() {
		return false, false
	}
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return true, true
	}
	z, ok := v.Interface().(interface{ IsZero() bool })
	if !ok {
		return false, false
	}
	return z.IsZero(), true
}

package sioredis

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// MessagePack as Node's notepack.io 3 writes it: integral finite numbers in
// the smallest integer form, other numbers as float64, strings as
// fixstr/str8/16/32, []byte as bin, maps in key order. The encoder is
// vmihailenco/msgpack's with compact ints and floats; this file walks our
// value tree and drives it, so the byte layout does not depend on reflection
// or on Go's map order.

var encPool = sync.Pool{New: func() any {
	e := &encoder{}
	e.enc = msgpack.NewEncoder(&e.buf)
	e.enc.UseCompactInts(true)
	e.enc.UseCompactFloats(true)
	return e
}}

type encoder struct {
	buf bytes.Buffer
	enc *msgpack.Encoder
}

// packTree encodes a tree as MessagePack, notepack.io style.
func packTree(v any) ([]byte, error) {
	e := encPool.Get().(*encoder)
	e.buf.Reset()
	err := e.value(v, 0)
	out := bytes.Clone(e.buf.Bytes())
	if e.buf.Cap() < 64<<10 {
		encPool.Put(e)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (e *encoder) value(v any, depth int) error {
	if depth > maxDepth {
		return errTooDeep
	}
	enc := e.enc
	switch x := v.(type) {
	case nil:
		return enc.EncodeNil()
	case bool:
		return enc.EncodeBool(x)
	case int64:
		return enc.EncodeInt(x)
	case uint64:
		return enc.EncodeUint(x)
	case float64:
		return enc.EncodeFloat64(x)
	case string:
		return enc.EncodeString(x)
	case []byte:
		return enc.EncodeBytes(x)
	case []any:
		if err := enc.EncodeArrayLen(len(x)); err != nil {
			return err
		}
		for _, el := range x {
			if err := e.value(el, depth+1); err != nil {
				return err
			}
		}
		return nil
	case *object:
		if err := enc.EncodeMapLen(len(x.keys)); err != nil {
			return err
		}
		for i, k := range x.keys {
			if err := enc.EncodeString(k); err != nil {
				return err
			}
			if err := e.value(x.vals[i], depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	t, err := toTree(v)
	if err != nil {
		return err
	}
	return e.value(t, depth+1)
}

// errMsgpack wraps errors decoding MessagePack from Redis.
var errMsgpack = errors.New("sioredis: invalid MessagePack")

// unpackTree decodes one MessagePack value into the tree model. It accepts
// what Node's notepack.io 2 and 3 and @msgpack/msgpack write: timestamps
// (extension -1, and notepack 2's fixext8 type 0) become the string
// JSON.stringify gives a Date; notepack 2's undefined (fixext1 type 0)
// becomes nil; its ArrayBuffers (extension 0) become []byte; other
// extensions become [type, bytes] as notepack decodes them.
func unpackTree(b []byte) (any, error) {
	u := &unpacker{b: b, r: bytes.NewReader(b)}
	u.dec = msgpack.NewDecoder(u.r)
	v, err := u.value(0)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errMsgpack, err)
	}
	if u.r.Len() != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", errMsgpack, u.r.Len())
	}
	return v, nil
}

// unpacker decodes one message; it checks every declared length against
// the bytes left before the decoder allocates for it.
type unpacker struct {
	b   []byte
	r   *bytes.Reader
	dec *msgpack.Decoder
}

var errLength = errors.New("declared length exceeds the message")

// checkLen checks the length announced by the header at the read position
// (for str, bin, array, map and ext), scaled by the minimum bytes per item.
func (u *unpacker) checkLen(c byte) error {
	off := len(u.b) - u.r.Len()
	h := u.b[off:]
	var n, hdr, per int
	switch {
	case msgpcode.IsFixedString(c):
		n, hdr, per = int(c&msgpcode.FixedStrMask), 1, 1
	case msgpcode.IsFixedArray(c):
		n, hdr, per = int(c&msgpcode.FixedArrayMask), 1, 1
	case msgpcode.IsFixedMap(c):
		n, hdr, per = int(c&msgpcode.FixedMapMask), 1, 2
	case c == msgpcode.Str8 || c == msgpcode.Bin8 || c == msgpcode.Ext8:
		if len(h) < 2 {
			return errLength
		}
		n, hdr, per = int(h[1]), 2, 1
	case c == msgpcode.Str16 || c == msgpcode.Bin16 || c == msgpcode.Ext16 || c == msgpcode.Array16 || c == msgpcode.Map16:
		if len(h) < 3 {
			return errLength
		}
		n, hdr, per = int(binary.BigEndian.Uint16(h[1:])), 3, 1
	case c == msgpcode.Str32 || c == msgpcode.Bin32 || c == msgpcode.Ext32 || c == msgpcode.Array32 || c == msgpcode.Map32:
		if len(h) < 5 {
			return errLength
		}
		n, hdr, per = int(binary.BigEndian.Uint32(h[1:])), 5, 1
	default:
		return nil
	}
	if c == msgpcode.Map16 || c == msgpcode.Map32 {
		per = 2
	}
	if n > (len(h)-hdr)/per {
		return errLength
	}
	return nil
}

func (u *unpacker) value(depth int) (any, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	dec := u.dec
	c, err := dec.PeekCode()
	if err != nil {
		return nil, err
	}
	if err := u.checkLen(c); err != nil {
		return nil, err
	}
	switch {
	case c == msgpcode.Nil:
		return nil, dec.DecodeNil()
	case c == msgpcode.False || c == msgpcode.True:
		return dec.DecodeBool()
	case c == msgpcode.Uint8 || c == msgpcode.Uint16 || c == msgpcode.Uint32 || c == msgpcode.Uint64:
		u, err := dec.DecodeUint64()
		if err != nil {
			return nil, err
		}
		if u <= math.MaxInt64 {
			return int64(u), nil
		}
		return u, nil
	case msgpcode.IsFixedNum(c) || c == msgpcode.Int8 || c == msgpcode.Int16 || c == msgpcode.Int32 || c == msgpcode.Int64:
		return dec.DecodeInt64()
	case c == msgpcode.Float:
		f, err := dec.DecodeFloat32()
		return float64(f), err
	case c == msgpcode.Double:
		return dec.DecodeFloat64()
	case msgpcode.IsString(c):
		return dec.DecodeString()
	case msgpcode.IsBin(c):
		b, err := dec.DecodeBytes()
		if b == nil && err == nil {
			b = []byte{}
		}
		return b, err
	case msgpcode.IsFixedArray(c) || c == msgpcode.Array16 || c == msgpcode.Array32:
		n, err := dec.DecodeArrayLen()
		if err != nil {
			return nil, err
		}
		out := make([]any, 0, min(n, 1024))
		for i := 0; i < n; i++ {
			v, err := u.value(depth + 1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case msgpcode.IsFixedMap(c) || c == msgpcode.Map16 || c == msgpcode.Map32:
		n, err := dec.DecodeMapLen()
		if err != nil {
			return nil, err
		}
		o := &object{keys: make([]string, 0, min(n, 1024)), vals: make([]any, 0, min(n, 1024))}
		for i := 0; i < n; i++ {
			k, err := u.value(depth + 1)
			if err != nil {
				return nil, err
			}
			v, err := u.value(depth + 1)
			if err != nil {
				return nil, err
			}
			ks, ok := k.(string)
			if !ok {
				ks = string(appendJSON(nil, k, false)) // JS stringifies keys
			}
			o.set(ks, v)
		}
		return o, nil
	case msgpcode.IsExt(c):
		raw, err := dec.DecodeRaw()
		if err != nil {
			return nil, err
		}
		return unpackExt(raw)
	}
	return nil, fmt.Errorf("unknown code %#x", c)
}

// unpackExt decodes an extension value from its raw bytes.
func unpackExt(raw []byte) (any, error) {
	var typ int8
	var data []byte
	switch c := raw[0]; c {
	case msgpcode.FixExt1, msgpcode.FixExt2, msgpcode.FixExt4, msgpcode.FixExt8, msgpcode.FixExt16:
		if len(raw) < 2 {
			return nil, errors.New("short extension")
		}
		typ, data = int8(raw[1]), raw[2:]
	case msgpcode.Ext8:
		if len(raw) < 3 {
			return nil, errors.New("short extension")
		}
		typ, data = int8(raw[2]), raw[3:]
	case msgpcode.Ext16:
		if len(raw) < 4 {
			return nil, errors.New("short extension")
		}
		typ, data = int8(raw[3]), raw[4:]
	default: // Ext32
		if len(raw) < 6 {
			return nil, errors.New("short extension")
		}
		typ, data = int8(raw[5]), raw[6:]
	}
	switch {
	case typ == -1:
		t, err := timestamp(data)
		if err != nil {
			return nil, err
		}
		return jsDate(t), nil
	case typ == 0 && raw[0] == msgpcode.FixExt1:
		return nil, nil // notepack 2: undefined
	case typ == 0 && raw[0] == msgpcode.FixExt8:
		ms := int64(binary.BigEndian.Uint64(data)) // notepack 2: Date
		return jsDate(time.UnixMilli(ms)), nil
	case typ == 0:
		return bytes.Clone(data), nil // notepack 2: ArrayBuffer
	}
	return []any{int64(typ), bytes.Clone(data)}, nil
}

// timestamp decodes the MessagePack timestamp extension's payload.
func timestamp(b []byte) (time.Time, error) {
	switch len(b) {
	case 4:
		return time.Unix(int64(binary.BigEndian.Uint32(b)), 0), nil
	case 8:
		v := binary.BigEndian.Uint64(b)
		return time.Unix(int64(v&0x3ffffffff), int64(v>>34)), nil
	case 12:
		ns := binary.BigEndian.Uint32(b)
		s := int64(binary.BigEndian.Uint64(b[4:]))
		return time.Unix(s, int64(ns)), nil
	}
	return time.Time{}, fmt.Errorf("timestamp of %d bytes", len(b))
}

// jsDate formats t as JavaScript's Date.prototype.toJSON does.
func jsDate(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

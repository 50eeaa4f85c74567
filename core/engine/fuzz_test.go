package engine_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gosio/gosio/core/engine"
)

// samePacket compares decoded packets (nil and empty Data are equal).
func samePacket(a, b engine.Packet) bool {
	return a.Type == b.Type && a.Binary == b.Binary && bytes.Equal(a.Data, b.Data)
}

func FuzzDecodePacket(f *testing.F) {
	for _, s := range []string{"4hello", "2probe", "3", "6", "bAQIDBA==", "b", "", "9", "0{\"sid\":\"x\"}"} {
		f.Add([]byte(s), false)
	}
	f.Add([]byte{0, 1, 2}, true)
	f.Fuzz(func(t *testing.T, data []byte, binary bool) {
		orig := bytes.Clone(data)
		p, err := engine.DecodePacket(data, binary)
		if !bytes.Equal(orig, data) {
			t.Fatal("DecodePacket modified its input")
		}
		if err != nil {
			if !errors.Is(err, engine.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if !p.Type.Valid() {
			t.Fatalf("invalid type %d", p.Type)
		}
		// Re-encoding and decoding again gives the same packet.
		if p.Binary && binary {
			return // raw frame: no text form to compare
		}
		enc := engine.EncodePacket(nil, p)
		q, err := engine.DecodePacket(enc, false)
		if err != nil || !samePacket(p, q) {
			t.Fatalf("round trip of %q: %+v -> %q -> %+v, %v", data, p, enc, q, err)
		}
	})
}

func FuzzDecodePayload(f *testing.F) {
	for _, s := range []string{"4a\x1e4b", "4hello\x1ebAQIDBA==", "2\x1e3\x1e6", "", "\x1e", "4a\x1e", "b!"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var ps []engine.Packet
		err := engine.DecodePayload(body, func(p engine.Packet) error {
			ps = append(ps, p)
			return nil
		})
		if err != nil {
			if !errors.Is(err, engine.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if len(ps) != bytes.Count(body, []byte{0x1e})+1 {
			t.Fatalf("%d packets from %d separators", len(ps), bytes.Count(body, []byte{0x1e}))
		}
		enc := engine.AppendPayload(nil, ps)
		var qs []engine.Packet
		if err := engine.DecodePayload(enc, func(p engine.Packet) error { qs = append(qs, p); return nil }); err != nil {
			t.Fatalf("re-encoded payload %q: %v", enc, err)
		}
		if len(qs) != len(ps) {
			t.Fatalf("%d packets after round trip, want %d", len(qs), len(ps))
		}
		for i := range ps {
			if !samePacket(ps[i], qs[i]) {
				t.Fatalf("packet %d: %+v != %+v", i, ps[i], qs[i])
			}
		}
	})
}

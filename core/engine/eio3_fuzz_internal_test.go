package engine

import (
	"bufio"
	"bytes"
	"errors"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzDecodePayload3 feeds Engine.IO 3 polling payloads, text or binary
// framing, to decodePayload3: it never panics, fails only with ErrMalformed,
// and what it decodes, encoded again (both framings), decodes to the same
// packets.
func FuzzDecodePayload3(f *testing.F) {
	for _, s := range []string{
		"6:4hello", "6:4test16:4test26:4test3", "6:4hello10:b4AQIDBA==", "1:2", "1:1", "0:", "2:4€",
		"3:4😀", "1:", "abc", "", "5:4hé", "10:b4AQIDBA=", "99999999999:4",
	} {
		f.Add([]byte(s), false)
	}
	for _, b := range [][]byte{
		{0, 6, 255, 52, 104, 101, 108, 108, 111, 1, 5, 255, 4, 1, 2, 3, 4},
		{1, 1, 255, 4}, {0, 1, 255, '2'}, {0, 255}, {2, 1, 255, 4}, {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255},
	} {
		f.Add(b, true)
	}
	f.Fuzz(func(t *testing.T, body []byte, binary bool) {
		var ps []Packet
		err := decodePayload3(body, binary, func(p Packet) error {
			if !p.Type.Valid() {
				t.Fatalf("invalid type %d", p.Type)
			}
			ps = append(ps, p)
			return nil
		})
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if len(ps) == 0 {
			return // only empty packets ("0:")
		}
		for _, supportsBinary := range []bool{false, true} {
			enc, bin := appendPayload3(nil, ps, supportsBinary)
			var again []Packet
			if err := decodePayload3(enc, bin, func(p Packet) error {
				again = append(again, p)
				return nil
			}); err != nil {
				t.Fatalf("%q (binary %v) decodes to %v, encoded again as %q, which fails: %v", body, binary, ps, enc, err)
			}
			samePackets(t, ps, again)
		}
	})
}

// FuzzDecodePacket3 feeds Engine.IO 3 WebSocket messages to decodePacket3
// (text ones valid UTF-8, as readPacket checks first): no panic,
// ErrMalformed only, and a decoded packet framed again decodes to itself.
func FuzzDecodePacket3(f *testing.F) {
	for _, s := range []string{"4hello", "2probe", "2", "5", "b4AQID", "b2", "bx", "b", "7", ""} {
		f.Add([]byte(s), false)
	}
	for _, b := range [][]byte{{4, 1, 2, 3}, {4}, {2}, {9, 1}, {}} {
		f.Add(b, true)
	}
	f.Fuzz(func(t *testing.T, data []byte, binary bool) {
		if !binary && !utf8.Valid(data) {
			return // readPacket refuses it before decoding
		}
		p, err := decodePacket3(data, binary)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if !p.Type.Valid() || (p.Binary && p.Type != PacketMessage) {
			t.Fatalf("%q decodes to %+v", data, p)
		}
		for _, b64 := range []bool{false, true} {
			frame := appendFrame3(nil, p, b64)
			c := &wsConn{nc: &sinkConn{}, writeTimeout: time.Second, readLimit: 1 << 20, eio3: true}
			br := bufio.NewReader(bytes.NewReader(maskFrame(frame[0], payloadOf(frame))))
			q, err := c.readPacket(br)
			if err != nil {
				t.Fatalf("%+v framed as %x does not decode: %v", p, frame, err)
			}
			samePackets(t, []Packet{p}, []Packet{q})
		}
	})
}

func samePackets(t *testing.T, want, got []Packet) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("%d packets became %d: %v, %v", len(want), len(got), want, got)
	}
	for i := range want {
		if want[i].Type != got[i].Type || want[i].Binary != got[i].Binary || !bytes.Equal(want[i].Data, got[i].Data) {
			t.Fatalf("packet %d: %+v became %+v", i, want[i], got[i])
		}
	}
}

// payloadOf returns the payload of a server's (unmasked) frame.
func payloadOf(frame []byte) []byte {
	switch frame[1] & 0x7f {
	case 126:
		return frame[4:]
	case 127:
		return frame[10:]
	}
	return frame[2:]
}

package engine_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gosio/gosio/core/engine"
)

func TestEncodePacket(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p    engine.Packet
		want string
	}{
		{engine.Packet{Type: engine.PacketOpen, Data: []byte(`{"sid":"x"}`)}, `0{"sid":"x"}`},
		{engine.Packet{Type: engine.PacketClose}, "1"},
		{engine.Packet{Type: engine.PacketPing, Data: []byte("probe")}, "2probe"},
		{engine.Packet{Type: engine.PacketPong}, "3"},
		{engine.Packet{Type: engine.PacketMessage, Data: []byte("héllo")}, "4héllo"},
		{engine.Packet{Type: engine.PacketMessage}, "4"},
		{engine.Packet{Type: engine.PacketUpgrade}, "5"},
		{engine.Packet{Type: engine.PacketNoop}, "6"},
		{engine.Packet{Type: engine.PacketMessage, Data: []byte{1, 2, 3, 4}, Binary: true}, "bAQIDBA=="},
		{engine.Packet{Type: engine.PacketMessage, Data: nil, Binary: true}, "b"},
	} {
		if got := string(engine.EncodePacket([]byte("pre"), tc.p)); got != "pre"+tc.want {
			t.Errorf("EncodePacket(%+v) = %q, want %q", tc.p, got, "pre"+tc.want)
		}
	}
}

func TestDecodePacket(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in      string
		binary  bool
		want    engine.Packet
		wantErr bool
	}{
		{in: "4hello", want: engine.Packet{Type: engine.PacketMessage, Data: []byte("hello")}},
		{in: "2probe", want: engine.Packet{Type: engine.PacketPing, Data: []byte("probe")}},
		{in: "3", want: engine.Packet{Type: engine.PacketPong, Data: []byte{}}},
		{in: "6", want: engine.Packet{Type: engine.PacketNoop, Data: []byte{}}},
		{in: "bAQIDBA==", want: engine.Packet{Type: engine.PacketMessage, Data: []byte{1, 2, 3, 4}, Binary: true}},
		{in: "b", want: engine.Packet{Type: engine.PacketMessage, Data: []byte{}, Binary: true}},
		{in: "\x00\xff", binary: true, want: engine.Packet{Type: engine.PacketMessage, Data: []byte{0, 0xff}, Binary: true}},
		{in: "", wantErr: true},
		{in: "7", wantErr: true},
		{in: "a", wantErr: true},
		{in: "/", wantErr: true},
		{in: "b!!!", wantErr: true},
		{in: "bAQI", wantErr: true}, // missing padding
	} {
		got, err := engine.DecodePacket([]byte(tc.in), tc.binary)
		if tc.wantErr {
			if !errors.Is(err, engine.ErrMalformed) {
				t.Errorf("DecodePacket(%q) err = %v, want ErrMalformed", tc.in, err)
			}
			continue
		}
		if err != nil || got.Type != tc.want.Type || got.Binary != tc.want.Binary || !bytes.Equal(got.Data, tc.want.Data) {
			t.Errorf("DecodePacket(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestDecodedDataIsClipped(t *testing.T) {
	t.Parallel()
	body := []byte("4ab\x1e4cd")
	var ps []engine.Packet
	if err := engine.DecodePayload(body, func(p engine.Packet) error { ps = append(ps, p); return nil }); err != nil {
		t.Fatal(err)
	}
	_ = append(ps[0].Data, 'X', 'Y', 'Z')
	if string(ps[1].Data) != "cd" || string(body) != "4ab\x1e4cd" {
		t.Fatal("appending to a decoded packet overwrote the payload")
	}
}

func TestPayloadRoundTrip(t *testing.T) {
	t.Parallel()
	in := []engine.Packet{
		{Type: engine.PacketMessage, Data: []byte("a")},
		{Type: engine.PacketPing},
		{Type: engine.PacketMessage, Data: []byte{0x1e, 0, 1}, Binary: true},
		{Type: engine.PacketMessage, Data: []byte("€")},
	}
	enc := engine.AppendPayload(nil, in)
	if want := "4a\x1e2\x1ebHgAB\x1e4€"; string(enc) != want {
		t.Fatalf("AppendPayload = %q, want %q", enc, want)
	}
	var out []engine.Packet
	if err := engine.DecodePayload(enc, func(p engine.Packet) error { out = append(out, p); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("%d packets", len(out))
	}
	for i := range in {
		if out[i].Type != in[i].Type || out[i].Binary != in[i].Binary || !bytes.Equal(out[i].Data, in[i].Data) {
			t.Errorf("packet %d: %+v, want %+v", i, out[i], in[i])
		}
	}
}

func TestDecodePayloadErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "\x1e", "4a\x1e", "\x1e4a", "4a\x1e\x1e4b", "4a\x1e9", "4a\x1eb%%"} {
		n := 0
		err := engine.DecodePayload([]byte(in), func(engine.Packet) error { n++; return nil })
		if !errors.Is(err, engine.ErrMalformed) {
			t.Errorf("DecodePayload(%q) = %v", in, err)
		}
	}
	stop := errors.New("stop")
	n := 0
	err := engine.DecodePayload([]byte("4a\x1e4b\x1e4c"), func(engine.Packet) error { n++; return stop })
	if err != stop || n != 1 {
		t.Fatalf("callback error: %v after %d", err, n)
	}
}

func TestPacketTypeString(t *testing.T) {
	t.Parallel()
	if engine.PacketMessage.String() != "message" || engine.PacketNoop.String() != "noop" || engine.PacketType(9).String() != "PacketType(9)" {
		t.Fatal("String")
	}
	if !engine.PacketNoop.Valid() || engine.PacketType(7).Valid() {
		t.Fatal("Valid")
	}
}

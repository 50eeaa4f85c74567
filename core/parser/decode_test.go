package parser

import (
	"errors"
	"strings"
	"testing"
)

func TestDecodeAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want Packet
	}{
		{"nsp without comma", "0/random", Packet{Type: Connect, Nsp: "/random"}},
		{"nsp then payload", `0/custom,{"token":"abc"}`, Packet{Type: Connect, Nsp: "/custom", Raw: []byte(`{"token":"abc"}`)}},
		{"slash nsp is main", `2/,["x"]`, Packet{Type: Event, Nsp: "/", Raw: []byte(`["x"]`)}},
		{"disconnect nsp without comma", "1/custom", Packet{Type: Disconnect, Nsp: "/custom"}},
		{"leading zeros in id", `2007["x"]`, Packet{Type: Event, Nsp: "/", ID: 7, HasID: true, Raw: []byte(`["x"]`)}},
		{"largest id", `39007199254740991[]`, Packet{Type: Ack, Nsp: "/", ID: MaxAckID, HasID: true, Raw: []byte(`[]`)}},
		{"white space kept", ` 2 [ "x" , 1 ] `[1:], Packet{Type: Event, Nsp: "/", Raw: []byte(` [ "x" , 1 ] `)}},
		{"connect error string", `4"nope"`, Packet{Type: ConnectError, Nsp: "/", Raw: []byte(`"nope"`)}},
		{"zero attachments", `50-["x",{"_placeholder":true,"num":0}]`, Packet{Type: Event, Nsp: "/", Raw: []byte(`["x",{"_placeholder":true,"num":0}]`)}},
		{"unicode nsp and name", `2/ünï,["é漢"]`, Packet{Type: Event, Nsp: "/ünï", Raw: []byte(`["é漢"]`)}},
		{"escaped reserved-like name", `2["connect\u0020"]`, Packet{Type: Event, Nsp: "/", Raw: []byte(`["connect\u0020"]`)}},
		{"reserved name as ack arg", `31["connect"]`, Packet{Type: Ack, Nsp: "/", ID: 1, HasID: true, Raw: []byte(`["connect"]`)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var d Decoder
			p, err := d.Decode([]byte(tc.in), false)
			if err != nil {
				t.Fatal(err)
			}
			if p == nil {
				t.Fatal("nil packet")
			}
			if err := samePacket(p, &tc.want); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		msgs []string // "bin:" prefix marks a binary message
	}{
		{"empty", []string{""}},
		{"unknown type letter", []string{"abc"}},
		{"unknown type 7", []string{"7"}},
		{"unknown type below 0", []string{"/"}},
		{"binary without pending", []string{"bin:\x01"}},
		{"text while pending", []string{`51-["x",{"_placeholder":true,"num":0}]`, `2["y"]`}},
		{"event object", []string{"2{}"}},
		{"event empty array", []string{"2[]"}},
		{"event number name", []string{"2[1]"}},
		{"event absent", []string{"2"}},
		{"event string", []string{`2"x"`}},
		{"ack object", []string{"31{}"}},
		{"ack absent", []string{"31"}},
		{"ack without id", []string{`3["x"]`}},
		{"connect array", []string{"0[]"}},
		{"connect string", []string{`0"x"`}},
		{"connect bad nsp", []string{"0admin,{}"}},
		{"disconnect payload", []string{"1{}"}},
		{"disconnect payload custom", []string{"1/a,[]"}},
		{"connect error number", []string{"41"}},
		{"connect error absent", []string{"4"}},
		{"connect error array", []string{"4[]"}},
		{"id not digits", []string{`2abc["message-with-ack"]`}},
		{"id negative", []string{`2-1["x"]`}},
		{"id with letters after digits", []string{`21a["x"]`}},
		{"id too large", []string{`29007199254740992["x"]`}},
		{"id overflow uint64", []string{`299999999999999999999999["x"]`}},
		{"id on connect", []string{`01{}`}},
		{"id on disconnect", []string{`11`}},
		{"id on connect error", []string{`41{}`[:2] + `{}`}},
		{"attachments missing", []string{`5["x"]`}},
		{"attachments without dash", []string{`51["x"]`}},
		{"attachments empty count", []string{`5-["x"]`}},
		{"attachments negative", []string{`5-1-["x"]`}},
		{"attachments too many", []string{`511-["x"]`}},
		{"attachments huge", []string{`599999999999999999999-["x"]`}},
		{"attachments on event", []string{`21-["x"]`}},
		{"attachments on connect", []string{`01-{}`}},
		{"invalid json", []string{`2["x",]`}},
		{"trailing data", []string{`2["x"]]`}},
		{"two values", []string{`2["x"] ["y"]`}},
		{"whitespace only", []string{`2 `}},
		{"invalid utf8 in string", []string{"2[\"\xff\"]"}},
		{"invalid utf8 in nsp", []string{"2/\xff,[\"x\"]"}},
		{"control char in nsp", []string{"2/a\x00b,[\"x\"]"}},
		{"control char in string", []string{"2[\"a\nb\"]"}},
		{"bad escape", []string{`2["\x"]`}},
		{"reserved name", []string{`2["disconnect"]`}},
		{"reserved name escaped", []string{`2["\u0063onnect"]`}},
		{"reserved name binary", []string{`51-["newListener",{"_placeholder":true,"num":0}]`}},
		{"too deep", []string{"2[\"x\"," + strings.Repeat("[", maxNesting+1) + strings.Repeat("]", maxNesting+1) + "]"}},
		{"bad literal", []string{`2["x",tru]`}},
		{"bad number", []string{`2["x",01]`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var d Decoder
			var err error
			for _, m := range tc.msgs {
				bin := strings.HasPrefix(m, "bin:")
				_, err = d.Decode([]byte(strings.TrimPrefix(m, "bin:")), bin)
				if err != nil {
					break
				}
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrInvalidPacket) {
				t.Errorf("error %v does not wrap ErrInvalidPacket", err)
			}
			// The decoder recovers for the next packet.
			if p, err := d.Decode([]byte(`2["ok"]`), false); err != nil || p == nil {
				t.Errorf("after error: %v %v", p, err)
			}
		})
	}
}

func TestDecodeAttachments(t *testing.T) {
	t.Parallel()
	d := Decoder{MaxAttachments: 3}
	text := []byte(`53-/a,7["x",{"_placeholder":true,"num":2},{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`)
	p, err := d.Decode(text, false)
	if p != nil || err != nil {
		t.Fatalf("text: %v %v", p, err)
	}
	text[0] = '9' // Decode copied what it keeps.
	buf := []byte{1}
	for i := 0; i < 3; i++ {
		buf[0] = byte(i)
		p, err = d.Decode(buf, true)
		if err != nil {
			t.Fatal(err)
		}
		if (p != nil) != (i == 2) {
			t.Fatalf("attachment %d: packet %v", i, p)
		}
	}
	if p.Type != Event || p.Nsp != "/a" || p.ID != 7 || !p.HasID {
		t.Errorf("packet %+v", p)
	}
	if !equalAtts(p.Attachments, [][]byte{{0}, {1}, {2}}) {
		t.Errorf("attachments %v", p.Attachments)
	}
	var args []any
	if err := Unmarshal(p.Raw, p.Attachments, &args); err != nil {
		t.Fatal(err)
	}
	if string(args[1].([]byte)) != "\x02" || string(args[2].([]byte)) != "\x00" {
		t.Errorf("args %v", args)
	}
	// Over the limit.
	if _, err := d.Decode([]byte(`54-["x"]`), false); !errors.Is(err, ErrInvalidPacket) {
		t.Errorf("4 attachments with limit 3: %v", err)
	}
	// Default limit is 10.
	var d2 Decoder
	if _, err := d2.Decode([]byte(`510-["x"]`), false); err != nil {
		t.Errorf("10 attachments: %v", err)
	}
	d2.Reset()
	if _, err := d2.Decode([]byte(`511-["x"]`), false); err == nil {
		t.Error("11 attachments accepted")
	}
	// Reset drops a pending packet.
	d2.Reset()
	if _, err := d2.Decode([]byte{1}, true); err == nil {
		t.Error("binary after Reset accepted")
	}
}

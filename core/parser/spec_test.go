package parser

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// specCase is one packet of the protocol document (docs/socket.io-protocol/
// v5-current.md) or of its test suite, in both directions.
type specCase struct {
	name string
	// out is the packet as an application sends it.
	out *Packet
	// wire is its text message, atts its binary messages.
	wire string
	atts [][]byte
	// typ, raw: the decoded packet's type and payload.
	typ PacketType
	raw string
}

var (
	bin1234 = []byte{1, 2, 3, 4}
	bin12   = []byte{1, 2}
	bin34   = []byte{3, 4}
)

var specCases = []specCase{
	// Packet encoding examples.
	{name: "connect main", out: &Packet{Type: Connect, Nsp: "/"}, wire: "0", typ: Connect},
	{name: "connect custom with sid",
		out:  &Packet{Type: Connect, Nsp: "/admin", Data: map[string]any{"sid": "oSO0OpakMV_3jnilAAAA"}},
		wire: `0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}`, typ: Connect, raw: `{"sid":"oSO0OpakMV_3jnilAAAA"}`},
	{name: "connect error",
		out:  &Packet{Type: ConnectError, Nsp: "/", Data: map[string]any{"message": "Not authorized"}},
		wire: `4{"message":"Not authorized"}`, typ: ConnectError, raw: `{"message":"Not authorized"}`},
	{name: "event main", out: &Packet{Type: Event, Nsp: "/", Data: []any{"foo"}}, wire: `2["foo"]`, typ: Event, raw: `["foo"]`},
	{name: "event custom", out: &Packet{Type: Event, Nsp: "/admin", Data: []any{"bar"}}, wire: `2/admin,["bar"]`, typ: Event, raw: `["bar"]`},
	{name: "binary event",
		out:  &Packet{Type: Event, Nsp: "/", Data: []any{"baz", bin1234}},
		wire: `51-["baz",{"_placeholder":true,"num":0}]`, atts: [][]byte{bin1234},
		typ: Event, raw: `["baz",{"_placeholder":true,"num":0}]`},
	{name: "binary event two attachments custom nsp",
		out:  &Packet{Type: BinaryEvent, Nsp: "/admin", Data: []any{"baz", bin12, bin34}},
		wire: `52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, atts: [][]byte{bin12, bin34},
		typ: Event, raw: `["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`},
	{name: "event with ack id",
		out:  &Packet{Type: Event, Nsp: "/", Data: []any{"foo"}, ID: 12, HasID: true},
		wire: `212["foo"]`, typ: Event, raw: `["foo"]`},
	{name: "ack custom",
		out:  &Packet{Type: Ack, Nsp: "/admin", Data: []any{"bar"}, ID: 13, HasID: true},
		wire: `3/admin,13["bar"]`, typ: Ack, raw: `["bar"]`},
	{name: "binary ack",
		out:  &Packet{Type: Ack, Nsp: "/", Data: []any{"bar", bin1234}, ID: 15, HasID: true},
		wire: `61-15["bar",{"_placeholder":true,"num":0}]`, atts: [][]byte{bin1234},
		typ: Ack, raw: `["bar",{"_placeholder":true,"num":0}]`},
	{name: "disconnect main", out: &Packet{Type: Disconnect, Nsp: "/"}, wire: "1", typ: Disconnect},
	{name: "disconnect custom", out: &Packet{Type: Disconnect, Nsp: "/admin"}, wire: "1/admin,", typ: Disconnect},

	// Exchange protocol examples.
	{name: "empty ack", out: &Packet{Type: Ack, Data: []any{}, ID: 12, HasID: true}, wire: `312[]`, typ: Ack, raw: `[]`},
	{name: "event custom with id",
		out:  &Packet{Type: Event, Nsp: "/admin", Data: []any{"foo"}, ID: 13, HasID: true},
		wire: `2/admin,13["foo"]`, typ: Event, raw: `["foo"]`},
	{name: "connect with auth payload",
		out:  &Packet{Type: Connect, Nsp: "/admin", Data: map[string]string{"token": "123"}},
		wire: `0/admin,{"token":"123"}`, typ: Connect, raw: `{"token":"123"}`},

	// Sample session.
	{name: "connect approval",
		out:  &Packet{Type: Connect, Data: map[string]any{"sid": "wZX3oN0bSVIhsaknAAAI"}},
		wire: `0{"sid":"wZX3oN0bSVIhsaknAAAI"}`, typ: Connect, raw: `{"sid":"wZX3oN0bSVIhsaknAAAI"}`},
	{name: "server emit", out: &Packet{Type: Event, Data: []any{"hey", "Jude"}}, wire: `2["hey","Jude"]`, typ: Event, raw: `["hey","Jude"]`},
	{name: "connect custom request", out: &Packet{Type: Connect, Nsp: "/admin"}, wire: `0/admin,`, typ: Connect},
	{name: "event custom ack 1",
		out:  &Packet{Type: Event, Nsp: "/admin", Data: []any{"tellme"}, ID: 1, HasID: true},
		wire: `2/admin,1["tellme"]`, typ: Event, raw: `["tellme"]`},
	{name: "binary ack custom",
		out:  &Packet{Type: Ack, Nsp: "/admin", Data: []any{[]byte("x")}, ID: 1, HasID: true},
		wire: `61-/admin,1[{"_placeholder":true,"num":0}]`, atts: [][]byte{[]byte("x")},
		typ: Ack, raw: `[{"_placeholder":true,"num":0}]`},

	// Test suite packets.
	{name: "invalid namespace error",
		out:  &Packet{Type: ConnectError, Nsp: "/random", Data: map[string]string{"message": "Invalid namespace"}},
		wire: `4/random,{"message":"Invalid namespace"}`, typ: ConnectError, raw: `{"message":"Invalid namespace"}`},
	{name: "plain-text message",
		out:  &Packet{Type: Event, Data: []any{"message", 1, "2", map[string]any{"3": []any{true}}}},
		wire: `2["message",1,"2",{"3":[true]}]`, typ: Event, raw: `["message",1,"2",{"3":[true]}]`},
	{name: "message with ack",
		out:  &Packet{Type: Event, Data: []any{"message-with-ack", 1, "2", map[string]any{"3": []any{false}}}, ID: 456, HasID: true},
		wire: `2456["message-with-ack",1,"2",{"3":[false]}]`, typ: Event, raw: `["message-with-ack",1,"2",{"3":[false]}]`},
	{name: "ack of message with ack",
		out:  &Packet{Type: Ack, Data: []any{1, "2", map[string]any{"3": []any{false}}}, ID: 456, HasID: true},
		wire: `3456[1,"2",{"3":[false]}]`, typ: Ack, raw: `[1,"2",{"3":[false]}]`},
	{name: "binary message-back",
		out:  &Packet{Type: Event, Data: []any{"message-back", []byte{1, 2, 3}, []byte{4, 5, 6}}},
		wire: `52-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`,
		atts: [][]byte{{1, 2, 3}, {4, 5, 6}},
		typ:  Event, raw: `["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`},
	{name: "binary ack with id",
		out:  &Packet{Type: Ack, Data: []any{[]byte{1, 2, 3}, []byte{4, 5, 6}}, ID: 789, HasID: true},
		wire: `62-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`,
		atts: [][]byte{{1, 2, 3}, {4, 5, 6}},
		typ:  Ack, raw: `[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`},
}

func TestSpecEncode(t *testing.T) {
	t.Parallel()
	for _, tc := range specCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			text, atts, err := Encode(tc.out)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if string(text) != tc.wire {
				t.Errorf("text = %s, want %s", text, tc.wire)
			}
			if !equalAtts(atts, tc.atts) {
				t.Errorf("attachments = %v, want %v", atts, tc.atts)
			}
		})
	}
}

func TestSpecDecode(t *testing.T) {
	t.Parallel()
	for _, tc := range specCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var d Decoder
			p, err := d.Decode([]byte(tc.wire), false)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			for i, a := range tc.atts {
				if p != nil {
					t.Fatalf("packet complete before attachment %d", i)
				}
				if p, err = d.Decode(a, true); err != nil {
					t.Fatalf("Decode attachment %d: %v", i, err)
				}
			}
			if p == nil {
				t.Fatal("no packet after the last message")
			}
			want := &Packet{Type: tc.typ, Nsp: tc.out.Nsp, ID: tc.out.ID, HasID: tc.out.HasID, Attachments: tc.atts}
			if want.Nsp == "" {
				want.Nsp = "/"
			}
			if tc.raw != "" {
				want.Raw = []byte(tc.raw)
			}
			if err := samePacket(p, want); err != nil {
				t.Error(err)
			}
			// The decoded packet re-encodes (Raw passthrough) to the same bytes.
			text, atts, err := Encode(p)
			if err != nil {
				t.Fatalf("re-Encode: %v", err)
			}
			if string(text) != tc.wire || !equalAtts(atts, tc.atts) {
				t.Errorf("re-encoded %s %v, want %s %v", text, atts, tc.wire, tc.atts)
			}
		})
	}
}

// samePacket compares the wire-visible fields of two decoded packets.
func samePacket(got, want *Packet) error {
	switch {
	case got.Type != want.Type:
		return fmt.Errorf("Type = %v, want %v", got.Type, want.Type)
	case got.Nsp != want.Nsp:
		return fmt.Errorf("Nsp = %q, want %q", got.Nsp, want.Nsp)
	case got.HasID != want.HasID || got.ID != want.ID:
		return fmt.Errorf("ID = %d/%v, want %d/%v", got.ID, got.HasID, want.ID, want.HasID)
	case !bytes.Equal(got.Raw, want.Raw) || (got.Raw == nil) != (want.Raw == nil):
		return fmt.Errorf("Raw = %q, want %q", got.Raw, want.Raw)
	case !equalAtts(got.Attachments, want.Attachments):
		return fmt.Errorf("Attachments = %v, want %v", got.Attachments, want.Attachments)
	}
	return nil
}

func equalAtts(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func TestPacketTypeString(t *testing.T) {
	t.Parallel()
	want := []string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK", "PacketType(7)"}
	for i, w := range want {
		if got := PacketType(i).String(); got != w {
			t.Errorf("PacketType(%d).String() = %q, want %q", i, got, w)
		}
	}
}

func TestJSONParser(t *testing.T) {
	t.Parallel()
	text, _, err := JSON.Encode(&Packet{Type: Event, Data: []any{"a"}})
	if err != nil || string(text) != `2["a"]` {
		t.Fatalf("JSON.Encode = %s, %v", text, err)
	}
	p, err := JSON.NewDecoder().Decode(text, false)
	if err != nil || p.Type != Event {
		t.Fatalf("decoder: %v %v", p, err)
	}
	if !errors.Is(invalidf("x"), ErrInvalidPacket) {
		t.Fatal("invalidf does not wrap ErrInvalidPacket")
	}
}

package parser_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gosio/gosio/core/parser"
)

func mpDecode(t *testing.T, h string) (*parser.Packet, error) {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(h, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return parser.MsgPack.NewDecoder().Decode(b, true)
}

// mpEvent is the hex of {type: 2, nsp: "/", data: <data>}.
func mpEvent(data string) string {
	return "83 a474797065 02 a36e7370 a12f a464617461 " + data
}

func TestMsgPackDecodeValues(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, data, raw string
		atts            []string
	}{
		{"float32", "92 a165 ca3fc00000", `["e",1.5]`, nil},
		{"float32 NaN", "92 a165 ca7fc00000", `["e",null]`, nil},
		{"ext of another type", "92 a165 d50a0102", `["e",[10,{"_placeholder":true,"num":0}]]`, []string{"0102"}},
		{"ext 8 of type 0", "92 a165 c70200aabb", `["e",{"_placeholder":true,"num":0}]`, []string{"aabb"}},
		{"fixext 8 of another type", "92 a165 d7ff0000000000000001", `["e",[-1,{"_placeholder":true,"num":0}]]`, []string{"0000000000000001"}},
		{"date out of range", "92 a165 d7007fffffffffffffff", `["e",null]`, nil},
		{"dates beyond 4 digits", "95 a165 d700ffffc76e39bb1fc5 d7000000e67f29d10800 d700001eb208c2dc0000 d700ffe14df73d240000",
			`["e","-000001-01-01T02:03:04.005Z","+010000-12-31T00:00:00.000Z","+275760-09-13T00:00:00.000Z","-271821-04-20T00:00:00.000Z"]`, nil},
		{"integer keys", "92 a165 83 01 a161 ff a162 cb3ff8000000000000 a163", `["e",{"1":"a","-1":"b","1.5":"c"}]`, nil},
		{"nil, bool and NaN keys", "92 a165 83 c0 01 c3 02 cb7ff8000000000000 03", `["e",{"null":1,"true":2,"NaN":3}]`, nil},
		{"undefined key", "92 a165 81 d40000 01", `["e",{"undefined":1}]`, nil},
		{"uint64 beyond 2^53", "92 a165 cfffffffffffffffff", `["e",18446744073709551615]`, nil},
		{"invalid UTF-8", "92 a165 a2ff41", `["e","�A"]`, nil},
		{"duplicate keys", "92 a165 82 a161 01 a161 02", `["e",{"a":1,"a":2}]`, nil},
		{"control characters", "92 a165 a3 00 0a e2", `["e","\u0000\n�"]`, nil},
	}
	for _, c := range cases {
		p, err := mpDecode(t, mpEvent(c.data))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if string(p.Raw) != c.raw {
			t.Errorf("%s: Raw %s, want %s", c.name, p.Raw, c.raw)
		}
		var atts []string
		for _, a := range p.Attachments {
			atts = append(atts, hex.EncodeToString(a))
		}
		if !reflect.DeepEqual(atts, c.atts) {
			t.Errorf("%s: attachments %v, want %v", c.name, atts, c.atts)
		}
	}
}

func TestMsgPackDecodeRefuses(t *testing.T) {
	t.Parallel()
	ev := func(data string) string { return mpEvent(data) }
	cases := map[string]string{
		"empty event":         ev("90"),
		"event name a number": ev("91 01"),
		"reserved event name": ev("91 a7636f6e6e656374"),
		"ack without id":      "83 a474797065 03 a36e7370 a12f a464617461 90",
		"connect with an id":  "83 a474797065 00 a36e7370 a12f a26964 01",
		"negative id":         "84 a474797065 02 a36e7370 a12f a464617461 91a165 a26964 ff",
		"id above 2^53-1":     "84 a474797065 02 a36e7370 a12f a464617461 91a165 a26964 cf0020000000000000",
		"namespace without /": "82 a474797065 01 a36e7370 a161",
		"empty namespace":     "82 a474797065 01 a36e7370 a0",
		"control character":   "82 a474797065 01 a36e7370 a22f0a",
		"map as a key":        ev("92 a165 81 80 01"),
		"array as a key":      ev("92 a165 81 90 01"),
		"deep nesting":        ev("92 a165 " + strings.Repeat("91", 10001) + "c0"),
		"map16 truncated":     ev("92 a165 de0010"),
		"bin truncated":       ev("92 a165 c6000000ff00"),
		"ext truncated":       ev("92 a165 d8"),
		"binary in a connect": "83 a474797065 00 a36e7370 a12f a464617461 81 a161 c40101",
	}
	for name, h := range cases {
		if p, err := mpDecode(t, h); !errors.Is(err, parser.ErrInvalidPacket) {
			t.Errorf("%s: got %+v, %v; want an invalid packet", name, p, err)
		}
	}
	if _, err := parser.MsgPack.NewDecoder().Decode([]byte(`2["e"]`), false); !errors.Is(err, parser.ErrInvalidPacket) {
		t.Errorf("text message: %v, want an invalid packet", err)
	}
}

func TestMsgPackEncodeChecks(t *testing.T) {
	t.Parallel()
	bad := map[string]*parser.Packet{
		"nil":                 nil,
		"unknown type":        {Type: 9},
		"namespace without /": {Type: parser.Disconnect, Nsp: "admin"},
		"id on connect":       {Type: parser.Connect, HasID: true},
		"id above 2^53-1":     {Type: parser.Event, Data: []any{"e"}, ID: parser.MaxAckID + 1, HasID: true},
		"event not an array":  {Type: parser.Event, Data: "e"},
		"event empty":         {Type: parser.Event, Data: []any{}},
		"event name a number": {Type: parser.Event, Data: []any{1}},
		"ack not an array":    {Type: parser.Ack, Data: map[string]any{}, HasID: true},
		"connect an array":    {Type: parser.Connect, Data: []any{}},
		"disconnect data":     {Type: parser.Disconnect, Data: map[string]any{}},
		"connect_error array": {Type: parser.ConnectError, Data: []any{}},
		"raw connect atts":    {Type: parser.Connect, Raw: []byte(`{}`), Attachments: [][]byte{{1}}},
		"bad raw":             {Type: parser.Event, Raw: []byte(`["e",`)},
		"bad RawMessage":      {Type: parser.Event, Data: []any{"e", json.RawMessage(`{`)}},
		"unmarshalable":       {Type: parser.Event, Data: []any{"e", func() {}}},
	}
	for name, p := range bad {
		if b, _, err := parser.MsgPack.Encode(p); err == nil {
			t.Errorf("%s: encoded %x, want an error", name, b)
		}
	}
	// A Connect whose data is nil is sent without data, as by the JSON parser.
	b, _, err := parser.MsgPack.Encode(&parser.Packet{Type: parser.Connect, Data: json.RawMessage("null")})
	if err != nil || hex.EncodeToString(b) != "82a47479706500a36e7370a12f" {
		t.Errorf("connect with null data: %x, %v", b, err)
	}
}

// TestMsgPackEncodeNumbers checks the numbers notepack.io cannot write
// right: integral floats of 2^63 and more are float 64.
func TestMsgPackEncodeNumbers(t *testing.T) {
	t.Parallel()
	for _, f := range []float64{1e21, -1e21, 1 << 63, 1e300} {
		b, _, err := parser.MsgPack.Encode(&parser.Packet{Type: parser.Event, Data: []any{"e", f}})
		if err != nil {
			t.Fatal(err)
		}
		p, err := parser.MsgPack.NewDecoder().Decode(b, true)
		if err != nil {
			t.Fatal(err)
		}
		_, args, _ := parser.EventName(p)
		var v float64
		if err := parser.Unmarshal(args[0], nil, &v); err != nil || v != f {
			t.Errorf("%g: decoded %g, %v (%x)", f, v, err, b)
		}
		if !bytes.Contains(b, []byte{0xcb}) {
			t.Errorf("%g: not a float 64: %x", f, b)
		}
	}
}

// TestMsgPackRelay checks that a packet relayed as decoded (Raw and
// Attachments, as an adapter forwards a client's ack) encodes to the bytes
// of its values.
func TestMsgPackRelay(t *testing.T) {
	t.Parallel()
	in := &parser.Packet{Type: parser.Event, Nsp: "/", Data: []any{"e", []byte{1, 2}, map[string]any{"a": []any{[]byte{3}}}}}
	want, _, err := parser.MsgPack.Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	text, atts, err := parser.Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	dec := &parser.Decoder{}
	var p *parser.Packet
	for i, m := range append([][]byte{text}, atts...) {
		if p, err = dec.Decode(m, i > 0); err != nil {
			t.Fatal(err)
		}
	}
	got, _, err := parser.MsgPack.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("relayed %x, want %x", got, want)
	}
}

// TestMsgPackArgsLikeJSON checks that arguments sent in either format
// decode into the same Go values.
func TestMsgPackArgsLikeJSON(t *testing.T) {
	t.Parallel()
	type inner struct {
		B   []byte            `json:"b"`
		M   map[string]string `json:"m,omitempty"`
		Opt *int              `json:"opt"`
	}
	type msg struct {
		Name  string    `json:"name"`
		N     int64     `json:"n"`
		F     float32   `json:"f"`
		When  time.Time `json:"when"`
		List  []inner   `json:"list"`
		Skip  string    `json:"-"`
		Bytes []byte    `json:"bytes"`
	}
	seven := 7
	data := []any{"e", msg{
		Name: "x", N: -5, F: 0.1, When: time.Date(2024, 2, 29, 1, 2, 3, 4e6, time.UTC),
		List: []inner{{B: []byte("b1"), M: map[string]string{"k": "v"}}, {Opt: &seven}},
		Skip: "no", Bytes: []byte{0, 1},
	}, nil, true, 3.25, uint8(200), []string{"a", "b"}, map[string]any{"z": 1, "a": []byte("x")}}

	decodeAll := func(pr parser.Parser) (msg, []any) {
		t.Helper()
		text, atts, err := pr.Encode(&parser.Packet{Type: parser.Event, Nsp: "/", Data: data})
		if err != nil {
			t.Fatal(err)
		}
		dec := pr.NewDecoder()
		p, err := dec.Decode(text, parser.EncodesBinary(pr))
		for _, a := range atts {
			p, err = dec.Decode(a, true)
		}
		if err != nil || p == nil {
			t.Fatalf("%v: %v", pr, err)
		}
		_, args, err := parser.EventName(p)
		if err != nil {
			t.Fatal(err)
		}
		var m msg
		if err := parser.Unmarshal(args[0], p.Attachments, &m); err != nil {
			t.Fatal(err)
		}
		rest := make([]any, len(args)-1)
		for i := range rest {
			if err := parser.Unmarshal(args[i+1], p.Attachments, &rest[i]); err != nil {
				t.Fatal(err)
			}
		}
		return m, rest
	}
	jm, jrest := decodeAll(parser.JSON)
	mm, mrest := decodeAll(parser.MsgPack)
	if !reflect.DeepEqual(jm, mm) {
		t.Errorf("struct\nJSON    %+v\nMsgPack %+v", jm, mm)
	}
	if !reflect.DeepEqual(jrest, mrest) {
		t.Errorf("values\nJSON    %#v\nMsgPack %#v", jrest, mrest)
	}
	if math.Abs(float64(mm.F)-0.1) > 1e-7 || mm.When.IsZero() || string(mm.List[0].B) != "b1" {
		t.Errorf("decoded %+v", mm)
	}
}

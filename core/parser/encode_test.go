package parser

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

type upper string

func (u upper) MarshalJSON() ([]byte, error) { return json.Marshal(strings.ToUpper(string(u))) }

type ptrMarshaler struct{ B []byte }

func (*ptrMarshaler) MarshalJSON() ([]byte, error) { return []byte(`"ptr"`), nil }

type Inner struct {
	File []byte `json:"file"`
	Name string `json:"name"`
}

type Embedded struct {
	Blob []byte
}

type withTags struct {
	Skip      []byte            `json:"-"`
	Dash      []byte            `json:"-,"`
	Empty     []byte            `json:"empty,omitempty"`
	Nil       []byte            `json:"nil"`
	Ptr       *Inner            `json:"ptr,omitempty"`
	Any       any               `json:"any"`
	Raw       json.RawMessage   `json:"raw"`
	Up        upper             `json:"up"`
	Num       int               `json:"num,string"`
	Map       map[string][]byte `json:"map"`
	Arr       [2][]byte         `json:"arr"`
	IntKeys   map[int]any       `json:"intKeys,omitempty"`
	unexp     []byte
	Embedded            // promoted: Blob
	Time      time.Time `json:"time"`
	Tagged    []byte    `json:"tagged"`
	NotTagged []byte
}

type blob []byte

func TestEncodeBinaryPlacement(t *testing.T) {
	t.Parallel()
	a, b, c := []byte("a"), []byte("b"), []byte("c")
	tests := []struct {
		name string
		data any
		text string
		atts [][]byte
	}{
		{"top level args", []any{"e", a, 1, b}, `52-["e",{"_placeholder":true,"num":0},1,{"_placeholder":true,"num":1}]`, [][]byte{a, b}},
		{"nested map and array", []any{"e", map[string]any{"z": []any{a, map[string]any{"y": b}}, "a": "s"}},
			`52-["e",{"a":"s","z":[{"_placeholder":true,"num":0},{"y":{"_placeholder":true,"num":1}}]}]`, [][]byte{a, b}},
		{"struct field", []any{"e", Inner{File: a, Name: "n"}}, `51-["e",{"file":{"_placeholder":true,"num":0},"name":"n"}]`, [][]byte{a}},
		{"pointer to struct", []any{"e", &Inner{File: a}}, `51-["e",{"file":{"_placeholder":true,"num":0},"name":""}]`, [][]byte{a}},
		{"typed slice of structs", []any{"e", []Inner{{File: a}, {File: b}}},
			`52-["e",[{"file":{"_placeholder":true,"num":0},"name":""},{"file":{"_placeholder":true,"num":1},"name":""}]]`, [][]byte{a, b}},
		{"typed map", []any{"e", map[string][]byte{"k2": b, "k1": a}},
			`52-["e",{"k1":{"_placeholder":true,"num":0},"k2":{"_placeholder":true,"num":1}}]`, [][]byte{a, b}},
		{"named byte slice", []any{"e", blob(a)}, `51-["e",{"_placeholder":true,"num":0}]`, [][]byte{a}},
		{"pointer to bytes", []any{"e", &a}, `51-["e",{"_placeholder":true,"num":0}]`, [][]byte{a}},
		{"empty non-nil bytes", []any{"e", []byte{}}, `51-["e",{"_placeholder":true,"num":0}]`, [][]byte{{}}},
		{"nil bytes is null", []any{"e", []byte(nil)}, `2["e",null]`, nil},
		{"raw message is JSON", []any{"e", json.RawMessage(`{"x":1}`)}, `2["e",{"x":1}]`, nil},
		{"marshaler", []any{"e", upper("x")}, `2["e","X"]`, nil},
		{"byte array is JSON", []any{"e", [2]byte{1, 2}}, `2["e",[1,2]]`, nil},
		{"typed slice args", []string{"e", "x"}, `2["e","x"]`, nil},
		{"struct tags", []any{"e", withTags{
			Skip: a, Dash: a, Nil: nil, Any: map[string]any{"q": b}, Raw: json.RawMessage(`[1]`), Up: "u", Num: 7,
			Map: map[string][]byte{"m": c}, Arr: [2][]byte{a, nil}, unexp: a, Embedded: Embedded{Blob: b},
			Time: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC), Tagged: c,
		}},
			`55-["e",{"-":{"_placeholder":true,"num":0},"nil":null,"any":{"q":{"_placeholder":true,"num":1}},"raw":[1],"up":"U","num":"7",` +
				`"map":{"m":{"_placeholder":true,"num":2}},"arr":[{"_placeholder":true,"num":3},null],"Blob":{"_placeholder":true,"num":4},` +
				`"time":"2020-01-02T03:04:05Z","tagged":null,"NotTagged":null}]`,
			nil /* checked below */},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			text, atts, err := Encode(&Packet{Type: Event, Data: tc.data})
			if err != nil {
				t.Fatal(err)
			}
			want := tc.text
			if tc.name == "struct tags" {
				// Tagged is c, so one more attachment than the literal says.
				want = strings.Replace(want, `"tagged":null`, `"tagged":{"_placeholder":true,"num":5}`, 1)
				want = "56" + want[2:]
				tc.atts = [][]byte{a, b, c, a, b, c}
			}
			if string(text) != want {
				t.Errorf("text\n got %s\nwant %s", text, want)
			}
			if !equalAtts(atts, tc.atts) {
				t.Errorf("attachments = %q, want %q", atts, tc.atts)
			}
			if got := HasBinary(tc.data); got != (len(tc.atts) > 0) {
				t.Errorf("HasBinary = %v", got)
			}
			if len(tc.atts) == 0 {
				// Without binary the output is what encoding/json writes.
				j, _ := json.Marshal(tc.data)
				if string(text[1:]) != string(j) {
					t.Errorf("fast path %s differs from json %s", text[1:], j)
				}
			}
		})
	}
}

// TestDeconstructMatchesJSON checks that the placeholder writer writes the
// same JSON as encoding/json for everything but the binary.
func TestDeconstructMatchesJSON(t *testing.T) {
	t.Parallel()
	values := []any{
		"plain", "quote\" back\\ slash", "ctl \x00\x01\x1f \b\f\n\r\t", "uni é 漢 \u2028\u2029", "bad \xff utf8",
		"<html>&", 0.0, 1.5, -3.25e-7, 1e21, 123456789.0, 1e-6, math.MaxFloat64, math.SmallestNonzeroFloat64,
		true, nil, 42, int64(-7), uint64(1 << 60), json.Number("12.5"),
		map[string]any{"b": 1, "a": []any{"x", nil}}, []any{}, map[string]any{},
		map[int]string{3: "c", 10: "a"}, struct {
			A int `json:"a,omitempty"`
			B string
		}{B: "b"},
	}
	for _, v := range values {
		st := getEncState()
		if err := st.deconstruct(v); err != nil {
			t.Fatalf("%v: %v", v, err)
		}
		got := st.buf.String()
		putEncState(st)
		var sb strings.Builder
		enc := json.NewEncoder(&sb)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		if want := strings.TrimSuffix(sb.String(), "\n"); got != want {
			t.Errorf("%#v:\n got %s\nwant %s", v, got, want)
		}
	}
}

type node struct {
	Next *node
	Data []byte
}

type cyc struct {
	Self *cyc
	Any  any
}

func TestEncodeErrors(t *testing.T) {
	t.Parallel()
	loop := &cyc{}
	loop.Self = loop
	var deep any = "bottom"
	for i := 0; i < 2*maxDepth; i++ {
		deep = []any{deep}
	}
	tests := []struct {
		name    string
		p       *Packet
		invalid bool // the error wraps ErrInvalidPacket
	}{
		{"nil packet", nil, true},
		{"unknown type", &Packet{Type: 7}, true},
		{"nsp without slash", &Packet{Type: Event, Nsp: "admin", Data: []any{"e"}}, true},
		{"nsp with comma", &Packet{Type: Event, Nsp: "/a,b", Data: []any{"e"}}, true},
		{"nsp with control", &Packet{Type: Event, Nsp: "/a\n", Data: []any{"e"}}, true},
		{"id too large", &Packet{Type: Event, Data: []any{"e"}, ID: MaxAckID + 1, HasID: true}, true},
		{"id on connect", &Packet{Type: Connect, HasID: true}, true},
		{"event without data", &Packet{Type: Event}, true},
		{"event empty array", &Packet{Type: Event, Data: []any{}}, true},
		{"event name not string", &Packet{Type: Event, Data: []any{1}}, true},
		{"event not array", &Packet{Type: Event, Data: map[string]any{}}, true},
		{"ack not array", &Packet{Type: Ack, Data: "x", HasID: true}, true},
		{"connect array", &Packet{Type: Connect, Data: []any{}}, true},
		{"disconnect with data", &Packet{Type: Disconnect, Data: map[string]any{}}, true},
		{"connect error number", &Packet{Type: ConnectError, Data: 1}, true},
		{"connect error absent", &Packet{Type: ConnectError}, true},
		{"attachments on connect raw", &Packet{Type: Connect, Raw: []byte(`{}`), Attachments: [][]byte{{1}}}, true},
		{"unsupported value", &Packet{Type: Event, Data: []any{"e", make(chan int)}}, false},
		{"NaN with binary", &Packet{Type: Event, Data: []any{"e", []byte{1}, math.NaN()}}, false},
		{"cyclic", &Packet{Type: Event, Data: []any{"e", loop}}, false},
		{"too deep with binary", &Packet{Type: Event, Data: []any{"e", []byte{1}, deep}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := Encode(tc.p)
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, ErrInvalidPacket) != tc.invalid {
				t.Errorf("errors.Is(%v, ErrInvalidPacket) = %v", err, !tc.invalid)
			}
		})
	}
}

func TestEncodeMisc(t *testing.T) {
	t.Parallel()
	// A recursive type with binary deep inside.
	n := &node{Next: &node{Next: &node{Data: []byte("z")}}}
	text, atts, err := Encode(&Packet{Type: Ack, ID: 3, HasID: true, Data: []any{n}})
	if err != nil {
		t.Fatal(err)
	}
	want := `61-3[{"Next":{"Next":{"Next":null,"Data":{"_placeholder":true,"num":0}},"Data":null},"Data":null}]`
	if string(text) != want || len(atts) != 1 {
		t.Errorf("got %s %q", text, atts)
	}
	// Deep data without binary is encoding/json's business.
	var deep any = "bottom"
	for i := 0; i < 2*maxDepth; i++ {
		deep = []any{deep}
	}
	if _, _, err := Encode(&Packet{Type: Event, Data: []any{"e", deep}}); err != nil {
		t.Errorf("deep data: %v", err)
	}
	// A recursive type without binary takes the fast path.
	if HasBinary(&node{Next: &node{}}) {
		t.Error("HasBinary of node without data")
	}
	// BinaryEvent without binary goes out as Event; empty nsp is "/".
	text, _, err = Encode(&Packet{Type: BinaryEvent, Nsp: "", Data: []any{"x"}})
	if err != nil || string(text) != `2["x"]` {
		t.Errorf("got %s %v", text, err)
	}
	// Binary in a Connect payload is base64, like encoding/json.
	text, atts, err = Encode(&Packet{Type: Connect, Data: map[string]any{"k": []byte{1}}})
	if err != nil || string(text) != `0{"k":"AQ=="}` || atts != nil {
		t.Errorf("got %s %v %v", text, atts, err)
	}
	// A nil pointer Connect payload is no payload.
	var np *Inner
	text, _, err = Encode(&Packet{Type: Connect, Data: np})
	if err != nil || string(text) != `0` {
		t.Errorf("got %s %v", text, err)
	}
	// ConnectError with a string; HTML is not escaped.
	text, _, err = Encode(&Packet{Type: ConnectError, Nsp: "/a", Data: "no <way>"})
	if err != nil || string(text) != `4/a,"no <way>"` {
		t.Errorf("got %s %v", text, err)
	}
	// A pointer-receiver marshaler reached through a pointer marshals itself.
	text, _, err = Encode(&Packet{Type: Event, Data: []any{"e", &ptrMarshaler{B: []byte{1}}}})
	if err != nil || string(text) != `2["e","ptr"]` {
		t.Errorf("got %s %v", text, err)
	}
	// Largest id.
	text, _, err = Encode(&Packet{Type: Event, Data: []any{"e"}, ID: MaxAckID, HasID: true})
	if err != nil || string(text) != `29007199254740991["e"]` {
		t.Errorf("got %s %v", text, err)
	}
	// The input is not modified: args with binary stay as they were.
	args := []any{"e", map[string]any{"b": []byte{9}}}
	if _, _, err := Encode(&Packet{Type: Event, Data: args}); err != nil {
		t.Fatal(err)
	}
	if _, ok := args[1].(map[string]any)["b"].([]byte); !ok {
		t.Error("Encode modified Data")
	}
}

// TestEncodeShared encodes one packet from many goroutines: the packet is
// read-only to Encode and pooled scratch space is not shared between calls.
func TestEncodeShared(t *testing.T) {
	t.Parallel()
	p := &Packet{Type: Event, Nsp: "/x", Data: []any{"e", map[string]any{"b": []byte("bin"), "s": strings.Repeat("y", 300)}, Inner{File: []byte("f")}}}
	want, wantAtts, err := Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			for i := 0; i < 200; i++ {
				text, atts, err := Encode(p)
				if err != nil || string(text) != string(want) || !equalAtts(atts, wantAtts) {
					done <- errors.New("concurrent Encode differs: " + string(text))
					return
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

package parser

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

type upload struct {
	Name  string            `json:"name"`
	File  []byte            `json:"file"`
	Ptr   *[]byte           `json:"ptr"`
	Blob  blob              `json:"blob"`
	Parts [][]byte          `json:"parts"`
	Meta  map[string]any    `json:"meta"`
	ByKey map[string][]byte `json:"byKey"`
	Any   any               `json:"any"`
	Raw   json.RawMessage   `json:"raw"`
	Str   string            `json:"str"`
	Deep  *Inner            `json:"deep"`
	Embedded
}

func ph(n int) string { return `{"_placeholder":true,"num":` + string(rune('0'+n)) + `}` }

func TestUnmarshalTyped(t *testing.T) {
	t.Parallel()
	atts := [][]byte{[]byte("f0"), []byte("f1"), []byte("f2"), []byte("f3"), []byte("f4"), []byte("f5"), []byte("f6"), []byte("f7"), []byte("f8"), []byte("f9")}
	raw := `{"name":"n","file":` + ph(0) + `,"ptr":` + ph(1) + `,"blob":` + ph(2) +
		`,"parts":[` + ph(3) + `,` + ph(4) + `],"meta":{"x":` + ph(5) + `,"y":[1,` + ph(6) + `]}` +
		`,"byKey":{"k":` + ph(7) + `},"any":` + ph(8) + `,"raw":` + ph(9) + `,"str":` + ph(0) +
		`,"deep":{"FILE":` + ph(1) + `},"Blob":` + ph(2) + `,"unknown":` + ph(3) + `}`
	var u upload
	if err := Unmarshal([]byte(raw), atts, &u); err != nil {
		t.Fatal(err)
	}
	check := func(what string, got any, want string) {
		t.Helper()
		b, ok := got.([]byte)
		if !ok {
			if bl, ok2 := got.(blob); ok2 {
				b, ok = bl, true
			}
		}
		if !ok || string(b) != want {
			t.Errorf("%s = %#v, want %q", what, got, want)
		}
	}
	if u.Name != "n" {
		t.Errorf("Name = %q", u.Name)
	}
	check("File", u.File, "f0")
	if u.Ptr == nil {
		t.Fatal("Ptr is nil")
	}
	check("Ptr", *u.Ptr, "f1")
	check("Blob", u.Blob, "f2")
	check("Parts[0]", u.Parts[0], "f3")
	check("Parts[1]", u.Parts[1], "f4")
	check("Meta.x", u.Meta["x"], "f5")
	check("Meta.y[1]", u.Meta["y"].([]any)[1], "f6")
	check("ByKey.k", u.ByKey["k"], "f7")
	check("Any", u.Any, "f8")
	if string(u.Raw) != ph(9) {
		t.Errorf("Raw = %s", u.Raw)
	}
	if u.Str != "" {
		t.Errorf("Str = %q", u.Str)
	}
	check("Deep.File (case-insensitive key)", u.Deep.File, "f1")
	check("Embedded.Blob", u.Embedded.Blob, "f2")
}

func TestUnmarshalAny(t *testing.T) {
	t.Parallel()
	atts := [][]byte{{0xde, 0xad}, {0xbe, 0xef}}
	raw := []byte(`["e",` + ph(1) + `,{"a":[` + ph(0) + `],"b":{"_placeholder":false,"num":0}}]`)
	var v any
	if err := Unmarshal(raw, atts, &v); err != nil {
		t.Fatal(err)
	}
	want := []any{"e", []byte{0xbe, 0xef}, map[string]any{
		"a": []any{[]byte{0xde, 0xad}},
		"b": map[string]any{"_placeholder": false, "num": 0.0},
	}}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("got %#v\nwant %#v", v, want)
	}
	var s []any
	if err := Unmarshal(raw, atts, &s); err != nil || !reflect.DeepEqual(s, want) {
		t.Errorf("[]any: %#v %v", s, err)
	}
	var m map[string]any
	if err := Unmarshal([]byte(`{"k":`+ph(0)+`}`), atts, &m); err != nil || !reflect.DeepEqual(m, map[string]any{"k": atts[0]}) {
		t.Errorf("map: %#v %v", m, err)
	}
	var b []byte
	if err := Unmarshal([]byte(ph(1)), atts, &b); err != nil || string(b) != string(atts[1]) {
		t.Errorf("top-level []byte: %v %v", b, err)
	}
	// Binary inside a struct held by an interface is out of reach of
	// encoding/json anyway; a struct value in a typed array works.
	var arr [2]Inner
	if err := Unmarshal([]byte(`[{"file":`+ph(0)+`},{"file":`+ph(1)+`}]`), atts, &arr); err != nil || string(arr[1].File) != string(atts[1]) {
		t.Errorf("array: %v %v", arr, err)
	}
	var im map[int][]byte
	if err := Unmarshal([]byte(`{"7":`+ph(1)+`}`), atts, &im); err != nil || string(im[7]) != string(atts[1]) {
		t.Errorf("int map: %v %v", im, err)
	}
}

func TestUnmarshalPlaceholderRules(t *testing.T) {
	t.Parallel()
	atts := [][]byte{{1}}
	// A placeholder inside a placeholder object is part of it, not one more.
	var v any
	if err := Unmarshal([]byte(`{"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":5}}`), atts, &v); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(v, []byte{1}) {
		t.Errorf("got %#v", v)
	}
	// Without attachments, placeholders stay objects.
	if err := Unmarshal([]byte(`[`+ph(0)+`]`), nil, &v); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(v, []any{map[string]any{"_placeholder": true, "num": 0.0}}) {
		t.Errorf("got %#v", v)
	}
	// Escaped key names count.
	if err := Unmarshal([]byte(`{"\u005fplaceholder":true,"n\u0075m":0}`), atts, &v); err != nil || !reflect.DeepEqual(v, []byte{1}) {
		t.Errorf("escaped keys: %#v %v", v, err)
	}
	for _, raw := range []string{
		`[` + ph(1) + `]`,
		`[{"_placeholder":true}]`,
		`[{"_placeholder":true,"num":-1}]`,
		`[{"_placeholder":true,"num":0.5}]`,
		`[{"_placeholder":true,"num":"0"}]`,
		`[{"_placeholder":true,"num":1e0}]`,
		`[{"_placeholder":true,"num":99999999999}]`,
	} {
		if err := Unmarshal([]byte(raw), atts, &v); !errors.Is(err, ErrInvalidPacket) {
			t.Errorf("%s: err = %v", raw, err)
		}
	}
	// Invalid JSON is an error, with or without attachments.
	if err := Unmarshal([]byte(`[1,]`), atts, &v); err == nil {
		t.Error("invalid JSON accepted")
	}
	if err := Unmarshal([]byte(`[1,]`), nil, &v); err == nil {
		t.Error("invalid JSON accepted")
	}
	// Type errors come from encoding/json.
	var n int
	if err := Unmarshal([]byte(`"x"`), nil, &n); err == nil {
		t.Error("type error not reported")
	}
	// Non-pointer target.
	if err := Unmarshal([]byte(ph(0)), atts, n); err == nil {
		t.Error("non-pointer target accepted")
	}
}

func TestEncodeDecodeUnmarshalRoundTrip(t *testing.T) {
	t.Parallel()
	in := upload{Name: "n", File: []byte("file"), Parts: [][]byte{[]byte("p0"), nil},
		Meta: map[string]any{"m": []byte("meta")}, Raw: json.RawMessage(`{"r":1}`), Deep: &Inner{File: []byte("deep")}}
	text, atts, err := Encode(&Packet{Type: Event, Nsp: "/up", Data: []any{"upload", in, []byte("second")}})
	if err != nil {
		t.Fatal(err)
	}
	var d Decoder
	p, err := d.Decode(text, false)
	for _, a := range atts {
		if err != nil {
			break
		}
		p, err = d.Decode(a, true)
	}
	if err != nil || p == nil {
		t.Fatalf("decode: %v %v", p, err)
	}
	name, args, err := EventName(p)
	if err != nil || name != "upload" || len(args) != 2 {
		t.Fatalf("EventName: %q %d %v", name, len(args), err)
	}
	var out upload
	if err := Unmarshal(args[0], p.Attachments, &out); err != nil {
		t.Fatal(err)
	}
	var second []byte
	if err := Unmarshal(args[1], p.Attachments, &second); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) || string(second) != "second" {
		t.Errorf("got %+v %q\nwant %+v", out, second, in)
	}
}

func TestSplitArrayAndEventName(t *testing.T) {
	t.Parallel()
	elems, err := SplitArray([]byte(` [ "a" , {"b":[1,2]} ,null,"\u00e9" ] `))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`"a"`, `{"b":[1,2]}`, `null`, `"\u00e9"`}
	if len(elems) != len(want) {
		t.Fatalf("elems %q", elems)
	}
	for i := range want {
		if string(elems[i]) != want[i] {
			t.Errorf("elem %d = %s, want %s", i, elems[i], want[i])
		}
	}
	if e, err := SplitArray([]byte(`[]`)); err != nil || len(e) != 0 {
		t.Errorf("empty: %v %v", e, err)
	}
	for _, bad := range []string{``, `{}`, `[`, `[1`, `[1,]`, `[1 2]`, `[1]x`, `[]x`, "[\"\xff\"]", `"x"`} {
		if _, err := SplitArray([]byte(bad)); !errors.Is(err, ErrInvalidPacket) {
			t.Errorf("SplitArray(%q) err = %v", bad, err)
		}
	}

	name, args, err := EventName(&Packet{Type: Event, Raw: []byte(`["h\u00e9llo",1,"x"]`)})
	if err != nil || name != "héllo" || len(args) != 2 || string(args[1]) != `"x"` {
		t.Errorf("EventName = %q %q %v", name, args, err)
	}
	for _, p := range []*Packet{
		nil,
		{Type: Ack, Raw: []byte(`["x"]`)},
		{Type: Event},
		{Type: Event, Raw: []byte(`[]`)},
		{Type: Event, Raw: []byte(`[1]`)},
	} {
		if _, _, err := EventName(p); !errors.Is(err, ErrInvalidPacket) {
			t.Errorf("EventName(%+v) err = %v", p, err)
		}
	}
}

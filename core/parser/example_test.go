package parser_test

import (
	"fmt"

	"github.com/gosio/gosio/core/parser"
)

func ExampleEncode() {
	text, atts, err := parser.Encode(&parser.Packet{
		Type: parser.Event,
		Nsp:  "/admin",
		Data: []any{"hello", map[string]any{"n": 1}},
	})
	fmt.Printf("%s %d %v\n", text, len(atts), err)
	// Output: 2/admin,["hello",{"n":1}] 0 <nil>
}

func ExampleEncode_binary() {
	text, atts, _ := parser.Encode(&parser.Packet{
		Type:  parser.Ack,
		ID:    15,
		HasID: true,
		Data:  []any{"bar", []byte{1, 2, 3, 4}},
	})
	fmt.Printf("%s\n%v\n", text, atts)
	// Output:
	// 61-15["bar",{"_placeholder":true,"num":0}]
	// [[1 2 3 4]]
}

func ExampleDecoder() {
	var d parser.Decoder
	p, err := d.Decode([]byte(`51-/admin,12["upload",{"_placeholder":true,"num":0}]`), false)
	fmt.Println(p, err) // waits for the attachment
	p, err = d.Decode([]byte{0xca, 0xfe}, true)
	fmt.Println(p.Type, p.Nsp, p.ID, string(p.Raw), p.Attachments, err)
	// Output:
	// <nil> <nil>
	// EVENT /admin 12 ["upload",{"_placeholder":true,"num":0}] [[202 254]] <nil>
}

func ExampleEventName() {
	var d parser.Decoder
	p, _ := d.Decode([]byte(`2["chat",{"room":"go","text":"hi"},3]`), false)
	name, args, _ := parser.EventName(p)
	fmt.Println(name, len(args), string(args[0]))
	// Output: chat 2 {"room":"go","text":"hi"}
}

func ExampleUnmarshal() {
	type Upload struct {
		Name string `json:"name"`
		Data []byte `json:"data"`
	}
	raw := []byte(`{"name":"a.txt","data":{"_placeholder":true,"num":0}}`)
	var u Upload
	err := parser.Unmarshal(raw, [][]byte{[]byte("hello")}, &u)
	fmt.Printf("%s %q %v\n", u.Name, u.Data, err)

	var v any
	_ = parser.Unmarshal(raw, [][]byte{[]byte("hello")}, &v)
	fmt.Printf("%T\n", v.(map[string]any)["data"])
	// Output:
	// a.txt "hello" <nil>
	// []uint8
}

func ExampleHasBinary() {
	fmt.Println(parser.HasBinary([]any{"x", map[string]any{"b": []byte{1}}}))
	fmt.Println(parser.HasBinary(struct {
		B []byte `json:"-"`
	}{B: []byte{1}}))
	// Output:
	// true
	// false
}

func ExampleSplitArray() {
	elems, err := parser.SplitArray([]byte(`[1, "two", {"three":3}]`))
	fmt.Println(len(elems), string(elems[1]), string(elems[2]), err)
	// Output: 3 "two" {"three":3} <nil>
}

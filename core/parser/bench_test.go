package parser

import (
	"encoding/json"
	"strings"
	"testing"
)

var benchPad = strings.Repeat("x", 100)

type benchMsg struct {
	I  int    `json:"i"`
	TS int64  `json:"ts"`
	P  string `json:"p"`
}

func benchEncode(b *testing.B, p *Packet) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, _, err := Encode(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeEventMap(b *testing.B) {
	benchEncode(b, &Packet{Type: Event, Data: []any{"bench:msg", map[string]any{"i": 1, "ts": 123, "p": benchPad}}})
}

func BenchmarkEncodeEventStruct(b *testing.B) {
	benchEncode(b, &Packet{Type: Event, Data: []any{"bench:msg", benchMsg{I: 1, TS: 123, P: benchPad}}})
}

func BenchmarkEncodeEventBinary(b *testing.B) {
	benchEncode(b, &Packet{Type: Event, Data: []any{"bench:msg", map[string]any{"i": 1, "ts": 123, "p": benchPad, "bin": make([]byte, 1024)}}})
}

func BenchmarkEncodeEventBinaryStruct(b *testing.B) {
	benchEncode(b, &Packet{Type: Event, Data: []any{"bench:msg", Inner{Name: "n", File: make([]byte, 1024)}}})
}

func benchText() []byte {
	text, _, err := Encode(&Packet{Type: Event, Data: []any{"bench:msg", map[string]any{"i": 1, "ts": 123, "p": benchPad}}})
	if err != nil {
		panic(err)
	}
	return text
}

func BenchmarkDecodeEvent(b *testing.B) {
	text := benchText()
	var d Decoder
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if p, err := d.Decode(text, false); err != nil || p == nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeEventAttachment(b *testing.B) {
	text, atts, err := Encode(&Packet{Type: Event, Data: []any{"bench:msg", []byte(benchPad)}})
	if err != nil {
		b.Fatal(err)
	}
	var d Decoder
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := d.Decode(text, false); err != nil {
			b.Fatal(err)
		}
		if p, err := d.Decode(atts[0], true); err != nil || p == nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEventNameUnmarshal(b *testing.B) {
	var d Decoder
	p, err := d.Decode(benchText(), false)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		name, args, err := EventName(p)
		if err != nil || name != "bench:msg" {
			b.Fatal(err)
		}
		var m benchMsg
		if err := Unmarshal(args[0], p.Attachments, &m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEventNameUnmarshalBinary(b *testing.B) {
	text, atts, err := Encode(&Packet{Type: Event, Data: []any{"bench:msg", Inner{Name: "n", File: make([]byte, 1024)}}})
	if err != nil {
		b.Fatal(err)
	}
	p, err := decodeAll(text, atts)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_, args, err := EventName(p)
		if err != nil {
			b.Fatal(err)
		}
		var in Inner
		if err := Unmarshal(args[0], p.Attachments, &in); err != nil || len(in.File) != 1024 {
			b.Fatal(err)
		}
	}
}

// BenchmarkJSONMarshalBaseline is encoding/json alone on the same data, for
// comparison with BenchmarkEncodeEventMap.
func BenchmarkJSONMarshalBaseline(b *testing.B) {
	data := []any{"bench:msg", map[string]any{"i": 1, "ts": 123, "p": benchPad}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := json.Marshal(data); err != nil {
			b.Fatal(err)
		}
	}
}

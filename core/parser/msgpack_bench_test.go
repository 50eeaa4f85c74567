package parser

import "testing"

// The formats side by side: go test -run X -bench 'Format' -benchmem
// ./core/parser. Each encodes or decodes the same event in both.

var benchPackets = []struct {
	name string
	p    *Packet
}{
	{"Map", &Packet{Type: Event, Data: []any{"bench:msg", map[string]any{"i": 1, "ts": 123, "p": benchPad}}}},
	{"Struct", &Packet{Type: Event, Data: []any{"bench:msg", benchMsg{I: 1, TS: 123, P: benchPad}}}},
	{"Binary", &Packet{Type: Event, Data: []any{"bench:msg", map[string]any{"i": 1, "ts": 123, "p": benchPad, "bin": make([]byte, 1024)}}}},
}

var benchFormats = []struct {
	name string
	pr   Parser
}{{"JSON", JSON}, {"MsgPack", MsgPack}}

func BenchmarkFormatEncode(b *testing.B) {
	for _, f := range benchFormats {
		for _, c := range benchPackets {
			b.Run(f.name+"/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					if _, _, err := f.pr.Encode(c.p); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkFormatDecode decodes the messages of one packet and its first
// argument into a Go value, as a handler's Args does.
func BenchmarkFormatDecode(b *testing.B) {
	for _, f := range benchFormats {
		for _, c := range benchPackets {
			text, atts, err := f.pr.Encode(c.p)
			if err != nil {
				b.Fatal(err)
			}
			binary := EncodesBinary(f.pr)
			b.Run(f.name+"/"+c.name, func(b *testing.B) {
				dec := f.pr.NewDecoder()
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					p, err := dec.Decode(text, binary)
					for _, a := range atts {
						p, err = dec.Decode(a, true)
					}
					if err != nil || p == nil {
						b.Fatal(err)
					}
					_, args, err := EventName(p)
					if err != nil {
						b.Fatal(err)
					}
					var m benchMsg
					if err := Unmarshal(args[0], p.Attachments, &m); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

package parser_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gosio/gosio/core/parser"
)

// FuzzMsgPackDecode feeds one binary message to the MessagePack decoder.
// Decoding must never panic and its errors must wrap ErrInvalidPacket; a
// decoded packet must encode again, in MessagePack and in JSON, to a packet
// that decodes to the same one (Raw and attachments alike), unless its
// namespace holds a comma, which JSON cannot carry.
func FuzzMsgPackDecode(f *testing.F) {
	g := loadGolden(f)
	for _, c := range g.Decode {
		b, _ := hex.DecodeString(c.Hex)
		f.Add(b)
	}
	for _, c := range g.Reject {
		b, _ := hex.DecodeString(c.Hex)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := parser.MsgPack.NewDecoder().Decode(in, true)
		if err != nil {
			if !errors.Is(err, parser.ErrInvalidPacket) {
				t.Fatalf("error %v does not wrap ErrInvalidPacket", err)
			}
			return
		}
		if p.Type == parser.Event {
			if _, _, err := parser.EventName(p); err != nil {
				t.Fatalf("decoded event %q is unreadable: %v", p.Raw, err)
			}
		}
		b, atts, err := parser.MsgPack.Encode(p)
		if err != nil || atts != nil {
			t.Fatalf("decoded %+v does not encode: %v", p, err)
		}
		q, err := parser.MsgPack.NewDecoder().Decode(b, true)
		if err != nil {
			t.Fatalf("re-encoded %x does not decode: %v", b, err)
		}
		samePacket(t, "MessagePack", p, q)

		if strings.Contains(p.Nsp, ",") {
			return // a namespace the JSON format cannot carry
		}
		text, atts, err := parser.Encode(p)
		if err != nil {
			t.Fatalf("decoded %+v does not encode as JSON: %v", p, err)
		}
		d := parser.Decoder{MaxAttachments: len(atts)}
		r, err := d.Decode(text, false)
		for _, a := range atts {
			if err != nil {
				break
			}
			r, err = d.Decode(a, true)
		}
		if err != nil || r == nil {
			t.Fatalf("JSON %q does not decode: %v", text, err)
		}
		samePacket(t, "JSON", p, r)
	})
}

func samePacket(t *testing.T, via string, p, q *parser.Packet) {
	t.Helper()
	if p.Type != q.Type || p.Nsp != q.Nsp || p.HasID != q.HasID || p.ID != q.ID ||
		!bytes.Equal(p.Raw, q.Raw) || !reflect.DeepEqual(p.Attachments, q.Attachments) {
		t.Fatalf("through %s\n %+v\nbecame\n %+v", via, p, q)
	}
}

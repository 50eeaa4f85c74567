package parser

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// splitBlob cuts blob into n attachments of about equal size.
func splitBlob(blob []byte, n int) [][]byte {
	atts := make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		lo, hi := len(blob)*i/n, len(blob)*(i+1)/n
		atts = append(atts, blob[lo:hi])
	}
	return atts
}

// decodeAll feeds a text message and its binary messages to a new decoder.
func decodeAll(text []byte, atts [][]byte) (*Packet, error) {
	var d Decoder
	p, err := d.Decode(text, false)
	for _, a := range atts {
		if err != nil {
			return nil, err
		}
		p, err = d.Decode(a, true)
	}
	return p, err
}

// FuzzDecode feeds a text message, then nbin%4 binary messages cut from blob,
// then text again. Decoding must never panic, errors must wrap
// ErrInvalidPacket, and a decoded packet must survive re-encoding: from Raw
// to the same packet, and through Unmarshal and Data to the same values.
func FuzzDecode(f *testing.F) {
	for _, tc := range specCases {
		blob := []byte{}
		for _, a := range tc.atts {
			blob = append(blob, a...)
		}
		f.Add([]byte(tc.wire), blob, uint8(len(tc.atts)))
	}
	f.Fuzz(func(t *testing.T, text, blob []byte, nbin uint8) {
		d := Decoder{MaxAttachments: 3}
		var got *Packet
		p, err := d.Decode(text, false)
		if err != nil && !errors.Is(err, ErrInvalidPacket) {
			t.Fatalf("error %v does not wrap ErrInvalidPacket", err)
		}
		if p != nil {
			got = p
		}
		for _, a := range splitBlob(blob, int(nbin%4)) {
			p, err = d.Decode(a, true)
			if err != nil && !errors.Is(err, ErrInvalidPacket) {
				t.Fatalf("error %v does not wrap ErrInvalidPacket", err)
			}
			if p != nil {
				if got != nil {
					t.Fatal("two packets from one text message")
				}
				got = p
			}
		}
		_, _ = d.Decode(text, false)
		if got == nil {
			return
		}
		checkDecoded(t, got)
	})
}

func checkDecoded(t *testing.T, p *Packet) {
	t.Helper()
	if p.Type == Event {
		if _, _, err := EventName(p); err != nil {
			t.Fatalf("EventName of decoded event: %v", err)
		}
	}
	if p.Raw != nil && !json.Valid(p.Raw) {
		t.Fatalf("decoded Raw is not valid JSON: %q", p.Raw)
	}
	// Re-encode from Raw: the same packet comes back.
	text, atts, err := Encode(p)
	if err != nil {
		t.Fatalf("re-encode of %+v: %v", p, err)
	}
	q, err := decodeAll(text, atts)
	if err != nil || q == nil {
		t.Fatalf("decode of re-encoded %q: %v %v", text, q, err)
	}
	if err := samePacket(q, p); err != nil {
		t.Fatalf("re-encoded %q: %v", text, err)
	}

	// Through Go values: Unmarshal, encode as Data, decode, Unmarshal.
	if p.Raw == nil {
		return
	}
	var v any
	if err := Unmarshal(p.Raw, p.Attachments, &v); err != nil {
		return // such as a number out of float64 range, or a bad placeholder
	}
	text, atts, err = Encode(&Packet{Type: p.Type, Nsp: p.Nsp, ID: p.ID, HasID: p.HasID, Data: v})
	if errors.Is(err, errTooDeep) {
		return // binary with data nested deeper than maxDepth
	}
	if err != nil {
		t.Fatalf("encode of unmarshaled %#v: %v", v, err)
	}
	q, err = decodeAll(text, atts)
	if err != nil || q == nil {
		t.Fatalf("decode of %q: %v %v", text, q, err)
	}
	var w any
	if err := Unmarshal(q.Raw, q.Attachments, &w); err != nil {
		t.Fatalf("unmarshal of %q: %v", q.Raw, err)
	}
	if !reflect.DeepEqual(v, w) {
		t.Fatalf("round trip through %q:\n got %#v\nwant %#v", text, w, v)
	}
}

// FuzzUnmarshal decodes arbitrary JSON with attachments into several kinds
// of targets. It must never panic, and the package's scanner must agree with
// encoding/json on what is valid JSON.
func FuzzUnmarshal(f *testing.F) {
	f.Add([]byte(`["e",{"_placeholder":true,"num":0}]`), []byte{1, 2}, uint8(1))
	f.Add([]byte(`{"file":{"_placeholder":true,"num":1},"meta":{"x":{"_placeholder":true,"num":0}}}`), []byte("abcd"), uint8(2))
	f.Add([]byte(`{"parts":[{"_placeholder":true,"num":0},null],"ptr":{"_placeholder":true,"num":0}}`), []byte("x"), uint8(1))
	f.Add([]byte(`[1,"2",{"3":[true]}]`), []byte{}, uint8(0))
	f.Fuzz(func(t *testing.T, raw, blob []byte, n uint8) {
		// encoding/json lets invalid UTF-8 through; the scanner does not.
		if (validJSON(raw) == nil) != (json.Valid(raw) && utf8.Valid(raw)) {
			t.Fatalf("scanner and encoding/json disagree on %q: %v", raw, validJSON(raw))
		}
		atts := splitBlob(blob, int(n%4))
		var a any
		errAny := Unmarshal(raw, atts, &a)
		var s []any
		_ = Unmarshal(raw, atts, &s)
		var m map[string]any
		_ = Unmarshal(raw, atts, &m)
		var u upload
		_ = Unmarshal(raw, atts, &u)
		var us []upload
		_ = Unmarshal(raw, atts, &us)
		var b []byte
		_ = Unmarshal(raw, atts, &b)
		if _, err := SplitArray(raw); err == nil && errAny != nil && !errors.Is(errAny, ErrInvalidPacket) {
			// A valid array may still not decode (numbers out of range).
			var plain any
			if json.Unmarshal(raw, &plain) == nil && len(atts) == 0 {
				t.Fatalf("Unmarshal failed where json.Unmarshal did not: %v", errAny)
			}
		}
		if errAny == nil && !HasBinary(a) {
			// The placeholder writer writes what encoding/json writes.
			st := getEncState()
			err := st.deconstruct(a)
			got := st.buf.String()
			putEncState(st)
			var sb strings.Builder
			enc := json.NewEncoder(&sb)
			enc.SetEscapeHTML(false)
			jerr := enc.Encode(a)
			if (err == nil) != (jerr == nil) || (err == nil && got != strings.TrimSuffix(sb.String(), "\n")) {
				t.Fatalf("writer %q %v, encoding/json %q %v", got, err, sb.String(), jerr)
			}
		}
		if errAny == nil && HasBinary(a) {
			// Whatever came out re-encodes.
			if _, _, err := Encode(&Packet{Type: Ack, ID: 1, HasID: true, Data: []any{a}}); err != nil {
				t.Fatalf("encode of %#v: %v", a, err)
			}
		}
	})
}

package parser

import (
	"strconv"
)

// This file transcodes JSON text to MessagePack, for the values MsgPack
// writes through JSON: structs and marshalers (via the placeholder writer),
// json.RawMessage, and the Raw payload of a relayed packet. Numbers become
// what a JavaScript peer would write after JSON.parse: integers when
// integral, float 64 otherwise.

// mpHolder is a binary placeholder in a JSON text: the offset of its "{"
// and the bytes it stands for.
type mpHolder struct {
	at  int
	bin []byte
}

// transcodeJSON appends the MessagePack form of js, valid JSON text, to b.
// Each object starting at an offset of hs (in increasing order) is written
// as the bin of that holder.
func transcodeJSON(b, js []byte, hs []mpHolder) []byte {
	t := jsonTranscoder{js: js, hs: hs, out: b, counts: containerCounts(js)}
	t.value(0)
	return t.out
}

// containerCounts returns the element counts of the arrays and objects of
// js, valid JSON, in the order they open.
func containerCounts(js []byte) []int {
	var counts, stack []int
	for i := 0; i < len(js); i++ {
		switch js[i] {
		case '"':
			i = stringEnd(js, i) - 1
		case '[', '{':
			n := 0
			if j := skipSpace(js, i+1); j < len(js) && js[j] != ']' && js[j] != '}' {
				n = 1
			}
			counts = append(counts, n)
			stack = append(stack, len(counts)-1)
		case ']', '}':
			stack = stack[:len(stack)-1]
		case ',':
			counts[stack[len(stack)-1]]++
		}
	}
	return counts
}

// stringEnd returns the offset just past the JSON string starting at i.
func stringEnd(js []byte, i int) int {
	for i++; i < len(js); i++ {
		switch js[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(js)
}

type jsonTranscoder struct {
	js     []byte
	hs     []mpHolder
	counts []int
	next   int // the next entry of counts
	out    []byte
}

// value transcodes the value at or after i and returns the offset past it.
func (t *jsonTranscoder) value(i int) int {
	js := t.js
	i = skipSpace(js, i)
	if i >= len(js) {
		return i
	}
	switch c := js[i]; c {
	case '{':
		if len(t.hs) > 0 && t.hs[0].at == i {
			t.out = appendMPBin(t.out, t.hs[0].bin)
			t.hs = t.hs[1:]
			t.next++ // a placeholder holds no container
			for i < len(js) && js[i] != '}' {
				if js[i] == '"' {
					i = stringEnd(js, i)
					continue
				}
				i++
			}
			return i + 1
		}
		n := t.counts[t.next]
		t.next++
		t.out = appendMPMapHeader(t.out, n)
		i++
		for k := 0; k < n; k++ {
			i = skipSpace(js, i)
			end := stringEnd(js, i)
			t.out = appendMPString(t.out, unquote(js[i:end]))
			i = skipSpace(js, end) + 1 // the colon
			i = skipSpace(js, t.value(i)) + 1
		}
		if n == 0 {
			i = skipSpace(js, i) + 1
		}
		return i
	case '[':
		n := t.counts[t.next]
		t.next++
		t.out = appendMPArrayHeader(t.out, n)
		i++
		for k := 0; k < n; k++ {
			i = skipSpace(js, t.value(i)) + 1 // the comma or the bracket
		}
		if n == 0 {
			i = skipSpace(js, i) + 1
		}
		return i
	case '"':
		end := stringEnd(js, i)
		t.out = appendMPString(t.out, unquote(js[i:end]))
		return end
	case 't':
		t.out = append(t.out, 0xc3)
		return i + 4
	case 'f':
		t.out = append(t.out, 0xc2)
		return i + 5
	case 'n':
		t.out = append(t.out, 0xc0)
		return i + 4
	}
	end := i
	integer := true
	for end < len(js) {
		c := js[end]
		if c == '.' || c == 'e' || c == 'E' {
			integer = false
		} else if c != '-' && c != '+' && (c < '0' || c > '9') {
			break
		}
		end++
	}
	num := string(js[i:end])
	if integer {
		if v, err := strconv.ParseInt(num, 10, 64); err == nil {
			t.out = appendMPInt(t.out, v)
			return end
		}
		if v, err := strconv.ParseUint(num, 10, 64); err == nil {
			t.out = appendMPUint(t.out, v)
			return end
		}
	}
	f, _ := strconv.ParseFloat(num, 64) // out of range: ±Inf, as JSON.parse
	t.out = appendMPFloat(t.out, f)
	return end
}

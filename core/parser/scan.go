package parser

import (
	"encoding/json"
	"unicode/utf8"
)

// This file is a small JSON scanner: it validates JSON text (RFC 8259,
// UTF-8 included) without building values, and can record the position and
// path of each binary placeholder. Decode, SplitArray and Unmarshal use it.

// maxNesting bounds the nesting of arrays and objects in incoming JSON, as
// encoding/json does.
const maxNesting = 10000

// scanner scans one JSON text. With track set it records placeholders.
type scanner struct {
	data  []byte
	depth int
	err   error

	track   bool
	path    []pathElem
	holders []holder
}

// pathElem is one step from a JSON value to a nested one: an array index or
// an object key.
type pathElem struct {
	key   string
	index int
	isKey bool
}

// holder is a binary placeholder found in the text: its byte span, the
// attachment it stands for and its path from the top-level value.
type holder struct {
	start, end int
	num        int
	path       []pathElem
}

func (s *scanner) fail(i int, what string) int {
	if s.err == nil {
		s.err = invalidf("bad JSON at offset %d: %s", i, what)
	}
	return -1
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// validJSON reports whether b is exactly one JSON value, with optional
// surrounding white space.
func validJSON(b []byte) error {
	s := scanner{data: b}
	return s.whole()
}

// whole scans the entire text as one value.
func (s *scanner) whole() error {
	i := skipSpace(s.data, 0)
	i = s.value(i)
	if i < 0 {
		return s.err
	}
	if i = skipSpace(s.data, i); i != len(s.data) {
		s.fail(i, "data after the value")
		return s.err
	}
	return nil
}

// value scans the value starting at i (no leading space) and returns the
// offset after it, or -1 with s.err set.
func (s *scanner) value(i int) int {
	if i >= len(s.data) {
		return s.fail(i, "unexpected end")
	}
	switch c := s.data[i]; {
	case c == '"':
		return s.str(i)
	case c == '{':
		return s.object(i)
	case c == '[':
		return s.array(i)
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number(i)
	case c == 't':
		return s.literal(i, "true")
	case c == 'f':
		return s.literal(i, "false")
	case c == 'n':
		return s.literal(i, "null")
	}
	return s.fail(i, "unexpected character")
}

func (s *scanner) literal(i int, lit string) int {
	if len(s.data)-i < len(lit) || string(s.data[i:i+len(lit)]) != lit {
		return s.fail(i, "bad literal")
	}
	return i + len(lit)
}

func (s *scanner) number(i int) int {
	d := s.data
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		return s.fail(i, "bad number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return s.fail(i, "bad fraction")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return s.fail(i, "bad exponent")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	return i
}

// str scans a string starting at the quote at i.
func (s *scanner) str(i int) int {
	d := s.data
	i++
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			return i + 1
		case c == '\\':
			if i+1 >= len(d) {
				return s.fail(i, "unterminated escape")
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if len(d)-i < 6 || !isHex(d[i+2]) || !isHex(d[i+3]) || !isHex(d[i+4]) || !isHex(d[i+5]) {
					return s.fail(i, "bad \\u escape")
				}
				i += 6
			default:
				return s.fail(i, "bad escape")
			}
		case c < 0x20:
			return s.fail(i, "control character in string")
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size == 1 {
				return s.fail(i, "invalid UTF-8")
			}
			i += size
		}
	}
	return s.fail(i, "unterminated string")
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func (s *scanner) enter(i int) bool {
	s.depth++
	if s.depth > maxNesting {
		s.fail(i, "nested too deep")
		return false
	}
	return true
}

func (s *scanner) array(i int) int {
	if !s.enter(i) {
		return -1
	}
	i = skipSpace(s.data, i+1)
	if i < len(s.data) && s.data[i] == ']' {
		s.depth--
		return i + 1
	}
	for n := 0; ; n++ {
		if s.track {
			s.path = append(s.path, pathElem{index: n})
		}
		i = s.value(i)
		if s.track {
			s.path = s.path[:len(s.path)-1]
		}
		if i < 0 {
			return -1
		}
		i = skipSpace(s.data, i)
		if i >= len(s.data) {
			return s.fail(i, "unterminated array")
		}
		switch s.data[i] {
		case ',':
			i = skipSpace(s.data, i+1)
		case ']':
			s.depth--
			return i + 1
		default:
			return s.fail(i, "expected , or ]")
		}
	}
}

func (s *scanner) object(i int) int {
	if !s.enter(i) {
		return -1
	}
	start := i
	nHolders := len(s.holders)
	// Placeholder detection: "_placeholder" is true and "num" an integer.
	isHolder, num, numOK := false, 0, false

	i = skipSpace(s.data, i+1)
	if i < len(s.data) && s.data[i] == '}' {
		s.depth--
		return i + 1
	}
	for {
		if i >= len(s.data) || s.data[i] != '"' {
			return s.fail(i, "expected a key")
		}
		ks := i
		i = s.str(i)
		if i < 0 {
			return -1
		}
		var key string
		if s.track {
			key = unquote(s.data[ks:i])
		}
		i = skipSpace(s.data, i)
		if i >= len(s.data) || s.data[i] != ':' {
			return s.fail(i, "expected :")
		}
		i = skipSpace(s.data, i+1)
		vs := i
		if s.track {
			s.path = append(s.path, pathElem{key: key, isKey: true})
		}
		i = s.value(i)
		if s.track {
			s.path = s.path[:len(s.path)-1]
		}
		if i < 0 {
			return -1
		}
		if s.track {
			switch key {
			case "_placeholder":
				isHolder = string(s.data[vs:i]) == "true"
			case "num":
				num, numOK = parseIndex(s.data[vs:i])
			}
		}
		i = skipSpace(s.data, i)
		if i >= len(s.data) {
			return s.fail(i, "unterminated object")
		}
		switch s.data[i] {
		case ',':
			i = skipSpace(s.data, i+1)
			continue
		case '}':
		default:
			return s.fail(i, "expected , or }")
		}
		break
	}
	s.depth--
	end := i + 1
	if isHolder {
		if !numOK {
			s.err = invalidf("binary placeholder at offset %d without a valid num", start)
			return -1
		}
		// The placeholder replaces the whole object, and any placeholder
		// found inside it.
		s.holders = append(s.holders[:nHolders], holder{
			start: start,
			end:   end,
			num:   num,
			path:  append([]pathElem(nil), s.path...),
		})
	}
	return end
}

// parseIndex parses a non-negative integer without sign, fraction or
// exponent, as found in a placeholder's num.
func parseIndex(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// unquote returns the content of a scanned (valid) JSON string.
func unquote(q []byte) string {
	inner := q[1 : len(q)-1]
	for _, c := range inner {
		if c == '\\' {
			var s string
			if json.Unmarshal(q, &s) != nil {
				return ""
			}
			return s
		}
	}
	return string(inner)
}

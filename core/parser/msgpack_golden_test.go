package parser_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gosio/gosio/core/parser"
)

// golden is testdata/msgpack/golden.json, made by golden.js with the real
// socket.io-msgpack-parser 3.0.2 (see that script).
type golden struct {
	Encode []struct {
		Name   string `json:"name"`
		Hex    string `json:"hex"`
		Prefix string `json:"prefix"`
		Length int    `json:"length"`
		SHA256 string `json:"sha256"`
	} `json:"encode"`
	Decode []struct {
		Name        string   `json:"name"`
		Hex         string   `json:"hex"`
		Type        int      `json:"type"`
		Nsp         string   `json:"nsp"`
		ID          *uint64  `json:"id"`
		Data        *string  `json:"data"`
		Attachments []string `json:"attachments"`
	} `json:"decode"`
	Reject []struct {
		Name string `json:"name"`
		Hex  string `json:"hex"`
	} `json:"reject"`
}

func loadGolden(t testing.TB) golden {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "msgpack", "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

func ints() []any {
	return []any{0, 1, 127, 128, 255, 256, 65535, 65536, uint32(math.MaxUint32), int64(1) << 32,
		int64(1)<<53 - 1, -1, int8(-32), int16(-33), -128, -129, int32(-32768), -32769, int64(math.MinInt32),
		int64(math.MinInt32) - 1, -(int64(1)<<53 - 1)}
}

// goldenPackets are the Go packets of golden.js's "encode" cases, by name.
func goldenPackets() map[string]*parser.Packet {
	type code struct {
		Code int `json:"code"`
	}
	keys16 := map[string]any{}
	for i := 0; i < 16; i++ {
		keys16["k"+string(rune('0'+i/10))+string(rune('0'+i%10))] = float64(i)
	}
	zeros := make([]int, 65536)
	sixteen := make([]int, 16)
	for i := range sixteen {
		sixteen[i] = i
	}
	ev := func(args ...any) *parser.Packet { return &parser.Packet{Type: parser.Event, Nsp: "/", Data: args} }
	return map[string]*parser.Packet{
		"connect": {Type: parser.Connect, Nsp: "/", Data: map[string]any{"sid": "Ab-_1"}},
		"connect_nsp": {Type: parser.Connect, Nsp: "/admin", Data: struct {
			Pid string `json:"pid"`
			Sid string `json:"sid"`
		}{"p", "s"}},
		"connect_no_data": {Type: parser.Connect},
		"disconnect":      {Type: parser.Disconnect, Nsp: "/admin"},
		"event":           ev("hello", "world"),
		"event_id": {Type: parser.Event, Nsp: "/", ID: 7, HasID: true,
			Data: []any{"ev", map[string]any{"a": 1, "b": []any{true, false, nil}}}},
		"event_big_id": {Type: parser.Event, Nsp: "/a,b", ID: parser.MaxAckID, HasID: true, Data: []any{"ev"}},
		"ack":          {Type: parser.Ack, Nsp: "/custom", ID: 300, HasID: true, Data: []any{"ok", 2.0}},
		"ack_empty":    {Type: parser.Ack, ID: 0, HasID: true, Data: []any{}},
		"connect_error": {Type: parser.ConnectError, Nsp: "/", Data: struct {
			Message string `json:"message"`
			Data    code   `json:"data"`
		}{"not authorized", code{42}}},
		"connect_error_string": {Type: parser.ConnectError, Nsp: "/nope", Data: "Invalid namespace"},
		"ints":                 ev(append([]any{"ints"}, ints()...)...),
		"floats": ev("floats", 1.5, float32(-0.25), 0.1, float64(1<<62), int64(-1<<62), 1e-7,
			math.Copysign(0, -1), 3.0, math.NaN(), math.Inf(1), math.Inf(-1)),
		"binary": ev("bin", []byte{1, 2, 3}, struct {
			X []byte `json:"x"`
		}{bytes.Repeat([]byte{7}, 300)}, []byte{}),
		"binary_ack": {Type: parser.BinaryAck, Nsp: "/", ID: 1, HasID: true, Data: []any{[]byte("hi")}},
		"bin16":      ev("b", bytes.Repeat([]byte{1}, 65536)),
		"strings": ev("s", "", strings.Repeat("a", 31), strings.Repeat("b", 32), strings.Repeat("c", 255),
			strings.Repeat("d", 256), "é✓😀\x00\n\"\\"),
		"str32":   ev("s", strings.Repeat("e", 65536)),
		"array16": ev("a", sixteen, zeros),
		"map16":   ev("m", keys16, map[string]int{}),
		"nested":  ev("n", json.RawMessage(`[[[ [{"deep": [1, {"deeper": "yes"}]}] ]]]`)),
	}
}

func TestMsgPackGoldenEncode(t *testing.T) {
	t.Parallel()
	g := loadGolden(t)
	pkts := goldenPackets()
	if len(g.Encode) != len(pkts) {
		t.Errorf("%d golden encode cases, %d Go packets", len(g.Encode), len(pkts))
	}
	for _, c := range g.Encode {
		p, ok := pkts[c.Name]
		if !ok {
			t.Errorf("%s: no Go packet", c.Name)
			continue
		}
		out, atts, err := parser.MsgPack.Encode(p)
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		if atts != nil {
			t.Errorf("%s: attachments %d, want none", c.Name, len(atts))
		}
		got := hex.EncodeToString(out)
		if c.Hex != "" {
			if got != c.Hex {
				t.Errorf("%s:\n got %s\nwant %s", c.Name, got, c.Hex)
			}
			continue
		}
		sum := sha256.Sum256(out)
		if len(out) != c.Length || !strings.HasPrefix(got, c.Prefix) || hex.EncodeToString(sum[:]) != c.SHA256 {
			t.Errorf("%s: %d bytes starting %.64s, want %d starting %s (sha256 %s)", c.Name, len(out), got, c.Length, c.Prefix, c.SHA256)
		}
	}
}

func TestMsgPackGoldenDecode(t *testing.T) {
	t.Parallel()
	g := loadGolden(t)
	for _, c := range g.Decode {
		in, _ := hex.DecodeString(c.Hex)
		p, err := parser.MsgPack.NewDecoder().Decode(in, true)
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		if int(p.Type) != c.Type || p.Nsp != c.Nsp {
			t.Errorf("%s: type %v nsp %q, want %d %q", c.Name, p.Type, p.Nsp, c.Type, c.Nsp)
		}
		if (c.ID != nil) != p.HasID || (c.ID != nil && *c.ID != p.ID) {
			t.Errorf("%s: id %d (%v), want %v", c.Name, p.ID, p.HasID, c.ID)
		}
		switch {
		case c.Data == nil && p.Raw != nil:
			t.Errorf("%s: Raw %s, want none", c.Name, p.Raw)
		case c.Data != nil && !sameJSON(t, p.Raw, []byte(*c.Data)):
			t.Errorf("%s: Raw\n got %s\nwant %s", c.Name, p.Raw, *c.Data)
		}
		if len(p.Attachments) != len(c.Attachments) {
			t.Errorf("%s: %d attachments, want %d", c.Name, len(p.Attachments), len(c.Attachments))
			continue
		}
		for i, a := range c.Attachments {
			if got := hex.EncodeToString(p.Attachments[i]); got != a {
				t.Errorf("%s: attachment %d is %s, want %s", c.Name, i, got, a)
			}
		}
	}
}

// sameJSON reports whether two JSON texts hold the same value, numbers
// compared as the float64 a JavaScript peer holds.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	if bytes.Equal(a, b) {
		return true
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func TestMsgPackGoldenReject(t *testing.T) {
	t.Parallel()
	g := loadGolden(t)
	for _, c := range g.Reject {
		in, _ := hex.DecodeString(c.Hex)
		p, err := parser.MsgPack.NewDecoder().Decode(in, true)
		if !errors.Is(err, parser.ErrInvalidPacket) {
			t.Errorf("%s: got %+v, %v; want an invalid packet", c.Name, p, err)
		}
	}
}

// TestMsgPackGoldenScript runs golden.js again and checks that it still
// prints golden.json: the vectors are the npm package's. It needs node and
// the script's node_modules (npm ci in testdata/msgpack).
func TestMsgPackGoldenScript(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "msgpack")
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "socket.io-msgpack-parser")); err != nil {
		t.Skip("run npm ci in testdata/msgpack first")
	}
	cmd := exec.Command(node, "golden.js")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(dir, "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, want) {
		t.Fatal("golden.js prints other vectors than golden.json: regenerate it (node golden.js > golden.json) and check the diff")
	}
}

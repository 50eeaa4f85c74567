package sioredis

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"reflect"
	"slices"
	"testing"

	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/parser"
)

// Golden vectors of Node's @socket.io/redis-streams-adapter 0.3.1 (see
// shared/notes/redis-wire.md §1.5): our encoder writes these exact fields
// and bytes, and our decoder reads them back.

const nodeStreamsUID = "7403a2493bb366ea"

func TestStreamNames(t *testing.T) {
	for _, c := range []struct {
		nsp   string
		hash  int32
		count int
		want  string
	}{
		{"/", 47, 1, "socket.io"},
		{"/", 47, 3, "socket.io-2"},
		{"/notifications", -1014064871, 3, "socket.io--2"}, // Node's negative modulo
		{"/notifications", -1014064871, 7, "socket.io--1"},
		{"/😀", 1818066, 3, "socket.io-0"}, // UTF-16 code units, as charCodeAt
		{"/admin", 1438238848, 7, "socket.io-4"},
		{"/chat-room", 927673057, 3, "socket.io-1"},
	} {
		if h := streamHash(c.nsp); h != c.hash {
			t.Errorf("hash(%q) = %d, Node says %d", c.nsp, h, c.hash)
		}
		if got := streamFor("socket.io", c.count, c.nsp); got != c.want {
			t.Errorf("stream of %q over %d = %q, Node says %q", c.nsp, c.count, got, c.want)
		}
	}
}

func TestStreamEntryVectors(t *testing.T) {
	bin := &parser.Packet{Type: parser.Event, Data: []any{"bin", []byte{1, 2, 3}}}
	hello := &parser.Packet{Type: parser.Event, Data: []any{"hello", "world", 1}}
	cases := []struct {
		name string
		typ  int
		data func() (*object, error)
		want string
	}{
		{"broadcast", msgBroadcast, func() (*object, error) { return broadcastData(hello, "", adapter.BroadcastOptions{}) },
			`{"packet":{"type":2,"data":["hello","world",1]},"opts":{"rooms":[],"except":[],"flags":{}}}`},
		{"binary broadcast", msgBroadcast, func() (*object, error) { return broadcastData(bin, "", adapter.BroadcastOptions{}) },
			"gqZwYWNrZXSCpHR5cGUCpGRhdGGSo2JpbsQDAQIDpG9wdHODpXJvb21zkKZleGNlcHSQpWZsYWdzgA=="},
		{"socketsJoin", msgSocketsJoin, func() (*object, error) {
			d := &object{}
			d.set("opts", optsTree(adapter.BroadcastOptions{Rooms: []string{"room1"}}, true))
			d.set("rooms", uniqueRooms([]string{"r2"}))
			return d, nil
		}, `{"opts":{"rooms":["room1"],"except":[],"flags":{}},"rooms":["r2"]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := c.data()
			if err != nil {
				t.Fatal(err)
			}
			f, err := entryFields(nodeStreamsUID, "/", c.typ, d)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"uid", nodeStreamsUID, "nsp", "/", "type", string(rune('0' + c.typ)), "data", c.want}
			if !slices.Equal(f, want) {
				t.Fatalf("fields\n got %q\nwant %q", f, want)
			}
			m, err := decodeEntry(map[string]string{"uid": f[1], "nsp": f[3], "type": f[5], "data": f[7]})
			if err != nil {
				t.Fatal(err)
			}
			if typ, _ := getInt(m, "type"); int(typ) != c.typ || getString(m, "uid") != nodeStreamsUID || getString(m, "nsp") != "/" {
				t.Fatalf("decoded %+v", m)
			}
			if c.typ == msgBroadcast {
				p, _, err := readPacket(getObject(getObject(m, "data"), "packet"))
				if err != nil {
					t.Fatal(err)
				}
				enc, _, _ := parser.JSON.Encode(p)
				wantP := `2["hello","world",1]`
				if c.name == "binary broadcast" {
					wantP = `51-["bin",{"_placeholder":true,"num":0}]`
				}
				if string(enc) != wantP {
					t.Fatalf("decoded packet %s, want %s", enc, wantP)
				}
			}
		})
	}
}

func TestStreamsPubSubVector(t *testing.T) {
	d := &object{}
	d.set("packet", []any{"hello", "x"})
	b, err := ephemeralMessage(msgServerSideEmit, d, nodeStreamsUID, "/")
	if err != nil {
		t.Fatal(err)
	}
	want := "84a47479706509a46461746181a67061636b657492a568656c6c6fa178a3756964b0" +
		hex.EncodeToString([]byte(nodeStreamsUID)) + "a36e7370a12f"
	if got := hex.EncodeToString(b); got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
	o, err := decodeObject(b)
	if err != nil {
		t.Fatal(err)
	}
	pk, _ := getObject(o, "data").get("packet")
	if !reflect.DeepEqual(toGeneric(pk), []any{"hello", "x"}) || getString(o, "uid") != nodeStreamsUID {
		t.Fatalf("decoded %v", toGeneric(o))
	}
}

func TestStreamsSessionVector(t *testing.T) {
	const node = "hKNzaWSjYWJjo3BpZKRwaWQxpXJvb21zkqNhYmOhcqRkYXRhgaF1AQ=="
	v, err := encodeSession(&adapter.SocketState{SID: "abc", PID: "pid1", Rooms: []string{"abc", "r"}, Data: map[string]any{"u": 1}})
	if err != nil {
		t.Fatal(err)
	}
	if v != node {
		raw, _ := base64.StdEncoding.DecodeString(v)
		t.Fatalf("session %s (%x), Node writes %s", v, raw, node)
	}
	s, err := decodeSession(node)
	if err != nil {
		t.Fatal(err)
	}
	if s.SID != "abc" || s.PID != "pid1" || !slices.Equal(s.Rooms, []string{"abc", "r"}) {
		t.Fatalf("decoded %+v", s)
	}
	if d, ok := s.Data.(map[string]any); !ok || d["u"] == nil {
		t.Fatalf("data %#v", s.Data)
	}
}

func TestStreamIDs(t *testing.T) {
	a, err := parseStreamID("1700000000000-5")
	if err != nil {
		t.Fatal(err)
	}
	if a.next().String() != "1700000000000-6" || !a.less(a.next()) || a.next().less(a) {
		t.Fatal(a.next())
	}
	for _, bad := range []string{"", "1", "a-1", "1-", "-1"} {
		if _, err := parseStreamID(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// fakeXAdd records the entries a StreamsEmitter adds.
type fakeXAdd struct {
	StreamsClient
	stream string
	fields []string
}

func (f *fakeXAdd) XAdd(_ context.Context, stream string, _ int64, fields []string) (string, error) {
	f.stream, f.fields = stream, fields
	return "1-0", nil
}

// TestStreamsEmitterEntries: the entries of @socket.io/redis-streams-emitter
// (its lib/index.ts): uid "emitter", the packet with its nsp, opts in the
// order rooms, flags, except for broadcasts.
func TestStreamsEmitterEntries(t *testing.T) {
	f := &fakeXAdd{}
	e := NewStreamsEmitter(f, nil).Of("admin")
	ctx := context.Background()
	check := func(typ, data string) {
		t.Helper()
		want := []string{"uid", "emitter", "nsp", "/admin", "type", typ, "data", data}
		if f.stream != "socket.io" || !slices.Equal(f.fields, want) {
			t.Fatalf("%s %q\nwant %q", f.stream, f.fields, want)
		}
	}
	if err := e.To("r").Except("x").Volatile().Emit(ctx, "hello", 1); err != nil {
		t.Fatal(err)
	}
	check("3", `{"packet":{"type":2,"data":["hello",1],"nsp":"/admin"},"opts":{"rooms":["r"],"flags":{"volatile":true},"except":["x"]}}`)
	if err := e.In("r").SocketsJoin(ctx, "j"); err != nil {
		t.Fatal(err)
	}
	check("4", `{"opts":{"rooms":["r"],"except":[],"flags":{}},"rooms":["j"]}`)
	if err := e.DisconnectSockets(ctx, true); err != nil {
		t.Fatal(err)
	}
	check("6", `{"opts":{"rooms":[],"except":[],"flags":{}},"close":true}`)
	if err := e.ServerSideEmit(ctx, "ping", "x"); err != nil {
		t.Fatal(err)
	}
	check("9", `{"packet":["ping","x"]}`)
	if err := e.Emit(ctx, "disconnect"); err == nil {
		t.Fatal("reserved event emitted")
	}
	three := NewStreamsEmitter(f, &StreamsEmitterOptions{StreamCount: 3}).Of("/notifications")
	if err := three.Emit(ctx, "n"); err != nil || f.stream != "socket.io--2" {
		t.Fatalf("stream %q %v", f.stream, err)
	}
}

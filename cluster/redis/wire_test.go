package sioredis

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/parser"
)

// Golden vectors captured from Node's @socket.io/redis-adapter 8.3.0 and
// @socket.io/redis-emitter 5.1.0 (notepack.io 3.0.1); see
// shared/notes/redis-wire.md. Our encoder must produce these exact bytes and
// our decoder must read them.

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func boolp(b bool) *bool { return &b }

var broadcastVectors = []struct {
	name    string
	data    []any
	opts    adapter.BroadcastOptions
	channel string
	hex     string
}{
	{
		name:    "emit",
		data:    []any{"hello", "world", 1, 2.5, map[string]any{"a": true}, nil},
		channel: "socket.io#/#",
		hex: `93a66a755949613783a47479706502a46461746196a568656c6c6fa5776f726c6401cb400400000000000081a161c3c0
		      a36e7370a12f83a5726f6f6d7390a665786365707490a5666c61677380`,
	},
	{
		name:    "one room",
		data:    []any{"ev"},
		opts:    adapter.BroadcastOptions{Rooms: []string{"room1"}},
		channel: "socket.io#/#room1#",
		hex:     `93a66a755949613783a47479706502a46461746191a26576a36e7370a12f83a5726f6f6d7391a5726f6f6d31a665786365707490a5666c61677380`,
	},
	{
		name: "rooms except flags",
		data: []any{"ev", 42},
		opts: adapter.BroadcastOptions{Rooms: []string{"r1", "r2"}, Except: []string{"r3"},
			Flags: adapter.BroadcastFlags{Volatile: true, Compress: boolp(false)}},
		channel: "socket.io#/#",
		hex: `93a66a755949613783a47479706502a46461746192a265762aa36e7370a12f83a5726f6f6d7392a27231a27232a665786365707491a27233
		      a5666c61677382a8766f6c6174696c65c3a8636f6d7072657373c2`,
	},
	{
		name:    "binary",
		data:    []any{"bin", []byte{1, 2, 3}},
		channel: "socket.io#/#",
		hex:     `93a66a755949613783a47479706502a46461746192a362696ec403010203a36e7370a12f83a5726f6f6d7390a665786365707490a5666c61677380`,
	},
}

func TestGoldenBroadcastEncode(t *testing.T) {
	t.Parallel()
	for _, v := range broadcastVectors {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			got, err := encodeBroadcast("juYIa7", &parser.Packet{Type: parser.Event, Data: v.data}, "/", v.opts, false)
			if err != nil {
				t.Fatal(err)
			}
			if want := unhex(t, v.hex); !bytes.Equal(got, want) {
				t.Fatalf("bytes differ\n got %x\nwant %x", got, want)
			}
			if ch := broadcastChannel("socket.io#/#", v.opts.Rooms); ch != v.channel {
				t.Fatalf("channel %q, want %q", ch, v.channel)
			}
		})
	}
}

// deliveryJSON encodes decoded packet data the way a client receives it.
func deliveryJSON(t *testing.T, p *parser.Packet) (string, [][]byte) {
	t.Helper()
	text, atts, err := parser.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(text), atts
}

func TestGoldenBroadcastDecode(t *testing.T) {
	t.Parallel()
	want := []struct {
		text string
		atts [][]byte
		opts adapter.BroadcastOptions
	}{
		{`2["hello","world",1,2.5,{"a":true},null]`, nil, adapter.BroadcastOptions{Rooms: []string{}, Except: []string{}}},
		{`2["ev"]`, nil, adapter.BroadcastOptions{Rooms: []string{"room1"}, Except: []string{}}},
		{`2["ev",42]`, nil, adapter.BroadcastOptions{Rooms: []string{"r1", "r2"}, Except: []string{"r3"},
			Flags: adapter.BroadcastFlags{Volatile: true, Compress: boolp(false)}}},
		{`51-["bin",{"_placeholder":true,"num":0}]`, [][]byte{{1, 2, 3}}, adapter.BroadcastOptions{Rooms: []string{}, Except: []string{}}},
	}
	for i, v := range broadcastVectors {
		tree, err := unpackTree(unhex(t, v.hex))
		if err != nil {
			t.Fatal(v.name, err)
		}
		arr := tree.([]any)
		if arr[0] != "juYIa7" {
			t.Fatalf("%s: uid %v", v.name, arr[0])
		}
		p, nsp, err := readPacket(arr[1].(*object))
		if err != nil || nsp != "/" {
			t.Fatal(v.name, nsp, err)
		}
		text, atts := deliveryJSON(t, p)
		if text != want[i].text || !reflect.DeepEqual(atts, want[i].atts) {
			t.Errorf("%s: client gets %s %v, want %s %v", v.name, text, atts, want[i].text, want[i].atts)
		}
		if opts := readOpts(arr[2].(*object)); !reflect.DeepEqual(opts, want[i].opts) {
			t.Errorf("%s: opts %+v, want %+v", v.name, opts, want[i].opts)
		}
	}
}

func TestGoldenBroadcastRequest(t *testing.T) {
	t.Parallel()
	const want = `85a3756964a66a7559496137a9726571756573744964a6456a6e393065a47479706507a67061636b657483a47479706502a464617461
	92a661636b2d657601a36e7370a12fa46f70747383a5726f6f6d7390a665786365707490a5666c61677381a774696d656f7574cd03e8`
	got, err := encodeBroadcastRequest("juYIa7", "Ejn90e", &parser.Packet{Type: parser.Event, Data: []any{"ack-ev", 1}}, "/",
		adapter.BroadcastOptions{Flags: adapter.BroadcastFlags{Timeout: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, unhex(t, want)) {
		t.Fatalf("bytes differ\n got %x\nwant %s", got, want)
	}
	o, err := decodeObject(unhex(t, want))
	if err != nil {
		t.Fatal(err)
	}
	if typ, _ := getInt(o, "type"); typ != typeBroadcast || getString(o, "requestId") != "Ejn90e" || getString(o, "uid") != "juYIa7" {
		t.Fatalf("decoded %v", o)
	}
	if opts := readOpts(getObject(o, "opts")); opts.Flags.Timeout != time.Second {
		t.Fatalf("timeout %v", opts.Flags.Timeout)
	}
}

func TestGoldenJSONRequests(t *testing.T) {
	t.Parallel()
	fetch := request("juYIa7", "e3I_NI", typeRemoteFetch)
	fetch.set("opts", optsTree(adapter.BroadcastOptions{Rooms: []string{"room1"}}, false))
	sse, _ := serverSideEmitRequest("juYIa7", "", []any{"hello", "x"})
	sseAck, _ := serverSideEmitRequest("juYIa7", "mmcYXk", []any{"hello"})
	cases := []struct{ got, want string }{
		{string(roomsRequest("juYIa7", typeRemoteJoin, adapter.BroadcastOptions{Rooms: []string{"room1"}}, []string{"r2"})),
			`{"uid":"juYIa7","type":2,"opts":{"rooms":["room1"],"except":[]},"rooms":["r2"]}`},
		{string(roomsRequest("juYIa7", typeRemoteLeave, adapter.BroadcastOptions{Except: []string{"r"}}, []string{"r2"})),
			`{"uid":"juYIa7","type":3,"opts":{"rooms":[],"except":["r"]},"rooms":["r2"]}`},
		{string(disconnectRequest("juYIa7", adapter.BroadcastOptions{}, true)),
			`{"uid":"juYIa7","type":4,"opts":{"rooms":[],"except":[]},"close":true}`},
		{string(jsonObject(fetch)), `{"uid":"juYIa7","requestId":"e3I_NI","type":5,"opts":{"rooms":["room1"],"except":[]}}`},
		{string(sse), `{"uid":"juYIa7","type":6,"data":["hello","x"]}`},
		{string(sseAck), `{"uid":"juYIa7","requestId":"mmcYXk","type":6,"data":["hello"]}`},
		{string(jsonObject(request("juYIa7", "QhTltd", typeAllRooms))), `{"uid":"juYIa7","requestId":"QhTltd","type":1}`},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got  %s\nwant %s", c.got, c.want)
		}
		if _, err := decodeObject([]byte(c.want)); err != nil {
			t.Errorf("decode %s: %v", c.want, err)
		}
	}
}

func TestGoldenResponses(t *testing.T) {
	t.Parallel()
	// Answers a Node server gives; we must read them.
	o, err := decodeObject([]byte(`{"requestId":"r1","rooms":["yC5LG9pLwVlvAhUbAAAA","room1"]}`))
	if err != nil {
		t.Fatal(err)
	}
	r, _ := o.get("rooms")
	if got := toRooms(r); !reflect.DeepEqual(got, []string{"yC5LG9pLwVlvAhUbAAAA", "room1"}) {
		t.Fatal(got)
	}
	o, _ = decodeObject([]byte(`{"type":8,"requestId":"r7","clientCount":1}`))
	if n, ok := getInt(o, "clientCount"); !ok || n != 1 {
		t.Fatal(n)
	}
	o, _ = decodeObject([]byte(`{"type":6,"requestId":"r6","data":"pong-ping"}`))
	if d, _ := o.get("data"); fromJSONArgs(d) != "pong-ping" {
		t.Fatal(d)
	}
	ackMsg := unhex(t, "83a47479706509a9726571756573744964a27237a67061636b6574ac636c69656e742d61636b3a31")
	o, err = decodeObject(ackMsg)
	if err != nil {
		t.Fatal(err)
	}
	v, present := o.get("packet")
	p := ackPacket(v, present)
	if string(p.Raw) != `["client-ack:1"]` {
		t.Fatalf("ack raw %s", p.Raw)
	}
	// And we write the same bytes when forwarding that acknowledgement.
	r2 := &object{}
	r2.set("type", int64(typeBroadcastAck))
	r2.set("requestId", "r7")
	r2.set("packet", "client-ack:1")
	if b, _ := packTree(r2); !bytes.Equal(b, ackMsg) {
		t.Fatalf("ack bytes %x", b)
	}
	count := &object{}
	count.set("type", int64(typeBroadcastClientCount))
	count.set("requestId", "r7")
	count.set("clientCount", int64(1))
	if got := string(jsonObject(count)); got != `{"type":8,"requestId":"r7","clientCount":1}` {
		t.Fatal(got)
	}

	fetch := `{"requestId":"r5","sockets":[{"id":"yC5LG9pLwVlvAhUbAAAA","handshake":{"headers":{"host":"localhost:3000","connection":"Upgrade"},
	"time":"Fri Nov 27 2026 16:56:59 GMT+0000 (Coordinated Universal Time)","address":"::ffff:127.0.0.1","xdomain":false,"secure":false,
	"issued":1795798619419,"url":"/socket.io/?EIO=4&transport=websocket","query":{"EIO":"4","transport":"websocket"},"auth":{"token":"abc"}},
	"rooms":["yC5LG9pLwVlvAhUbAAAA","room1"],"data":{"user":"bob"}}]}`
	o, err = decodeObject([]byte(fetch))
	if err != nil {
		t.Fatal(err)
	}
	socks, _ := o.get("sockets")
	info, ok := readSocketInfo(socks.([]any)[0])
	if !ok || info.ID != "yC5LG9pLwVlvAhUbAAAA" || !reflect.DeepEqual(info.Rooms, []string{"yC5LG9pLwVlvAhUbAAAA", "room1"}) {
		t.Fatalf("%+v", info)
	}
	if string(info.Data.(json.RawMessage)) != `{"user":"bob"}` || string(info.Handshake.Auth) != `{"token":"abc"}` ||
		info.Handshake.Query.Get("transport") != "websocket" || info.Handshake.Header.Get("Host") != "localhost:3000" ||
		info.Handshake.Time.UnixMilli() != 1795798619419 {
		t.Fatalf("%+v %+v", info, info.Handshake)
	}
}

// recorder is a Client that records what is published.
type recorder struct {
	mu   sync.Mutex
	pubs []published
}

type published struct {
	channel string
	payload []byte
}

func (r *recorder) Publish(_ context.Context, ch string, b []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pubs = append(r.pubs, published{ch, bytes.Clone(b)})
	return nil
}
func (r *recorder) SPublish(ctx context.Context, ch string, b []byte) error {
	return r.Publish(ctx, ch, b)
}
func (r *recorder) NumSub(context.Context, string) (int, error)      { return 1, nil }
func (r *recorder) ShardNumSub(context.Context, string) (int, error) { return 1, nil }
func (r *recorder) Subscribe(SubscribeSpec, Listener) Subscription   { return nopSub{} }

type nopSub struct{}

func (nopSub) Ready() <-chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}
func (nopSub) Add(context.Context, ...string) error    { return nil }
func (nopSub) Remove(context.Context, ...string) error { return nil }
func (nopSub) Close() error                            { return nil }

func (r *recorder) last(t *testing.T) published {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pubs) == 0 {
		t.Fatal("nothing published")
	}
	return r.pubs[len(r.pubs)-1]
}

func TestGoldenEmitter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rec := &recorder{}
	em := NewEmitter(rec, nil)
	if err := em.Of("admin").To("room1").Except("room2").Volatile().Emit(ctx, "x", map[string]any{"a": 1}, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	const want = `93a7656d697474657283a47479706502a46461746193a17881a16101c4026869a36e7370a62f61646d696e83a5726f6f6d7391a5726f6f6d31
	a5666c61677381a8766f6c6174696c65c3a665786365707491a5726f6f6d32`
	if p := rec.last(t); p.channel != "socket.io#/admin#room1#" || !bytes.Equal(p.payload, unhex(t, want)) {
		t.Fatalf("%s %x", p.channel, p.payload)
	}
	// Our adapter reads the emitter's message (opts in another key order).
	tree, err := unpackTree(unhex(t, want))
	if err != nil {
		t.Fatal(err)
	}
	arr := tree.([]any)
	p, nsp, err := readPacket(arr[1].(*object))
	if err != nil || nsp != "/admin" {
		t.Fatal(nsp, err)
	}
	if text, atts := deliveryJSON(t, &parser.Packet{Type: p.Type, Nsp: nsp, Data: p.Data}); text != `51-/admin,["x",{"a":1},{"_placeholder":true,"num":0}]` || string(atts[0]) != "hi" {
		t.Fatalf("%s %q", text, atts)
	}
	opts := readOpts(arr[2].(*object))
	if !reflect.DeepEqual(opts.Rooms, []string{"room1"}) || !reflect.DeepEqual(opts.Except, []string{"room2"}) || !opts.Flags.Volatile {
		t.Fatalf("%+v", opts)
	}

	jsonCases := []struct {
		do   func() error
		want string
	}{
		{func() error { return em.To("a").SocketsJoin(ctx, "r2") }, `{"type":2,"opts":{"rooms":["a"],"except":[]},"rooms":["r2"]}`},
		{func() error { return em.Except("b").SocketsLeave(ctx, "r2") }, `{"type":3,"opts":{"rooms":[],"except":["b"]},"rooms":["r2"]}`},
		{func() error { return em.DisconnectSockets(ctx, true) }, `{"type":4,"opts":{"rooms":[],"except":[]},"close":true}`},
		{func() error { return em.ServerSideEmit(ctx, "hello", "x") }, `{"uid":"emitter","type":6,"data":["hello","x"]}`},
	}
	for _, c := range jsonCases {
		if err := c.do(); err != nil {
			t.Fatal(err)
		}
		if p := rec.last(t); p.channel != "socket.io-request#/#" || string(p.payload) != c.want {
			t.Errorf("%s %s, want %s", p.channel, p.payload, c.want)
		}
	}
	if err := em.Emit(ctx, "connect"); err == nil {
		t.Fatal("reserved event accepted")
	}
}

func TestDecodeDates(t *testing.T) {
	t.Parallel()
	// emitter.emit("time", new Date(1700000000123)) with notepack 3:
	// timestamp extension -1, 64-bit form.
	v, err := unpackTree(unhex(t, "92a474696d65d7ff1d5353006553f100"))
	if err != nil {
		t.Fatal(err)
	}
	if got := v.([]any)[1]; got != "2023-11-14T22:13:20.123Z" {
		t.Fatalf("%v", got)
	}
	// notepack 2: Date as fixext8 type 0 (ms), undefined as fixext1 type 0,
	// ArrayBuffer as ext8 type 0.
	v, err = unpackTree(unhex(t, "93d700 0000018bcfe5687b d40000 c70200abcd"))
	if err != nil {
		t.Fatal(err)
	}
	arr := v.([]any)
	if arr[0] != "2023-11-14T22:13:20.123Z" || arr[1] != nil || !bytes.Equal(arr[2].([]byte), []byte{0xab, 0xcd}) {
		t.Fatalf("%#v", arr)
	}
	// 32-bit and 96-bit timestamps.
	v, _ = unpackTree(unhex(t, "92d6ff00000001c70cff000000000000000000000002"))
	if arr := v.([]any); arr[0] != "1970-01-01T00:00:01.000Z" || arr[1] != "1970-01-01T00:00:02.000Z" {
		t.Fatalf("%#v", arr)
	}
}

func TestNumberEncoding(t *testing.T) {
	t.Parallel()
	// notepack.io: integral finite numbers take the smallest integer form,
	// others float64.
	cases := []struct {
		v    any
		want string
	}{
		{1.0, "01"}, {127, "7f"}, {128, "cc80"}, {255, "ccff"}, {256, "cd0100"}, {65536, "ce00010000"},
		{float64(1 << 53), "cf0020000000000000"}, {-1, "ff"}, {-32, "e0"}, {-33, "d0df"}, {-129, "d1ff7f"},
		{-40000, "d2ffff63c0"}, {-(1 << 40), "d3ffffff0000000000"}, {0.5, "cb3fe0000000000000"}, {float32(1.5), "cb3ff8000000000000"},
		{"", "a0"}, {strings.Repeat("a", 32), "d920" + strings.Repeat("61", 32)}, {[]byte{}, "c400"}, {nil, "c0"}, {true, "c3"},
	}
	for _, c := range cases {
		tree, err := toTree(c.v)
		if err != nil {
			t.Fatal(err)
		}
		b, err := packTree(tree)
		if err != nil {
			t.Fatal(err)
		}
		if hex.EncodeToString(b) != c.want {
			t.Errorf("%v (%T): %x, want %s", c.v, c.v, b, c.want)
		}
	}
}

func TestStructValues(t *testing.T) {
	t.Parallel()
	type inner struct {
		Blob []byte `json:"blob"`
	}
	type msg struct {
		Name  string `json:"name"`
		Count int    `json:"count,omitempty"`
		In    inner  `json:"in"`
		Skip  string `json:"-"`
	}
	tree, err := toTree(msg{Name: "n", In: inner{Blob: []byte{9}}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := packTree(tree)
	// {"name":"n","in":{"blob":<bin 09>}} in field order.
	if want := "82a46e616d65a16ea2696e81a4626c6f62c40109"; hex.EncodeToString(b) != want {
		t.Fatalf("%x, want %s", b, want)
	}
	// JSON as JSON.stringify writes it, no HTML escaping, Buffers as Node's.
	got := string(appendJSON(nil, []any{"<a&b>", "é\n", []byte{1, 2}}, true))
	if want := `["<a&b>","é\n",{"type":"Buffer","data":[1,2]}]`; got != want {
		t.Fatalf("%s, want %s", got, want)
	}
	v, _ := decodeJSONTree([]byte(`[{"type":"Buffer","data":[1,2]},{"k":1.5}]`), nil)
	if g := fromJSONArgs(v); !reflect.DeepEqual(g, []any{[]byte{1, 2}, map[string]any{"k": 1.5}}) {
		t.Fatalf("%#v", g)
	}
}

func FuzzUnpack(f *testing.F) {
	for _, v := range broadcastVectors {
		f.Add(unhex(f, v.hex))
	}
	f.Add(unhex(f, "92a474696d65d7ff1d5353006553f100"))
	f.Add([]byte(`{"uid":"x","type":7}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := decodeObject(b)
		if err == nil {
			_, _, _ = readPacket(getObject(o, "packet"))
			_ = readOpts(getObject(o, "opts"))
		}
		if v, err := unpackTree(b); err == nil {
			if arr, ok := v.([]any); ok && len(arr) == 3 {
				pkt, _ := arr[1].(*object)
				if p, _, err := readPacket(pkt); err == nil {
					_, _, _ = parser.Encode(p)
				}
			}
		}
	})
}

func TestGoldenSharded(t *testing.T) {
	t.Parallel()
	const uid = "84bf6e578eeac73a"
	mk := func(typ int, fill func(d *object)) string {
		d := &object{}
		fill(d)
		b, err := clusterMessage(typ, d, uid, "/")
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	bcast := func(data []any, reqID string, opts adapter.BroadcastOptions) func(d *object) {
		return func(d *object) {
			x, err := broadcastData(&parser.Packet{Type: parser.Event, Data: data}, reqID, opts)
			if err != nil {
				t.Fatal(err)
			}
			*d = *x
		}
	}
	cases := []struct{ got, want string }{
		{mk(msgBroadcast, bcast([]any{"hello", "world", 1}, "", adapter.BroadcastOptions{})),
			`{"type":3,"data":{"packet":{"type":2,"data":["hello","world",1]},"opts":{"rooms":[],"except":[],"flags":{}}},"uid":"84bf6e578eeac73a","nsp":"/"}`},
		{mk(msgBroadcast, bcast([]any{"ack-ev"}, "2275cd5325633a81", adapter.BroadcastOptions{Flags: adapter.BroadcastFlags{Timeout: time.Second}})),
			`{"type":3,"data":{"packet":{"type":2,"data":["ack-ev"]},"requestId":"2275cd5325633a81","opts":{"rooms":[],"except":[],"flags":{"timeout":1000}}},"uid":"84bf6e578eeac73a","nsp":"/"}`},
		{mk(msgSocketsJoin, func(d *object) {
			d.set("opts", optsTree(adapter.BroadcastOptions{Rooms: []string{"room1"}}, true))
			d.set("rooms", uniqueRooms([]string{"r2"}))
		}), `{"type":4,"data":{"opts":{"rooms":["room1"],"except":[],"flags":{}},"rooms":["r2"]},"uid":"84bf6e578eeac73a","nsp":"/"}`},
		{mk(msgDisconnectSockets, func(d *object) {
			d.set("opts", optsTree(adapter.BroadcastOptions{}, true))
			d.set("close", true)
		}), `{"type":6,"data":{"opts":{"rooms":[],"except":[],"flags":{}},"close":true},"uid":"84bf6e578eeac73a","nsp":"/"}`},
		{mk(msgFetchSockets, func(d *object) {
			d.set("opts", optsTree(adapter.BroadcastOptions{}, true))
			d.set("requestId", "716d0e8b66553f73")
		}), `{"type":7,"data":{"opts":{"rooms":[],"except":[],"flags":{}},"requestId":"716d0e8b66553f73"},"uid":"84bf6e578eeac73a","nsp":"/"}`},
		{mk(msgServerSideEmit, func(d *object) {
			d.set("requestId", "6ab0eba2d429aac3")
			d.set("packet", []any{"hello", "x"})
		}), `{"type":9,"data":{"requestId":"6ab0eba2d429aac3","packet":["hello","x"]},"uid":"84bf6e578eeac73a","nsp":"/"}`},
		{mk(msgServerSideEmitResp, func(d *object) { d.set("requestId", "q9"); d.set("packet", "pong-ping") }),
			`{"type":10,"data":{"requestId":"q9","packet":"pong-ping"},"uid":"84bf6e578eeac73a","nsp":"/"}`},
		{mk(msgBroadcastClientCnt, func(d *object) { d.set("requestId", "q3"); d.set("clientCount", int64(1)) }),
			`{"type":11,"data":{"requestId":"q3","clientCount":1},"uid":"84bf6e578eeac73a","nsp":"/"}`},
		{mk(msgBroadcastAck, func(d *object) { d.set("requestId", "q3"); d.set("packet", "client-ack:1") }),
			`{"type":12,"data":{"requestId":"q3","packet":"client-ack:1"},"uid":"84bf6e578eeac73a","nsp":"/"}`},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got  %s\nwant %s", c.got, c.want)
		}
	}
	// With binary: the whole message in MessagePack.
	const binHex = `84a47479706503a46461746182a67061636b657482a47479706502a46461746192a362696ec403010203a46f70747383a5726f6f6d7390
	a665786365707490a5666c61677380a3756964b038346266366535373865656163373361a36e7370a12f`
	if got := mk(msgBroadcast, bcast([]any{"bin", []byte{1, 2, 3}}, "", adapter.BroadcastOptions{})); got != string(unhex(t, binHex)) {
		t.Fatalf("binary broadcast %x", got)
	}
	o, err := decodeObject(unhex(t, binHex))
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := readPacket(getObject(getObject(o, "data"), "packet"))
	if err != nil {
		t.Fatal(err)
	}
	if text, atts := deliveryJSON(t, p); text != `51-["bin",{"_placeholder":true,"num":0}]` || len(atts) != 1 {
		t.Fatal(text)
	}
}

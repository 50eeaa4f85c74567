package sioredis_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	sioredis "github.com/gosio/gosio/cluster/redis"
	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/parser"
)

// testCluster is n gosio nodes on one redis-server, each with two clients:
// one in room "a", one in room "b".
type testCluster struct {
	redis   *redisServer
	nodes   []*node
	clients [][]*sioClient // clients[node][0] in "a", [1] in "b"

	mu       sync.Mutex
	received map[string][]string // server-side events received, by node
}

func (tc *testCluster) all() []*sioClient {
	var out []*sioClient
	for _, cs := range tc.clients {
		out = append(out, cs...)
	}
	return out
}

// setupNode registers the handlers every test node has.
func (tc *testCluster) setupNode(i int) func(io *core.Server) {
	name := fmt.Sprintf("node%d", i)
	return func(io *core.Server) {
		// Rooms and data are set in a connect middleware, before the
		// CONNECT answer: a connection handler runs after it, so a test
		// could broadcast before the join.
		io.Use(core.ConnectFunc(func(s *core.Socket) error {
			var auth struct {
				Rooms []string `json:"rooms"`
			}
			_ = json.Unmarshal(s.Handshake().Auth, &auth)
			s.Join(auth.Rooms...)
			s.SetData(map[string]any{"node": name})
			return nil
		}))
		io.OnConnection(func(s *core.Socket) {
			s.On("relay", func(s *core.Socket, e *core.Event) error {
				args, err := e.Values()
				if err != nil {
					return err
				}
				return s.Broadcast().Emit("relayed", args...)
			})
		})
		io.Of("/").OnServerSide("hello", func(args []any, ack func(...any)) {
			tc.mu.Lock()
			tc.received[name] = append(tc.received[name], fmt.Sprint(args))
			tc.mu.Unlock()
			if ack != nil {
				ack("pong-" + name)
			}
		})
		io.Of("/").OnServerSide("silent", func(args []any, ack func(...any)) {
			if ack != nil && name != "node2" {
				ack(name)
			}
		})
	}
}

// adapterModes are the adapter configurations every cluster test runs
// with.
func adapterModes(timeout time.Duration) []struct {
	name string
	cfg  nodeConfig
} {
	return []struct {
		name string
		cfg  nodeConfig
	}{
		{"classic", nodeConfig{opts: &sioredis.Options{RequestsTimeout: timeout}}},
		{"sharded", nodeConfig{sharded: &sioredis.ShardedOptions{RequestsTimeout: timeout}}},
		{"sharded-private", nodeConfig{sharded: &sioredis.ShardedOptions{RequestsTimeout: timeout, SubscriptionMode: sioredis.DynamicPrivate}}},
		{"sharded-static", nodeConfig{sharded: &sioredis.ShardedOptions{RequestsTimeout: timeout, SubscriptionMode: sioredis.Static}}},
		{"streams", nodeConfig{streams: &sioredis.StreamsOptions{RequestsTimeout: timeout, BlockTime: 200 * time.Millisecond}}},
		{"streams-sharded-pubsub", nodeConfig{streams: &sioredis.StreamsOptions{RequestsTimeout: timeout, BlockTime: 200 * time.Millisecond, UseShardedPubSub: true}}},
	}
}

func forEachMode(t *testing.T, timeout time.Duration, fn func(t *testing.T, cfg nodeConfig)) {
	for _, m := range adapterModes(timeout) {
		t.Run(m.name, func(t *testing.T) { fn(t, m.cfg) })
	}
}

func newTestCluster(t *testing.T, n int, cfg nodeConfig) *testCluster {
	t.Helper()
	tc := &testCluster{redis: startRedis(t), received: make(map[string][]string)}
	for i := 0; i < n; i++ {
		c := cfg
		c.setup = tc.setupNode(i)
		tc.nodes = append(tc.nodes, newNode(t, tc.redis.Addr, c))
	}
	for _, nd := range tc.nodes {
		tc.clients = append(tc.clients, []*sioClient{
			dial(t, nd.URL, "/", map[string]any{"rooms": []string{"a"}}),
			dial(t, nd.URL, "/", map[string]any{"rooms": []string{"b"}}),
		})
	}
	// Sharded, dynamic modes: room channels are subscribed in the
	// background; wait for them before testing single-room broadcasts.
	waitRoomChannel(t, tc.nodes[0], cfg, "a", n)
	waitRoomChannel(t, tc.nodes[0], cfg, "b", n)
	if cfg.sharded != nil && cfg.sharded.SubscriptionMode == sioredis.DynamicPrivate {
		for _, c := range tc.all() {
			waitRoomChannel(t, tc.nodes[0], cfg, c.SID, 1)
		}
	}
	return tc
}

// quiet checks that none of the clients has an event left after d: every
// event was delivered exactly once.
func quiet(t *testing.T, d time.Duration, clients ...*sioClient) {
	t.Helper()
	time.Sleep(d)
	for _, c := range clients {
		if n := len(c.events); n > 0 {
			p := <-c.events
			t.Fatalf("client %s has %d unexpected events, first %s", c.SID, n, p.Raw)
		}
	}
}

func TestClusterBroadcast(t *testing.T) { forEachMode(t, 5*time.Second, testClusterBroadcast) }

func testClusterBroadcast(t *testing.T, cfg nodeConfig) {
	tc := newTestCluster(t, 3, cfg)
	for i, origin := range tc.nodes {
		tag := fmt.Sprintf("%d", i)
		if err := origin.IO.Emit("all", "from", i, map[string]any{"k": 1.5}); err != nil {
			t.Fatal(err)
		}
		for _, c := range tc.all() {
			if got := c.Expect("all"); got != `"from",`+tag+`,{"k":1.5}` {
				t.Fatalf("all: %s", got)
			}
		}
		if err := origin.IO.To("a").Emit("toA", i); err != nil {
			t.Fatal(err)
		}
		if err := origin.IO.Except("a").Emit("notA", i); err != nil {
			t.Fatal(err)
		}
		if err := origin.IO.To("a", "b").Emit("multi", i); err != nil {
			t.Fatal(err)
		}
		if err := origin.IO.Emit("bin", []byte{1, 2, 3}); err != nil {
			t.Fatal(err)
		}
		for _, cs := range tc.clients {
			if got := cs[0].Expect("toA"); got != tag {
				t.Fatalf("toA: %s", got)
			}
			if got := cs[1].Expect("notA"); got != tag {
				t.Fatalf("notA: %s", got)
			}
			for _, c := range cs {
				if got := c.Expect("multi"); got != tag {
					t.Fatalf("multi: %s", got)
				}
				p := c.ExpectPacket("bin")
				var b []byte
				args, _ := parser.SplitArray(p.Raw)
				if err := parser.Unmarshal(args[1], p.Attachments, &b); err != nil || string(b) != "\x01\x02\x03" {
					t.Fatalf("bin: %s %v %v", p.Raw, b, err)
				}
			}
		}
		quiet(t, 100*time.Millisecond, tc.all()...)
	}
	// socket.broadcast: everyone but the sender, on every node.
	sender := tc.clients[1][0]
	sender.Emit("relay", "hi", 7)
	for _, c := range tc.all() {
		if c == sender {
			continue
		}
		if got := c.Expect("relayed"); got != `"hi",7` {
			t.Fatalf("relayed: %s", got)
		}
	}
	// A room only one node has.
	tc.nodes[2].IO.Of("/").Adapter().AddAll(tc.clients[2][1].SID, "solo")
	waitRoomChannel(t, tc.nodes[2], cfg, "solo", 1)
	if err := tc.nodes[0].IO.To("solo").Emit("solo"); err != nil {
		t.Fatal(err)
	}
	tc.clients[2][1].Expect("solo")
	// Local stays local.
	if err := tc.nodes[0].IO.Local().Emit("local"); err != nil {
		t.Fatal(err)
	}
	tc.clients[0][0].Expect("local")
	tc.clients[0][1].Expect("local")
	quiet(t, 200*time.Millisecond, tc.all()...)
}

// waitRoomChannel waits, in the dynamic sharded modes, until the node has
// subscribed to the room's own channel: a room created on one server
// receives single-room broadcasts only from then on (as with Node).
func waitRoomChannel(t *testing.T, n *node, cfg nodeConfig, room string, servers int) {
	t.Helper()
	if cfg.sharded == nil || cfg.sharded.SubscriptionMode == sioredis.Static {
		return
	}
	waitFor(t, 5*time.Second, "room channel of "+room, func() bool {
		m, err := n.RDB.PubSubShardNumSub(context.Background(), "socket.io#/#"+room+"#").Result()
		return err == nil && m["socket.io#/#"+room+"#"] == int64(servers)
	})
}

func TestClusterBroadcastWithAck(t *testing.T) {
	forEachMode(t, 5*time.Second, testClusterBroadcastWithAck)
}

func testClusterBroadcastWithAck(t *testing.T, cfg nodeConfig) {
	tc := newTestCluster(t, 3, cfg)
	for _, c := range tc.all() {
		c.OnAck(func(p *parser.Packet) []any { return []any{"ack-" + c.SID, "ignored"} })
	}
	ctx := context.Background()
	start := time.Now()
	acks, err := tc.nodes[0].IO.Timeout(3*time.Second).EmitWithAck(ctx, "ask", 1)
	if err != nil {
		t.Fatalf("EmitWithAck: %v (%d acks)", err, len(acks))
	}
	if len(acks) != 6 {
		t.Fatalf("%d acks, want 6", len(acks))
	}
	var got, want []string
	for _, a := range acks {
		var s string
		if err := a.Decode(0, &s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	for _, c := range tc.all() {
		want = append(want, "ack-"+c.SID)
		c.Expect("ask")
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Fatalf("acks %v, want %v", got, want)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatalf("took %v: the wait did not end when every ack arrived", time.Since(start))
	}

	// A room on one remote node only: the other nodes report 0 clients
	// and the wait ends at once.
	tc.nodes[2].IO.Of("/").Adapter().AddAll(tc.clients[2][0].SID, "solo")
	start = time.Now()
	acks, err = tc.nodes[0].IO.To("solo").Timeout(3*time.Second).EmitWithAck(ctx, "ask-solo", []byte{7})
	if err != nil || len(acks) != 1 {
		t.Fatalf("solo: %v, %d acks", err, len(acks))
	}
	if time.Since(start) > 2*time.Second {
		t.Fatalf("solo took %v", time.Since(start))
	}
	p := tc.clients[2][0].ExpectPacket("ask-solo")
	if len(p.Attachments) != 1 {
		t.Fatalf("binary argument lost: %s", p.Raw)
	}

	// Binary acknowledgements are forwarded as binary.
	tc.clients[1][1].OnAck(func(*parser.Packet) []any { return []any{[]byte("raw")} })
	tc.nodes[1].IO.Of("/").Adapter().AddAll(tc.clients[1][1].SID, "binroom")
	acks, err = tc.nodes[2].IO.To("binroom").Timeout(3*time.Second).EmitWithAck(ctx, "ask-bin")
	if err != nil || len(acks) != 1 {
		t.Fatalf("bin: %v, %d acks", err, len(acks))
	}
	var b []byte
	if err := acks[0].Decode(0, &b); err != nil || string(b) != "raw" {
		t.Fatalf("binary ack %q %v", b, err)
	}
	tc.clients[1][1].Expect("ask-bin")

	// A client that never answers: timeout with the acks received so far.
	tc.clients[0][1].OnAck(nil)
	acks, err = tc.nodes[1].IO.Timeout(500*time.Millisecond).EmitWithAck(ctx, "ask2")
	if err == nil || len(acks) != 5 {
		t.Fatalf("want a timeout with 5 acks, got %v, %d", err, len(acks))
	}
	for _, c := range tc.all() {
		c.Expect("ask2")
	}
	quiet(t, 100*time.Millisecond, tc.all()...)
}

func TestClusterFetchAndRemoteOps(t *testing.T) {
	forEachMode(t, 5*time.Second, testClusterFetchAndRemoteOps)
}

func testClusterFetchAndRemoteOps(t *testing.T, cfg nodeConfig) {
	tc := newTestCluster(t, 3, cfg)
	ctx := context.Background()
	socks, err := tc.nodes[0].IO.FetchSockets(ctx)
	if err != nil || len(socks) != 6 {
		t.Fatalf("FetchSockets: %v, %d sockets", err, len(socks))
	}
	byID := map[string]*core.RemoteSocket{}
	for _, s := range socks {
		byID[s.ID()] = s
	}
	for i, cs := range tc.clients {
		for j, c := range cs {
			s := byID[c.SID]
			if s == nil {
				t.Fatalf("socket %s missing", c.SID)
			}
			var data struct{ Node string }
			if err := s.DecodeData(&data); err != nil || data.Node != fmt.Sprintf("node%d", i) {
				t.Fatalf("data of %s: %+v %v", c.SID, data, err)
			}
			room := []string{"a", "b"}[j]
			if !slices.Contains(s.Rooms(), room) || !slices.Contains(s.Rooms(), c.SID) {
				t.Fatalf("rooms of %s: %v", c.SID, s.Rooms())
			}
			if hs := s.Handshake(); hs == nil || !strings.Contains(string(hs.Auth), room) || hs.Query.Get("EIO") != "4" {
				t.Fatalf("handshake of %s: %+v", c.SID, hs)
			}
			if _, local := s.Local(); local != (i == 0) {
				t.Fatalf("Local() of %s = %v", c.SID, local)
			}
		}
	}
	inA, err := tc.nodes[1].IO.In("a").FetchSockets(ctx)
	if err != nil || len(inA) != 3 {
		t.Fatalf("In(a): %v, %d", err, len(inA))
	}

	rooms, err := tc.nodes[0].IO.Of("/").Adapter().AllRooms(ctx)
	if cfg.sharded != nil || cfg.streams != nil { // as in Node: this server's rooms only
		if err != nil || len(rooms) != 4 {
			t.Fatalf("AllRooms: %v %v", rooms, err)
		}
	} else if err != nil || !slices.Contains(rooms, "a") || !slices.Contains(rooms, tc.clients[2][1].SID) || len(rooms) != 8 {
		t.Fatalf("AllRooms: %v %v", rooms, err)
	}

	// Join across nodes, then a broadcast to the new room.
	if err := tc.nodes[1].IO.In("a").SocketsJoin("joined"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "remote join", func() bool {
		s, _ := tc.nodes[2].IO.In("joined").FetchSockets(ctx)
		return len(s) == 3
	})
	waitRoomChannel(t, tc.nodes[0], cfg, "joined", 3)
	if err := tc.nodes[0].IO.To("joined").Emit("j"); err != nil {
		t.Fatal(err)
	}
	for _, cs := range tc.clients {
		cs[0].Expect("j")
	}
	if err := tc.nodes[2].IO.In("joined").SocketsLeave("joined"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "remote leave", func() bool {
		s, _ := tc.nodes[0].IO.In("joined").FetchSockets(ctx)
		return len(s) == 0
	})

	// A handle on a socket of another node.
	remote := byID[tc.clients[2][1].SID]
	if err := remote.Emit("direct", "x"); err != nil {
		t.Fatal(err)
	}
	if got := tc.clients[2][1].Expect("direct"); got != `"x"` {
		t.Fatal(got)
	}
	quiet(t, 100*time.Millisecond, tc.all()...)

	// Disconnect across nodes.
	if err := tc.nodes[2].IO.In("b").DisconnectSockets(false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "remote disconnect", func() bool {
		for _, cs := range tc.clients {
			if !cs[1].Disconnected() || cs[0].Disconnected() {
				return false
			}
		}
		return true
	})
	waitFor(t, 5*time.Second, "sockets gone", func() bool {
		s, _ := tc.nodes[0].IO.FetchSockets(ctx)
		return len(s) == 3
	})
}

func TestClusterServerSideEmit(t *testing.T) {
	forEachMode(t, 700*time.Millisecond, testClusterServerSideEmit)
}

func testClusterServerSideEmit(t *testing.T, cfg nodeConfig) {
	tc := newTestCluster(t, 3, cfg)
	ctx := context.Background()
	n, err := tc.nodes[0].IO.Of("/").Adapter().ServerCount(ctx)
	if err != nil || n != 3 {
		t.Fatalf("ServerCount = %d, %v", n, err)
	}
	if err := tc.nodes[0].IO.ServerSideEmit("hello", "x", 1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "server-side events", func() bool {
		tc.mu.Lock()
		defer tc.mu.Unlock()
		return len(tc.received["node1"]) == 1 && len(tc.received["node2"]) == 1
	})
	tc.mu.Lock()
	if len(tc.received["node0"]) != 0 || tc.received["node1"][0] != "[x 1]" {
		t.Fatalf("received %v", tc.received)
	}
	tc.mu.Unlock()

	replies, err := tc.nodes[1].IO.Of("/").ServerSideEmitWithAck(ctx, "hello", "y")
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(replies))
	for i, r := range replies {
		got[i] = fmt.Sprint(r)
	}
	sort.Strings(got)
	if !slices.Equal(got, []string{"pong-node0", "pong-node2"}) {
		t.Fatalf("replies %v", got)
	}
	// node2 does not answer "silent": timeout with the partial replies.
	start := time.Now()
	replies, err = tc.nodes[0].IO.Of("/").ServerSideEmitWithAck(ctx, "silent")
	if !errors.Is(err, sioredis.ErrTimeout) || len(replies) != 1 || replies[0] != "node1" {
		t.Fatalf("silent: %v %v", replies, err)
	}
	if d := time.Since(start); d < 600*time.Millisecond || d > 3*time.Second {
		t.Fatalf("silent took %v", d)
	}
	// The caller's context bounds the wait too.
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := tc.nodes[0].IO.Of("/").ServerSideEmitWithAck(cctx, "silent"); !errors.Is(err, sioredis.ErrTimeout) {
		t.Fatalf("ctx: %v", err)
	}
}

// A float32 argument reaches the clients of other servers as the local
// ones see it (0.1, as encoding/json prints a float32), not widened.
func TestClusterFloat32(t *testing.T) {
	tc := newTestCluster(t, 2, nodeConfig{opts: &sioredis.Options{}})
	if err := tc.nodes[0].IO.Emit("f", float32(0.1), []any{float32(2.2)}); err != nil {
		t.Fatal(err)
	}
	if got := tc.clients[0][0].Expect("f"); got != "0.1,[2.2]" {
		t.Fatalf("local client got %s", got)
	}
	if got := tc.clients[1][0].Expect("f"); got != "0.1,[2.2]" {
		t.Fatalf("remote client got %s", got)
	}
}

// A server-side handler that panics on arguments it did not expect (they
// come from another process) is reported, and the server goes on handling
// server-side events.
func TestClusterServerSidePanic(t *testing.T) {
	forEachMode(t, time.Second, func(t *testing.T, cfg nodeConfig) {
		r := startRedis(t)
		errs := make(chan error, 4)
		got := make(chan string, 4)
		recv := cfg
		recv.onError = func(s *core.Socket, err error) {
			if s != nil {
				t.Errorf("socket %s for a server-side error", s.ID())
			}
			errs <- err
		}
		recv.setup = func(io *core.Server) {
			io.Of("/").OnServerSide("job", func(args []any, _ func(...any)) {
				got <- args[0].(string) // a sender may pass anything
			})
		}
		a := newNode(t, r.Addr, cfg)
		newNode(t, r.Addr, recv)
		if err := a.IO.ServerSideEmit("job", 42); err != nil {
			t.Fatal(err)
		}
		if err := a.IO.ServerSideEmit("job", "ok"); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-errs:
			var perr *core.PanicError
			if !errors.As(err, &perr) || perr.Event != "job" || len(perr.Stack) == 0 {
				t.Fatalf("OnError got %v, want a PanicError for job", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the panic was not reported")
		}
		select {
		case s := <-got:
			if s != "ok" {
				t.Fatalf("handler got %q", s)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the next server-side event was not handled")
		}
	})
}

func TestClusterNamespaces(t *testing.T) {
	r := startRedis(t)
	var nodes []*node
	for i := 0; i < 2; i++ {
		nodes = append(nodes, newNode(t, r.Addr, nodeConfig{setup: func(io *core.Server) { io.Of("/admin") }}))
		waitReady(t, nodes[i].IO.Of("/admin"))
	}
	main := dial(t, nodes[1].URL, "/", nil)
	admin := dial(t, nodes[1].URL, "/admin", nil)
	if err := nodes[0].IO.Of("/admin").Emit("adm", 1); err != nil {
		t.Fatal(err)
	}
	if got := admin.Expect("adm"); got != "1" {
		t.Fatal(got)
	}
	if err := nodes[0].IO.Emit("main", 2); err != nil {
		t.Fatal(err)
	}
	main.Expect("main")
	quiet(t, 150*time.Millisecond, main, admin)
	// Closing a namespace's adapter unsubscribes it: one server fewer.
	ctx := context.Background()
	if n, _ := nodes[0].IO.Of("/admin").Adapter().ServerCount(ctx); n != 2 {
		t.Fatalf("ServerCount(/admin) = %d", n)
	}
	if err := nodes[1].IO.Of("/admin").Adapter().Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "unsubscribe", func() bool {
		n, _ := nodes[0].IO.Of("/admin").Adapter().ServerCount(ctx)
		return n == 1
	})
}

func TestRedisRestart(t *testing.T) {
	r := startRedis(t)
	var downs atomic.Int32
	opts := &sioredis.Options{
		RequestsTimeout: time.Second,
		OnError: func(err error) {
			if errors.Is(err, sioredis.ErrRedisDown) {
				downs.Add(1)
			}
		},
	}
	gopts := &sioredis.GoRedisOptions{MinRetryBackoff: 20 * time.Millisecond, MaxRetryBackoff: 200 * time.Millisecond}
	a := newNode(t, r.Addr, nodeConfig{opts: opts, gopts: gopts})
	b := newNode(t, r.Addr, nodeConfig{opts: opts, gopts: gopts})
	cb := dial(t, b.URL, "/", nil)
	if err := a.IO.Emit("before"); err != nil {
		t.Fatal(err)
	}
	cb.Expect("before")

	r.Stop()
	waitFor(t, 5*time.Second, "outage reported", func() bool { return downs.Load() >= 2 })
	if err := a.IO.Emit("during"); err == nil {
		t.Fatal("Emit during the outage returned no error")
	}
	if _, err := a.IO.Of("/").Adapter().ServerCount(context.Background()); err == nil {
		t.Fatal("ServerCount during the outage returned no error")
	}

	r.Start()
	// Subscriptions come back by themselves; keep emitting until one gets
	// through (messages published while B resubscribes are lost).
	deadline := time.Now().Add(10 * time.Second)
	for {
		_ = a.IO.Emit("after")
		select {
		case p := <-cb.events:
			if name, _, _ := parser.EventName(p); name != "after" {
				t.Fatalf("got %s", p.Raw)
			}
		case <-time.After(100 * time.Millisecond):
			if time.Now().After(deadline) {
				t.Fatal("the cluster did not recover after Redis restarted")
			}
			continue
		}
		break
	}
	waitFor(t, 5*time.Second, "both subscribed again", func() bool {
		n, _ := a.IO.Of("/").Adapter().ServerCount(context.Background())
		return n == 2
	})
	// Normal service: "again" arrives. A's publishes reach Redis one after
	// the other and B reads them in that order, so the "after" events
	// still on their way come before it.
	if err := a.IO.Emit("again"); err != nil {
		t.Fatal(err)
	}
	for again := false; !again; {
		select {
		case p := <-cb.events:
			name, _, _ := parser.EventName(p)
			if again = name == "again"; !again && name != "after" {
				t.Fatalf("got %s, want \"after\" events then \"again\"", p.Raw)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no \"again\" event")
		}
	}
}

// stallClient is a Client whose SPublish waits while stalled, as when
// Redis answers slowly (a failover, a blocked server, a saturated link).
type stallClient struct {
	sioredis.Client
	mu      sync.Mutex
	stalled chan struct{} // closed to release the waiting SPublish calls
	entered chan struct{} // closed when a call first waits
	once    sync.Once
}

func (c *stallClient) stall() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stalled = make(chan struct{})
}

func (c *stallClient) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	close(c.stalled)
	c.stalled = nil
}

func (c *stallClient) SPublish(ctx context.Context, ch string, p []byte) error {
	c.mu.Lock()
	st := c.stalled
	c.mu.Unlock()
	if st != nil {
		c.once.Do(func() { close(c.entered) })
		select {
		case <-st:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return c.Client.SPublish(ctx, ch, p)
}

// TestShardedRoomChannelsAfterPublisherStall: in the dynamic sharded mode
// an answer waiting on a slow Redis holds up the adapter's publisher while
// more rooms come and go than its queue holds. Once Redis recovers, every
// room with a member here has its channel subscribed (so broadcasts to it
// from other servers arrive) and every room without one has it
// unsubscribed: no change of room subscriptions is lost.
func TestShardedRoomChannelsAfterPublisherStall(t *testing.T) {
	r := startRedis(t)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr})
	t.Cleanup(func() { _ = rdb.Close() })
	sc := &stallClient{Client: sioredis.NewGoRedis(rdb, nil), entered: make(chan struct{})}
	io := core.NewServer(&core.Options{Adapter: sioredis.ShardedFactory(sc, &sioredis.ShardedOptions{RequestsTimeout: 3 * time.Second})})
	io.OnConnection(func(s *core.Socket) { s.Join("target") })
	hs := httptest.NewServer(io)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = io.Close(ctx)
		hs.Close()
	})
	waitReady(t, io.Of("/"))
	other := newNode(t, r.Addr, nodeConfig{sharded: &sioredis.ShardedOptions{}})
	adp := io.Of("/").Adapter()
	numsub := func(room string) int64 {
		ch := "socket.io#/#" + room + "#"
		m, err := rdb.PubSubShardNumSub(ctx, ch).Result()
		if err != nil {
			t.Fatal(err)
		}
		return m[ch]
	}
	// Rooms that will be left during the stall.
	adp.AddAll("old-sock", "old-1", "old-2")
	waitFor(t, 5*time.Second, "old rooms subscribed", func() bool { return numsub("old-1") == 1 && numsub("old-2") == 1 })

	// Redis gets slow; another server asks for our sockets: the answer
	// holds up the publisher.
	sc.stall()
	req := `{"type":7,"data":{"opts":{"rooms":[],"except":[],"flags":{}},"requestId":"r1"},"uid":"someone","nsp":"/"}`
	if err := rdb.SPublish(ctx, "socket.io#/#", req).Err(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sc.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the answer was not published")
	}
	// Meanwhile more rooms are created than the publisher queue holds (4096),
	// old ones are left, and a client joins "target".
	const n = 4200
	for i := 0; i < n; i++ {
		adp.AddAll(fmt.Sprintf("sock-%d", i), fmt.Sprintf("room-%d", i))
	}
	adp.DelAll("old-sock")
	client := dial(t, hs.URL, "/", nil)
	sc.release()

	waitFor(t, 10*time.Second, "room channels in line with the rooms", func() bool {
		return numsub("target") == 1 && numsub("room-0") == 1 && numsub(fmt.Sprintf("room-%d", n-1)) == 1 &&
			numsub("old-1") == 0 && numsub("old-2") == 0
	})
	if err := other.IO.To("target").Emit("news", 1); err != nil {
		t.Fatal(err)
	}
	if got := client.Expect("news"); got != "1" {
		t.Fatalf("news: got %s", got)
	}
}

// TestShardedRoomChannelFollowsMembership: in the dynamic sharded mode,
// sockets joining and leaving one room concurrently leave its channel
// subscribed exactly when the room has a member, whatever order the
// changes were made in.
func TestShardedRoomChannelFollowsMembership(t *testing.T) {
	r := startRedis(t)
	n := newNode(t, r.Addr, nodeConfig{sharded: &sioredis.ShardedOptions{}})
	adp := n.IO.Of("/").Adapter()
	numsub := func() int64 {
		m, err := n.RDB.PubSubShardNumSub(context.Background(), "socket.io#/#hot#").Result()
		if err != nil {
			t.Fatal(err)
		}
		return m["socket.io#/#hot#"]
	}
	for round := 0; round < 3; round++ {
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprintf("sock-%d", g)
				for i := 0; i < 200; i++ {
					adp.AddAll(id, "hot")
					adp.Del(id, "hot")
				}
			}()
		}
		wg.Wait()
		// Changes still in flight may flip the channel for a moment: it
		// must settle in the state that matches the room.
		settled := func(want int64) func() bool {
			return func() bool {
				if numsub() != want {
					return false
				}
				time.Sleep(100 * time.Millisecond)
				return numsub() == want
			}
		}
		adp.AddAll("sock-0", "hot")
		waitFor(t, 5*time.Second, "the channel of a room with a member subscribed", settled(1))
		adp.Del("sock-0", "hot")
		waitFor(t, 5*time.Second, "the channel of a room without members unsubscribed", settled(0))
	}
}

// SocketsJoin racing the disconnects of the sockets it picks does not put
// a disconnected socket back in a room (nor keep a room channel
// subscribed for it, in the sharded modes).
func TestClusterSocketsJoinRacingDisconnect(t *testing.T) {
	forEachMode(t, time.Second, func(t *testing.T, cfg nodeConfig) {
		r := startRedis(t)
		gone := make(chan struct{}, 64)
		cfg.setup = func(io *core.Server) {
			io.OnConnection(func(s *core.Socket) {
				s.OnDisconnect(func(*core.Socket, string) { gone <- struct{}{} })
			})
		}
		n := newNode(t, r.Addr, cfg)
		const count = 40
		clients := make([]*sioClient, count)
		for i := range clients {
			clients[i] = dial(t, n.URL, "/", nil)
		}
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				default:
					_ = n.IO.Local().SocketsJoin("r")
				}
			}
		}()
		for _, c := range clients {
			c.Close()
		}
		for range clients {
			select {
			case <-gone:
			case <-time.After(10 * time.Second):
				t.Fatal("sockets not disconnected")
			}
		}
		close(stop)
		<-done
		if ghosts := n.IO.Of("/").Adapter().Sockets(core.BroadcastOptions{Rooms: []string{"r"}}); len(ghosts) > 0 {
			t.Fatalf("%d disconnected sockets are still in room r", len(ghosts))
		}
	})
}

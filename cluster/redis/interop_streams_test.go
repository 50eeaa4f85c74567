package sioredis_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	sioredis "github.com/gosio/gosio/cluster/redis"
	"github.com/gosio/gosio/core/parser"
	"github.com/redis/go-redis/v9"
)

// TestMixedClusterStreams runs two gosio servers and a Node socket.io 4.8
// server with @socket.io/redis-streams-adapter 0.3.1 in one cluster and
// checks every operation from every side.
func TestMixedClusterStreams(t *testing.T) {
	r := startRedis(t)
	nodeJS := startNode(t, r.Addr, "ADAPTER=streams")
	tc := &testCluster{redis: r, received: make(map[string][]string)}
	for i := range 2 {
		tc.nodes = append(tc.nodes, newNode(t, r.Addr, nodeConfig{
			streams: &sioredis.StreamsOptions{BlockTime: 200 * time.Millisecond, RequestsTimeout: 3 * time.Second},
			setup:   tc.setupNode(i),
		}))
	}
	g0, g1 := tc.nodes[0], tc.nodes[1]
	goA := dial(t, g0.URL, "/", map[string]any{"rooms": []string{"a"}})
	goB := dial(t, g1.URL, "/", map[string]any{"rooms": []string{"b"}})
	var sid struct{ SID string }
	nodeJS.call(&sid, "connect", map[string]any{"name": "na", "url": nodeJS.URL, "auth": map[string]any{"rooms": []string{"a"}}})
	naSID := sid.SID
	nodeJS.call(&sid, "connect", map[string]any{"name": "nb", "url": nodeJS.URL, "auth": map[string]any{"rooms": []string{"b"}}})
	nbSID := sid.SID
	goClients := []*sioClient{goA, goB}
	ctx := context.Background()

	var c struct{ Count int }
	nodeJS.call(&c, "serverCount", nil)
	if n, err := g0.IO.Of("/").Adapter().ServerCount(ctx); c.Count != 3 || n != 3 || err != nil {
		t.Fatalf("node counts %d, go counts %d (%v)", c.Count, n, err)
	}

	t.Run("Broadcasts", func(t *testing.T) {
		nodeJS.use(t)
		if err := g0.IO.Emit("all", "x", 1, 2.5, map[string]any{"k": true}, nil, []byte{1, 2}); err != nil {
			t.Fatal(err)
		}
		want := `all,"x",1,2.5,{"k":true},null,{"$bin":[1,2]}`
		nodeJS.expectEvents("na", want)
		nodeJS.expectEvents("nb", want)
		goA.Expect("all")
		goB.Expect("all")
		if err := g1.IO.To("a").Except("b").Emit("toA", 1); err != nil {
			t.Fatal(err)
		}
		nodeJS.expectEvents("na", "toA,1")
		nodeJS.expectEvents("nb")
		goA.Expect("toA")
		nodeJS.call(nil, "emit", map[string]any{"event": "fromNode", "args": []any{"y", map[string]any{"$bin": []int{3}}}})
		for _, c := range goClients {
			p := c.ExpectPacket("fromNode")
			if string(p.Raw) != `["fromNode","y",{"_placeholder":true,"num":0}]` || len(p.Attachments) != 1 || p.Attachments[0][0] != 3 {
				t.Fatalf("%s %v", p.Raw, p.Attachments)
			}
		}
		nodeJS.expectEvents("na", `fromNode,"y",{"$bin":[3]}`)
		nodeJS.expectEvents("nb", `fromNode,"y",{"$bin":[3]}`)
		nodeJS.call(nil, "emit", map[string]any{"rooms": []string{"b"}, "event": "toB"})
		goB.Expect("toB")
		nodeJS.expectEvents("nb", "toB")
		// socket.broadcast from a Node client and from a Go one.
		nodeJS.call(nil, "clientEmit", map[string]any{"name": "na", "event": "relay", "args": []any{"r"}})
		goA.Expect("relayed")
		goB.Expect("relayed")
		nodeJS.expectEvents("nb", `relayed,"r"`)
		goB.Emit("relay", "g")
		goA.Expect("relayed")
		nodeJS.expectEvents("na", `relayed,"r"`[:0]+`relayed,"g"`)
		nodeJS.expectEvents("nb", `relayed,"g"`)
		quiet(t, 50*time.Millisecond, goClients...)
	})

	t.Run("FetchSockets", func(t *testing.T) {
		nodeJS.use(t)
		socks, err := g0.IO.FetchSockets(ctx)
		if err != nil || len(socks) != 4 {
			t.Fatalf("go fetch: %v, %d", err, len(socks))
		}
		var fr struct {
			Sockets []struct {
				ID   string
				Data map[string]any
			}
		}
		nodeJS.call(&fr, "fetchSockets", map[string]any{"rooms": []string{"a"}})
		var ids []string
		for _, s := range fr.Sockets {
			ids = append(ids, s.ID)
			if s.ID == goA.SID && s.Data["node"] != "node0" {
				t.Fatalf("go socket seen by node: %+v", s)
			}
		}
		sort.Strings(ids)
		want := []string{goA.SID, naSID}
		sort.Strings(want)
		if !slices.Equal(ids, want) {
			t.Fatalf("node fetch in a: %v, want %v", ids, want)
		}
	})

	t.Run("JoinLeaveDisconnect", func(t *testing.T) {
		nodeJS.use(t)
		nodeJS.call(nil, "socketsJoin", map[string]any{"rooms": []string{"a"}, "join": "nj"})
		waitFor(t, 5*time.Second, "node socketsJoin on go", func() bool {
			s, _ := g1.IO.In("nj").FetchSockets(ctx)
			return len(s) == 2
		})
		if err := g0.IO.In("b").SocketsJoin("gj"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 5*time.Second, "go socketsJoin on node", func() bool {
			var r struct{ Sockets []struct{ ID string } }
			nodeJS.call(&r, "fetchSockets", map[string]any{"rooms": []string{"gj"}})
			return len(r.Sockets) == 2
		})
		nodeJS.call(nil, "socketsLeave", map[string]any{"rooms": []string{"gj"}, "leave": "gj"})
		waitFor(t, 5*time.Second, "node socketsLeave", func() bool {
			s, _ := g1.IO.In("gj").FetchSockets(ctx)
			return len(s) == 0
		})
	})

	t.Run("BroadcastAcks", func(t *testing.T) {
		nodeJS.use(t)
		for _, c := range goClients {
			c.OnAck(func(*parser.Packet) []any { return []any{"ack-" + c.SID} })
		}
		want := []string{"ack-" + goA.SID, "ack-" + goB.SID, "ack-" + naSID, "ack-" + nbSID}
		sort.Strings(want)
		acks, err := g0.IO.Timeout(3*time.Second).EmitWithAck(ctx, "ask", 1)
		if err != nil {
			t.Fatalf("go EmitWithAck: %v (%d acks)", err, len(acks))
		}
		var got []string
		for _, a := range acks {
			var s string
			_ = a.Decode(0, &s)
			got = append(got, s)
		}
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Fatalf("go acks %v, want %v", got, want)
		}
		var r struct {
			Responses []string
			Error     string
		}
		nodeJS.call(&r, "emitWithAck", map[string]any{"event": "ask2", "args": []any{2}, "timeout": 3000})
		sort.Strings(r.Responses)
		if r.Error != "" || !slices.Equal(r.Responses, want) {
			t.Fatalf("node acks %+v, want %v", r, want)
		}
		for _, c := range goClients {
			c.Expect("ask")
			c.Expect("ask2")
		}
		for _, n := range []string{"na", "nb"} {
			nodeJS.expectEvents(n, "ask,1", "ask2,2")
		}
	})

	t.Run("ServerSideEmit", func(t *testing.T) {
		nodeJS.use(t)
		replies, err := g0.IO.Of("/").ServerSideEmitWithAck(ctx, "hello", "from-go")
		if got := fmt.Sprint(replies); err != nil || len(replies) != 2 || !strings.Contains(got, "pong-node-js") || !strings.Contains(got, "pong-node1") {
			t.Fatalf("go → replies %v %v", replies, err)
		}
		var r struct {
			Replies []string
			Error   string
		}
		nodeJS.call(&r, "serverSideEmitWithAck", map[string]any{"event": "hello", "args": []any{"from-node"}})
		sort.Strings(r.Replies)
		if r.Error != "" || !slices.Equal(r.Replies, []string{"pong-node0", "pong-node1"}) {
			t.Fatalf("node → replies %+v", r)
		}
	})

	t.Run("Emitter", func(t *testing.T) {
		nodeJS.use(t)
		rdb := redis.NewClient(&redis.Options{Addr: r.Addr})
		defer rdb.Close()
		em := sioredis.NewStreamsEmitter(sioredis.NewGoRedis(rdb, nil), nil)
		if err := em.To("a").Emit(ctx, "fromEmitter", "z", []byte{4}); err != nil {
			t.Fatal(err)
		}
		nodeJS.expectEvents("na", `fromEmitter,"z",{"$bin":[4]}`)
		if p := goA.ExpectPacket("fromEmitter"); len(p.Attachments) != 1 || p.Attachments[0][0] != 4 {
			t.Fatalf("%s", p.Raw)
		}
		if err := em.In("b").SocketsJoin(ctx, "ej"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 5*time.Second, "emitter socketsJoin", func() bool {
			s, _ := g0.IO.In("ej").FetchSockets(ctx)
			return len(s) == 2
		})
		nodeJS.call(nil, "serverSide", nil) // drop what came before
		tc.mu.Lock()
		n0, n1 := len(tc.received["node0"]), len(tc.received["node1"])
		tc.mu.Unlock()
		if err := em.ServerSideEmit(ctx, "hello", "emitted"); err != nil {
			t.Fatal(err)
		}
		nodeGot := false
		waitFor(t, 5*time.Second, "server-side from the emitter", func() bool {
			var ev struct{ Events [][]any }
			nodeJS.call(&ev, "serverSide", nil)
			if len(ev.Events) == 1 && ev.Events[0][0] == "emitted" {
				nodeGot = true
			}
			tc.mu.Lock()
			defer tc.mu.Unlock()
			return nodeGot && len(tc.received["node0"]) == n0+1 && len(tc.received["node1"]) == n1+1
		})
		quiet(t, 50*time.Millisecond, goClients...)
	})

	t.Run("Disconnect", func(t *testing.T) {
		nodeJS.use(t)
		nodeJS.call(nil, "disconnectSockets", map[string]any{"rooms": []string{goB.SID}})
		waitFor(t, 5*time.Second, "node disconnects a go socket", goB.Disconnected)
		if err := g0.IO.In(nbSID).DisconnectSockets(false); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 5*time.Second, "go disconnects a node socket", func() bool {
			_, d := nodeJS.events("nb")
			return d
		})
	})
}

// TestMixedStreamsRecovery: a client drops from the Node server and
// recovers on a gosio server, then drops from gosio and recovers on Node,
// getting every broadcast made meanwhile by any server once, in order.
func TestMixedStreamsRecovery(t *testing.T) {
	r := startRedis(t)
	nodeJS := startNode(t, r.Addr, "ADAPTER=streams", "RECOVERY=1")
	g := []*node{newNode(t, r.Addr, streamsRecoveryConfig()), newNode(t, r.Addr, streamsRecoveryConfig())}
	witness := dial(t, g[1].URL, "/", map[string]any{"rooms": []string{"a"}})
	c := dial(t, nodeJS.URL, "/", map[string]any{"rooms": []string{"a"}})
	if c.PID == "" {
		t.Fatal("no pid from Node: recovery off")
	}
	sid := c.SID
	seq := 0
	// emit broadcasts m seq to room a from the server i (2 = Node) and
	// waits for the witness to get it, so that the stream holds them in
	// order.
	emit := func(i int) {
		t.Helper()
		if i == 2 {
			nodeJS.call(nil, "emit", map[string]any{"rooms": []string{"a"}, "event": "m", "args": []any{seq}})
		} else if err := g[i].IO.To("a").Emit("m", seq); err != nil {
			t.Fatal(err)
		}
		expectSeq(t, witness, seq, seq)
		seq++
	}
	// Node reads the stream from "$" until it gets its first entry:
	// entries added between two of those reads never reach it (upstream).
	// Warm it up until it has read one.
	for warm := false; !warm; {
		if err := g[0].IO.To("a").Emit("warm"); err != nil {
			t.Fatal(err)
		}
		witness.Expect("warm")
		select {
		case <-c.events:
			warm = true
		case <-time.After(500 * time.Millisecond):
		}
	}
	emit(0)
	off := expectSeq(t, c, 0, 0)
	for round, to := range []string{"go", "node", "go", "node"} {
		c.Close()
		from := seq
		for i := range 3 {
			emit((round + i) % 3)
		}
		url := g[round%2].URL
		if to == "node" {
			url = nodeJS.URL
		} else {
			// Node writes the session once it notices the loss.
			waitFor(t, 5*time.Second, "Node to persist the session", func() bool {
				return sessionValue(t, g[0].RDB, c.PID) != ""
			})
		}
		c = dial(t, url, "/", recoverAuth(c, off))
		if c.SID != sid {
			t.Fatalf("round %d (to %s): new sid %s, want %s recovered", round, to, c.SID, sid)
		}
		off = expectSeq(t, c, from, seq-1)
		// Back in room a, with its data, seen from Node.
		var fr struct {
			Sockets []struct {
				ID   string
				Data json.RawMessage
			}
		}
		nodeJS.call(&fr, "fetchSockets", map[string]any{"rooms": []string{"a"}})
		found := false
		for _, s := range fr.Sockets {
			if s.ID == sid {
				found = true
				if string(s.Data) != `{"node":"node-js"}` {
					t.Fatalf("round %d: data %s", round, s.Data)
				}
			}
		}
		if !found {
			t.Fatalf("round %d: %s not in room a", round, sid)
		}
		emit((round + 1) % 3)
		off = expectSeq(t, c, seq-1, seq-1)
	}
	quiet(t, 200*time.Millisecond, c, witness)
}

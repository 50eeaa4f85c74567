package sioredis_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	sioredis "github.com/gosio/gosio/cluster/redis"
	"github.com/gosio/gosio/core/parser"
)

// nodeProc is testdata/node/interop.js: a Node socket.io server on the
// classic Redis adapter plus socket.io-client clients and a redis-emitter,
// driven by JSON commands on stdin.
type nodeProc struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser
	URL   string

	mu      sync.Mutex
	nextID  int
	waiting map[int]chan nodeReply
	done    chan struct{}
}

type nodeReply struct {
	OK    json.RawMessage `json:"ok"`
	Error string          `json:"error"`
}

// startNode starts the Node side, or skips the test when node or its
// packages are missing (a failure under CI).
func startNode(t *testing.T, redisAddr string, env ...string) *nodeProc {
	t.Helper()
	dir, _ := filepath.Abs("testdata/node")
	_, errNode := exec.LookPath("node")
	_, errMods := os.Stat(filepath.Join(dir, "node_modules", "socket.io"))
	if errNode != nil || errMods != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("node and testdata/node/node_modules are required under CI (npm ci in %s)", dir)
		}
		t.Skipf("node or testdata/node/node_modules missing (run npm ci in %s); skipping the mixed cluster test", dir)
	}
	cmd := exec.Command("node", "interop.js")
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "REDIS_URL=redis://"+redisAddr), env...)
	cmd.Stderr = &testWriter{t: t}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &nodeProc{t: t, cmd: cmd, stdin: stdin, waiting: make(map[int]chan nodeReply), done: make(chan struct{})}
	ready := make(chan int, 1)
	go p.read(stdout, ready)
	t.Cleanup(p.stop)
	select {
	case port := <-ready:
		p.URL = fmt.Sprintf("http://127.0.0.1:%d", port)
	case <-p.done:
		t.Fatal("node exited before it was ready")
	case <-time.After(20 * time.Second):
		t.Fatal("node did not start")
	}
	return p
}

type testWriter struct{ t *testing.T }

func (w *testWriter) Write(b []byte) (int, error) {
	w.t.Logf("node: %s", strings.TrimSpace(string(b)))
	return len(b), nil
}

func (p *nodeProc) read(r io.Reader, ready chan<- int) {
	defer close(p.done)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var m struct {
			ID    int  `json:"id"`
			Ready bool `json:"ready"`
			Port  int  `json:"port"`
			nodeReply
		}
		if json.Unmarshal(sc.Bytes(), &m) != nil {
			continue
		}
		if m.Ready {
			ready <- m.Port
			continue
		}
		p.mu.Lock()
		ch := p.waiting[m.ID]
		delete(p.waiting, m.ID)
		p.mu.Unlock()
		if ch != nil {
			ch <- m.nodeReply
		}
	}
}

// call sends a command and decodes its result into out (may be nil).
func (p *nodeProc) call(out any, cmd string, args map[string]any) {
	p.t.Helper()
	if args == nil {
		args = map[string]any{}
	}
	p.mu.Lock()
	p.nextID++
	id := p.nextID
	ch := make(chan nodeReply, 1)
	p.waiting[id] = ch
	p.mu.Unlock()
	args["id"], args["cmd"] = id, cmd
	b, _ := json.Marshal(args)
	if _, err := p.stdin.Write(append(b, '\n')); err != nil {
		p.t.Fatalf("node %s: %v", cmd, err)
	}
	select {
	case r := <-ch:
		if r.Error != "" {
			p.t.Fatalf("node %s: %s", cmd, r.Error)
		}
		if out != nil {
			if err := json.Unmarshal(r.OK, out); err != nil {
				p.t.Fatalf("node %s: %v in %s", cmd, err, r.OK)
			}
		}
	case <-p.done:
		p.t.Fatalf("node exited during %s", cmd)
	case <-time.After(15 * time.Second):
		p.t.Fatalf("node %s: no answer", cmd)
	}
}

// use makes the commands report failures to t (a subtest).
func (p *nodeProc) use(t *testing.T) { p.t = t }

func (p *nodeProc) stop() {
	select {
	case <-p.done:
	default:
		b, _ := json.Marshal(map[string]any{"id": -1, "cmd": "close"})
		_, _ = p.stdin.Write(append(b, '\n'))
	}
	_ = p.stdin.Close()
	exited := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill() // by PID
		<-exited
	}
}

type nodeEvent struct {
	Event string            `json:"event"`
	Args  []json.RawMessage `json:"args"`
}

// events returns what a Node client received since the last call.
func (p *nodeProc) events(name string) ([]nodeEvent, bool) {
	var r struct {
		Events       []nodeEvent `json:"events"`
		Disconnected bool        `json:"disconnected"`
	}
	p.call(&r, "events", map[string]any{"name": name})
	return r.Events, r.Disconnected
}

// expectEvents waits until the Node client received exactly want (event
// name and JSON arguments joined by commas), in order, and nothing else.
func (p *nodeProc) expectEvents(name string, want ...string) {
	p.t.Helper()
	var got []string
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < len(want) && time.Now().Before(deadline) {
		evs, _ := p.events(name)
		for _, e := range evs {
			parts := []string{e.Event}
			for _, a := range e.Args {
				parts = append(parts, string(a))
			}
			got = append(got, strings.Join(parts, ","))
		}
		if len(got) < len(want) {
			time.Sleep(20 * time.Millisecond)
		}
	}
	time.Sleep(100 * time.Millisecond)
	evs, _ := p.events(name)
	for _, e := range evs {
		got = append(got, e.Event+"(extra)")
	}
	if !slices.Equal(got, want) {
		p.t.Fatalf("node client %s got %q, want %q", name, got, want)
	}
}

// TestMixedCluster runs gosio and Node servers in one cluster on a real
// Redis and checks every operation in both directions.
func TestMixedCluster(t *testing.T) {
	r := startRedis(t)
	nodeJS := startNode(t, r.Addr)
	tc := &testCluster{redis: r, received: make(map[string][]string)}
	for i := 0; i < 2; i++ {
		tc.nodes = append(tc.nodes, newNode(t, r.Addr, nodeConfig{setup: tc.setupNode(i)}))
	}
	g0, g1 := tc.nodes[0], tc.nodes[1]
	goA := dial(t, g0.URL, "/", map[string]any{"rooms": []string{"a"}})
	goB := dial(t, g1.URL, "/", map[string]any{"rooms": []string{"b"}})
	var sid struct{ SID string }
	nodeJS.call(&sid, "connect", map[string]any{"name": "na", "url": nodeJS.URL, "auth": map[string]any{"rooms": []string{"a"}}})
	naSID := sid.SID
	nodeJS.call(&sid, "connect", map[string]any{"name": "nb", "url": nodeJS.URL, "auth": map[string]any{"rooms": []string{"b"}}})
	nbSID := sid.SID
	// The real socket.io-client on a gosio node, too.
	nodeJS.call(&sid, "connect", map[string]any{"name": "ng", "url": g1.URL, "auth": map[string]any{"rooms": []string{"a"}}})
	ngSID := sid.SID
	goClients := []*sioClient{goA, goB}
	ctx := context.Background()

	t.Run("ServerCount", func(t *testing.T) {
		var c struct{ Count int }
		nodeJS.call(&c, "serverCount", nil)
		n, err := g0.IO.Of("/").Adapter().ServerCount(ctx)
		if c.Count != 3 || n != 3 || err != nil {
			t.Fatalf("node counts %d, go counts %d (%v)", c.Count, n, err)
		}
	})

	t.Run("GoToNode", func(t *testing.T) {
		nodeJS.use(t)
		if err := g0.IO.Emit("all", "x", 1, 2.5, map[string]any{"k": true}, nil, []byte{1, 2}); err != nil {
			t.Fatal(err)
		}
		want := `all,"x",1,2.5,{"k":true},null,{"$bin":[1,2]}`
		nodeJS.expectEvents("na", want)
		nodeJS.expectEvents("nb", want)
		nodeJS.expectEvents("ng", want)
		goA.Expect("all")
		goB.Expect("all")
		if err := g1.IO.To("a").Except("b").Emit("toA", 1); err != nil {
			t.Fatal(err)
		}
		nodeJS.expectEvents("na", "toA,1")
		nodeJS.expectEvents("nb")
		nodeJS.expectEvents("ng", "toA,1")
		goA.Expect("toA")
		quiet(t, 50*time.Millisecond, goClients...)
	})

	t.Run("NodeToGo", func(t *testing.T) {
		nodeJS.use(t)
		nodeJS.call(nil, "emit", map[string]any{"event": "fromNode", "args": []any{"y", map[string]any{"n": []int{1, 2}}, map[string]any{"$bin": []int{3}}}})
		for _, c := range goClients {
			p := c.ExpectPacket("fromNode")
			if string(p.Raw) != `["fromNode","y",{"n":[1,2]},{"_placeholder":true,"num":0}]` || len(p.Attachments) != 1 || p.Attachments[0][0] != 3 {
				t.Fatalf("%s %v", p.Raw, p.Attachments)
			}
		}
		nodeJS.expectEvents("na", `fromNode,"y",{"n":[1,2]},{"$bin":[3]}`)
		nodeJS.expectEvents("nb", `fromNode,"y",{"n":[1,2]},{"$bin":[3]}`)
		nodeJS.expectEvents("ng", `fromNode,"y",{"n":[1,2]},{"$bin":[3]}`)
		nodeJS.call(nil, "emit", map[string]any{"rooms": []string{"b"}, "event": "toB"})
		goB.Expect("toB")
		nodeJS.expectEvents("nb", "toB")
		nodeJS.expectEvents("na")
		// socket.broadcast from a Node client reaches everyone else.
		nodeJS.call(nil, "clientEmit", map[string]any{"name": "na", "event": "relay", "args": []any{"r"}})
		goA.Expect("relayed")
		goB.Expect("relayed")
		nodeJS.expectEvents("nb", `relayed,"r"`)
		nodeJS.expectEvents("ng", `relayed,"r"`)
		nodeJS.expectEvents("na")
		// And from a Go client.
		goB.Emit("relay", "g")
		goA.Expect("relayed")
		nodeJS.expectEvents("na", `relayed,"g"`)
		nodeJS.expectEvents("nb", `relayed,"g"`)
		nodeJS.expectEvents("ng", `relayed,"g"`)
		quiet(t, 50*time.Millisecond, goClients...)
	})

	t.Run("FetchSockets", func(t *testing.T) {
		nodeJS.use(t)
		socks, err := g0.IO.FetchSockets(ctx)
		if err != nil || len(socks) != 5 {
			t.Fatalf("go fetch: %v, %d", err, len(socks))
		}
		found := false
		for _, s := range socks {
			if s.ID() == naSID {
				found = true
				var d struct{ Node string }
				if err := s.DecodeData(&d); err != nil || d.Node != "node-js" {
					t.Fatalf("node socket data %s: %v", s.Data(), err)
				}
				if !slices.Contains(s.Rooms(), "a") || s.Handshake() == nil || !strings.Contains(string(s.Handshake().Auth), `"a"`) {
					t.Fatalf("node socket %v %+v", s.Rooms(), s.Handshake())
				}
			}
		}
		if !found {
			t.Fatal("node socket missing")
		}
		var r struct {
			Sockets []struct {
				ID      string
				Rooms   []string
				Data    map[string]any
				Auth    map[string]any
				Query   map[string]any
				Host    string
				Address string
			}
		}
		nodeJS.call(&r, "fetchSockets", map[string]any{"rooms": []string{"a"}})
		// Each socket's handshake.headers.host is the host its client
		// dialled, and handshake.address the client's IP alone, on our
		// servers as on Node's.
		servers := map[string]string{goA.SID: g0.URL, ngSID: g1.URL, naSID: nodeJS.URL}
		var ids []string
		for _, s := range r.Sockets {
			ids = append(ids, s.ID)
			if s.ID == goA.SID && (s.Data["node"] != "node0" || s.Query["EIO"] != "4" || !slices.Contains(s.Rooms, "a")) {
				t.Fatalf("go socket seen by node: %+v", s)
			}
			if host := strings.TrimPrefix(servers[s.ID], "http://"); s.Host != host || s.Address != "127.0.0.1" {
				t.Errorf("socket %s seen by node: handshake host %q address %q, want %q 127.0.0.1", s.ID, s.Host, s.Address, host)
			}
		}
		sort.Strings(ids)
		want := []string{goA.SID, naSID, ngSID}
		sort.Strings(want)
		if !slices.Equal(ids, want) {
			t.Fatalf("node fetch in a: %v, want %v", ids, want)
		}
		var rooms struct{ Rooms []string }
		nodeJS.call(&rooms, "allRooms", nil)
		if !slices.Contains(rooms.Rooms, goB.SID) || !slices.Contains(rooms.Rooms, nbSID) {
			t.Fatalf("node allRooms %v", rooms.Rooms)
		}
		all, err := g1.IO.Of("/").Adapter().AllRooms(ctx)
		if err != nil || !slices.Contains(all, nbSID) || !slices.Contains(all, goA.SID) {
			t.Fatalf("go AllRooms %v %v", all, err)
		}
	})

	t.Run("JoinLeaveDisconnect", func(t *testing.T) {
		nodeJS.use(t)
		// Node makes room "a" join "nj"; a Go broadcast to "nj" reaches them.
		nodeJS.call(nil, "socketsJoin", map[string]any{"rooms": []string{"a"}, "join": "nj"})
		waitFor(t, 5*time.Second, "node socketsJoin on go", func() bool {
			s, _ := g0.IO.In("nj").FetchSockets(ctx)
			return len(s) == 3
		})
		// Go makes room "b" join "gj"; Node sees it.
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
		// Node's emitter joins too.
		nodeJS.call(nil, "emitterJoin", map[string]any{"rooms": []string{"b"}, "join": "ej"})
		waitFor(t, 5*time.Second, "emitter socketsJoin", func() bool {
			s, _ := g0.IO.In("ej").FetchSockets(ctx)
			return len(s) == 2
		})
	})

	t.Run("BroadcastAcks", func(t *testing.T) {
		nodeJS.use(t)
		for _, c := range goClients {
			c.OnAck(func(*parser.Packet) []any { return []any{"ack-" + c.SID} })
		}
		want := []string{"ack-" + goA.SID, "ack-" + goB.SID, "ack-" + naSID, "ack-" + nbSID, "ack-" + ngSID}
		sort.Strings(want)
		// From Go: Node's servers answer with client counts and acks.
		start := time.Now()
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
		if !slices.Equal(got, want) || time.Since(start) > 2*time.Second {
			t.Fatalf("go acks %v in %v, want %v", got, time.Since(start), want)
		}
		// From Node: our servers answer with client counts and acks.
		start = time.Now()
		var r struct {
			Responses []string
			Error     string
		}
		nodeJS.call(&r, "emitWithAck", map[string]any{"event": "ask2", "args": []any{2}, "timeout": 3000})
		sort.Strings(r.Responses)
		if r.Error != "" || !slices.Equal(r.Responses, want) || time.Since(start) > 2*time.Second {
			t.Fatalf("node acks %+v in %v, want %v", r, time.Since(start), want)
		}
		// To a room only a Go node has: Node counts zero clients of its own.
		nodeJS.call(&r, "emitWithAck", map[string]any{"rooms": []string{goB.SID}, "event": "ask3", "timeout": 3000})
		if r.Error != "" || !slices.Equal(r.Responses, []string{"ack-" + goB.SID}) {
			t.Fatalf("node acks to one go socket %+v", r)
		}
		for _, c := range goClients {
			c.Expect("ask")
			c.Expect("ask2")
		}
		goB.Expect("ask3")
		for _, n := range []string{"na", "nb", "ng"} {
			nodeJS.expectEvents(n, "ask,1", "ask2,2")
		}
	})

	t.Run("ServerSideEmit", func(t *testing.T) {
		nodeJS.use(t)
		replies, err := g0.IO.Of("/").ServerSideEmitWithAck(ctx, "hello", "from-go")
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprint(replies)
		if len(replies) != 2 || !strings.Contains(got, "pong-node-js") || !strings.Contains(got, "pong-node1") {
			t.Fatalf("go → node replies %v", replies)
		}
		var r struct {
			Replies []string
			Error   string
		}
		nodeJS.call(&r, "serverSideEmitWithAck", map[string]any{"event": "hello", "args": []any{"from-node"}})
		sort.Strings(r.Replies)
		if r.Error != "" || !slices.Equal(r.Replies, []string{"pong-node0", "pong-node1"}) {
			t.Fatalf("node → go replies %+v", r)
		}
		waitFor(t, 5*time.Second, "go handlers", func() bool {
			tc.mu.Lock()
			defer tc.mu.Unlock()
			return len(tc.received["node0"]) == 1 && len(tc.received["node1"]) == 2
		})
		var ev struct{ Events [][]any }
		nodeJS.call(&ev, "serverSide", nil)
		if len(ev.Events) != 1 || ev.Events[0][0] != "from-go" {
			t.Fatalf("node handler got %v", ev.Events)
		}
	})

	t.Run("Emitters", func(t *testing.T) {
		nodeJS.use(t)
		// Node's redis-emitter reaches gosio clients.
		nodeJS.call(nil, "emitter", map[string]any{"rooms": []string{"b"}, "event": "fromEmitter", "args": []any{1, map[string]any{"$bin": []int{9}}}})
		p := goB.ExpectPacket("fromEmitter")
		if string(p.Raw) != `["fromEmitter",1,{"_placeholder":true,"num":0}]` || p.Attachments[0][0] != 9 {
			t.Fatalf("%s", p.Raw)
		}
		nodeJS.expectEvents("nb", `fromEmitter,1,{"$bin":[9]}`)
		// Our emitter reaches Node clients (and gosio ones).
		rdb := redis.NewClient(&redis.Options{Addr: r.Addr})
		defer rdb.Close()
		em := sioredis.NewEmitter(sioredis.NewGoRedis(rdb, nil), nil)
		if err := em.To("a").Emit(ctx, "fromGoEmitter", "z", []byte{4}); err != nil {
			t.Fatal(err)
		}
		nodeJS.expectEvents("na", `fromGoEmitter,"z",{"$bin":[4]}`)
		nodeJS.expectEvents("ng", `fromGoEmitter,"z",{"$bin":[4]}`)
		goA.Expect("fromGoEmitter")
		if err := em.ServerSideEmit(ctx, "hello", "emitted"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 5*time.Second, "server-side from the emitter", func() bool {
			var ev struct{ Events [][]any }
			nodeJS.call(&ev, "serverSide", nil)
			return len(ev.Events) == 1 && ev.Events[0][0] == "emitted"
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

// TestMixedClusterSharded runs gosio and Node servers on the sharded
// adapter (Redis 7 SSUBSCRIBE/SPUBLISH) in each subscription mode.
func TestMixedClusterSharded(t *testing.T) {
	modes := []struct {
		node string
		mode sioredis.SubscriptionMode
	}{{"dynamic", sioredis.Dynamic}, {"dynamic-private", sioredis.DynamicPrivate}, {"static", sioredis.Static}}
	for _, m := range modes {
		t.Run(m.node, func(t *testing.T) { testMixedSharded(t, m.node, m.mode) })
	}
}

func testMixedSharded(t *testing.T, nodeMode string, mode sioredis.SubscriptionMode) {
	r := startRedis(t)
	nodeJS := startNode(t, r.Addr, "ADAPTER=sharded", "MODE="+nodeMode)
	tc := &testCluster{redis: r, received: make(map[string][]string)}
	cfg := nodeConfig{sharded: &sioredis.ShardedOptions{SubscriptionMode: mode}}
	for i := 0; i < 2; i++ {
		c := cfg
		c.setup = tc.setupNode(i)
		tc.nodes = append(tc.nodes, newNode(t, r.Addr, c))
	}
	g0, g1 := tc.nodes[0], tc.nodes[1]
	goA := dial(t, g0.URL, "/", map[string]any{"rooms": []string{"a"}})
	goB := dial(t, g1.URL, "/", map[string]any{"rooms": []string{"b"}})
	var sid struct{ SID string }
	nodeJS.call(&sid, "connect", map[string]any{"name": "na", "url": nodeJS.URL, "auth": map[string]any{"rooms": []string{"a"}}})
	naSID := sid.SID
	nodeJS.call(&sid, "connect", map[string]any{"name": "nb", "url": nodeJS.URL, "auth": map[string]any{"rooms": []string{"b"}}})
	ctx := context.Background()
	if mode != sioredis.Static {
		// Room channels are subscribed in the background, on both sides.
		waitRoomChannel(t, g0, cfg, "a", 2)
		waitRoomChannel(t, g0, cfg, "b", 2)
	}
	if mode == sioredis.DynamicPrivate {
		waitRoomChannel(t, g0, cfg, goA.SID, 1)
	}

	var c struct{ Count int }
	nodeJS.call(&c, "serverCount", nil)
	if n, err := g0.IO.Of("/").Adapter().ServerCount(ctx); c.Count != 3 || n != 3 || err != nil {
		t.Fatalf("node counts %d, go counts %d (%v)", c.Count, n, err)
	}

	// Broadcasts, to all and to one room, both ways, with binary.
	if err := g0.IO.Emit("all", 1, []byte{2}); err != nil {
		t.Fatal(err)
	}
	if err := g1.IO.To("a").Emit("toA", "x"); err != nil {
		t.Fatal(err)
	}
	nodeJS.expectEvents("na", `all,1,{"$bin":[2]}`, `toA,"x"`)
	nodeJS.expectEvents("nb", `all,1,{"$bin":[2]}`)
	goA.Expect("all")
	goA.Expect("toA")
	goB.Expect("all")
	nodeJS.call(nil, "emit", map[string]any{"event": "fromNode", "args": []any{map[string]any{"$bin": []int{5}}}})
	nodeJS.call(nil, "emit", map[string]any{"rooms": []string{"b"}, "event": "toB"})
	nodeJS.call(nil, "emit", map[string]any{"rooms": []string{goA.SID}, "event": "toSocket"})
	for _, cl := range []*sioClient{goA, goB} {
		if p := cl.ExpectPacket("fromNode"); len(p.Attachments) != 1 || p.Attachments[0][0] != 5 {
			t.Fatalf("%s", p.Raw)
		}
	}
	goB.Expect("toB")
	goA.Expect("toSocket")
	nodeJS.expectEvents("na", `fromNode,{"$bin":[5]}`)
	nodeJS.expectEvents("nb", `fromNode,{"$bin":[5]}`, "toB")
	quiet(t, 50*time.Millisecond, goA, goB)

	// fetchSockets both ways.
	socks, err := g0.IO.FetchSockets(ctx)
	if err != nil || len(socks) != 4 {
		t.Fatalf("go fetch: %v, %d", err, len(socks))
	}
	var fr struct{ Sockets []struct{ ID string } }
	nodeJS.call(&fr, "fetchSockets", map[string]any{"rooms": []string{"a"}})
	var ids []string
	for _, s := range fr.Sockets {
		ids = append(ids, s.ID)
	}
	sort.Strings(ids)
	want := []string{goA.SID, naSID}
	sort.Strings(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("node fetch: %v, want %v", ids, want)
	}

	// Broadcast acks both ways.
	for _, cl := range []*sioClient{goA, goB} {
		cl.OnAck(func(*parser.Packet) []any { return []any{"ack-" + cl.SID} })
	}
	acks, err := g1.IO.Timeout(3*time.Second).EmitWithAck(ctx, "ask")
	if err != nil || len(acks) != 4 {
		t.Fatalf("go EmitWithAck: %v, %d", err, len(acks))
	}
	var ar struct {
		Responses []string
		Error     string
	}
	nodeJS.call(&ar, "emitWithAck", map[string]any{"event": "ask2", "timeout": 3000})
	if ar.Error != "" || len(ar.Responses) != 4 {
		t.Fatalf("node emitWithAck %+v", ar)
	}
	goA.Expect("ask")
	goA.Expect("ask2")
	goB.Expect("ask")
	goB.Expect("ask2")
	nodeJS.expectEvents("na", "ask", "ask2")
	nodeJS.expectEvents("nb", "ask", "ask2")

	// Server-side emit with acks both ways.
	replies, err := g0.IO.Of("/").ServerSideEmitWithAck(ctx, "hello", "go")
	if err != nil || len(replies) != 2 {
		t.Fatalf("go → %v %v", replies, err)
	}
	var sr struct {
		Replies []string
		Error   string
	}
	nodeJS.call(&sr, "serverSideEmitWithAck", map[string]any{"event": "hello", "args": []any{"node"}})
	sort.Strings(sr.Replies)
	if sr.Error != "" || !slices.Equal(sr.Replies, []string{"pong-node0", "pong-node1"}) {
		t.Fatalf("node → %+v", sr)
	}

	// Join from Node, then a broadcast to the new room from Go.
	nodeJS.call(nil, "socketsJoin", map[string]any{"rooms": []string{"b"}, "join": "nj"})
	waitFor(t, 5*time.Second, "join", func() bool {
		s, _ := g0.IO.In("nj").FetchSockets(ctx)
		return len(s) == 2
	})
	if mode != sioredis.Static {
		waitRoomChannel(t, g0, cfg, "nj", 2)
	}
	if err := g0.IO.To("nj").Emit("nj"); err != nil {
		t.Fatal(err)
	}
	goB.Expect("nj")
	nodeJS.expectEvents("nb", "nj")
	quiet(t, 50*time.Millisecond, goA, goB)
}

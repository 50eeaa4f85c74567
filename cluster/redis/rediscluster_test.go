package sioredis_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	sioredis "github.com/gosio/gosio/cluster/redis"
	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/parser"
)

// TestRedisClusterMode runs gosio nodes on a real Redis Cluster (three
// masters, no replicas) through redis.NewClusterClient: classic pub/sub
// (PUBLISH is propagated to every cluster node, NUMSUB summed over the
// masters) and sharded pub/sub (one connection per master holding
// subscribed channels, SHARDNUMSUB summed over the masters).
func TestRedisClusterMode(t *testing.T) {
	addrs := startRedisCluster(t, 3)
	const timeout = 5 * time.Second
	modes := []struct {
		name string
		cfg  nodeConfig
	}{
		{"classic", nodeConfig{opts: &sioredis.Options{RequestsTimeout: timeout}}},
		{"sharded", nodeConfig{sharded: &sioredis.ShardedOptions{RequestsTimeout: timeout}}},
		{"sharded-static", nodeConfig{sharded: &sioredis.ShardedOptions{RequestsTimeout: timeout, SubscriptionMode: sioredis.Static}}},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) { testRedisClusterMode(t, addrs, m.cfg) })
	}
}

func testRedisClusterMode(t *testing.T, addrs []string, cfg nodeConfig) {
	const nNodes = 3
	ctx := context.Background()
	var ios []*core.Server
	var urls []string
	var clients [][]*sioClient // clients[node][0] in room "a", [1] in room "b"
	for i := 0; i < nNodes; i++ {
		io, u := newClusterModeNode(t, addrs, cfg)
		ios = append(ios, io)
		urls = append(urls, u)
	}
	for _, u := range urls {
		clients = append(clients, []*sioClient{
			dial(t, u, "/", map[string]any{"rooms": []string{"a"}}),
			dial(t, u, "/", map[string]any{"rooms": []string{"b"}}),
		})
	}
	var all []*sioClient
	for _, cs := range clients {
		all = append(all, cs...)
	}

	// An independent cluster client to watch subscriptions with the same
	// summing over masters the adapter uses.
	watch := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, MaxRetries: 1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = watch.Close() })
	wc := sioredis.NewGoRedis(watch, nil)
	if cfg.sharded != nil {
		// The namespace channel and room "a"'s hash to slots of different
		// masters: the sharded subscriptions really span nodes.
		ns, ra := masterOf(t, watch, "socket.io#/#"), masterOf(t, watch, "socket.io#/#a#")
		if ns == ra {
			t.Fatalf("namespace and room channels on one master (%s): the test does not span shards", ns)
		}
	}
	if cfg.sharded != nil && cfg.sharded.SubscriptionMode != sioredis.Static {
		// Dynamic mode subscribes room channels in the background.
		for _, room := range []string{"a", "b"} {
			ch := "socket.io#/#" + room + "#"
			waitFor(t, 5*time.Second, "shard subscriptions of "+ch, func() bool {
				n, err := wc.ShardNumSub(ctx, ch)
				return err == nil && n == nNodes
			})
		}
	}

	// Server count: every node sees every node, whichever master holds
	// its subscription.
	for i, io := range ios {
		n, err := io.Of("/").Adapter().ServerCount(ctx)
		if err != nil || n != nNodes {
			t.Fatalf("node %d: ServerCount = %d, %v; want %d", i, n, err, nNodes)
		}
	}

	// Broadcasts from every node, to all and to a room. Each one is
	// followed by a marker on the same target from the same origin, so on
	// the same channel: a duplicate would arrive before the marker and
	// fail Expect.
	for i, io := range ios {
		tag := strconv.Itoa(i)
		if err := io.Emit("all", i); err != nil {
			t.Fatal(err)
		}
		if err := io.Emit("all-end", i); err != nil {
			t.Fatal(err)
		}
		for _, c := range all {
			if got := c.Expect("all"); got != tag {
				t.Fatalf("all from node %d: got %s", i, got)
			}
			if got := c.Expect("all-end"); got != tag {
				t.Fatalf("all-end from node %d: got %s", i, got)
			}
		}
		if err := io.To("a").Emit("toA", i); err != nil {
			t.Fatal(err)
		}
		if err := io.To("a").Emit("toA-end", i); err != nil {
			t.Fatal(err)
		}
		for _, cs := range clients {
			if got := cs[0].Expect("toA"); got != tag {
				t.Fatalf("toA from node %d: got %s", i, got)
			}
			if got := cs[0].Expect("toA-end"); got != tag {
				t.Fatalf("toA-end from node %d: got %s", i, got)
			}
		}
		// Room "b" clients got nothing of it: their next event must be the
		// next round's "all" (checked by Expect), or, after the last round,
		// nothing (checked below).
	}
	for _, c := range all {
		c.ExpectNothing(0)
	}

	// Broadcast with acks from one node reaches every client of every node
	// and collects each ack once; to a room, only that room's.
	for _, c := range all {
		c.OnAck(func(*parser.Packet) []any { return []any{"ack-" + c.SID} })
	}
	checkAcks := func(origin int, room string, want []*sioClient) {
		t.Helper()
		op := ios[origin].Timeout(3 * time.Second)
		if room != "" {
			op = ios[origin].To(room).Timeout(3 * time.Second)
		}
		start := time.Now()
		acks, err := op.EmitWithAck(ctx, "ask", origin)
		if err != nil {
			t.Fatalf("EmitWithAck from node %d to %q: %v (%d acks)", origin, room, err, len(acks))
		}
		var got, exp []string
		for _, a := range acks {
			var s string
			if err := a.Decode(0, &s); err != nil {
				t.Fatal(err)
			}
			got = append(got, s)
		}
		for _, c := range want {
			exp = append(exp, "ack-"+c.SID)
			if g := c.Expect("ask"); g != strconv.Itoa(origin) {
				t.Fatalf("ask: got %s", g)
			}
		}
		sort.Strings(got)
		sort.Strings(exp)
		if !slices.Equal(got, exp) {
			t.Fatalf("acks from node %d to %q: %v, want %v", origin, room, got, exp)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("EmitWithAck took %v: the wait did not end with the last ack", d)
		}
	}
	for i := range ios {
		checkAcks(i, "", all)
	}
	checkAcks(1, "b", []*sioClient{clients[0][1], clients[1][1], clients[2][1]})

	// Nothing else arrived anywhere: every delivery above was exactly once.
	quiet(t, 100*time.Millisecond, all...)
}

// masterOf returns the address of the master owning channel's hash slot.
func masterOf(t *testing.T, c *redis.ClusterClient, channel string) string {
	t.Helper()
	ctx := context.Background()
	slot, err := c.ClusterKeySlot(ctx, channel).Result()
	if err != nil {
		t.Fatal(err)
	}
	slots, err := c.ClusterSlots(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range slots {
		if int64(s.Start) <= slot && slot <= int64(s.End) && len(s.Nodes) > 0 {
			return s.Nodes[0].Addr
		}
	}
	t.Fatalf("no master owns slot %d", slot)
	return ""
}

// newClusterModeNode starts a gosio server whose adapter uses a go-redis
// ClusterClient on the cluster at addrs; its clients join the rooms named
// in their auth payload. It returns the server and its URL; everything is
// closed when the test ends.
func newClusterModeNode(t *testing.T, addrs []string, cfg nodeConfig) (*core.Server, string) {
	t.Helper()
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, MaxRetries: 1, DialTimeout: time.Second})
	client := sioredis.NewGoRedis(rdb, cfg.gopts)
	var factory core.AdapterFactory
	if cfg.sharded != nil {
		factory = sioredis.ShardedFactory(client, cfg.sharded)
	} else {
		factory = sioredis.Factory(client, cfg.opts)
	}
	io := core.NewServer(&core.Options{Adapter: factory})
	// Joined before the CONNECT answer, as in the test cluster's setupNode.
	io.Use(core.ConnectFunc(func(s *core.Socket) error {
		var auth struct {
			Rooms []string `json:"rooms"`
		}
		_ = json.Unmarshal(s.Handshake().Auth, &auth)
		s.Join(auth.Rooms...)
		return nil
	}))
	hs := httptest.NewServer(io)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := io.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
		hs.Close()
		_ = rdb.Close()
	})
	waitReady(t, io.Of("/"))
	return io, hs.URL
}

// startRedisCluster starts a Redis Cluster of n masters (no replicas) on
// free loopback ports, waits until every node reports cluster_state:ok, and
// returns their addresses. The servers are stopped by PID when the test
// ends. It skips when redis-server or redis-cli is missing (a failure
// under CI).
func startRedisCluster(t *testing.T, n int) []string {
	t.Helper()
	var addrs []string
	for _, r := range startRedisClusterServers(t, n) {
		addrs = append(addrs, r.Addr)
	}
	return addrs
}

// startRedisClusterServers is startRedisCluster returning the servers,
// which a test may stop and start again (a node keeps its cluster
// configuration file, so it rejoins with its slots).
func startRedisClusterServers(t *testing.T, n int) []*redisServer {
	t.Helper()
	needRedis(t)
	if _, err := exec.LookPath("redis-cli"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redis-cli is required under CI: %v", err)
		}
		t.Skip("redis-cli not installed (apt-get install redis-tools); skipping Redis Cluster test")
	}
	dir := t.TempDir()
	// Data and cluster-bus ports, all free at once so none repeats.
	ports := freePorts(t, 2*n)
	var servers []*redisServer
	var addrs []string
	for i := 0; i < n; i++ {
		port, bus := ports[i], ports[n+i]
		p := strconv.Itoa(port)
		r := &redisServer{t: t, Port: port, Addr: "127.0.0.1:" + p, args: []string{
			"--port", p, "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(bus),
			"--cluster-config-file", filepath.Join(dir, "nodes-"+p+".conf"),
			"--save", "", "--appendonly", "no", "--dir", dir, "--loglevel", "warning"}}
		r.Start()
		t.Cleanup(r.Stop)
		servers = append(servers, r)
		addrs = append(addrs, r.Addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	waitClusterOK(t, addrs)
	return servers
}

// waitClusterOK waits until every node of the cluster at addrs reports
// cluster_state:ok and has its cluster bus links to every peer up.
func waitClusterOK(t *testing.T, addrs []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	n := len(addrs)
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
		waitFor(t, 10*time.Second, "cluster_state:ok on "+a, func() bool {
			info, err := c.ClusterInfo(ctx).Result()
			return err == nil && strings.Contains(info, "cluster_state:ok") &&
				strings.Contains(info, fmt.Sprintf("cluster_known_nodes:%d", n))
		})
		// PUBLISH is propagated over the cluster bus only on links that are
		// up: wait until every peer is connected, both ways, or a fresh
		// cluster drops the first messages.
		waitFor(t, 10*time.Second, "cluster bus links of "+a, func() bool {
			nodes, err := c.ClusterNodes(ctx).Result()
			if err != nil {
				return false
			}
			lines := strings.Split(strings.TrimSpace(nodes), "\n")
			if len(lines) != n {
				return false
			}
			for _, l := range lines {
				f := strings.Fields(l)
				if len(f) < 8 || f[7] != "connected" || strings.Contains(f[2], "handshake") || strings.Contains(f[2], "noaddr") {
					return false
				}
			}
			links, err := c.Do(ctx, "CLUSTER", "LINKS").Slice()
			return err == nil && len(links) == 2*(n-1)
		})
		_ = c.Close()
	}
}

// freePorts returns n distinct free loopback ports.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ls []net.Listener
	var ports []int
	for len(ports) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		_ = l.Close()
	}
	return ports
}

// TestRedisClusterShardedSlotMoved moves the hash slots of sharded
// channels to another master, as resharding or a failover does. Redis then
// unsubscribes the subscribers itself (a "sunsubscribe" per channel of the
// slot); each server must subscribe again on the slot's new owner, stay
// counted by SHARDNUMSUB and keep getting broadcasts. A move costs each
// server one Down, however many of its channels the slot held.
func TestRedisClusterShardedSlotMoved(t *testing.T) {
	addrs := startRedisCluster(t, 3)
	ctx := context.Background()
	// Three rooms whose channels share one hash slot (hash tag {t}), so one
	// move unsubscribes three channels of one connection.
	rooms := []string{"{t}1", "{t}2", "{t}3"}
	ios, clients, downs := shardedPair(t, addrs, rooms)
	watch := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, MaxRetries: 1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = watch.Close() })
	wc := sioredis.NewGoRedis(watch, nil)
	roomChannels := make([]string, len(rooms))
	for i, r := range rooms {
		roomChannels[i] = "socket.io#/#" + r + "#"
	}
	waitSubscribed(t, wc, len(ios), 10*time.Second, roomChannels...)

	// The namespace channel carries broadcasts to all and every request.
	moveSlot(t, addrs, "socket.io#/#")
	waitSubscribed(t, wc, len(ios), 10*time.Second, "socket.io#/#")
	for i, io := range ios {
		if n, err := io.Of("/").Adapter().ServerCount(ctx); err != nil || n != len(ios) {
			t.Fatalf("node %d: ServerCount = %d, %v after the move; want %d", i, n, err, len(ios))
		}
		if err := io.Emit("all", i); err != nil {
			t.Fatal(err)
		}
		for _, c := range clients {
			if got := c.Expect("all"); got != strconv.Itoa(i) {
				t.Fatalf("all from node %d: got %s", i, got)
			}
		}
	}

	// The rooms' slot: three sunsubscribes on one connection of each
	// server.
	moveSlot(t, addrs, "socket.io#/#{t}1#")
	waitSubscribed(t, wc, len(ios), 10*time.Second, roomChannels...)
	expectRoomBroadcasts(t, ios[:], clients, rooms)
	quiet(t, 100*time.Millisecond, clients...)
	for i := range downs {
		if n := downs[i].Load(); n != 2 {
			t.Errorf("node %d reported Redis down %d times for two slot moves, want 2", i, n)
		}
	}
}

// TestRedisClusterShardRemoveIsNotAMove: the "sunsubscribe" that answers
// a subscription's own Remove is not taken for a slot move, even when the
// channel is added back before the answer is read.
func TestRedisClusterShardRemoveIsNotAMove(t *testing.T) {
	addrs := startRedisCluster(t, 3)
	ctx := context.Background()
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, MaxRetries: 1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = rdb.Close() })
	var downs atomic.Int64
	got := make(chan string, 16)
	// Two channels of one slot: one connection, which Remove keeps open.
	sub := sioredis.NewGoRedis(rdb, nil).Subscribe(sioredis.SubscribeSpec{Channels: []string{"{s}a", "{s}b"}, Sharded: true}, sioredis.Listener{
		Message: func(m sioredis.Message) { got <- m.Channel + " " + string(m.Payload) },
		Down:    func(error) { downs.Add(1) },
	})
	defer sub.Close()
	select {
	case <-sub.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("subscription not ready")
	}
	for i := 0; i < 20; i++ {
		if err := sub.Remove(ctx, "{s}a"); err != nil {
			t.Fatal(err)
		}
		if err := sub.Add(ctx, "{s}a"); err != nil {
			t.Fatal(err)
		}
	}
	// The last Add returned once Redis had run every command before it,
	// and the connection's goroutine had read their answers, in order.
	if n := downs.Load(); n != 0 {
		t.Fatalf("Down reported %d times after Remove and Add", n)
	}
	if err := rdb.SPublish(ctx, "{s}a", "hello").Err(); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if m != "{s}a hello" {
			t.Fatalf("got %q", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no message on the channel added back")
	}
}

// moveSlot gives the hash slot of channel (holding no keys) to another
// master of the cluster at addrs, as resharding does, and waits until
// every node agrees.
func moveSlot(t *testing.T, addrs []string, channel string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	nodes := make(map[string]*redis.Client)
	for _, a := range addrs {
		nodes[a] = redis.NewClient(&redis.Options{Addr: a, MaxRetries: 1, DialTimeout: time.Second})
		defer nodes[a].Close()
	}
	slot, err := nodes[addrs[0]].ClusterKeySlot(ctx, channel).Result()
	if err != nil {
		t.Fatal(err)
	}
	owner := func(c *redis.Client) string {
		slots, err := c.ClusterSlots(ctx).Result()
		if err != nil {
			return ""
		}
		for _, s := range slots {
			if int64(s.Start) <= slot && slot <= int64(s.End) && len(s.Nodes) > 0 {
				return s.Nodes[0].Addr
			}
		}
		return ""
	}
	src := owner(nodes[addrs[0]])
	dst := addrs[0]
	if dst == src {
		dst = addrs[1]
	}
	dstID, err := nodes[dst].Do(ctx, "CLUSTER", "MYID").Text()
	if err != nil {
		t.Fatal(err)
	}
	// The new owner takes the greatest config epoch first: otherwise the
	// old owner's heartbeat, with a greater epoch, can reach it before the
	// old owner lets go, and it gives the slot back while the others
	// believe it owns it.
	if err := nodes[dst].Do(ctx, "CLUSTER", "BUMPEPOCH").Err(); err != nil {
		t.Fatal(err)
	}
	// The new owner first, then the old one (which unsubscribes its
	// subscribers), then the rest.
	order := []string{dst, src}
	for _, a := range addrs {
		if a != dst && a != src {
			order = append(order, a)
		}
	}
	for _, a := range order {
		if err := nodes[a].Do(ctx, "CLUSTER", "SETSLOT", slot, "NODE", dstID).Err(); err != nil {
			t.Fatalf("CLUSTER SETSLOT %d NODE on %s: %v", slot, a, err)
		}
	}
	waitFor(t, 10*time.Second, fmt.Sprintf("slot %d owned by %s on every node", slot, dst), func() bool {
		for _, c := range nodes {
			if owner(c) != dst {
				return false
			}
		}
		return true
	})
}

// TestRedisClusterShardedConnectionsPerMaster: the sharded adapter keeps
// one subscription connection per master, as Node's adapter does, not one
// per hash slot in use. Room channels spread over thousands of slots; a
// connection per slot would soon exhaust Redis' maxclients.
func TestRedisClusterShardedConnectionsPerMaster(t *testing.T) {
	addrs := startRedisCluster(t, 3)
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, MaxRetries: 1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = rdb.Close() })
	wc := sioredis.NewGoRedis(rdb, nil)
	io, _ := newClusterModeNode(t, addrs, nodeConfig{sharded: &sioredis.ShardedOptions{}})
	// Counting the server's subscribers opens this test's own connection
	// to every master, which are then counted before as after.
	waitSubscribed(t, wc, 1, 10*time.Second, "socket.io#/#")
	before := connectedClients(t, addrs)
	adp := io.Of("/").Adapter()
	const rooms = 300
	for i := 0; i < rooms; i++ {
		adp.AddAll("some-socket-id", fmt.Sprintf("room-%d", i))
	}
	for i := 0; i < rooms; i++ {
		ch := fmt.Sprintf("socket.io#/#room-%d#", i)
		waitFor(t, 20*time.Second, "shard subscription of "+ch, func() bool {
			n, err := wc.ShardNumSub(context.Background(), ch)
			return err == nil && n == 1
		})
	}
	after := connectedClients(t, addrs)
	t.Logf("Redis connections: %d before, %d after %d rooms", before, after, rooms)
	if grown := after - before; grown > 2*len(addrs) {
		t.Fatalf("%d rooms on one server opened %d more Redis connections (cluster of %d masters)", rooms, grown, len(addrs))
	}
}

// connectedClients sums INFO clients' connected_clients over the nodes at
// addrs, leaving out its own connections.
func connectedClients(t *testing.T, addrs []string) int {
	t.Helper()
	total := 0
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		info, err := c.Info(context.Background(), "clients").Result()
		_ = c.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(info, "\r\n") {
			if v, ok := strings.CutPrefix(l, "connected_clients:"); ok {
				n, _ := strconv.Atoi(v)
				total += n - 1 // minus this INFO connection
			}
		}
	}
	return total
}

// TestRedisClusterShardedMasterRestart restarts the master that holds the
// namespace channel and rooms of several hash slots, all on one
// subscription connection of each server. After the reconnect each slot
// is subscribed again (Redis refuses one SSUBSCRIBE spanning slots), and
// broadcasts to those rooms flow again.
func TestRedisClusterShardedMasterRestart(t *testing.T) {
	servers := startRedisClusterServers(t, 3)
	var addrs []string
	for _, r := range servers {
		addrs = append(addrs, r.Addr)
	}
	ctx := context.Background()
	watch := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, MaxRetries: 1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = watch.Close() })
	wc := sioredis.NewGoRedis(watch, nil)

	// Four rooms in four slots of the namespace channel's master.
	master := masterOf(t, watch, "socket.io#/#")
	var rooms []string
	slots := make(map[int64]bool)
	for i := 0; len(rooms) < 4; i++ {
		room := "r" + strconv.Itoa(i)
		ch := "socket.io#/#" + room + "#"
		slot, err := watch.ClusterKeySlot(ctx, ch).Result()
		if err != nil {
			t.Fatal(err)
		}
		if !slots[slot] && masterOf(t, watch, ch) == master {
			slots[slot] = true
			rooms = append(rooms, room)
		}
	}
	var restarted *redisServer
	for _, r := range servers {
		if r.Addr == master {
			restarted = r
		}
	}

	ios, clients, downs := shardedPair(t, addrs, rooms)
	channels := []string{"socket.io#/#"}
	for _, r := range rooms {
		channels = append(channels, "socket.io#/#"+r+"#")
	}
	waitSubscribed(t, wc, len(ios), 15*time.Second, channels...)

	restarted.Stop()
	restarted.Start()
	waitClusterOK(t, addrs)
	waitSubscribed(t, wc, len(ios), 15*time.Second, channels...)

	for i, io := range ios {
		if n, err := io.Of("/").Adapter().ServerCount(ctx); err != nil || n != len(ios) {
			t.Fatalf("node %d: ServerCount = %d, %v after the restart; want %d", i, n, err, len(ios))
		}
	}
	expectRoomBroadcasts(t, ios[:], clients, rooms)
	quiet(t, 100*time.Millisecond, clients...)
	for i := range downs {
		if downs[i].Load() == 0 {
			t.Errorf("node %d did not report Redis down while its master was stopped", i)
		}
	}
}

// A connection that fails while Remove drops it (its goroutine waits for
// the lock Remove holds, then reports the failure) leaves the Down count
// balanced: no Down without an Up once no connection is left.
func TestRedisClusterShardRemoveDuringFailure(t *testing.T) {
	addrs := startRedisCluster(t, 3)
	ctx := context.Background()
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, MaxRetries: 1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = rdb.Close() })
	var downs, ups atomic.Int64
	sub := sioredis.NewGoRedis(rdb, nil).Subscribe(sioredis.SubscribeSpec{Channels: []string{"{a}x"}, Sharded: true}, sioredis.Listener{
		Down: func(error) { downs.Add(1) },
		Up:   func() { ups.Add(1) },
	})
	defer sub.Close()
	select {
	case <-sub.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("not ready")
	}
	m := redis.NewClient(&redis.Options{Addr: masterOf(t, rdb, "{a}x")})
	defer m.Close()

	unlock := sioredis.LockSub(sub) // a Remove under way
	if err := m.Do(ctx, "CLIENT", "KILL", "TYPE", "pubsub").Err(); err != nil {
		t.Fatal(err)
	}
	// The connection's goroutine got the error, and waits for the lock to
	// fail the Adds waiting on the connection.
	waitFor(t, 10*time.Second, "the connection's goroutine blocked on the lock", func() bool {
		return goroutineIn("(*goSub).failAcks")
	})
	sioredis.DropHeld(sub, "{a}x")
	unlock()
	waitFor(t, 10*time.Second, "the connection's goroutine gone", func() bool {
		return !goroutineIn("(*goSub).run")
	})
	if d := sioredis.SubDown(sub); d != 0 {
		t.Errorf("no connection left, but %d counted down (Down %d, Up %d)", d, downs.Load(), ups.Load())
	}
}

// goroutineIn reports whether a goroutine of the process is in the
// function of package sioredis named fn (as "(*goSub).run"), by its stack.
func goroutineIn(fn string) bool {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return bytes.Contains(buf[:n], []byte("/cluster/redis."+fn+"("))
		}
		buf = make([]byte, 2*len(buf))
	}
}

// On a single Redis, sharded channels are subscribed and unsubscribed in
// one command, as before per-master connections: the split by hash slot is
// for clusters only.
func TestShardedStandaloneOneCommand(t *testing.T) {
	r := startRedis(t)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr})
	t.Cleanup(func() { _ = rdb.Close() })
	sub := sioredis.NewGoRedis(rdb, nil).Subscribe(sioredis.SubscribeSpec{Channels: []string{"ns"}, Sharded: true}, sioredis.Listener{})
	defer sub.Close()
	<-sub.Ready()
	// calls returns the SSUBSCRIBEs and SUNSUBSCRIBEs Redis has run so far,
	// read in one INFO.
	calls := func() (ssub, sunsub int) {
		t.Helper()
		info, err := rdb.Info(ctx, "commandstats").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(info, "\r\n") {
			for cmd, n := range map[string]*int{"ssubscribe": &ssub, "sunsubscribe": &sunsub} {
				if v, ok := strings.CutPrefix(l, "cmdstat_"+cmd+":calls="); ok {
					*n, _ = strconv.Atoi(v[:strings.IndexByte(v, ',')])
				}
			}
		}
		return ssub, sunsub
	}
	var chans []string
	for i := 0; i < 50; i++ {
		chans = append(chans, "room-"+strconv.Itoa(i))
	}
	sub0, unsub0 := calls()
	if err := sub.Add(ctx, chans...); err != nil {
		t.Fatal(err)
	}
	// Add returns once Redis has confirmed the channels: its commands
	// have run.
	if s, _ := calls(); s-sub0 != 1 {
		t.Errorf("50 channels: %d SSUBSCRIBE, want 1", s-sub0)
	}
	if err := sub.Remove(ctx, chans...); err != nil {
		t.Fatal(err)
	}
	// Remove does not wait for Redis, but an Add after it, on the same
	// connection, returns once the unsubscribe has run too.
	if err := sub.Add(ctx, "ns"); err != nil {
		t.Fatal(err)
	}
	if s, u := calls(); s-sub0 != 2 || u-unsub0 != 1 {
		t.Errorf("50 channels: %d SSUBSCRIBE and %d SUNSUBSCRIBE, want 1 and 1 (and one SSUBSCRIBE of the Add after)", s-sub0, u-unsub0)
	}
}

// expectRoomBroadcasts has each server broadcast to each room and checks
// that every client (each in all the rooms) gets each broadcast once.
func expectRoomBroadcasts(t *testing.T, ios []*core.Server, clients []*sioClient, rooms []string) {
	t.Helper()
	for i, io := range ios {
		for _, r := range rooms {
			if err := io.To(r).Emit("room", r); err != nil {
				t.Fatal(err)
			}
			for _, c := range clients {
				if got := c.Expect("room"); got != strconv.Quote(r) {
					t.Fatalf("room %s from node %d: got %s", r, i, got)
				}
			}
		}
	}
}

// shardedPair starts two sharded servers on the cluster at addrs, each
// with a client in rooms; downs counts the Redis outages each reports.
func shardedPair(t *testing.T, addrs, rooms []string) (ios [2]*core.Server, clients []*sioClient, downs *[2]atomic.Int64) {
	t.Helper()
	downs = new([2]atomic.Int64)
	for i := range ios {
		cfg := nodeConfig{sharded: &sioredis.ShardedOptions{RequestsTimeout: 3 * time.Second, OnError: func(err error) {
			if errors.Is(err, sioredis.ErrRedisDown) {
				downs[i].Add(1)
			}
		}}}
		var u string
		ios[i], u = newClusterModeNode(t, addrs, cfg)
		clients = append(clients, dial(t, u, "/", map[string]any{"rooms": rooms}))
	}
	return ios, clients, downs
}

// waitSubscribed waits, at most d for each, until n servers are
// subscribed to each shard channel (SHARDNUMSUB).
func waitSubscribed(t *testing.T, wc sioredis.Client, n int, d time.Duration, channels ...string) {
	t.Helper()
	for _, ch := range channels {
		waitFor(t, d, fmt.Sprintf("%d servers subscribed to %s", n, ch), func() bool {
			got, err := wc.ShardNumSub(context.Background(), ch)
			return err == nil && got == n
		})
	}
}

package sioredis_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"
)

// connTracker records the connections of one side of a node (its HTTP
// listener or its Redis dialer) so that a test can cut them all at once,
// as a crash or a network partition would.
type connTracker struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	dead  bool
}

func newConnTracker() *connTracker { return &connTracker{conns: make(map[net.Conn]struct{})} }

// add records c; after kill, c is closed at once.
func (k *connTracker) add(c net.Conn) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.dead {
		_ = c.Close()
		return false
	}
	k.conns[c] = struct{}{}
	return true
}

// kill closes every recorded connection and refuses new ones.
func (k *connTracker) kill() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.dead = true
	for c := range k.conns {
		_ = c.Close()
	}
	k.conns = nil
}

type trackingListener struct {
	net.Listener
	k *connTracker
}

func (l trackingListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil || l.k.add(c) {
			return c, err
		}
	}
}

// crashableNode is a node whose every connection, to clients and to
// Redis, can be cut abruptly: its core.Server is not closed (no graceful
// unsubscribe, no DISCONNECT packets), it just stops answering, as a
// crashed process or a partitioned host does. The in-process server keeps
// running until the test ends (a real crash would take its goroutines
// with it), then it is closed to satisfy goleak.
type crashableNode struct {
	*node
	http, redis *connTracker
	listener    net.Listener
}

func newCrashableNode(t *testing.T, addr string, cfg nodeConfig) *crashableNode {
	t.Helper()
	cn := &crashableNode{http: newConnTracker(), redis: newConnTracker()}
	var d net.Dialer
	cfg.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if !cn.redis.add(c) {
			return nil, errors.New("node crashed")
		}
		return c, nil
	}
	cfg.wrap = func(l net.Listener) net.Listener {
		cn.listener = trackingListener{Listener: l, k: cn.http}
		return cn.listener
	}
	cn.node = newNode(t, addr, cfg)
	return cn
}

// crash closes the node's listener and every connection it has, to its
// clients (hijacked WebSockets included) and to Redis, and makes it unable
// to reconnect to Redis.
func (cn *crashableNode) crash() {
	_ = cn.listener.Close()
	cn.http.kill()
	cn.redis.kill()
}

// TestNodeKilled: one of three nodes dies abruptly; its clients reconnect
// to another node (as behind a load balancer) and the survivors work as a
// two-server cluster without waiting for the dead one.
func TestNodeKilled(t *testing.T) { forEachMode(t, 3*time.Second, testNodeKilled) }

func testNodeKilled(t *testing.T, cfg nodeConfig) {
	const timeout = 3 * time.Second // RequestsTimeout of adapterModes above
	tc := &testCluster{redis: startRedis(t), received: make(map[string][]string)}
	var crashable []*crashableNode
	for i := 0; i < 3; i++ {
		c := cfg
		c.setup = tc.setupNode(i)
		cn := newCrashableNode(t, tc.redis.Addr, c)
		crashable = append(crashable, cn)
		tc.nodes = append(tc.nodes, cn.node)
	}
	for _, nd := range tc.nodes {
		tc.clients = append(tc.clients, []*sioClient{
			dial(t, nd.URL, "/", map[string]any{"rooms": []string{"a"}}),
			dial(t, nd.URL, "/", map[string]any{"rooms": []string{"b"}}),
		})
	}
	ctx := context.Background()
	a, b, c := crashable[0], tc.nodes[1], tc.nodes[2]
	if n, err := b.IO.Of("/").Adapter().ServerCount(ctx); err != nil || n != 3 {
		t.Fatalf("ServerCount before the crash = %d, %v", n, err)
	}

	a.crash()
	oldA := tc.clients[0]
	waitFor(t, 5*time.Second, "A's clients to see their connection drop", func() bool {
		return oldA[0].Disconnected() && oldA[1].Disconnected()
	})
	// Redis notices the closed subscription connections: two servers.
	for _, nd := range []*node{b, c} {
		waitFor(t, 5*time.Second, "ServerCount to drop to 2", func() bool {
			n, err := nd.IO.Of("/").Adapter().ServerCount(ctx)
			return err == nil && n == 2
		})
	}
	// A's clients come back through the load balancer, on B.
	tc.clients[0] = []*sioClient{
		dial(t, b.URL, "/", map[string]any{"rooms": []string{"a"}}),
		dial(t, b.URL, "/", map[string]any{"rooms": []string{"b"}}),
	}
	live := tc.all()

	// Broadcasts from the survivors reach every live client once.
	for i, origin := range []*node{b, c} {
		if err := origin.IO.Emit("all", "from", i); err != nil {
			t.Fatal(err)
		}
		for _, cl := range live {
			if got := cl.Expect("all"); got != fmt.Sprintf(`"from",%d`, i) {
				t.Fatalf("all: %s", got)
			}
		}
		quiet(t, 100*time.Millisecond, live...)
	}

	// FetchSockets from B: the sockets of B and C only, without waiting
	// for A.
	start := time.Now()
	socks, err := b.IO.FetchSockets(ctx)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("FetchSockets after %v: %v (%d sockets)", took, err, len(socks))
	}
	if took > timeout/2 {
		t.Fatalf("FetchSockets took %v (RequestsTimeout %v): it waited for the dead node", took, timeout)
	}
	var got, want []string
	for _, s := range socks {
		got = append(got, s.ID())
	}
	for _, cl := range live {
		want = append(want, cl.SID)
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Fatalf("FetchSockets = %v, want %v", got, want)
	}

	// ServerSideEmit with acks from C: B answers, alone, promptly.
	start = time.Now()
	replies, err := c.IO.Of("/").ServerSideEmitWithAck(ctx, "hello", "after-crash")
	took = time.Since(start)
	if err != nil {
		t.Fatalf("ServerSideEmitWithAck after %v: %v (%v)", took, err, replies)
	}
	if took > timeout/2 {
		t.Fatalf("ServerSideEmitWithAck took %v: it waited for the dead node", took)
	}
	if len(replies) != 1 || replies[0] != "pong-node1" {
		t.Fatalf("replies %v, want [pong-node1]", replies)
	}
	tc.mu.Lock()
	if r := tc.received["node0"]; len(r) != 0 {
		t.Errorf("the dead node received %v", r)
	}
	tc.mu.Unlock()
	quiet(t, 100*time.Millisecond, live...)
}

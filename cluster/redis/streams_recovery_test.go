package sioredis_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	sioredis "github.com/gosio/gosio/cluster/redis"
	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/parser"
)

// childRedisEnv names the Redis address a child test process serves a
// gosio server on (runChildServer), for the tests that kill a server.
const childRedisEnv = "SIOREDIS_TEST_CHILD_REDIS"

var recoveryWindow = &core.ConnectionStateRecovery{MaxDisconnectionDuration: 20 * time.Second}

func streamsRecoveryConfig() nodeConfig {
	return nodeConfig{
		streams:  &sioredis.StreamsOptions{BlockTime: 200 * time.Millisecond},
		recovery: recoveryWindow,
		setup:    recoverySetup,
	}
}

// recoverySetup joins the rooms the client names and gives "set" a
// handler that changes the socket's data.
func recoverySetup(io *core.Server) {
	io.Use(core.ConnectFunc(func(s *core.Socket) error {
		var auth struct {
			Rooms []string `json:"rooms"`
		}
		_ = json.Unmarshal(s.Handshake().Auth, &auth)
		s.Join(auth.Rooms...)
		s.SetData(map[string]any{"v": 0})
		return nil
	}))
	io.OnConnection(func(s *core.Socket) {
		s.On("set", func(s *core.Socket, e *core.Event) error {
			var v int
			if err := e.Decode(0, &v); err != nil {
				return err
			}
			s.SetData(map[string]any{"v": v})
			return e.Ack("ok")
		})
	})
}

// runChildServer serves a gosio server with the Streams adapter and
// recovery on a free port, prints its URL and serves until killed.
func runChildServer(addr string) {
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	io := core.NewServer(&core.Options{
		Adapter:                 sioredis.StreamsFactory(sioredis.NewGoRedis(rdb, nil), &sioredis.StreamsOptions{BlockTime: 200 * time.Millisecond}),
		ConnectionStateRecovery: recoveryWindow,
	})
	recoverySetup(io)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	err = sioredis.WaitReady(ctx, io.Of("/").Adapter())
	cancel()
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	fmt.Println("URL http://" + ln.Addr().String())
	_ = http.Serve(ln, io)
	os.Exit(1)
}

// lastArg returns an event's last argument, its offset, as a string.
func lastArg(t *testing.T, raw string) string {
	t.Helper()
	args, err := parser.SplitArray([]byte("[" + raw + "]"))
	if err != nil || len(args) == 0 {
		t.Fatalf("args %s: %v", raw, err)
	}
	var s string
	if err := json.Unmarshal(args[len(args)-1], &s); err != nil {
		t.Fatalf("offset of %s: %v", raw, err)
	}
	return s
}

// expectSeq reads events m with the numbers from..to, in order, each with
// an offset, and returns the last offset.
func expectSeq(t *testing.T, c *sioClient, from, to int) string {
	t.Helper()
	off := ""
	for i := from; i <= to; i++ {
		got := c.Expect("m")
		if !strings.HasPrefix(got, fmt.Sprintf("%d,", i)) {
			t.Fatalf("%s: got m %s, want %d first", c, got, i)
		}
		off = lastArg(t, got)
	}
	return off
}

func recoverAuth(c *sioClient, offset string) map[string]any {
	return map[string]any{"pid": c.PID, "offset": offset}
}

// inRoom reports whether the socket sid is in room on some server.
func inRoom(t *testing.T, n *node, room, sid string) (bool, any) {
	t.Helper()
	socks, err := n.IO.In(room).FetchSockets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range socks {
		if s.ID() == sid {
			return true, s.Data()
		}
	}
	return false, nil
}

// TestStreamsRecoveryAcrossServers: a client cut from one server recovers
// on the other, again and again, and gets every broadcast made meanwhile
// by either server once, in order, then the live ones.
func TestStreamsRecoveryAcrossServers(t *testing.T) {
	r := startRedis(t)
	nodes := []*node{newNode(t, r.Addr, streamsRecoveryConfig()), newNode(t, r.Addr, streamsRecoveryConfig())}
	c := dial(t, nodes[0].URL, "/", map[string]any{"rooms": []string{"a"}})
	b := dial(t, nodes[1].URL, "/", map[string]any{"rooms": []string{"b"}})
	if c.PID == "" {
		t.Fatal("no pid: recovery is off")
	}
	if err := nodes[1].IO.To("a").Emit("m", 0); err != nil {
		t.Fatal(err)
	}
	off := expectSeq(t, c, 0, 0)
	waitSession(t, nodes[0].RDB, c.PID, "a")
	sid, seq := c.SID, 1
	for round := range 6 {
		c.Close()
		// Broadcasts while the client is away, from both servers, some
		// not for it.
		for i := range 4 {
			if err := nodes[i%2].IO.To("a").Emit("m", seq+i); err != nil {
				t.Fatal(err)
			}
			if err := nodes[(i+1)%2].IO.To("b").Emit("notA", i); err != nil {
				t.Fatal(err)
			}
		}
		for range 4 {
			b.Expect("notA")
		}
		// Round 3 reconnects at once, before the old server may have
		// noticed; the others alternate servers.
		to := nodes[(round+1)%2]
		c = dial(t, to.URL, "/", recoverAuth(c, off))
		if c.SID != sid {
			t.Fatalf("round %d: new sid %s, want %s recovered", round, c.SID, sid)
		}
		off = expectSeq(t, c, seq, seq+3)
		seq += 4
		// Live broadcasts reach it once, from either server.
		for i := range 2 {
			if err := nodes[i].IO.To("a").Emit("m", seq); err != nil {
				t.Fatal(err)
			}
			off = expectSeq(t, c, seq, seq)
			seq++
		}
		if ok, _ := inRoom(t, nodes[round%2], "a", sid); !ok {
			t.Fatalf("round %d: %s not in room a", round, sid)
		}
	}
	quiet(t, 200*time.Millisecond, c, b)
}

// TestStreamsRecoveryAfterKill: a server is killed (SIGKILL) with clients
// in rooms; they reconnect through another server and recover their id,
// rooms and data, and every broadcast sent meanwhile once, in order.
func TestStreamsRecoveryAfterKill(t *testing.T) {
	r := startRedis(t)
	survivor := newNode(t, r.Addr, streamsRecoveryConfig())
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childRedisEnv+"="+r.Addr)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	t.Cleanup(func() {
		if !killed {
			_ = cmd.Process.Kill()
		}
		_ = cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "URL ") || strings.HasPrefix(sc.Text(), "ERR ") {
				lines <- sc.Text()
			}
		}
		close(lines)
	}()
	var url string
	select {
	case l := <-lines:
		if !strings.HasPrefix(l, "URL ") {
			t.Fatalf("child: %s", l)
		}
		url = strings.TrimPrefix(l, "URL ")
	case <-time.After(20 * time.Second):
		t.Fatal("child server did not start")
	}
	const n = 3
	var clients []*sioClient
	offs := make([]string, n)
	for i := range n {
		c := dial(t, url, "/", map[string]any{"rooms": []string{"a", fmt.Sprintf("r%d", i)}})
		acked := make(chan struct{})
		c.OnAck(func(*parser.Packet) []any { return nil })
		clients = append(clients, c)
		// The data change must be in Redis before the kill: the server
		// writes it right after the handler; wait for the key to change.
		before := sessionValue(t, survivor.RDB, c.PID)
		c.sendPacket(&parser.Packet{Type: parser.Event, Nsp: "/", Data: []any{"set", 40 + i}, ID: 1, HasID: true})
		close(acked)
		waitFor(t, 5*time.Second, "session written", func() bool {
			v := sessionValue(t, survivor.RDB, c.PID)
			return v != "" && v != before
		})
	}
	if err := survivor.IO.To("a").Emit("m", 0); err != nil {
		t.Fatal(err)
	}
	for i, c := range clients {
		offs[i] = expectSeq(t, c, 0, 0)
	}
	if err := cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	killed = true
	for _, c := range clients {
		select {
		case <-c.closed:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: connection still open after the kill", c)
		}
	}
	waitFor(t, 5*time.Second, "Redis to drop the killed server's subscriptions", func() bool {
		n, err := survivor.IO.Of("/").Adapter().ServerCount(context.Background())
		return err == nil && n == 1
	})
	for i := 1; i <= 5; i++ {
		if err := survivor.IO.To("a").Emit("m", i); err != nil {
			t.Fatal(err)
		}
	}
	for i, old := range clients {
		c := dial(t, survivor.URL, "/", recoverAuth(old, offs[i]))
		if c.SID != old.SID {
			t.Fatalf("client %d: new sid %s, want %s recovered", i, c.SID, old.SID)
		}
		expectSeq(t, c, 1, 5)
		ok, data := inRoom(t, survivor, fmt.Sprintf("r%d", i), c.SID)
		if !ok {
			t.Fatalf("client %d: not back in its room", i)
		}
		if b, _ := json.Marshal(data); string(b) != fmt.Sprintf(`{"v":%d}`, 40+i) {
			t.Fatalf("client %d: data %s", i, b)
		}
		clients[i] = c
	}
	if err := survivor.IO.To("a").Emit("m", 6); err != nil {
		t.Fatal(err)
	}
	for _, c := range clients {
		expectSeq(t, c, 6, 6)
	}
	quiet(t, 200*time.Millisecond, clients...)
}

// waitSession waits until the session of pid in Redis holds room: a
// server writes it in the background, a moment after the change.
func waitSession(t *testing.T, rdb *redis.Client, pid, room string) {
	t.Helper()
	want := append([]byte{0xa0 | byte(len(room))}, room...) // msgpack fixstr
	waitFor(t, 5*time.Second, "session with room "+room, func() bool {
		b, err := base64.StdEncoding.DecodeString(sessionValue(t, rdb, pid))
		return err == nil && bytes.Contains(b, want)
	})
}

func sessionValue(t *testing.T, rdb *redis.Client, pid string) string {
	v, err := rdb.Get(context.Background(), "sio:session:"+pid).Result()
	if err != nil && err != redis.Nil {
		t.Fatal(err)
	}
	return v
}

// TestStreamsRecoveryUnderLoad: both servers broadcast one numbered
// sequence without pause while a client keeps dropping and recovering on
// the other server: it sees every number once, in order.
func TestStreamsRecoveryUnderLoad(t *testing.T) {
	r := startRedis(t)
	nodes := []*node{newNode(t, r.Addr, streamsRecoveryConfig()), newNode(t, r.Addr, streamsRecoveryConfig())}
	c := dial(t, nodes[0].URL, "/", map[string]any{"rooms": []string{"a"}})
	stop := make(chan struct{})
	sent := make(chan int, 1)
	var got atomic.Int64 // numbers the client has: the sender stays within 200 of it
	go func() {
		i := 0
		defer func() { sent <- i }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if int64(i)-got.Load() > 200 {
				time.Sleep(time.Millisecond)
				continue
			}
			if err := nodes[i%2].IO.To("a").Emit("m", i); err != nil {
				t.Error(err)
				return
			}
			i++
			if i == 100000 {
				return
			}
		}
	}()
	next, off := 0, ""
	take := func(raw string) {
		var n int
		if _, err := fmt.Sscanf(raw, "%d,", &n); err != nil || n != next {
			t.Fatalf("got m %s, want %d", raw, next)
		}
		next++
		got.Store(int64(next))
		off = lastArg(t, raw)
	}
	take(c.Expect("m"))
	waitSession(t, nodes[0].RDB, c.PID, "a")
	for round := range 8 {
		for range 20 {
			take(c.Expect("m"))
		}
		c.Close()
		for drained := false; !drained; {
			select {
			case p := <-c.events:
				args, _ := parser.SplitArray(p.Raw)
				take(string(args[1]) + "," + string(args[2]))
			default:
				drained = true
			}
		}
		sid := c.SID
		c = dial(t, nodes[(round+1)%2].URL, "/", recoverAuth(c, off))
		if c.SID != sid {
			t.Fatalf("round %d: not recovered", round)
		}
	}
	close(stop)
	total := <-sent
	for next < total {
		take(c.Expect("m"))
	}
	quiet(t, 200*time.Millisecond, c)
}

// TestStreamsRecoveryWhileStillConnected: the client comes back on another
// server while its old connection still looks alive to the first (it
// reconnects within milliseconds of a silent network loss). It recovers;
// the first server lets its copy go, so that the session kept in Redis is
// the new server's: a room joined there survives the next recovery.
func TestStreamsRecoveryWhileStillConnected(t *testing.T) {
	r := startRedis(t)
	nodes := []*node{newNode(t, r.Addr, streamsRecoveryConfig()), newNode(t, r.Addr, streamsRecoveryConfig())}
	old := dial(t, nodes[0].URL, "/", map[string]any{"rooms": []string{"a"}})
	if err := nodes[1].IO.To("a").Emit("m", 0); err != nil {
		t.Fatal(err)
	}
	off := expectSeq(t, old, 0, 0)
	waitSession(t, nodes[0].RDB, old.PID, "a")
	c := dial(t, nodes[1].URL, "/", recoverAuth(old, off))
	if c.SID != old.SID {
		t.Fatalf("new sid %s, want %s recovered", c.SID, old.SID)
	}
	waitFor(t, 5*time.Second, "the first server to let its copy go", old.Disconnected)
	waitFor(t, 5*time.Second, "one copy", func() bool {
		socks, err := nodes[0].IO.In(c.SID).FetchSockets(context.Background())
		return err == nil && len(socks) == 1
	})
	if err := nodes[1].IO.In(c.SID).SocketsJoin("z"); err != nil {
		t.Fatal(err)
	}
	waitSession(t, nodes[0].RDB, c.PID, "z")
	if err := nodes[0].IO.To("z").Emit("m", 1); err != nil {
		t.Fatal(err)
	}
	off = expectSeq(t, c, 1, 1)
	c.Close()
	if err := nodes[0].IO.To("z").Emit("m", 2); err != nil {
		t.Fatal(err)
	}
	c2 := dial(t, nodes[0].URL, "/", recoverAuth(c, off))
	if c2.SID != c.SID {
		t.Fatal("not recovered the second time")
	}
	expectSeq(t, c2, 2, 2)
	if ok, _ := inRoom(t, nodes[1], "z", c2.SID); !ok {
		t.Fatal("room z lost")
	}
	quiet(t, 200*time.Millisecond, c2)
}

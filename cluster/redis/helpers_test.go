package sioredis_test

import (
	"context"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	sioredis "github.com/gosio/gosio/cluster/redis"
	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/parser"
)

func TestMain(m *testing.M) {
	if addr := os.Getenv(childRedisEnv); addr != "" {
		runChildServer(addr) // a server the test kills; never returns
	}
	goleak.VerifyTestMain(m)
}

// redisServer is a redis-server process on a free loopback port, started
// for one test and stopped by PID.
type redisServer struct {
	t    testing.TB
	Port int
	Addr string
	// args, when set, replace the default command line (a cluster node
	// restarts with its own).
	args []string

	mu  sync.Mutex
	cmd *exec.Cmd
}

// needRedis returns the path of redis-server, or skips the test when it is
// missing (a failure under CI).
func needRedis(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redis-server is required under CI: %v", err)
		}
		t.Skip("redis-server not installed (apt-get install redis-server); skipping Redis tests")
	}
	return path
}

// startRedis starts redis-server on a free loopback port, without
// persistence; it is stopped when the test ends.
func startRedis(t testing.TB) *redisServer {
	t.Helper()
	needRedis(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	r := &redisServer{t: t, Port: port, Addr: "127.0.0.1:" + strconv.Itoa(port)}
	r.Start()
	t.Cleanup(r.Stop)
	return r
}

// Start starts the server (again) on its port and waits until it answers.
func (r *redisServer) Start() {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd != nil {
		return
	}
	args := r.args
	if args == nil {
		args = []string{"--port", strconv.Itoa(r.Port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--loglevel", "warning"}
	}
	cmd := exec.Command("redis-server", args...)
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	r.cmd = cmd
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", r.Addr, 200*time.Millisecond)
		if err == nil {
			_, _ = c.Write([]byte("PING\r\n"))
			buf := make([]byte, 7)
			_ = c.SetReadDeadline(time.Now().Add(time.Second))
			n, _ := c.Read(buf)
			_ = c.Close()
			if string(buf[:n]) == "+PONG\r\n" {
				return
			}
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server on %s did not start", r.Addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop stops the server by its PID and waits for it to exit.
func (r *redisServer) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = r.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = r.cmd.Process.Kill()
		<-done
	}
	r.cmd = nil
}

// node is one gosio server of a test cluster: a core.Server on its own
// loopback listener, with the Redis adapter on its own Redis client.
type node struct {
	IO  *core.Server
	URL string
	RDB *redis.Client
}

type nodeConfig struct {
	opts    *sioredis.Options
	sharded *sioredis.ShardedOptions
	streams *sioredis.StreamsOptions
	// recovery turns on connection state recovery (core.Options).
	recovery *core.ConnectionStateRecovery
	setup    func(io *core.Server)
	onError  func(s *core.Socket, err error) // core.Options.OnError
	gopts    *sioredis.GoRedisOptions
	parser   parser.Parser // core.Options.Parser
	// dial, when set, opens the node's Redis connections; wrap, when set,
	// wraps its HTTP listener (fault tests track connections with them).
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
	wrap func(net.Listener) net.Listener
}

// newNode starts a gosio server joined to the Redis at addr; everything is
// closed when the test ends.
func newNode(t testing.TB, addr string, cfg nodeConfig) *node {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: 1, DialTimeout: time.Second, Dialer: cfg.dial})
	client := sioredis.NewGoRedis(rdb, cfg.gopts)
	var factory core.AdapterFactory
	switch {
	case cfg.streams != nil:
		factory = sioredis.StreamsFactory(client, cfg.streams)
	case cfg.sharded != nil:
		factory = sioredis.ShardedFactory(client, cfg.sharded)
	default:
		factory = sioredis.Factory(client, cfg.opts)
	}
	io := core.NewServer(&core.Options{Adapter: factory, OnError: cfg.onError, Parser: cfg.parser, ConnectionStateRecovery: cfg.recovery})
	if cfg.setup != nil {
		cfg.setup(io)
	}
	hs := httptest.NewUnstartedServer(io)
	if cfg.wrap != nil {
		hs.Listener = cfg.wrap(hs.Listener)
	}
	hs.Start()
	n := &node{IO: io, URL: hs.URL, RDB: rdb}
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
	return n
}

func waitReady(t testing.TB, nsp *core.Namespace) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sioredis.WaitReady(ctx, nsp.Adapter()); err != nil {
		t.Fatalf("adapter of %s not ready: %v", nsp.Name(), err)
	}
}

// waitFor polls cond until it holds, for at most d.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

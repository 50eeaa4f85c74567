package main

import (
	"context"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	sioredis "github.com/gosio/gosio/cluster/redis"
	"github.com/gosio/gosio/core"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startRedis runs redis-server on a free loopback port for the test, or
// skips it when redis-server is missing.
func startRedis(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server missing")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := "127.0.0.1:" + strconv.Itoa(port)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	for i := 0; rdb.Ping(context.Background()).Err() != nil; i++ {
		if i == 200 {
			t.Fatal("redis-server did not start")
		}
		time.Sleep(25 * time.Millisecond)
	}
	return addr
}

// TestClusterFromEnv: each ADAPTER joins the cluster the way its Node
// counterpart counts servers, and RECOVERY=1 turns recovery on.
func TestClusterFromEnv(t *testing.T) {
	addr := startRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	ctx := context.Background()
	for _, c := range []struct {
		adapter string
		count   func() int64
	}{
		{"", func() int64 { return rdb.PubSubNumSub(ctx, "socket.io-request#/#").Val()["socket.io-request#/#"] }},
		{"sharded", func() int64 { return rdb.PubSubShardNumSub(ctx, "socket.io#/#").Val()["socket.io#/#"] }},
		{"streams", func() int64 { return rdb.PubSubNumSub(ctx, "socket.io#/#").Val()["socket.io#/#"] }},
	} {
		t.Run("adapter="+c.adapter, func(t *testing.T) {
			t.Setenv("REDIS_URL", "redis://"+addr)
			t.Setenv("ADAPTER", c.adapter)
			t.Setenv("RECOVERY", "1")
			var o core.Options
			closeRedis, err := clusterFromEnv(&o)
			if err != nil {
				t.Fatal(err)
			}
			if o.ConnectionStateRecovery == nil || o.Adapter == nil {
				t.Fatalf("options %+v", o)
			}
			io := core.NewServer(&o)
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if err := sioredis.WaitReady(wctx, io.Of("/").Adapter()); err != nil {
				t.Fatal(err)
			}
			if n := c.count(); n != 1 {
				t.Errorf("%d servers subscribed, want 1", n)
			}
			_ = io.Close(ctx)
			closeRedis()
		})
	}
	t.Run("errors", func(t *testing.T) {
		for _, env := range [][2]string{{"RECOVERY", "yes"}, {"ADAPTER", "streams"}} {
			t.Setenv("REDIS_URL", "")
			t.Setenv("RECOVERY", "")
			t.Setenv("ADAPTER", "")
			t.Setenv(env[0], env[1])
			if _, err := clusterFromEnv(&core.Options{}); err == nil {
				t.Errorf("%s=%s: no error", env[0], env[1])
			}
		}
		t.Setenv("REDIS_URL", "redis://"+addr)
		t.Setenv("ADAPTER", "bogus")
		if _, err := clusterFromEnv(&core.Options{}); err == nil {
			t.Error("ADAPTER=bogus: no error")
		}
	})
}

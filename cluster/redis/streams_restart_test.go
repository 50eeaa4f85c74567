package sioredis_test

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	sioredis "github.com/gosio/gosio/cluster/redis"
)

// TestStreamsRedisRestart: Redis restarts in the middle of a stream, with
// its data (append-only file) or empty; the readers resume after the last
// entry they handled: every broadcast reaches the client once, in order.
func TestStreamsRedisRestart(t *testing.T) {
	for _, persistent := range []bool{true, false} {
		name := "empty"
		if persistent {
			name = "persistent"
		}
		t.Run(name, func(t *testing.T) { testStreamsRedisRestart(t, persistent) })
	}
}

func testStreamsRedisRestart(t *testing.T, persistent bool) {
	r := startRedis(t)
	if persistent {
		r.Stop()
		r.args = []string{"--port", strconv.Itoa(r.Port), "--bind", "127.0.0.1", "--save", "",
			"--appendonly", "yes", "--appendfsync", "always", "--dir", t.TempDir(), "--loglevel", "warning"}
		r.Start()
	}
	var downs atomic.Int32
	cfg := nodeConfig{
		streams: &sioredis.StreamsOptions{BlockTime: 200 * time.Millisecond, RequestsTimeout: time.Second, OnError: func(err error) {
			if errors.Is(err, sioredis.ErrRedisDown) {
				downs.Add(1)
			}
		}},
		gopts:    &sioredis.GoRedisOptions{MinRetryBackoff: 20 * time.Millisecond, MaxRetryBackoff: 200 * time.Millisecond},
		recovery: recoveryWindow,
	}
	a := newNode(t, r.Addr, cfg)
	b := newNode(t, r.Addr, cfg)
	ca := dial(t, a.URL, "/", nil)
	cb := dial(t, b.URL, "/", nil)
	for i := range 5 {
		if err := a.IO.Emit("m", i); err != nil {
			t.Fatal(err)
		}
	}
	expectSeq(t, ca, 0, 4)
	expectSeq(t, cb, 0, 4)

	r.Stop()
	waitFor(t, 5*time.Second, "outage reported", func() bool { return downs.Load() >= 2 })
	if err := a.IO.Emit("during"); err == nil {
		t.Fatal("Emit during the outage returned no error")
	}
	r.Start()
	waitFor(t, 5*time.Second, "redis back", func() bool {
		return a.RDB.Ping(context.Background()).Err() == nil && b.RDB.Ping(context.Background()).Err() == nil
	})
	if persistent {
		if n, err := a.RDB.XLen(context.Background(), "socket.io").Result(); err != nil || n != 5 {
			t.Fatalf("stream after restart: %d entries (%v), want the 5 kept", n, err)
		}
	}
	for i := 5; i < 10; i++ {
		if err := a.IO.Emit("m", i); err != nil {
			t.Fatal(err)
		}
	}
	expectSeq(t, ca, 5, 9)
	expectSeq(t, cb, 5, 9)
	quiet(t, 300*time.Millisecond, ca, cb)
}

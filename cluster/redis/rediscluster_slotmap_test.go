package sioredis_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	sioredis "github.com/gosio/gosio/cluster/redis"
)

// TestRedisClusterShardStaleSlotMap: a subscription whose client has an
// out-of-date slot map subscribes a channel on a master that gave the
// channel's slot away, and gets MOVED. That answer is not a lost
// connection: no Down is reported, the connection and its other channel
// stay as they are, and the channel is subscribed on the slot's master
// once the map is up to date. A subscription that starts on a stale map is
// ready once that master has confirmed the channel.
func TestRedisClusterShardStaleSlotMap(t *testing.T) {
	addrs := startRedisCluster(t, 3)
	ctx := context.Background()
	watch := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, MaxRetries: 1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = watch.Close() })
	wc := sioredis.NewGoRedis(watch, nil)

	// The subscription's client takes its slot map from frozen while it is
	// set, from the cluster otherwise.
	var frozen atomic.Pointer[[]redis.ClusterSlot]
	slotsOf := redis.NewClient(&redis.Options{Addr: addrs[0], MaxRetries: 1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = slotsOf.Close() })
	live := func(ctx context.Context) ([]redis.ClusterSlot, error) { return slotsOf.ClusterSlots(ctx).Result() }
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, MaxRetries: 1, DialTimeout: time.Second,
		ClusterSlots: func(ctx context.Context) ([]redis.ClusterSlot, error) {
			if s := frozen.Load(); s != nil {
				return *s, nil
			}
			return live(ctx)
		}})
	t.Cleanup(func() { _ = rdb.Close() })

	// x stays on its master; y starts in another slot of the same master.
	const x = "{x}chan"
	master := masterOf(t, watch, x)
	var y string
	for i := 0; y == "" && i < 1000; i++ {
		ch := "{y" + strconv.Itoa(i) + "}chan"
		if masterOf(t, watch, ch) == master && hashSlotOf(t, watch, ch) != hashSlotOf(t, watch, x) {
			y = ch
		}
	}
	if y == "" {
		t.Fatalf("no channel found in another slot of %s", master)
	}

	var downs, ups atomic.Int64
	got := make(chan string, 16)
	sub := sioredis.NewGoRedis(rdb, &sioredis.GoRedisOptions{MaxRetryBackoff: 200 * time.Millisecond}).Subscribe(
		sioredis.SubscribeSpec{Channels: []string{x}, Sharded: true}, sioredis.Listener{
			Message: func(m sioredis.Message) { got <- m.Channel + " " + string(m.Payload) },
			Down:    func(error) { downs.Add(1) },
			Up:      func() { ups.Add(1) },
		})
	defer sub.Close()
	select {
	case <-sub.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("subscription not ready")
	}
	m := redis.NewClient(&redis.Options{Addr: master, MaxRetries: 1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = m.Close() })
	conn := pubsubClientIDs(t, m)
	if len(conn) != 1 {
		t.Fatalf("pub/sub connections on %s: %v, want one", master, conn)
	}

	// The map the client has now, then y's slot moves: the client still
	// believes y is on x's master.
	snapshot, err := live(ctx)
	if err != nil {
		t.Fatal(err)
	}
	frozen.Store(&snapshot)
	moveSlot(t, addrs, y)

	actx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := sub.Add(actx, y); err == nil {
		t.Fatalf("Add(%s) on the master that gave its slot away returned nil", y)
	} else if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Add(%s): %v, want the refusal", y, err)
	}
	expect := func(ch, payload string) {
		t.Helper()
		if err := watch.SPublish(ctx, ch, payload).Err(); err != nil {
			t.Fatal(err)
		}
		select {
		case m := <-got:
			if m != ch+" "+payload {
				t.Fatalf("got %q, want %q", m, ch+" "+payload)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no message on %s", ch)
		}
	}
	expect(x, "while the map is stale")

	frozen.Store(nil)
	waitSubscribed(t, wc, 1, 10*time.Second, y, x)
	expect(y, "on the slot's master")
	expect(x, "after")
	if d, u := downs.Load(), ups.Load(); d != 0 || u != 0 {
		t.Errorf("Down reported %d times, Up %d times, for a MOVED answer", d, u)
	}
	if now := pubsubClientIDs(t, m); len(now) != 1 || now[0] != conn[0] {
		t.Errorf("pub/sub connections on %s: %v, want %v as before", master, now, conn)
	}

	// A subscription that starts on the stale map, with x and y on one
	// connection, is ready once Redis has confirmed the refused y on its
	// slot's master.
	frozen.Store(&snapshot)
	waitFor(t, 10*time.Second, "the client's map back to the stale one", func() bool {
		rdb.ReloadState(ctx)
		n, err := rdb.MasterForKey(ctx, y)
		if err != nil {
			return false
		}
		// A map from ClusterSlots has addresses without a host (go-redis
		// takes the host of the node it asked, and there is none).
		_, port, _ := net.SplitHostPort(n.Options().Addr)
		return strings.HasSuffix(master, ":"+port)
	})
	got2 := make(chan string, 16)
	sub2 := sioredis.NewGoRedis(rdb, &sioredis.GoRedisOptions{MaxRetryBackoff: 200 * time.Millisecond}).Subscribe(
		sioredis.SubscribeSpec{Channels: []string{x, y}, Sharded: true}, sioredis.Listener{
			Message: func(m sioredis.Message) { got2 <- m.Channel + " " + string(m.Payload) },
			Down:    func(error) { downs.Add(1) },
		})
	defer sub2.Close()
	frozen.Store(nil)
	select {
	case <-sub2.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("a subscription started on a stale map never ready")
	}
	if err := watch.SPublish(ctx, y, "ready").Err(); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got2:
		if m != y+" ready" {
			t.Fatalf("got %q", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no message on %s once ready", y)
	}
	if d := downs.Load(); d != 0 {
		t.Errorf("Down reported %d times for a MOVED answer", d)
	}
}

// hashSlotOf returns the hash slot of key, as Redis computes it.
func hashSlotOf(t *testing.T, c *redis.ClusterClient, key string) int64 {
	t.Helper()
	slot, err := c.ClusterKeySlot(context.Background(), key).Result()
	if err != nil {
		t.Fatal(err)
	}
	return slot
}

// pubsubClientIDs returns the ids of the pub/sub connections of the Redis
// that c talks to (CLIENT LIST TYPE pubsub).
func pubsubClientIDs(t *testing.T, c *redis.Client) []string {
	t.Helper()
	list, err := c.Do(context.Background(), "CLIENT", "LIST", "TYPE", "pubsub").Text()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, l := range strings.Split(strings.TrimSpace(list), "\n") {
		for _, f := range strings.Fields(l) {
			if id, ok := strings.CutPrefix(f, "id="); ok {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

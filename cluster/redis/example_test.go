package sioredis_test

import (
	"context"
	"log"
	"log/slog"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	sioredis "github.com/gosio/gosio/cluster/redis"
	"github.com/gosio/gosio/core"
)

// A gosio server that shares its rooms and broadcasts with the other
// servers (gosio or Node) of a cluster through Redis.
func ExampleFactory() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()

	io := core.NewServer(&core.Options{
		Adapter: sioredis.Factory(sioredis.NewGoRedis(rdb, nil), &sioredis.Options{
			// Outages are reported here (and logged); the adapter
			// resubscribes by itself when Redis is back.
			OnError: func(err error) { slog.Warn("redis adapter", "err", err) },
		}),
	})
	io.OnConnection(func(s *core.Socket) {
		s.Join("news")
	})
	// Reaches the sockets in "news" on every server of the cluster.
	_ = io.To("news").Emit("headline", "Redis adapter ready")

	http.Handle(io.Path(), io)
	log.Fatal(http.ListenAndServe("127.0.0.1:3000", nil))
}

// Node's createShardedAdapter counterpart, for Redis 7 sharded pub/sub
// (works with a Redis Cluster through redis.NewClusterClient).
func ExampleShardedFactory() {
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:7000"}})
	defer rdb.Close()
	io := core.NewServer(&core.Options{
		Adapter: sioredis.ShardedFactory(sioredis.NewGoRedis(rdb, nil), &sioredis.ShardedOptions{
			SubscriptionMode: sioredis.Dynamic,
		}),
	})
	defer io.Close(context.Background())
}

// A Go worker that is not a Socket.IO server reaches the clients of a
// cluster, as Node's @socket.io/redis-emitter does.
func ExampleEmitter() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	em := sioredis.NewEmitter(sioredis.NewGoRedis(rdb, nil), nil)

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = em.To("room1").Except("room2").Emit(ctx, "update", map[string]any{"id": 42})
	_ = em.Of("/admin").Emit(ctx, "stats", 1, 2, 3)
	_ = em.In("room1").SocketsJoin(ctx, "room3")
	_ = em.ServerSideEmit(ctx, "reload-config")
}

// Cluster-wide operations from a server: count servers, fetch sockets
// wherever they are connected, ask the other servers.
func ExampleAdapter() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	io := core.NewServer(&core.Options{Adapter: sioredis.Factory(sioredis.NewGoRedis(rdb, nil), nil)})
	defer io.Close(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := sioredis.WaitReady(ctx, io.Of("/").Adapter()); err != nil {
		log.Fatal(err)
	}
	servers, _ := io.Of("/").Adapter().ServerCount(ctx)
	sockets, _ := io.In("room1").FetchSockets(ctx)
	replies, err := io.Of("/").ServerSideEmitWithAck(ctx, "health")
	log.Println(servers, len(sockets), replies, err)
}

package main

import (
	"fmt"
	"os"

	"github.com/redis/go-redis/v9"

	sioredis "github.com/gosio/gosio/cluster/redis"
	"github.com/gosio/gosio/core"
)

// clusterFromEnv applies the cluster switches (DESIGN.md §5):
//
//	RECOVERY=1                connection state recovery, default window
//	REDIS_URL=redis://host:port  join a Redis cluster with the adapter
//	ADAPTER=classic|sharded|streams  (default classic)
//
// It returns what closes the Redis client, after the server.
func clusterFromEnv(o *core.Options) (closeRedis func(), err error) {
	switch v := os.Getenv("RECOVERY"); v {
	case "":
	case "1":
		o.ConnectionStateRecovery = &core.ConnectionStateRecovery{}
	default:
		return nil, fmt.Errorf("RECOVERY=%q: want 1", v)
	}
	url := os.Getenv("REDIS_URL")
	if url == "" {
		if a := os.Getenv("ADAPTER"); a != "" {
			return nil, fmt.Errorf("ADAPTER=%q needs REDIS_URL", a)
		}
		return func() {}, nil
	}
	ro, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	rdb := redis.NewClient(ro)
	c := sioredis.NewGoRedis(rdb, nil)
	switch a := os.Getenv("ADAPTER"); a {
	case "", "classic":
		o.Adapter = sioredis.Factory(c, nil)
	case "sharded":
		o.Adapter = sioredis.ShardedFactory(c, nil)
	case "streams":
		o.Adapter = sioredis.StreamsFactory(c, nil)
	default:
		_ = rdb.Close()
		return nil, fmt.Errorf("ADAPTER=%q: want classic, sharded or streams", a)
	}
	return func() { _ = rdb.Close() }, nil
}

package sioredis

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// GoRedisOptions tune the go-redis [Client]. The zero value is valid.
// A plain value: fill it in before passing it on; it is not to be changed afterwards.
type GoRedisOptions struct {
	// HealthCheckInterval is how long a subscription connection may stay
	// silent before it is pinged; without an answer by the next interval
	// the connection is replaced. Default 15 s.
	HealthCheckInterval time.Duration
	// MinRetryBackoff and MaxRetryBackoff bound the wait between attempts
	// to reconnect a lost subscription (doubling each time). Defaults 50 ms
	// and 2 s.
	MinRetryBackoff, MaxRetryBackoff time.Duration
	// Logger receives connection events. Default: slog.Default().
	Logger *slog.Logger
}

func (o GoRedisOptions) withDefaults() GoRedisOptions {
	if o.HealthCheckInterval <= 0 {
		o.HealthCheckInterval = 15 * time.Second
	}
	if o.MinRetryBackoff <= 0 {
		o.MinRetryBackoff = 50 * time.Millisecond
	}
	if o.MaxRetryBackoff < o.MinRetryBackoff {
		o.MaxRetryBackoff = 2 * time.Second
		if o.MaxRetryBackoff < o.MinRetryBackoff {
			o.MaxRetryBackoff = o.MinRetryBackoff
		}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// NewGoRedis returns a [Client] on a go-redis client: a *redis.Client
// (standalone or Sentinel failover) or a *redis.ClusterClient. The caller
// keeps ownership of rdb and closes it after the adapters and emitters
// that use it. opts may be nil.
//
// Subscriptions use go-redis PubSub connections, one per subscription
// (and, for sharded channels on a cluster, one per master holding them, as
// Node's adapter does), which reconnect and resubscribe after Redis
// restarts. On a cluster each hash slot's channels are subscribed in a
// command of their own. When a hash slot moves to another master
// (resharding, failover), Redis unsubscribes its shard channels; they are
// then subscribed on the new master, with Down and Up reported around it.
// A MOVED answer to a subscription (the client's slot map was out of
// date) is not a Down: the channels are subscribed on the slot's master.
// Subscriber counts on a cluster are summed over every node, as Node's
// adapter does.
func NewGoRedis(rdb redis.UniversalClient, opts *GoRedisOptions) Client {
	var o GoRedisOptions
	if opts != nil {
		o = *opts
	}
	g := &goRedis{rdb: rdb, opts: o.withDefaults()}
	g.cluster, _ = rdb.(*redis.ClusterClient)
	return g
}

type goRedis struct {
	rdb     redis.UniversalClient
	cluster *redis.ClusterClient
	opts    GoRedisOptions
}

func (g *goRedis) Publish(ctx context.Context, channel string, payload []byte) error {
	if g.cluster != nil {
		// go-redis treats PUBLISH as keyless and sends each one to a random
		// node; Redis Cluster then propagates it from there, so two
		// publishes on one channel could reach subscribers in the wrong
		// order. Publish on the master of the channel's slot instead: one
		// entry point per channel keeps each server's messages in order.
		node, err := g.cluster.MasterForKey(ctx, channel)
		if err != nil {
			return err
		}
		return node.Publish(ctx, channel, payload).Err()
	}
	return g.rdb.Publish(ctx, channel, payload).Err()
}

func (g *goRedis) SPublish(ctx context.Context, channel string, payload []byte) error {
	return g.rdb.SPublish(ctx, channel, payload).Err()
}

func (g *goRedis) NumSub(ctx context.Context, channel string) (int, error) {
	return g.count(ctx, channel, func(ctx context.Context, c redis.Cmdable) (map[string]int64, error) {
		return c.PubSubNumSub(ctx, channel).Result()
	})
}

func (g *goRedis) ShardNumSub(ctx context.Context, channel string) (int, error) {
	return g.count(ctx, channel, func(ctx context.Context, c redis.Cmdable) (map[string]int64, error) {
		return c.PubSubShardNumSub(ctx, channel).Result()
	})
}

// count runs a PUBSUB counting command, on every node of a cluster.
func (g *goRedis) count(ctx context.Context, channel string, cmd func(context.Context, redis.Cmdable) (map[string]int64, error)) (int, error) {
	if g.cluster == nil {
		m, err := cmd(ctx, g.rdb)
		return int(m[channel]), err
	}
	var total atomic.Int64
	err := g.cluster.ForEachShard(ctx, func(ctx context.Context, c *redis.Client) error {
		m, err := cmd(ctx, c)
		total.Add(m[channel])
		return err
	})
	return int(total.Load()), err
}

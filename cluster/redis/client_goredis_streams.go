package sioredis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// The stream and key commands of the go-redis client (StreamsClient).

func (g *goRedis) XAdd(ctx context.Context, stream string, maxLen int64, fields []string) (string, error) {
	return g.rdb.XAdd(ctx, &redis.XAddArgs{Stream: stream, MaxLen: maxLen, Approx: true, Values: fields}).Result()
}

func (g *goRedis) XRead(ctx context.Context, stream, after string, count int64, block time.Duration) ([]StreamEntry, error) {
	res, err := g.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{stream, after}, Count: count, Block: block}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []StreamEntry
	for _, s := range res {
		if s.Stream == stream {
			out = append(out, entries(s.Messages)...)
		}
	}
	return out, nil
}

func (g *goRedis) XRange(ctx context.Context, stream, start, end string, count int64) ([]StreamEntry, error) {
	var res []redis.XMessage
	var err error
	if count > 0 {
		res, err = g.rdb.XRangeN(ctx, stream, start, end, count).Result()
	} else {
		res, err = g.rdb.XRange(ctx, stream, start, end).Result()
	}
	if err != nil {
		return nil, err
	}
	return entries(res), nil
}

func (g *goRedis) XLastID(ctx context.Context, stream string) (string, error) {
	res, err := g.rdb.XRevRangeN(ctx, stream, "+", "-", 1).Result()
	if err != nil {
		return "", err
	}
	if len(res) == 0 {
		return "0-0", nil
	}
	return res[0].ID, nil
}

func (g *goRedis) SetPX(ctx context.Context, key, value string, ttl time.Duration) error {
	return g.rdb.Set(ctx, key, value, ttl).Err()
}

func (g *goRedis) Get(ctx context.Context, key string) (string, bool, error) {
	v, err := g.rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	return v, err == nil, err
}

func (g *goRedis) Del(ctx context.Context, keys ...string) error {
	if g.cluster != nil && len(keys) > 1 {
		// Keys of several hash slots cannot go in one DEL on a cluster.
		for _, k := range keys {
			if err := g.rdb.Del(ctx, k).Err(); err != nil {
				return err
			}
		}
		return nil
	}
	return g.rdb.Del(ctx, keys...).Err()
}

// entries converts go-redis stream messages; field values are strings.
func entries(msgs []redis.XMessage) []StreamEntry {
	out := make([]StreamEntry, 0, len(msgs))
	for _, m := range msgs {
		e := StreamEntry{ID: m.ID, Fields: make(map[string]string, len(m.Values))}
		for k, v := range m.Values {
			switch v := v.(type) {
			case string:
				e.Fields[k] = v
			default:
				e.Fields[k] = fmt.Sprint(v)
			}
		}
		out = append(out, e)
	}
	return out
}

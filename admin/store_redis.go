package admin

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisStoreOptions configures a [RedisStore]. The zero value gives Node's
// defaults.
// A plain value: fill it in before passing it on; it is not to be changed afterwards.
type RedisStoreOptions struct {
	// Prefix starts every key: "<Prefix>#<sessionId>". Default
	// "socket.io-admin".
	Prefix string
	// SessionDuration is how long a session lives. Default 24 h.
	SessionDuration time.Duration
}

// RedisStore keeps session ids in Redis with the keys of Node's RedisStore
// ("socket.io-admin#<id>" = "true", expiring after the session duration),
// so that gosio and Node servers of one cluster share the UI's sessions.
// Its methods are safe for concurrent use.
type RedisStore struct {
	rdb    redis.UniversalClient
	prefix string
	ttl    time.Duration
}

// NewRedisStore returns a RedisStore on rdb (nil opts for the defaults).
func NewRedisStore(rdb redis.UniversalClient, opts *RedisStoreOptions) *RedisStore {
	s := &RedisStore{rdb: rdb, prefix: "socket.io-admin", ttl: 24 * time.Hour}
	if opts != nil {
		if opts.Prefix != "" {
			s.prefix = opts.Prefix
		}
		if opts.SessionDuration > 0 {
			s.ttl = opts.SessionDuration
		}
	}
	return s
}

func (s *RedisStore) key(id string) string { return s.prefix + "#" + id }

// SessionExists reports whether the session's key exists.
func (s *RedisStore) SessionExists(ctx context.Context, id string) (bool, error) {
	n, err := s.rdb.Exists(ctx, s.key(id)).Result()
	return n == 1, err
}

// SaveSession sets the session's key to "true" with its expiry, in one
// MULTI as Node does.
func (s *RedisStore) SaveSession(ctx context.Context, id string) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.key(id), "true", 0)
		p.Expire(ctx, s.key(id), s.ttl)
		return nil
	})
	return err
}

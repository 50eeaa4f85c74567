package sioredis

import (
	"context"
	"time"
)

// StreamsClient is what the Streams adapter and emitter need of a Redis
// client besides [Client]: the stream commands and the keys that hold
// sessions. The client [NewGoRedis] returns implements it.
//
// Implementations must be safe for concurrent use; every method gives up
// when ctx is done.
type StreamsClient interface {
	Client
	// XAdd appends an entry to stream (XADD stream MAXLEN ~ maxLen * f1 v1
	// f2 v2 …, fields in the order given: name, value, name, value…) and
	// returns its id.
	XAdd(ctx context.Context, stream string, maxLen int64, fields []string) (string, error)
	// XRead waits up to block for entries of stream after the id after
	// (XREAD BLOCK block COUNT count STREAMS stream after) and returns
	// them, oldest first; none when block passed without any.
	XRead(ctx context.Context, stream, after string, count int64, block time.Duration) ([]StreamEntry, error)
	// XRange returns the entries of stream from start to end, both
	// included ("-" and "+" are the ends of the stream), at most count
	// of them when count > 0 (XRANGE).
	XRange(ctx context.Context, stream, start, end string, count int64) ([]StreamEntry, error)
	// XLastID returns the id of the last entry of stream, or "0-0" when
	// the stream is empty or does not exist (XREVRANGE stream + - COUNT 1).
	XLastID(ctx context.Context, stream string) (string, error)
	// SetPX stores value under key for ttl (SET key value PX ms).
	SetPX(ctx context.Context, key, value string, ttl time.Duration) error
	// Get returns the value of key; ok is false when the key does not
	// exist (GET).
	Get(ctx context.Context, key string) (value string, ok bool, err error)
	// Del deletes keys (DEL).
	Del(ctx context.Context, keys ...string) error
}

// StreamEntry is one entry of a Redis stream: its id ("<ms>-<seq>") and
// its fields.
// A plain value, owned by whoever received it.
type StreamEntry struct {
	ID     string
	Fields map[string]string
}

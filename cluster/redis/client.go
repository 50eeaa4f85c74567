package sioredis

import (
	"context"
)

// Client is the part of a Redis client the adapters and the emitter need:
// classic and sharded publish/subscribe and subscriber counts. [NewGoRedis]
// implements it on github.com/redis/go-redis/v9 for standalone, Sentinel
// and cluster deployments; another client library fits behind these few
// methods.
//
// Implementations must be safe for concurrent use. Publishing may block
// for the network round trip and must give up when ctx is done.
type Client interface {
	// Publish sends payload to the subscribers of channel (PUBLISH).
	Publish(ctx context.Context, channel string, payload []byte) error
	// NumSub returns how many connections subscribe to channel, summed
	// over every node of a cluster (PUBSUB NUMSUB).
	NumSub(ctx context.Context, channel string) (int, error)
	// SPublish sends payload to the subscribers of a shard channel
	// (SPUBLISH, Redis 7).
	SPublish(ctx context.Context, channel string, payload []byte) error
	// ShardNumSub returns how many connections subscribe to a shard
	// channel (PUBSUB SHARDNUMSUB, Redis 7).
	ShardNumSub(ctx context.Context, channel string) (int, error)
	// Subscribe starts a subscription on its own connection(s) and returns
	// at once; the subscription reconnects and resubscribes by itself
	// until it is closed. Channels and patterns of spec are subscribed
	// right away; more can be added later.
	Subscribe(spec SubscribeSpec, l Listener) Subscription
}

// SubscribeSpec lists what a subscription starts with.
// A plain value, read once by Subscribe.
type SubscribeSpec struct {
	// Channels are subscribed with SUBSCRIBE, or SSUBSCRIBE when Sharded.
	Channels []string
	// Patterns are subscribed with PSUBSCRIBE (not with Sharded).
	Patterns []string
	// Sharded uses Redis 7 sharded pub/sub for Channels.
	Sharded bool
}

// Message is a message received on a subscription.
// A plain value, owned by the listener it is handed to.
type Message struct {
	// Pattern is the pattern that matched, for PSUBSCRIBE messages.
	Pattern string
	// Channel is the channel the message was published on.
	Channel string
	// Payload is the message body; the listener may keep it.
	Payload []byte
}

// Listener receives what happens on a subscription. A subscription calls
// its listener from one goroutine at a time, in the order messages
// arrived; the functions must not block for long (hand long work to
// another goroutine). Nil functions are skipped.
type Listener struct {
	// Message is called for each message.
	Message func(m Message)
	// Down is called when the connection to Redis is lost (messages
	// published meanwhile are lost: Redis pub/sub does not keep them).
	Down func(err error)
	// Up is called when every channel is subscribed again after Down.
	Up func()
}

// Subscription is a live subscription. Its methods are safe for concurrent
// use.
type Subscription interface {
	// Ready is closed once Redis has confirmed the channels and patterns
	// the subscription started with.
	Ready() <-chan struct{}
	// Add subscribes more channels (SUBSCRIBE, or SSUBSCRIBE when
	// sharded) and returns nil once Redis has confirmed them: a message
	// published on them after Add returns, from any connection, reaches
	// the listener. It returns an error when the connection fails, or ctx
	// is done, before Redis confirms, or when a Redis Cluster master
	// answers that the channels' hash slot is elsewhere; the channels stay
	// in the subscription all the same and are subscribed with the others
	// when the connection is back, or on the slot's master (Remove gives
	// them up).
	Add(ctx context.Context, channels ...string) error
	// Remove unsubscribes channels added before. It returns once the
	// unsubscribe is sent, after what earlier calls sent (or once a
	// connection left with nothing to hold is closed), without waiting
	// for Redis: for a moment after, Redis may still count the channels,
	// and messages already on their way may still reach the listener.
	Remove(ctx context.Context, channels ...string) error
	// Close ends the subscription and waits for its goroutines to exit.
	Close() error
}

package sioredis_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	sioredis "github.com/gosio/gosio/cluster/redis"
)

// heldSub is a subscription on a single Redis, reached through a proxy
// that can hold the bytes sent to Redis, with a direct client beside it.
type heldSub struct {
	sub     sioredis.Subscription
	proxy   *freezer
	direct  *redis.Client
	sharded bool
	got     chan sioredis.Message
}

func newHeldSub(t *testing.T, sharded bool) *heldSub {
	t.Helper()
	r := startRedis(t)
	h := &heldSub{proxy: newFreezer(t, r.Addr), sharded: sharded, got: make(chan sioredis.Message, 16)}
	rdb := redis.NewClient(&redis.Options{Addr: h.proxy.addr(), MaxRetries: 1, DialTimeout: time.Second})
	h.direct = redis.NewClient(&redis.Options{Addr: r.Addr})
	h.sub = sioredis.NewGoRedis(rdb, nil).Subscribe(sioredis.SubscribeSpec{Channels: []string{"start"}, Sharded: sharded},
		sioredis.Listener{Message: func(m sioredis.Message) { h.got <- m }})
	t.Cleanup(func() {
		_ = h.sub.Close()
		_ = rdb.Close()
		_ = h.direct.Close()
	})
	select {
	case <-h.sub.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("subscription not ready")
	}
	return h
}

// numSub is Redis' count of subscribers of channel, asked directly.
func (h *heldSub) numSub(t *testing.T, channel string) int64 {
	t.Helper()
	ctx := context.Background()
	var m map[string]int64
	var err error
	if h.sharded {
		m, err = h.direct.PubSubShardNumSub(ctx, channel).Result()
	} else {
		m, err = h.direct.PubSubNumSub(ctx, channel).Result()
	}
	if err != nil {
		t.Fatal(err)
	}
	return m[channel]
}

func (h *heldSub) publish(t *testing.T, channel, payload string) {
	t.Helper()
	ctx := context.Background()
	var err error
	if h.sharded {
		err = h.direct.SPublish(ctx, channel, payload).Err()
	} else {
		err = h.direct.Publish(ctx, channel, payload).Err()
	}
	if err != nil {
		t.Fatal(err)
	}
}

func forEachSubMode(t *testing.T, fn func(t *testing.T, sharded bool)) {
	t.Run("classic", func(t *testing.T) { fn(t, false) })
	t.Run("sharded", func(t *testing.T) { fn(t, true) })
}

// TestSubscriptionAddConfirmed: Add returns once Redis has the channel
// subscribed, not once the command is written. The bytes to Redis are
// held while Add runs: an Add that returns meanwhile returned before
// Redis could run its SUBSCRIBE. Once they go through, Add returns, Redis
// counts the subscriber, and a message published at once arrives.
func TestSubscriptionAddConfirmed(t *testing.T) {
	forEachSubMode(t, func(t *testing.T, sharded bool) {
		h := newHeldSub(t, sharded)
		release := h.proxy.hold()
		defer release()
		done := make(chan error, 1)
		go func() { done <- h.sub.Add(context.Background(), "news") }()
		select {
		case err := <-done:
			t.Fatalf("Add returned (%v) while its command was held before Redis; Redis counts %d subscribers", err, h.numSub(t, "news"))
		case <-time.After(300 * time.Millisecond):
			// Add waits, as it should, however long it is given here.
		}
		release()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Add did not return once its command reached Redis")
		}
		if n := h.numSub(t, "news"); n != 1 {
			t.Fatalf("Add returned, but Redis counts %d subscribers of the channel, want 1", n)
		}
		h.publish(t, "news", "hello")
		select {
		case m := <-h.got:
			if m.Channel != "news" || string(m.Payload) != "hello" {
				t.Fatalf("got %s %q", m.Channel, m.Payload)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no message on the channel added")
		}
	})
}

// TestSubscriptionAddNotConfirmed: an Add whose context ends before Redis
// confirms returns the context's error, and the channel stays in the
// subscription: it is subscribed once its command gets through. An Add
// still waiting when the subscription is closed returns ErrClosed.
func TestSubscriptionAddNotConfirmed(t *testing.T) {
	forEachSubMode(t, func(t *testing.T, sharded bool) {
		h := newHeldSub(t, sharded)
		release := h.proxy.hold()
		defer release()
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		if err := h.sub.Add(ctx, "late"); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Add with its command held until the context ended: %v, want context.DeadlineExceeded", err)
		}
		release()
		waitFor(t, 5*time.Second, "the channel subscribed after all", func() bool { return h.numSub(t, "late") == 1 })

		h.proxy.hold()
		done := make(chan error, 1)
		go func() { done <- h.sub.Add(context.Background(), "never") }()
		// Close either finds Add waiting or comes first: ErrClosed both ways.
		if err := h.sub.Close(); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if !errors.Is(err, sioredis.ErrClosed) {
				t.Fatalf("Add during Close: %v, want ErrClosed", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Add still waits after Close")
		}
	})
}

// TestSubscriptionAddConnectionLost: an Add waiting for Redis when the
// connection is lost returns an error then, not at its deadline; its
// channel is subscribed when the connection is back.
func TestSubscriptionAddConnectionLost(t *testing.T) {
	forEachSubMode(t, func(t *testing.T, sharded bool) {
		h := newHeldSub(t, sharded)
		release := h.proxy.hold()
		defer release()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- h.sub.Add(ctx, "news") }()
		h.proxy.waitHeld(t, 5*time.Second)
		h.proxy.cut()
		release()
		select {
		case err := <-done:
			if err == nil || errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Add on a connection lost before Redis confirmed: %v, want the connection's error", err)
			}
			t.Logf("Add: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatal("Add still waits after its connection was lost")
		}
		waitFor(t, 10*time.Second, "the channel subscribed after the reconnect", func() bool { return h.numSub(t, "news") == 1 })
	})
}

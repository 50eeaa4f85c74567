package sioredis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// GoRedisOptions tune the go-redis [Client]. The zero value is valid.
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
// (and, for sharded channels on a cluster, one per hash slot in use), which
// reconnect and resubscribe after Redis restarts. When a hash slot moves to
// another master (resharding, failover), Redis unsubscribes its shard
// channels; their connection is then opened again on the new master, with
// Down and Up reported around it. Subscriber counts on a
// cluster are summed over every node, as Node's adapter does.
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

func (g *goRedis) Subscribe(spec SubscribeSpec, l Listener) Subscription {
	s := &goSub{g: g, sharded: spec.Sharded, l: l, conns: make(map[int]*subConn), ready: make(chan struct{})}
	s.smu.Lock()
	defer s.smu.Unlock()
	if len(spec.Channels) == 0 && len(spec.Patterns) == 0 {
		close(s.ready)
		return s
	}
	groups := s.group(spec.Channels)
	if len(groups) == 0 {
		groups = map[int][]string{anyNode: nil}
	}
	s.pendingReady = len(groups)
	pats := spec.Patterns
	for key, chans := range groups {
		s.start(key, chans, pats, true)
		pats = nil
	}
	return s
}

// goSub is a subscription on go-redis PubSub connections.
type goSub struct {
	g       *goRedis
	sharded bool
	l       Listener

	lmu  sync.Mutex // serialises listener calls
	down int        // connections currently down (under lmu)

	smu          sync.Mutex // guards what follows
	conns        map[int]*subConn
	closed       bool
	pendingReady int
	ready        chan struct{}

	wg sync.WaitGroup
}

// subConn is one PubSub connection of a subscription and its goroutine.
type subConn struct {
	key      int
	ps       *redis.PubSub
	channels map[string]struct{}
	patterns map[string]struct{}
	leaving  map[string]int // our SUNSUBSCRIBEs whose answer is not read yet
	expect   int            // confirmations to wait for before counting as ready
	isReady  bool           // under smu
	isDown   bool           // under lmu
	stop     chan struct{}
}

// anyNode is the connection key of a subscription that is not split by
// hash slot.
const anyNode = -1

// perSlot reports whether the subscription needs a connection per hash
// slot: sharded channels on a cluster.
func (s *goSub) perSlot() bool { return s.sharded && s.g.cluster != nil }

// group splits channels by connection key: the hash slot for sharded
// channels on a cluster, anyNode otherwise.
func (s *goSub) group(channels []string) map[int][]string {
	out := make(map[int][]string)
	for _, ch := range channels {
		k := anyNode
		if s.perSlot() {
			k = hashSlot(ch)
		}
		out[k] = append(out[k], ch)
	}
	return out
}

// start opens a connection for channels and patterns; s.smu is held.
func (s *goSub) start(key int, channels, patterns []string, initial bool) {
	c := &subConn{
		key:      key,
		channels: make(map[string]struct{}),
		patterns: make(map[string]struct{}),
		leaving:  make(map[string]int),
		stop:     make(chan struct{}),
		isReady:  !initial,
	}
	for _, ch := range channels {
		c.channels[ch] = struct{}{}
	}
	for _, p := range patterns {
		c.patterns[p] = struct{}{}
	}
	c.expect = len(c.channels) + len(c.patterns)
	c.ps = s.open(c)
	s.conns[key] = c
	s.wg.Add(1)
	go s.run(c)
}

// open creates a PubSub subscribed to c's channels and patterns. Errors
// (Redis down) are left to the receive loop: go-redis remembers the
// channels and subscribes them when it reconnects.
func (s *goSub) open(c *subConn) *redis.PubSub {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var ps *redis.PubSub
	chans := keys(c.channels)
	if s.sharded {
		ps = s.g.rdb.SSubscribe(ctx, chans...)
	} else {
		ps = s.g.rdb.Subscribe(ctx, chans...)
	}
	if len(c.patterns) > 0 {
		_ = ps.PSubscribe(ctx, keys(c.patterns)...)
	}
	return ps
}

func keys(m map[string]struct{}) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func (s *goSub) Ready() <-chan struct{} { return s.ready }

// confirmed counts a subscription confirmation of c.
func (s *goSub) confirmed(c *subConn) {
	s.smu.Lock()
	defer s.smu.Unlock()
	if c.isReady {
		return
	}
	c.expect--
	if c.expect > 0 {
		return
	}
	c.isReady = true
	s.pendingReady--
	if s.pendingReady == 0 {
		close(s.ready)
	}
}

func (s *goSub) run(c *subConn) {
	defer s.wg.Done()
	o := s.g.opts
	backoff := o.MinRetryBackoff
	pinged := false
	for {
		s.smu.Lock()
		ps := c.ps
		s.smu.Unlock()
		msg, err := ps.ReceiveTimeout(context.Background(), o.HealthCheckInterval)
		select {
		case <-c.stop:
			return
		default:
		}
		reopen := false
		if err == nil {
			if m, ok := msg.(*redis.Subscription); ok && m.Kind == "sunsubscribe" && s.moved(c, m.Channel) {
				// Redis unsubscribed us: the channel's slot left this
				// node (resharding, failover). The connection is fine,
				// so nothing else would subscribe again.
				err, reopen = fmt.Errorf("sioredis: the hash slot of shard channel %s moved", m.Channel), true
			}
		} else if s.perSlot() && isRedisError(err) {
			// The node refused the subscription (MOVED: it no longer
			// owns the slot; CLUSTERDOWN). go-redis keeps such a
			// connection, so reopen it once the cluster state is known.
			reopen = true
		}
		if err != nil {
			if isTimeout(err) {
				if !pinged {
					pinged = true
					if perr := ps.Ping(context.Background()); perr == nil {
						continue
					} else {
						err = perr
					}
				} else {
					// No answer to the ping in a whole interval: the
					// connection is dead without knowing it. Replace it.
					err = errors.New("sioredis: no reply to ping")
					s.replace(c)
				}
			}
			pinged = false
			// The answers to our SUNSUBSCRIBEs in flight, if any, went
			// with the connection: forget them rather than take a later
			// move of those channels for one of them.
			s.smu.Lock()
			clear(c.leaving)
			s.smu.Unlock()
			s.setDown(c, err)
			if reopen {
				// Asynchronous; the backoff gives it time. A connection
				// opened on a stale owner gets MOVED and comes back here.
				s.g.cluster.ReloadState(context.Background())
			}
			t := time.NewTimer(backoff)
			select {
			case <-c.stop:
				t.Stop()
				return
			case <-t.C:
			}
			if reopen {
				// go-redis opens the new connection on the slot's
				// current master. The old one, and whatever it still
				// holds (the other sunsubscribes of the move), is closed.
				s.replace(c)
			}
			backoff = min(backoff*2, o.MaxRetryBackoff)
			continue
		}
		pinged = false
		backoff = o.MinRetryBackoff
		switch m := msg.(type) {
		case *redis.Subscription:
			switch m.Kind {
			case "subscribe", "psubscribe", "ssubscribe":
				s.confirmed(c)
				s.setUp(c)
			}
		case *redis.Message:
			s.setUp(c)
			if f := s.l.Message; f != nil {
				payload := []byte(m.Payload)
				s.lmu.Lock()
				f(Message{Pattern: m.Pattern, Channel: m.Channel, Payload: payload})
				s.lmu.Unlock()
			}
		}
	}
}

// moved reports whether a sunsubscribe for channel on c came from Redis
// (the channel's slot moved) rather than answering our own Remove: only
// on a cluster, and only for a channel we still want.
func (s *goSub) moved(c *subConn, channel string) bool {
	if !s.perSlot() {
		return false
	}
	s.smu.Lock()
	defer s.smu.Unlock()
	if n := c.leaving[channel]; n > 0 {
		if n == 1 {
			delete(c.leaving, channel)
		} else {
			c.leaving[channel] = n - 1
		}
		return false
	}
	_, wanted := c.channels[channel]
	return wanted && !s.closed
}

// replace closes c's PubSub and opens a new one on the same channels.
func (s *goSub) replace(c *subConn) {
	s.smu.Lock()
	defer s.smu.Unlock()
	if s.closed {
		return
	}
	_ = c.ps.Close()
	c.ps = s.open(c)
	clear(c.leaving)
}

func (s *goSub) setDown(c *subConn, err error) {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	if c.isDown {
		return
	}
	c.isDown = true
	s.down++
	s.g.opts.Logger.Debug("sioredis: subscription connection lost", "err", err)
	if s.down == 1 && s.l.Down != nil {
		s.l.Down(err)
	}
}

func (s *goSub) setUp(c *subConn) {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	if !c.isDown {
		return
	}
	c.isDown = false
	s.down--
	s.g.opts.Logger.Debug("sioredis: subscription connection restored")
	if s.down == 0 && s.l.Up != nil {
		s.l.Up()
	}
}

func (s *goSub) Add(ctx context.Context, channels ...string) error {
	s.smu.Lock()
	defer s.smu.Unlock()
	if s.closed {
		return ErrClosed
	}
	var errs []error
	for key, chans := range s.group(channels) {
		c := s.conns[key]
		if c == nil {
			s.start(key, chans, nil, false)
			continue
		}
		for _, ch := range chans {
			c.channels[ch] = struct{}{}
		}
		var err error
		if s.sharded {
			err = c.ps.SSubscribe(ctx, chans...)
		} else {
			err = c.ps.Subscribe(ctx, chans...)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (s *goSub) Remove(ctx context.Context, channels ...string) error {
	s.smu.Lock()
	defer s.smu.Unlock()
	if s.closed {
		return ErrClosed
	}
	var errs []error
	for key, chans := range s.group(channels) {
		c := s.conns[key]
		if c == nil {
			continue
		}
		for _, ch := range chans {
			delete(c.channels, ch)
		}
		if s.perSlot() && len(c.channels) == 0 {
			// A cluster shard connection with nothing left: close it.
			delete(s.conns, key)
			close(c.stop)
			errs = append(errs, ignoreClosed(c.ps.Close()))
			continue
		}
		var err error
		if s.sharded {
			err = c.ps.SUnsubscribe(ctx, chans...)
			if err == nil {
				for _, ch := range chans {
					c.leaving[ch]++
				}
			}
		} else {
			err = c.ps.Unsubscribe(ctx, chans...)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (s *goSub) Close() error {
	s.smu.Lock()
	if s.closed {
		s.smu.Unlock()
		return nil
	}
	s.closed = true
	var errs []error
	for _, c := range s.conns {
		close(c.stop)
		errs = append(errs, ignoreClosed(c.ps.Close()))
	}
	s.conns = nil
	s.smu.Unlock()
	s.wg.Wait()
	return errors.Join(errs...)
}

func ignoreClosed(err error) error {
	if err != nil && err.Error() == "redis: client is closed" {
		return nil
	}
	return err
}

// isRedisError reports whether err is an error reply of Redis.
func isRedisError(err error) bool {
	var re redis.Error
	return errors.As(err, &re)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// hashSlot returns the Redis Cluster hash slot of key (CRC16 of the key, or
// of its {hash tag}, modulo 16384).
func hashSlot(key string) int {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	var crc uint16
	for i := 0; i < len(key); i++ {
		crc ^= uint16(key[i]) << 8
		for b := 0; b < 8; b++ {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return int(crc) % 16384
}

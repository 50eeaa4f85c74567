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

func (g *goRedis) Subscribe(spec SubscribeSpec, l Listener) Subscription {
	s := &goSub{g: g, sharded: spec.Sharded, l: l, conns: make(map[string]*subConn), moving: make(map[int]struct{}), ready: make(chan struct{})}
	s.smu.Lock()
	defer s.smu.Unlock()
	if len(spec.Channels) == 0 && len(spec.Patterns) == 0 {
		close(s.ready)
		return s
	}
	groups, nodes := s.owners(spec.Channels, anyNode)
	if len(groups) == 0 {
		groups = map[string][]string{anyNode: nil}
	}
	pats := spec.Patterns
	for key, chans := range groups {
		s.start(key, nodes[key], chans, pats, true)
		pats = nil
	}
	return s
}

// goSub is a subscription on go-redis PubSub connections.
type goSub struct {
	g       *goRedis
	sharded bool
	l       Listener

	lmu    sync.Mutex // serialises listener calls
	down   int        // connections down plus slots moving (under lmu)
	moving map[int]struct{}

	smu          sync.Mutex // guards what follows
	conns        map[string]*subConn
	closed       bool
	pendingReady int
	ready        chan struct{}
	lastAck      uint64 // the last token of Add's pings

	wg sync.WaitGroup
}

// subConn is one PubSub connection of a subscription and its goroutine.
type subConn struct {
	key      string        // the master's address, or anyNode
	node     *redis.Client // the master's client, or nil
	ps       *redis.PubSub
	channels map[string]struct{}
	patterns map[string]struct{}
	leaving  map[string]int    // cluster: our SUNSUBSCRIBEs whose answer is not read yet (until resync)
	lost     map[int]struct{}  // slots Redis unsubscribed, not yet followed
	acks     map[string]waiter // under smu: the Adds waiting for a pong, by token
	expect   int               // confirmations to wait for before counting as ready
	isReady  bool              // under smu
	isDown   bool              // under lmu
	stop     chan struct{}
}

// anyNode is the connection key of a subscription that is not split by
// node, and of sharded channels whose master is not known yet.
const anyNode = ""

// perNode reports whether the subscription needs a connection per master:
// sharded channels on a cluster. Each master's connection subscribes the
// channels of each hash slot in a command of their own (Redis refuses an
// SSUBSCRIBE that spans slots).
func (s *goSub) perNode() bool { return s.sharded && s.g.cluster != nil }

// owners splits channels by connection key: the address of the master
// owning each channel's slot for sharded channels on a cluster (from the
// client's slot map), anyNode otherwise. A channel whose master is not
// known goes to key unknown. It also returns the masters' clients.
func (s *goSub) owners(channels []string, unknown string) (map[string][]string, map[string]*redis.Client) {
	out := make(map[string][]string)
	nodes := make(map[string]*redis.Client)
	// One look-up per slot keeps a slot's channels together even when the
	// client's slot map is reloaded meanwhile.
	slots := make(map[int]string)
	failed := false // the slot map could not be loaded: do not retry for each channel
	for _, ch := range channels {
		k := anyNode
		if s.perNode() {
			slot := hashSlot(ch)
			var seen bool
			if k, seen = slots[slot]; !seen {
				k = unknown
				if !failed {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					node, err := s.g.cluster.MasterForKey(ctx, ch)
					cancel()
					if err == nil {
						k = node.Options().Addr
						nodes[k] = node
					}
					failed = err != nil
				}
				slots[slot] = k
			}
		}
		out[k] = append(out[k], ch)
	}
	return out, nodes
}

// start opens a connection for channels and patterns; s.smu is held. The
// subscription is ready once an initial connection has confirmed them.
func (s *goSub) start(key string, node *redis.Client, channels, patterns []string, initial bool) {
	c := &subConn{
		key:      key,
		node:     node,
		channels: make(map[string]struct{}),
		patterns: make(map[string]struct{}),
		leaving:  make(map[string]int),
		lost:     make(map[int]struct{}),
		acks:     make(map[string]waiter),
		stop:     make(chan struct{}),
		isReady:  !initial,
	}
	if initial {
		s.pendingReady++
	}
	for _, ch := range channels {
		c.channels[ch] = struct{}{}
	}
	for _, p := range patterns {
		c.patterns[p] = struct{}{}
	}
	c.ps = s.open(c)
	s.conns[key] = c
	s.wg.Add(1)
	go s.run(c)
}

// add subscribes channels on the connection of key, opened if need be;
// s.smu is held.
func (s *goSub) add(ctx context.Context, key string, node *redis.Client, chans []string, initial bool) error {
	c := s.conns[key]
	if c == nil {
		s.start(key, node, chans, nil, initial)
		return nil
	}
	for _, ch := range chans {
		c.channels[ch] = struct{}{}
	}
	switch {
	case !s.sharded:
		return c.ps.Subscribe(ctx, chans...)
	case !s.perNode():
		return c.ps.SSubscribe(ctx, chans...)
	}
	var errs []error
	for _, group := range bySlot(chans) {
		errs = append(errs, c.ps.SSubscribe(ctx, group...))
	}
	return errors.Join(errs...)
}

// drop closes c, which holds nothing any more; s.smu is held. The caller
// then calls forget, without s.smu.
func (s *goSub) drop(c *subConn) {
	delete(s.conns, c.key)
	close(c.stop)
	_ = c.ps.Close()
	s.failAcksLocked(c, errConnDropped)
	if !c.isReady {
		c.isReady = true
		s.pendingReady--
		if s.pendingReady == 0 {
			close(s.ready)
		}
	}
}

// open creates a PubSub subscribed to c's channels and patterns. Errors
// (Redis down) are left to the receive loop: go-redis remembers the
// channels and subscribes them when it reconnects.
func (s *goSub) open(c *subConn) *redis.PubSub {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if !c.isReady {
		c.expect = len(c.channels) + len(c.patterns)
	}
	chans := keys(c.channels)
	var ps *redis.PubSub
	switch {
	case !s.sharded:
		ps = s.g.rdb.Subscribe(ctx, chans...)
	case s.perNode():
		if c.node != nil {
			ps = c.node.SSubscribe(ctx)
		} else {
			ps = s.g.rdb.SSubscribe(ctx)
		}
		sctx := ctx
		for _, group := range bySlot(chans) {
			if err := ps.SSubscribe(sctx, group...); err != nil && sctx == ctx {
				// The node is unreachable: record the other slots' channels
				// without dialling for each. go-redis then subscribes them
				// all at once when it reconnects, which Redis refuses if
				// they span slots; the receive loop opens them again.
				done, stop := context.WithCancel(ctx)
				stop()
				sctx = done
			}
		}
	default:
		ps = s.g.rdb.SSubscribe(ctx, chans...)
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
	s.uncount(c, 1)
}

// uncount takes n off the confirmations c waits for before it counts as
// ready; s.smu is held.
func (s *goSub) uncount(c *subConn, n int) {
	if c.isReady {
		return
	}
	c.expect -= n
	if c.expect > 0 {
		return
	}
	c.isReady = true
	s.pendingReady--
	if s.pendingReady == 0 {
		close(s.ready)
	}
}

// stopped reports whether c was dropped or closed.
func stopped(c *subConn) bool {
	select {
	case <-c.stop:
		return true
	default:
		return false
	}
}

// wait waits for d, and reports false when c is stopped meanwhile.
func wait(c *subConn, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.stop:
		return false
	case <-t.C:
		return true
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
			if m, ok := msg.(*redis.Subscription); ok && m.Kind == "sunsubscribe" {
				if slot, ok := s.moved(c, m.Channel); ok {
					// Redis unsubscribed us: the channel's slot left this
					// node (resharding, failover). The connection is fine,
					// so nothing else would subscribe again. Follow the
					// slot to its new master; the slot's other channels,
					// unsubscribed in the same breath, go along.
					s.slotDown(c, slot, fmt.Errorf("sioredis: the hash slot of shard channel %s moved", m.Channel))
					pinged = false
					if !s.chase(c, slot, false) {
						return
					}
					continue
				}
			}
		} else if slot, ok := movedSlot(err); ok && s.perNode() {
			// An SSUBSCRIBE reached a master that does not own the slot:
			// the client's slot map was out of date. An answer to a
			// command, not a failure: the connection and its other
			// channels are fine. Follow the slot, unless its channels
			// have gone elsewhere meanwhile.
			s.failSlotAcks(c, slot, fmt.Errorf("%w: %w", errSlotMoved, err))
			pinged = false
			if s.refused(c, slot, err) && !s.chase(c, slot, true) {
				return
			}
			continue
		} else if s.perNode() {
			// On a cluster every other failure reopens the connection:
			// after an error reply (CLUSTERDOWN; CROSSSLOT: go-redis
			// resubscribed the channels of several slots at once after
			// reconnecting), and after a lost connection, whose node may
			// be gone for good (failover).
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
					if !reopen {
						s.replace(c)
					}
				}
			}
			pinged = false
			s.failAcks(c, fmt.Errorf("%w: %w", errConnLost, err))
			s.setDown(c, err)
			if reopen {
				// Asynchronous; the backoff gives it time. A slot whose
				// owner is stale in the map gets MOVED, and is followed.
				s.g.cluster.ReloadState(context.Background())
			}
			if !wait(c, backoff) {
				return
			}
			if reopen && !s.resync(c) {
				s.forget(c)
				return
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
				if m.Kind == "ssubscribe" && s.perNode() {
					s.slotUp(hashSlot(m.Channel))
				}
			}
		case *redis.Pong:
			if strings.HasPrefix(m.Payload, ackPrefix) {
				s.acked(c, m.Payload)
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

// resync moves the channels of c whose slot has another master to that
// master's connection, then opens c again on its node, one SSUBSCRIBE per
// slot. It reports false when c is closed (nothing left, or the
// subscription is closed).
func (s *goSub) resync(c *subConn) bool {
	s.smu.Lock()
	defer s.smu.Unlock()
	if s.closed || s.conns[c.key] != c {
		return false
	}
	groups, nodes := s.owners(keys(c.channels), c.key)
	if node := nodes[c.key]; node != nil {
		// The client may have replaced the node's client (and closed the
		// old one) after the node left and came back.
		c.node = node
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for key, chans := range groups {
		if key == c.key {
			continue
		}
		for _, ch := range chans {
			delete(c.channels, ch)
		}
		_ = s.add(ctx, key, nodes[key], chans, !c.isReady)
	}
	clear(c.leaving)
	clear(c.lost)
	if len(c.channels) == 0 && len(c.patterns) == 0 {
		s.drop(c)
		return false
	}
	_ = c.ps.Close()
	s.failAcksLocked(c, errConnReplaced)
	c.ps = s.open(c)
	return true
}

// replace closes c's PubSub and opens a new one on the same channels.
func (s *goSub) replace(c *subConn) {
	s.smu.Lock()
	defer s.smu.Unlock()
	if s.closed {
		return
	}
	_ = c.ps.Close()
	s.failAcksLocked(c, errConnReplaced)
	c.ps = s.open(c)
}

func (s *goSub) setDown(c *subConn, err error) {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	if c.isDown || stopped(c) {
		// A dropped connection is past its forget, which would not undo
		// this: it counts no more.
		return
	}
	c.isDown = true
	s.downLocked(err)
}

func (s *goSub) setUp(c *subConn) {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	if !c.isDown {
		return
	}
	c.isDown = false
	s.upLocked()
}

func (s *goSub) downLocked(err error) {
	s.down++
	s.g.opts.Logger.Debug("sioredis: subscription connection lost", "err", err)
	if s.down == 1 && s.l.Down != nil {
		s.l.Down(err)
	}
}

func (s *goSub) upLocked() {
	s.down--
	s.g.opts.Logger.Debug("sioredis: subscription connection restored")
	if s.down == 0 && s.l.Up != nil {
		s.l.Up()
	}
}

// Add subscribes channels, then waits for Redis to confirm them (see
// client_goredis_confirm.go); the wait does not hold s.smu.
func (s *goSub) Add(ctx context.Context, channels ...string) error {
	s.smu.Lock()
	if s.closed {
		s.smu.Unlock()
		return ErrClosed
	}
	groups, nodes := s.owners(channels, anyNode)
	var errs []error
	var acks []ack
	for key, chans := range groups {
		err := s.add(ctx, key, nodes[key], chans, false)
		if err == nil {
			var a ack
			if a, err = s.barrier(ctx, s.conns[key], chans); err == nil {
				acks = append(acks, a)
			}
		}
		errs = append(errs, err)
	}
	s.smu.Unlock()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return awaitAcks(ctx, acks)
}

func (s *goSub) Remove(ctx context.Context, channels ...string) error {
	s.smu.Lock()
	if s.closed {
		s.smu.Unlock()
		return ErrClosed
	}
	// A channel is on the connection that subscribed it, which is not
	// always its slot's current master.
	held := make(map[*subConn][]string)
	for _, ch := range channels {
		for _, c := range s.conns {
			if _, ok := c.channels[ch]; ok {
				held[c] = append(held[c], ch)
				break
			}
		}
	}
	var errs []error
	var dropped []*subConn
	for c, chans := range held {
		for _, ch := range chans {
			delete(c.channels, ch)
		}
		if s.perNode() && len(c.channels) == 0 && len(c.patterns) == 0 {
			// A cluster shard connection with nothing left: close it.
			s.drop(c)
			dropped = append(dropped, c)
			continue
		}
		switch {
		case !s.sharded:
			errs = append(errs, c.ps.Unsubscribe(ctx, chans...))
			continue
		case !s.perNode():
			// Only a cluster unsubscribes by itself: no answer to count.
			errs = append(errs, c.ps.SUnsubscribe(ctx, chans...))
			continue
		}
		for _, group := range bySlot(chans) {
			err := c.ps.SUnsubscribe(ctx, group...)
			if err == nil {
				for _, ch := range group {
					c.leaving[ch]++
				}
			}
			errs = append(errs, err)
		}
	}
	s.smu.Unlock()
	for _, c := range dropped {
		s.forget(c)
	}
	if s.perNode() {
		s.settle(channels)
	}
	return errors.Join(errs...)
}

// forget stops counting a closed connection as down.
func (s *goSub) forget(c *subConn) {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	if c.isDown {
		c.isDown = false
		s.upLocked()
	}
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
		s.failAcksLocked(c, ErrClosed)
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

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

package sioredis

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

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

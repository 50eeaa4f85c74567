package sioredis

// Following hash slots on a Redis Cluster: when a slot of subscribed shard
// channels moves to another master (resharding, failover), Redis
// unsubscribes them on the old one, and the subscription subscribes them
// again on the new one.

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// bySlot splits channels by hash slot.
func bySlot(channels []string) map[int][]string {
	out := make(map[int][]string)
	for _, ch := range channels {
		out[hashSlot(ch)] = append(out[hashSlot(ch)], ch)
	}
	return out
}

// moved reports whether a sunsubscribe for channel on c came from Redis
// (the channel's slot moved) rather than answering our own Remove: only
// on a cluster, only for a channel we still want on c, and once per slot
// until the move is followed. It returns the slot.
func (s *goSub) moved(c *subConn, channel string) (int, bool) {
	if !s.perNode() {
		return 0, false
	}
	s.smu.Lock()
	defer s.smu.Unlock()
	if n := c.leaving[channel]; n > 0 {
		if n == 1 {
			delete(c.leaving, channel)
		} else {
			c.leaving[channel] = n - 1
		}
		return 0, false
	}
	if _, wanted := c.channels[channel]; !wanted || s.closed {
		return 0, false
	}
	slot := hashSlot(channel)
	if _, seen := c.lost[slot]; seen {
		return 0, false
	}
	c.lost[slot] = struct{}{}
	return slot, true
}

// chase follows slot, whose channels c's node has given up, to the slot's
// current master: after a "sunsubscribe" from Redis, or, when refused, a
// MOVED answer to their SSUBSCRIBE. It reports false when c is closed. It
// does not read c's connection meanwhile: what arrives waits in the
// socket.
//
// The client's slot map may still give c's node: go-redis reloads it in
// the background, at most once every 200 ms, so a reload asked for right
// after another one (two moves in a row) is dropped. While it does, chase
// asks for a reload again every MinRetryBackoff, for at most
// MaxRetryBackoff, and only then subscribes on c's node again, which
// confirms the channels if the slot has come back, or answers MOVED.
func (s *goSub) chase(c *subConn, slot int, refused bool) bool {
	o := s.g.opts
	deadline := time.Now().Add(o.MaxRetryBackoff)
	for {
		s.g.cluster.ReloadState(context.Background())
		if !wait(c, o.MinRetryBackoff) {
			return false
		}
		settled, alive, stale := s.follow(c, slot, refused, time.Now().Before(deadline))
		if stale {
			continue
		}
		if settled {
			s.slotUp(slot)
		}
		if !alive {
			s.forget(c)
		}
		return alive
	}
}

// follow subscribes the channels of slot that c's node has given up on
// the slot's current master, as the client's slot map says; with
// avoidSelf, it reports stale instead, and leaves everything as it is,
// while the map still says c's node. Refused channels (MOVED) were never
// confirmed on c: while c is not ready, it waits for them no more, and the
// subscription is ready once the new master confirms them. It reports
// whether nothing is left to subscribe in the slot, and whether c is still
// open (it is closed when it holds nothing any more).
func (s *goSub) follow(c *subConn, slot int, refused, avoidSelf bool) (settled, alive, stale bool) {
	s.smu.Lock()
	defer s.smu.Unlock()
	if s.closed || s.conns[c.key] != c {
		return true, false, false
	}
	var chans []string
	for ch := range c.channels {
		if hashSlot(ch) == slot {
			chans = append(chans, ch)
		}
	}
	if len(chans) == 0 {
		delete(c.lost, slot)
		return true, true, false
	}
	groups, nodes := s.owners(chans, c.key)
	if _, self := groups[c.key]; self && avoidSelf {
		return false, true, true
	}
	delete(c.lost, slot)
	for _, ch := range chans {
		delete(c.channels, ch)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	initial := refused && !c.isReady
	for key, group := range groups {
		if key == c.key {
			nodes[key] = c.node
			_ = s.add(ctx, key, nodes[key], group, false)
			continue
		}
		_ = s.add(ctx, key, nodes[key], group, initial)
		if refused {
			s.uncount(c, len(group))
		}
	}
	if len(c.channels) == 0 && len(c.patterns) == 0 {
		s.drop(c)
		return false, false, false
	}
	return false, true, false
}

// movedSlot reports the hash slot of a MOVED error reply ("MOVED <slot>
// <address>").
func movedSlot(err error) (int, bool) {
	if _, ok := redis.IsMovedError(err); !ok {
		return 0, false
	}
	f := strings.Fields(err.Error())
	if len(f) != 3 {
		return 0, false
	}
	slot, perr := strconv.Atoi(f[1])
	return slot, perr == nil && slot >= 0 && slot < 16384
}

// refused reports whether c still holds channels of slot, which its node
// refused with MOVED: they are to be followed. A MOVED is never a Down of
// its own: the channels it refuses were not subscribed on c, and Redis is
// up. The slot counts as down only while the subscription already is (c
// lost its connection, or the slot is moving), so that Up still waits for
// its channels. A MOVED for channels that have gone elsewhere meanwhile
// (the answer to an SSUBSCRIBE sent on a stale map, read after the slot
// was followed) is ignored.
func (s *goSub) refused(c *subConn, slot int, err error) bool {
	s.smu.Lock()
	held := !s.closed && s.conns[c.key] == c && s.holdsSlot(c, slot)
	s.smu.Unlock()
	if !held {
		return false
	}
	s.lmu.Lock()
	defer s.lmu.Unlock()
	if _, ok := s.moving[slot]; !ok && s.down > 0 && !stopped(c) {
		s.moving[slot] = struct{}{}
		s.downLocked(err) // not the first: no Down
	}
	return true
}

// holdsSlot reports whether c holds a channel of slot; s.smu is held.
func (s *goSub) holdsSlot(c *subConn, slot int) bool {
	for ch := range c.channels {
		if hashSlot(ch) == slot {
			return true
		}
	}
	return false
}

// slotDown counts a hash slot whose channels Redis unsubscribed as down
// until one of them is confirmed on its new master.
func (s *goSub) slotDown(c *subConn, slot int, err error) {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	if _, ok := s.moving[slot]; ok || stopped(c) {
		return
	}
	s.moving[slot] = struct{}{}
	s.downLocked(err)
}

func (s *goSub) slotUp(slot int) {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	if _, ok := s.moving[slot]; !ok {
		return
	}
	delete(s.moving, slot)
	s.upLocked()
}

// settle stops counting as down the slots of removed channels whose move
// is pending and that hold no channel any more: nothing will confirm them.
func (s *goSub) settle(removed []string) {
	s.lmu.Lock()
	var pending []int
	for _, ch := range removed {
		if _, ok := s.moving[hashSlot(ch)]; ok {
			pending = append(pending, hashSlot(ch))
		}
	}
	s.lmu.Unlock()
	if len(pending) == 0 {
		return
	}
	s.smu.Lock()
	var empty []int
	for _, slot := range pending {
		if !s.wantsSlot(slot) {
			empty = append(empty, slot)
		}
	}
	s.smu.Unlock()
	for _, slot := range empty {
		s.slotUp(slot)
	}
}

// wantsSlot reports whether a connection holds a channel of slot; s.smu
// is held.
func (s *goSub) wantsSlot(slot int) bool {
	for _, c := range s.conns {
		if s.holdsSlot(c, slot) {
			return true
		}
	}
	return false
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

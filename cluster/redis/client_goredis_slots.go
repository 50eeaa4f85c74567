package sioredis

// Following hash slots on a Redis Cluster: when a slot of subscribed shard
// channels moves to another master (resharding, failover), Redis
// unsubscribes them on the old one, and the subscription subscribes them
// again on the new one.

import (
	"context"
	"strings"
	"time"
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

// follow subscribes the channels of slot that Redis unsubscribed from c on
// the slot's current master (c again if the client's slot map still says
// so: that SSUBSCRIBE then gets MOVED and c is reopened). It reports
// whether nothing is left to subscribe in the slot, and whether c is still
// open (it is closed when it holds nothing any more).
func (s *goSub) follow(c *subConn, slot int) (settled, alive bool) {
	s.smu.Lock()
	defer s.smu.Unlock()
	if s.closed || s.conns[c.key] != c {
		return true, false
	}
	delete(c.lost, slot)
	var chans []string
	for ch := range c.channels {
		if hashSlot(ch) == slot {
			chans = append(chans, ch)
			delete(c.channels, ch)
		}
	}
	if len(chans) == 0 {
		return true, true
	}
	groups, nodes := s.owners(chans, c.key)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for key, group := range groups {
		if key == c.key {
			nodes[key] = c.node
		}
		_ = s.add(ctx, key, nodes[key], group, false)
	}
	if len(c.channels) == 0 && len(c.patterns) == 0 {
		s.drop(c)
		return false, false
	}
	return false, true
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
		for ch := range c.channels {
			if hashSlot(ch) == slot {
				return true
			}
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

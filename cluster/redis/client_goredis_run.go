package sioredis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

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

package sioredis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
)

// How Add waits for Redis: after the subscribe commands, it sends a PING
// with a token of its own on the same connection. Redis runs a
// connection's commands in order and answers in order, so the pong with
// the token, read by the connection's goroutine, means every command
// written before it has run: the channels are subscribed, and a message
// published on them from any connection from then on is delivered.
//
// Waiting for the "subscribe" confirmations themselves would not do: a
// channel added, removed and added again gets a confirmation of the first
// Add after the second was sent, and go-redis resubscribes by itself
// after a reconnect, confirmations nobody asked for.

// ackPrefix starts the payload of Add's pings; the health check pings
// without one.
const ackPrefix = "sioredis-ack-"

var (
	errConnLost     = errors.New("sioredis: the subscription connection failed before Redis confirmed the channels")
	errConnReplaced = errors.New("sioredis: the subscription connection was replaced before Redis confirmed the channels")
	errConnDropped  = errors.New("sioredis: the channels were removed before Redis confirmed them")
	errSlotMoved    = errors.New("sioredis: the channels' hash slot is on another master, where they are subscribed next")
)

// ack is an Add waiting for the pong of one connection: done gets one
// value, nil for the pong or why it will not come.
type ack struct{ done chan error }

// waiter is an ack as its connection holds it, with the hash slots of the
// channels it waits for (on a cluster).
type waiter struct {
	done  chan error
	slots map[int]struct{}
}

// barrier sends a ping with a new token on c after the commands written so
// far, which subscribed channels, and returns what to wait on; s.smu is
// held, so the pong cannot be read before the token is registered.
func (s *goSub) barrier(ctx context.Context, c *subConn, channels []string) (ack, error) {
	s.lastAck++
	token := ackPrefix + strconv.FormatUint(s.lastAck, 10)
	a := ack{done: make(chan error, 1)}
	if err := c.ps.Ping(ctx, token); err != nil {
		// go-redis may have replaced the broken connection meanwhile: the
		// pings of the others on it will not come either.
		s.failAcksLocked(c, fmt.Errorf("%w: %w", errConnLost, err))
		return ack{}, err
	}
	w := waiter{done: a.done}
	if s.perNode() {
		w.slots = make(map[int]struct{})
		for _, ch := range channels {
			w.slots[hashSlot(ch)] = struct{}{}
		}
	}
	c.acks[token] = w
	return a, nil
}

// acked hands the pong with payload to the Add that sent it, if any.
func (s *goSub) acked(c *subConn, payload string) {
	s.smu.Lock()
	defer s.smu.Unlock()
	if w, ok := c.acks[payload]; ok {
		delete(c.acks, payload)
		w.done <- nil
	}
}

// failAcks tells the Adds waiting for pongs of c that err stops them.
func (s *goSub) failAcks(c *subConn, err error) {
	s.smu.Lock()
	defer s.smu.Unlock()
	s.failAcksLocked(c, err)
}

// failAcksLocked is failAcks with s.smu held.
func (s *goSub) failAcksLocked(c *subConn, err error) {
	for token, w := range c.acks {
		delete(c.acks, token)
		w.done <- err
	}
}

// failSlotAcks tells the Adds waiting on c for channels of slot that err
// stops them: Redis refused those channels (MOVED), and will not confirm
// them on c. The others' pongs still come.
func (s *goSub) failSlotAcks(c *subConn, slot int, err error) {
	s.smu.Lock()
	defer s.smu.Unlock()
	for token, w := range c.acks {
		if _, ok := w.slots[slot]; ok {
			delete(c.acks, token)
			w.done <- err
		}
	}
}

// awaitAcks waits for the pongs of acks, without s.smu, until ctx is done.
func awaitAcks(ctx context.Context, acks []ack) error {
	for _, a := range acks {
		select {
		case err := <-a.done:
			if err != nil {
				return err
			}
		case <-ctx.Done():
			return fmt.Errorf("sioredis: waiting for Redis to confirm the channels: %w", ctx.Err())
		}
	}
	return nil
}

package sioredis

import (
	"context"
	"errors"
	"fmt"

	"github.com/gosio/gosio/core/adapter"
)

// Room bookkeeping: the local room operations are wrapped so that the
// adapter knows when a room appears or disappears on this server, to
// subscribe to its channel in the dynamic modes.

// AddAll adds the socket to the rooms.
func (a *ShardedAdapter) AddAll(id adapter.SocketID, rooms ...adapter.Room) {
	a.add(id, rooms, false)
}

// add adds the socket to the rooms; with onlyPresent, only if it is still
// in the adapter (joins made on its behalf: it may have disconnected since
// it was picked).
func (a *ShardedAdapter) add(id adapter.SocketID, rooms []adapter.Room, onlyPresent bool) {
	a.roomsMu.Lock()
	had := make(map[string]bool)
	for _, r := range a.Memory.SocketRooms(id) {
		had[r] = true
	}
	if onlyPresent && len(had) == 0 { // a present socket is in its own room
		a.roomsMu.Unlock()
		return
	}
	a.Memory.AddAll(id, rooms...)
	var created []string
	for _, r := range rooms {
		if had[r] {
			continue
		}
		had[r] = true
		a.roomMembers[r]++
		if a.roomMembers[r] == 1 {
			created = append(created, r)
		}
	}
	a.roomsChanged(created, nil, id)
	a.roomsMu.Unlock()
}

// Del removes the socket from the room.
func (a *ShardedAdapter) Del(id adapter.SocketID, room adapter.Room) {
	a.roomsMu.Lock()
	var deleted []string
	for _, r := range a.Memory.SocketRooms(id) {
		if r == room {
			a.Memory.Del(id, room)
			if a.roomMembers[r]--; a.roomMembers[r] <= 0 {
				delete(a.roomMembers, r)
				deleted = append(deleted, r)
			}
			break
		}
	}
	a.roomsChanged(nil, deleted, id)
	a.roomsMu.Unlock()
}

// DelAll removes the socket from every room.
func (a *ShardedAdapter) DelAll(id adapter.SocketID) {
	a.roomsMu.Lock()
	var deleted []string
	for _, r := range a.Memory.SocketRooms(id) {
		if a.roomMembers[r]--; a.roomMembers[r] <= 0 {
			delete(a.roomMembers, r)
			deleted = append(deleted, r)
		}
	}
	a.Memory.DelAll(id)
	a.roomsChanged(nil, deleted, id)
	a.roomsMu.Unlock()
}

func (a *ShardedAdapter) addLocal(opts adapter.BroadcastOptions, rooms []string) {
	for _, id := range a.Memory.Sockets(opts) {
		a.add(id, rooms, true)
	}
}

func (a *ShardedAdapter) delLocal(opts adapter.BroadcastOptions, rooms []string) {
	for _, id := range a.Memory.Sockets(opts) {
		for _, r := range rooms {
			a.Del(id, r)
		}
	}
}

// roomsChanged marks the rooms created or deleted on this server as dirty
// and wakes the publisher for syncRooms (wake never blocks); roomsMu is
// held. A room named after the socket id (its own room) is private.
func (a *ShardedAdapter) roomsChanged(created, deleted []string, id string) {
	if a.opts.SubscriptionMode == Static || len(created)+len(deleted) == 0 {
		return
	}
	for _, r := range created {
		a.roomsDirty[r] = a.dynamicRoom(r, r == id || a.isSocket(r))
	}
	for _, r := range deleted {
		if _, ok := a.roomsDirty[r]; !ok {
			a.roomsDirty[r] = false // no members: its channel goes either way
		}
	}
	a.wake()
}

// syncRooms subscribes the channel of each dirty room that has members
// here and its own channel, and unsubscribes the others' if subscribed.
// It runs on the publisher only, so its decisions reach Redis in the order
// they were taken; it reads the current members, so running it more often
// than needed is harmless.
func (a *ShardedAdapter) syncRooms() {
	var add, remove []string
	a.roomsMu.Lock()
	for r, own := range a.roomsDirty {
		want := own && a.roomMembers[r] > 0
		if want == a.roomChannels[r] {
			continue
		}
		if want {
			a.roomChannels[r] = true
			add = append(add, a.channel+r+"#")
		} else {
			delete(a.roomChannels, r)
			remove = append(remove, a.channel+r+"#")
		}
	}
	clear(a.roomsDirty)
	a.roomsMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), a.opts.RequestsTimeout)
	defer cancel()
	// The subscription keeps the channels it was given, and subscribes
	// them again after a lost connection, even when the call fails. Add
	// waits for Redis to confirm: a round trip, or up to RequestsTimeout
	// on a connection that died silently.
	if len(add) > 0 {
		if err := a.sub.Add(ctx, add...); err != nil && !errors.Is(err, ErrClosed) {
			a.report(fmt.Errorf("sioredis: subscribing room channels: %w", err))
		}
	}
	if len(remove) > 0 {
		if err := a.sub.Remove(ctx, remove...); err != nil && !errors.Is(err, ErrClosed) {
			a.report(fmt.Errorf("sioredis: unsubscribing room channels: %w", err))
		}
	}
}

func (a *ShardedAdapter) isSocket(room string) bool {
	_, ok := a.nsp.Socket(room)
	return ok
}

package sioredis

// Hooks into goSub for the tests of package sioredis_test.

// SubDown returns the subscription's count of connections (and slots) down.
func SubDown(sub Subscription) int {
	s := sub.(*goSub)
	s.lmu.Lock()
	defer s.lmu.Unlock()
	return s.down
}

// LockSub holds the subscription's lock, as Add and Remove do while they
// talk to Redis, until unlock is called.
func LockSub(sub Subscription) (unlock func()) {
	s := sub.(*goSub)
	s.smu.Lock()
	return s.smu.Unlock
}

// DropHeld does what Remove does to the connection holding channel when it
// holds nothing else, with the lock held by the caller (LockSub): drop it,
// then forget it.
func DropHeld(sub Subscription, channel string) {
	s := sub.(*goSub)
	for _, c := range s.conns {
		if _, ok := c.channels[channel]; ok {
			delete(c.channels, channel)
			s.drop(c)
			s.forget(c)
			return
		}
	}
	panic("channel not held")
}

package middleware

import (
	"testing"
	"time"
)

func TestIPBucketsStayBounded(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1e9, 0)
	// At most 3 addresses; an empty bucket is full again after 2 s.
	ib := newIPBuckets(Limit{Rate: 1, Burst: 2}, 3)
	for i, step := range []struct {
		at   time.Duration
		key  string
		want bool
		n    int // addresses tracked after the step
	}{
		{0, "a", true, 1},
		{0, "a", true, 1},
		{0, "a", false, 1},
		{time.Second, "b", true, 2},
		{time.Second, "c", true, 3},
		{time.Second, "d", true, 3}, // evicts a, the least recently used
		{time.Second, "a", true, 3}, // a starts over with a full bucket; b is evicted
		{time.Second, "a", true, 3},
		{time.Second, "a", false, 3},
		{3 * time.Second, "e", true, 1}, // c, d and a are full again: forgotten
		{3 * time.Second, "a", true, 2},
		{3 * time.Second, "a", true, 2},
		{3 * time.Second, "a", false, 2},
		{4 * time.Second, "f", true, 3}, // e is not full yet (used at 3 s): kept
		{4 * time.Second, "a", true, 3}, // a kept its state: 1 token refilled
		{4 * time.Second, "a", false, 3},
	} {
		if got := ib.take(step.key, t0.Add(step.at)); got != step.want {
			t.Fatalf("step %d: take(%s) = %v, want %v", i, step.key, got, step.want)
		}
		if n := ib.len(); n != step.n {
			t.Fatalf("step %d: %d addresses, want %d", i, n, step.n)
		}
	}
}

func TestBucketIgnoresClockGoingBack(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1e9, 0)
	l := Limit{Rate: 1, Burst: 1}
	var b bucket
	if !b.ready(l, t0) {
		t.Fatal("a new bucket is empty")
	}
	b.take()
	if b.ready(l, t0.Add(-time.Hour)) {
		t.Fatal("the clock went back and the bucket refilled")
	}
	if !b.ready(l, t0.Add(time.Second)) {
		t.Fatal("no refill after 1 s")
	}
}

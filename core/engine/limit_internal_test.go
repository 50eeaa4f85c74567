package engine

import (
	"testing"
	"time"
)

func TestLimiterBucket(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	l := newLimiter(HandshakeLimit{Rate: 2, Burst: 2, MaxClients: 10}.withDefaults())
	l.now = func() time.Time { return now }
	for i := 0; i < 2; i++ {
		if ok, _ := l.allow("a"); !ok {
			t.Fatalf("burst handshake %d refused", i)
		}
	}
	if ok, retry := l.allow("a"); ok || retry != 500*time.Millisecond {
		t.Fatalf("over burst: %v, retry %v", ok, retry)
	}
	if ok, _ := l.allow("b"); !ok {
		t.Fatal("another key shares the bucket")
	}
	now = now.Add(250 * time.Millisecond)
	if ok, retry := l.allow("a"); ok || retry != 250*time.Millisecond {
		t.Fatalf("half a token: %v, retry %v", ok, retry)
	}
	now = now.Add(250 * time.Millisecond)
	if ok, _ := l.allow("a"); !ok {
		t.Fatal("refilled token refused")
	}
	// A clock going backwards adds no tokens and breaks nothing.
	now = now.Add(-time.Hour)
	if ok, _ := l.allow("a"); ok {
		t.Fatal("token from a clock going backwards")
	}
}

func TestLimiterMemoryBounded(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	l := newLimiter(HandshakeLimit{Rate: 1, Burst: 1, MaxClients: 3}.withDefaults())
	l.now = func() time.Time { return now }
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		if ok, _ := l.allow(k); !ok {
			t.Fatalf("new key %s refused", k)
		}
		if n := l.tracked(); n > 3 {
			t.Fatalf("tracking %d keys, max 3", n)
		}
	}
	// Refilled buckets are forgotten at the next sweep.
	now = now.Add(time.Second)
	if ok, _ := l.allow("f"); !ok {
		t.Fatal("refused after refill")
	}
	if n := l.tracked(); n != 1 {
		t.Fatalf("tracking %d keys after refill, want 1", n)
	}
	// Many distinct keys never grow the map past MaxClients.
	for i := 0; i < 1000; i++ {
		l.allow(string(rune('A' + i)))
	}
	if n := l.tracked(); n != 3 {
		t.Fatalf("tracking %d keys, max 3", n)
	}
}

package client

import (
	"testing"
	"time"
)

// TestBackoffDelay: the delays double from ReconnectionDelay up to
// ReconnectionDelayMax, and the jitter moves them by up to
// RandomizationFactor of themselves, as socket.io-client's backoff.
func TestBackoffDelay(t *testing.T) {
	o := Options{ReconnectionDelay: time.Second, ReconnectionDelayMax: 5 * time.Second, RandomizationFactor: -1}
	o = o.withDefaults()
	for n, want := range []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second} {
		if n == 0 {
			continue
		}
		if got := backoffDelay(&o, n, 0.7); got != want {
			t.Errorf("attempt %d without jitter: %v, want %v", n, got, want)
		}
	}
	o.RandomizationFactor = 0.5
	for _, tc := range []struct {
		n    int
		r    float64
		want time.Duration
	}{
		{1, 0.05, 975 * time.Millisecond},  // floor(0.5)=0, even: down by 25 ms
		{1, 0.15, 1075 * time.Millisecond}, // floor(1.5)=1, odd: up by 75 ms
		{2, 0.99, 2990 * time.Millisecond}, // odd: up by floor(0.99*0.5*2000) = 990 ms
		{3, 0.99, 5 * time.Second},         // 4000+1980 capped
		{1000, 0.5, 5 * time.Second},       // 2^999 s overflows: capped
	} {
		if got := backoffDelay(&o, tc.n, tc.r); got != tc.want {
			t.Errorf("attempt %d, r %v: %v, want %v", tc.n, tc.r, got, tc.want)
		}
	}
}

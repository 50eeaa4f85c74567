package client

import (
	"math"
	"math/rand/v2"
	"time"
)

// backoffDelay returns the delay before reconnection attempt n (1 for the
// first): ReconnectionDelay doubled n-1 times, moved at random by up to
// RandomizationFactor of itself, up or down, and capped at
// ReconnectionDelayMax, the way socket.io-client computes it. r is a
// random number in [0, 1).
func backoffDelay(o *Options, n int, r float64) time.Duration {
	ms := float64(o.ReconnectionDelay.Milliseconds()) * math.Pow(2, float64(n-1))
	if j := o.RandomizationFactor; j > 0 {
		dev := math.Floor(r * j * ms)
		if int(math.Floor(r*10))&1 == 0 {
			ms -= dev
		} else {
			ms += dev
		}
	}
	max := float64(o.ReconnectionDelayMax.Milliseconds())
	if ms > max || math.IsInf(ms, 1) || math.IsNaN(ms) {
		ms = max
	}
	return time.Duration(ms) * time.Millisecond
}

// randFloat is the randomness of the delays.
var randFloat = rand.Float64

package engine

import (
	"math"
	"net"
	"sync"
	"time"
)

// HandshakeLimit is a token bucket per client, used by Options.HandshakesPerIP.
// Each client may open Burst sessions at once, then Rate per second. It is a
// plain value, immutable once given to NewServer.
type HandshakeLimit struct {
	// Rate is the number of handshakes per second a client regains. Zero
	// (the default) disables the limit.
	Rate float64
	// Burst is the most handshakes a client may make at once. Default:
	// Rate rounded up, at least 1.
	Burst int
	// MaxClients bounds the number of clients tracked at once, so that the
	// limiter's memory stays bounded (about 100 bytes per client). Buckets
	// that have refilled are forgotten (a full bucket is the same as none);
	// when MaxClients clients are still tracked, an arbitrary one is
	// forgotten to make room, which favours availability over strictness.
	// Default 10000.
	MaxClients int
	// Key returns the client key of a handshake. Default: the IP of
	// Request.RemoteAddr (the host part, port removed). Behind a reverse
	// proxy every request comes from the proxy: read a trusted
	// X-Forwarded-For here instead.
	Key func(r Request) string
}

// RateLimit is the old name of HandshakeLimit.
//
// Deprecated: use HandshakeLimit.
type RateLimit = HandshakeLimit

const defaultRateMaxClients = 10000

func (l HandshakeLimit) enabled() bool { return l.Rate > 0 }

func (l HandshakeLimit) withDefaults() HandshakeLimit {
	if !l.enabled() {
		return HandshakeLimit{}
	}
	if math.IsInf(l.Rate, 0) || math.IsNaN(l.Rate) {
		panic("engine: Options.HandshakesPerIP.Rate must be finite")
	}
	if l.Burst <= 0 {
		l.Burst = max(1, int(math.Ceil(l.Rate)))
	}
	if l.MaxClients <= 0 {
		l.MaxClients = defaultRateMaxClients
	}
	if l.Key == nil {
		l.Key = remoteIP
	}
	return l
}

// remoteIP is the default HandshakeLimit.Key: the host of RemoteAddr.
func remoteIP(r Request) string {
	addr := r.RemoteAddr()
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// limiter is the token buckets of a HandshakeLimit. Safe for concurrent use.
type limiter struct {
	rate    float64
	burst   float64
	maxKeys int
	period  time.Duration // time for an empty bucket to refill: the sweep period
	now     func() time.Time

	mu        sync.Mutex
	buckets   map[string]bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(l HandshakeLimit) *limiter {
	refill := time.Duration(float64(l.Burst) / l.Rate * float64(time.Second))
	return &limiter{
		rate:    l.Rate,
		burst:   float64(l.Burst),
		maxKeys: l.MaxClients,
		period:  max(refill, time.Second),
		now:     time.Now,
		buckets: make(map[string]bucket),
	}
}

// allow takes a token from key's bucket. When there is none, it returns false
// and how long until there is one.
func (l *limiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.lastSweep) >= l.period {
		l.sweepLocked(now)
	}
	b, ok := l.buckets[key]
	if ok {
		b.tokens = l.level(b, now)
	} else {
		if len(l.buckets) >= l.maxKeys {
			l.sweepLocked(now)
		}
		if len(l.buckets) >= l.maxKeys {
			for k := range l.buckets { // forget an arbitrary client
				delete(l.buckets, k)
				break
			}
		}
		b.tokens = l.burst
	}
	b.last = now
	if b.tokens < 1 {
		l.buckets[key] = b
		return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	}
	b.tokens--
	l.buckets[key] = b
	return true, 0
}

// level returns b's tokens at now.
func (l *limiter) level(b bucket, now time.Time) float64 {
	el := now.Sub(b.last).Seconds()
	if el < 0 {
		el = 0
	}
	return math.Min(l.burst, b.tokens+el*l.rate)
}

// sweepLocked forgets the buckets that have refilled.
func (l *limiter) sweepLocked(now time.Time) {
	l.lastSweep = now
	for k, b := range l.buckets {
		if l.level(b, now) >= l.burst {
			delete(l.buckets, k)
		}
	}
}

func (l *limiter) tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

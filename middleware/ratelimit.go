package middleware

import (
	"container/list"
	"errors"
	"math"
	"net"
	"sync"
	"time"

	"github.com/gosio/gosio/core"
)

// ErrRateLimited is the error a client gets in its acknowledgement, as
// {"error": "rate limit exceeded"}, for an event [RateLimit] dropped.
var ErrRateLimited = errors.New("rate limit exceeded")

// Limit is a token bucket: Rate events a second on average, with bursts of
// up to Burst events. A zero Rate means no limit.
type Limit struct {
	// Rate is the number of events allowed per second, on average.
	Rate float64
	// Burst is the number of events allowed at once. Default: Rate rounded
	// up, at least 1.
	Burst int
}

func (l Limit) withDefaults() Limit {
	if l.Rate > 0 && l.Burst <= 0 {
		l.Burst = max(1, int(math.Ceil(l.Rate)))
	}
	return l
}

// fillTime is how long an empty bucket takes to fill up.
func (l Limit) fillTime() time.Duration {
	return time.Duration(float64(l.Burst) / l.Rate * float64(time.Second))
}

// LimitAction is what [RateLimit] does with an event over the limit.
type LimitAction int

const (
	// LimitDrop drops the event: its handler does not run, and a client
	// that asked for an acknowledgement gets {"error": "rate limit
	// exceeded"}.
	LimitDrop LimitAction = iota
	// LimitDisconnect drops the event as LimitDrop does, then disconnects
	// the socket from its namespace (reason "server namespace
	// disconnect"; the client does not reconnect by itself).
	LimitDisconnect
)

// RateLimitOptions configure [RateLimit]. At least one of PerSocket and
// PerIP must have a Rate; the zero value of every other field works.
type RateLimitOptions struct {
	// PerSocket limits the events of each socket.
	PerSocket Limit
	// PerIP limits the events of all the sockets of one client address
	// together (all namespaces, all connections).
	PerIP Limit
	// Action is what happens to an event over a limit. Default LimitDrop.
	Action LimitAction
	// Key returns the client address of a socket for PerIP. Default: the
	// host part of the handshake's remote address. Behind a proxy, read
	// the address the proxy forwards (and that you trust) instead.
	Key func(s *core.Socket) string
	// MaxIPs bounds the addresses PerIP tracks. An address idle for long
	// enough that its bucket is full again is forgotten first, without
	// effect; past MaxIPs, the least recently seen address is forgotten
	// (it starts again with a full bucket). Default 10,000.
	MaxIPs int
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// OnLimit is called with each event over a limit, on the socket's
	// handler goroutine, before the action. Default none.
	OnLimit func(s *core.Socket, e *core.Event)
}

// RateLimit returns a connect middleware that limits the incoming events
// of every socket it admits with token buckets: one per socket
// (PerSocket) and one per client address shared by its sockets (PerIP).
// An event takes a token from each bucket; when one is empty, the event is
// dropped (or the socket disconnected, see Action) and its handler does
// not run. Acknowledgements and connects are not limited.
//
// The event middleware is added before the rest of the connect chain runs,
// so it runs before the event middlewares and handlers added after it.
// RateLimit panics when no Rate is set or a Rate or Burst is negative.
// Per-address state is bounded by MaxIPs and needs no goroutine. The
// returned middleware is safe for concurrent use.
func RateLimit(opts RateLimitOptions) core.ConnectMiddleware {
	if opts.PerSocket.Rate < 0 || opts.PerIP.Rate < 0 || opts.PerSocket.Burst < 0 || opts.PerIP.Burst < 0 {
		panic("middleware: negative rate limit")
	}
	if opts.PerSocket.Rate == 0 && opts.PerIP.Rate == 0 {
		panic("middleware: RateLimitOptions sets no Rate")
	}
	perSocket := opts.PerSocket.withDefaults()
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	key := opts.Key
	if key == nil {
		key = remoteHost
	}
	var ips *ipBuckets
	if opts.PerIP.Rate > 0 {
		maxIPs := opts.MaxIPs
		if maxIPs <= 0 {
			maxIPs = 10000
		}
		ips = newIPBuckets(opts.PerIP.withDefaults(), maxIPs)
	}
	action, onLimit := opts.Action, opts.OnLimit
	return func(next core.ConnectHandler) core.ConnectHandler {
		return func(s *core.Socket) error {
			var own *bucket
			if perSocket.Rate > 0 {
				own = &bucket{}
			}
			var ip string
			if ips != nil {
				ip = key(s)
			}
			s.Use(func(next core.EventHandler) core.EventHandler {
				return func(s *core.Socket, e *core.Event) error {
					t := now()
					ok := true
					if own != nil {
						ok = own.ready(perSocket, t)
					}
					if ok && ips != nil {
						ok = ips.take(ip, t)
					}
					if !ok {
						if onLimit != nil {
							onLimit(s, e)
						}
						if e.HasAck() {
							_ = e.Ack(map[string]string{"error": ErrRateLimited.Error()})
						}
						if action == LimitDisconnect {
							s.Disconnect(false)
						}
						return nil
					}
					if own != nil {
						own.take()
					}
					return next(s, e)
				}
			})
			return next(s)
		}
	}
}

// remoteHost is the host part of the handshake's remote address.
func remoteHost(s *core.Socket) string {
	addr := s.Handshake().Address
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// bucket is a token bucket. Its methods are not safe for concurrent use:
// a socket's bucket is used by its handler goroutine only, and the
// per-address buckets under ipBuckets' lock.
type bucket struct {
	tokens float64
	last   time.Time // zero for a full bucket never used
}

// ready refills the bucket up to t and reports whether it holds a token.
func (b *bucket) ready(l Limit, t time.Time) bool {
	if b.last.IsZero() {
		b.tokens, b.last = float64(l.Burst), t
	} else if d := t.Sub(b.last); d > 0 {
		b.tokens = math.Min(float64(l.Burst), b.tokens+d.Seconds()*l.Rate)
		b.last = t
	}
	return b.tokens >= 1
}

// take removes a token; call it after ready returned true.
func (b *bucket) take() { b.tokens-- }

// ipBuckets are the per-address buckets, least recently used last. It is
// safe for concurrent use.
type ipBuckets struct {
	limit Limit
	fill  time.Duration
	max   int

	mu  sync.Mutex
	m   map[string]*list.Element // of *ipBucket
	lru list.List
}

type ipBucket struct {
	key string
	bucket
}

func newIPBuckets(l Limit, maxIPs int) *ipBuckets {
	return &ipBuckets{limit: l, fill: l.fillTime(), max: maxIPs, m: make(map[string]*list.Element)}
}

// take takes a token from key's bucket at t, reporting whether there was
// one.
func (ib *ipBuckets) take(key string, t time.Time) bool {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	el, ok := ib.m[key]
	if ok {
		ib.lru.MoveToFront(el)
	} else {
		ib.expire(t)
		if len(ib.m) >= ib.max {
			ib.remove(ib.lru.Back())
		}
		el = ib.lru.PushFront(&ipBucket{key: key})
		ib.m[key] = el
	}
	b := el.Value.(*ipBucket)
	if !b.ready(ib.limit, t) {
		return false
	}
	b.take()
	return true
}

// expire forgets the addresses whose buckets are full again at t: a full
// bucket and no bucket behave the same.
func (ib *ipBuckets) expire(t time.Time) {
	for el := ib.lru.Back(); el != nil; el = ib.lru.Back() {
		if t.Sub(el.Value.(*ipBucket).last) < ib.fill {
			return
		}
		ib.remove(el)
	}
}

func (ib *ipBuckets) remove(el *list.Element) {
	delete(ib.m, el.Value.(*ipBucket).key)
	ib.lru.Remove(el)
}

// len returns the number of addresses tracked.
func (ib *ipBuckets) len() int {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	return len(ib.m)
}
